"""README.md and docs/*.md: every relative link and image resolves, every #anchor names a heading, README stays short.

The reference moved from one long README into docs/ pages that link to each other; a renamed heading or a
moved page breaks those links silently on GitHub, so they are checked here with GitHub's heading slugs.
"""

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 300

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose_lines(text: str) -> list[str]:
    """Lines outside fenced code blocks: links and headings inside fences are code, not markdown."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        lines.append("" if fenced else line)
    return lines


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text kept, lowercase, punctuation but - and _ dropped, spaces -> -."""
    text = _INLINE_LINK.sub(r"\1", heading).strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a page, numbered -1, -2, ... for repeats as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every markdown link and image that does not name a scheme (http:, mailto:)."""
    links = []
    for number, line in enumerate(_prose_lines(path.read_text(encoding="utf-8")), 1):
        for target in _LINK.findall(_CODE_SPAN.sub("", line)):
            if not _SCHEME.match(target):
                links.append((number, target))
    return links


def test_slugs_follow_github():
    assert github_slug("The curation pipeline: `curate run`") == "the-curation-pipeline-curate-run"
    assert github_slug("Sample data (`sample_warcs/`)") == "sample-data-sample_warcs"
    assert (github_slug("Learned quality score: `curate quality`, `curate run --quality-model`")
            == "learned-quality-score-curate-quality-curate-run---quality-model")
    assert github_slug("See [Search](search.md) here") == "see-search-here"


def test_link_scan_skips_code_and_urls(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# A b\n[x](a.md#c) ![i](p.png) [w](https://e.org) `[n](no.md)`\n```\n[f](f.md)\n# Not\n```\n",
                    encoding="utf-8")
    assert relative_links(page) == [(2, "a.md#c"), (2, "p.png")]
    assert anchors(page) == {"a-b"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page):
    broken = []
    for number, target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{page.name}:{number}: {target}: no file {dest}")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(f"{page.name}:{number}: {target}: no heading #{anchor} in {dest.name}")
    assert not broken, "\n".join(broken)


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move reference text into docs/"
