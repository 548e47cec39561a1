"""FineWeb's quality filters (datatrove 0.2.0, the FineWeb 2024 release), as small pure functions.

Each filter maps its input to a `Verdict` (keep or "<filter>:<reason>", the
numeric signals it computed, and for C4 the rewritten text). `FILTERS` lists
them in the order they run: the URL filter before extraction, the text filters
after language ID; `scrub_pii` runs after dedup. The stage order of stats.json
and the `--filters` help derive from `FILTERS`, and the report draws the limits
each text filter states (`thresholds`), so a new filter is one entry there.
Only the standard library is used, so filters are cheap to build and pickle
(Beam builds them in setup).
"""

from __future__ import annotations

from filters.base import TextFilter, Verdict
from filters.c4 import C4Filter
from filters.fineweb import FineWebFilter
from filters.gopher_quality import GopherQualityFilter
from filters.gopher_repetition import GopherRepetitionFilter
from filters.pii import scrub_pii
from filters.url import (
    DEFAULT_BANNED_SUBWORDS,
    DEFAULT_BANNED_WORDS,
    DEFAULT_BLOCKLIST,
    DEFAULT_SOFT_BANNED_WORDS,
    UrlFilter,
    read_list,
)

__all__ = [
    "FILTERS",
    "FILTER_NAMES",
    "TEXT_FILTER_NAMES",
    "URL_FILTER",
    "TextFilter",
    "UrlFilter",
    "Verdict",
    "build_text_filters",
    "build_url_filter",
    "parse_filter_spec",
    "scrub_pii",
]

# Every filter by name, in FineWeb's order, which is the order they run in. URL_FILTER judges the URL, before
# extraction (`build_url_filter` gives it its lists); the others judge the text, after language ID.
URL_FILTER = "url"
FILTERS: dict[str, type] = {
    URL_FILTER: UrlFilter,
    "gopher_repetition": GopherRepetitionFilter,
    "gopher_quality": GopherQualityFilter,
    "c4": C4Filter,
    "fineweb": FineWebFilter,
}
FILTER_NAMES: tuple[str, ...] = tuple(FILTERS)
TEXT_FILTER_NAMES: tuple[str, ...] = tuple(name for name in FILTERS if name != URL_FILTER)


def parse_filter_spec(spec: str) -> list[str]:
    """"fineweb" -> every filter, "none" -> [], "c4,url" -> those filters in FineWeb order."""
    spec = spec.strip().lower()
    if spec == "fineweb":
        return list(FILTER_NAMES)
    if spec == "none":
        return []
    names = {name.strip() for name in spec.split(",")}
    unknown = sorted(names - set(FILTER_NAMES))
    if unknown or not spec:
        bad = ", ".join(repr(name) for name in unknown) or "''"
        raise ValueError(
            f"unknown filter {bad}; use 'fineweb' (all), 'none', or a comma list of: {', '.join(FILTER_NAMES)}"
        )
    return [name for name in FILTER_NAMES if name in names]


def build_url_filter(blocklist_paths: list[str] | None = None, include_default: bool = True) -> UrlFilter:
    """The URL filter with the shipped word lists and blocklist, plus the blocklist files given.

    Given files add to the shipped blocklist (it is small and only holds
    well-known adult domains); `include_default=False` uses only the given
    files. Raises OSError for an unreadable file.
    """
    entries = read_list(DEFAULT_BLOCKLIST) if include_default else []
    for path in blocklist_paths or []:
        entries += read_list(path)
    return UrlFilter(
        blocklist=entries,
        banned_words=read_list(DEFAULT_BANNED_WORDS),
        banned_subwords=read_list(DEFAULT_BANNED_SUBWORDS),
        soft_banned_words=read_list(DEFAULT_SOFT_BANNED_WORDS),
    )


def build_text_filters(names: list[str]) -> list[TextFilter]:
    """The text filters among `names`, in FineWeb order, with FineWeb's thresholds ("url" is ignored)."""
    return [FILTERS[name]() for name in TEXT_FILTER_NAMES if name in names]
