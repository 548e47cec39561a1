"""URL filter: FineWeb's adult-content URL blocklist step, run before any HTML is parsed.

A URL is dropped, first match wins, in datatrove's order:
- `domain`: its host or any parent domain is a blocklisted domain;
- `url`: its host + path, or a parent path, is a blocklisted URL entry;
- `banned_word`: one of its words is a banned word;
- `soft_banned_words`: it has at least `soft_word_threshold` distinct soft-banned words;
- `banned_subword`: its normalized form contains a banned sub-word.
"Words" are the URL split on runs of characters other than ASCII letters and
digits, lowercased; the normalized form is those words concatenated.

Differences from datatrove, all deliberate: parent domains are matched by
walking the host's labels instead of with tldextract and the Public Suffix List
(no network, no dependency; a listed "b.example.com" also blocks
"a.b.example.com"); URL entries match without scheme or leading "www." and also
block the paths below them (datatrove compares whole URL strings, which its
scheme-less list entries never equal); URL words are lowercased before matching
(datatrove matches them case-sensitively against lowercase lists).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from filters.base import Verdict

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_BLOCKLIST = DATA_DIR / "url_blocklist.txt"
DEFAULT_BANNED_WORDS = DATA_DIR / "banned_words.txt"
DEFAULT_BANNED_SUBWORDS = DATA_DIR / "banned_subwords.txt"
DEFAULT_SOFT_BANNED_WORDS = DATA_DIR / "soft_banned_words.txt"

_NON_ALNUM = re.compile(r"[^a-zA-Z0-9]+")


def read_list(path: str | Path) -> list[str]:
    """Non-empty, non-comment ('#') lines of a UTF-8 list file, stripped and lowercased."""
    with open(path, encoding="utf-8") as f:
        return [line.strip().lower() for line in f if line.strip() and not line.lstrip().startswith("#")]


def parse_blocklist(entries: Iterable[str]) -> tuple[set[str], set[str]]:
    """Split blocklist entries into (domains, URL entries): an entry with a '/' after its host is a URL.

    Schemes, a leading "www.", trailing dots and slashes are dropped, so
    "https://www.Example.com/x/" and "example.com/x" are the same entry.
    """
    domains: set[str] = set()
    urls: set[str] = set()
    for entry in entries:
        entry = entry.strip().lower()
        entry = entry.split("://", 1)[1] if "://" in entry else entry
        entry = entry.removeprefix("www.").rstrip("/")
        host, slash, path = entry.partition("/")
        host = host.rstrip(".")
        if not host:
            continue
        if slash:
            urls.add(f"{host}/{path}")
        else:
            domains.add(host)
    return domains, urls


def _words(entries: Iterable[str]) -> frozenset[str]:
    return frozenset(w for w in (_NON_ALNUM.sub("", e).lower() for e in entries) if w)


class UrlFilter:
    """Keeps or drops one URL (see module doc); signals count what matched."""

    name = "url"
    signal_names = (
        "url_blocked_domain",
        "url_blocked_url",
        "url_banned_words",
        "url_soft_banned_words",
        "url_banned_subwords",
    )

    def __init__(
        self,
        blocklist: Iterable[str] = (),
        banned_words: Iterable[str] = (),
        banned_subwords: Iterable[str] = (),
        soft_banned_words: Iterable[str] = (),
        soft_word_threshold: int = 2,
    ):
        """Lists are used as given (blocklist entries as in `parse_blocklist`).

        `filters.build_url_filter` is the usual way in: it adds the shipped defaults.
        """
        domains, urls = parse_blocklist(blocklist)
        self.domains = frozenset(domains)
        self.urls = frozenset(urls)
        self.banned_words = _words(banned_words)
        self.soft_banned_words = _words(soft_banned_words)
        subwords = sorted(_words(banned_subwords), key=len, reverse=True)
        self._subword = re.compile("|".join(map(re.escape, subwords))) if subwords else None
        self.soft_word_threshold = soft_word_threshold

    def __call__(self, url: str) -> Verdict:
        host, path = _host_and_path(url)
        labels = host.split(".") if host else []
        domain_hit = any(".".join(labels[i:]) in self.domains for i in range(len(labels)))
        url_hit = bool(self.urls and host) and self._blocked_path(host, path)
        parts = _NON_ALNUM.split(url.lower())
        words = set(parts)
        normalized = "".join(parts)
        subwords = len(self._subword.findall(normalized)) if self._subword else 0
        signals = {
            "url_blocked_domain": float(domain_hit),
            "url_blocked_url": float(url_hit),
            "url_banned_words": float(len(words & self.banned_words)),
            "url_soft_banned_words": float(len(words & self.soft_banned_words)),
            "url_banned_subwords": float(subwords),
        }
        if domain_hit:
            reason = "domain"
        elif url_hit:
            reason = "url"
        elif signals["url_banned_words"]:
            reason = "banned_word"
        elif signals["url_soft_banned_words"] >= self.soft_word_threshold:
            reason = "soft_banned_words"
        elif subwords:
            reason = "banned_subword"
        else:
            return Verdict(True, None, signals)
        return Verdict(False, f"{self.name}:{reason}", signals)


    def _blocked_path(self, host: str, path: str) -> bool:
        """Whether host + path, or host + a leading part of the path, is a blocklisted URL entry."""
        prefix = host.removeprefix("www.")
        for segment in path.lower().split("/"):
            if segment:
                prefix = f"{prefix}/{segment}"
                if prefix in self.urls:
                    return True
        return False


def _host_and_path(url: str) -> tuple[str, str]:
    """Lowercased host without port or trailing dot, and the path; ("", "") for an unparsable URL."""
    try:
        parts = urlsplit(url.strip() if "://" in url else f"//{url.strip()}")
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return "", ""
    return host, parts.path
