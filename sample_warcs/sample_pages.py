"""The sample's websites and their pages: hosts and servers in sites.json, page text in pages/SITE.txt.

Each pages/SITE.txt holds the pages of the site SITES[SITE], in the order its
"Recent posts" or "Related stories" box lists them. A page is a `# Title` line,
`path:`, `date:` and `author:` lines, a blank line, then the body: blocks
split by blank lines, where "## " starts a subheading and "- " a list item.
Keeping the prose out of the code lets the generator read in a few hundred
lines and lets a page be edited like any text file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"
FIELDS = ("path", "date", "author")


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    tagline: str
    lang: str = "en"
    skin: str = "blog"  # blog | news | club
    sections: tuple[str, ...] = ()
    server: str = "nginx"
    ip: str = "192.0.2.10"


@dataclass(frozen=True)
class Article:
    """A page's main content. `body`: blocks split by blank lines; "## " starts a subheading, "- " a list item."""

    site: str
    path: str
    title: str
    date: str
    author: str
    body: str


# Site name -> Site: hosts, names, languages, skins, servers, in sites.json beside the generator.
SITES = {name: Site(**{k: tuple(v) if k == "sections" else v for k, v in fields.items()})
         for name, fields in json.loads((Path(__file__).resolve().parent / "sites.json").read_text(encoding="utf-8")).items()}


def read_pages(folder: Path = PAGES) -> list[Article]:
    """Every page of every pages/SITE.txt; a site's pages in file order."""
    articles = []
    for path in sorted(folder.glob("*.txt")):
        if path.stem not in SITES:
            raise ValueError(f"{path}: no site {path.stem!r} in SITES")
        before, *pages = re.split(r"^# ", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        if before.strip() or not pages:
            raise ValueError(f"{path}: expected pages that each start with a '# Title' line")
        for page in pages:
            head, _, body = page.partition("\n\n")
            title, *lines = head.split("\n")
            fields = dict(line.partition(": ")[::2] for line in lines)
            if tuple(fields) != FIELDS:
                raise ValueError(f"{path}: page {title!r} needs the lines {', '.join(f + ':' for f in FIELDS)}")
            articles.append(Article(path.stem, fields["path"], title, fields["date"], fields["author"],
                                    body.strip("\n")))
    return articles


def edited(art: Article, site: str, path: str, day: str, author: str, *changes: tuple[str, str]) -> Article:
    """A copy of an article on another page with a few passages changed (each must occur exactly once)."""
    body = art.body
    for old, new in changes:
        if body.count(old) != 1:
            raise ValueError(f"{old!r} occurs {body.count(old)} times in {art.path}")
        body = body.replace(old, new)
    return Article(site, path, art.title, day, author, body)


BY_PATH = {art.path: art for art in read_pages()}

NEAR_DUPLICATES = [
    edited(BY_PATH["/news/2024/07/quay-street-roadworks-to-last-until-october/"], "wire",
           "/regional/2024/07/harbourtown-quay-street-roadworks-extended/", "2024-07-19", "Staff reporter",
           ("Drivers and businesses in Harbourtown face", "Motorists and traders in Harbourtown are facing"),
           ("particularly on market days.",
            "particularly on market days. This story first appeared in the Harbourtown Gazette.")),
    edited(BY_PATH["/observing/how-to-watch-the-perseids/"], "skydigest", "/highlights/2024/07/perseids/",
           "2024-07-21", "Helen Marsh",
           ("\n## Getting comfortable\n",
            "\nSponsored: the Lumina reclining chair folds flat, weighs under four kilos and is half price this week"
            " for Skywatch Digest readers.\n\n## Getting comfortable\n")),
]
ALL_ARTICLES = list(BY_PATH.values()) + NEAR_DUPLICATES
