"""Common Crawl file listings: `crawl-data/CC-MAIN-2024-33/warc.paths.gz` -> full URLs of the crawl's files.

Each crawl publishes gzipped lists of its files' paths relative to the bucket
root (about 90,000 WARC or WET files per crawl). `list_urls` streams and
decompresses that list, keeps shard K of N (round-robin, so every shard gets
files from every segment) and the first `limit` of those, and prefixes `base`:
`https://data.commoncrawl.org` (HTTPS, read with curation.http_reader) or
`s3://commoncrawl` (read with Beam FileSystems).
"""

from __future__ import annotations

import gzip
import re
import zlib
from typing import Iterator

from curation.http_reader import is_http_url, open_url

DEFAULT_BASE = "https://data.commoncrawl.org"
KINDS = ("warc", "wet")
_CRAWL_RE = re.compile(r"CC-MAIN-\d{4}-\d{2}")
_SHARD_RE = re.compile(r"(\d+)/(\d+)")


class ListingError(Exception):
    """The listing could not be fetched or is not a Common Crawl paths file."""


def listing_url(crawl: str, kind: str = "warc", base: str = DEFAULT_BASE) -> str:
    """`{base}/crawl-data/{crawl}/{kind}.paths.gz`; ValueError for a malformed crawl name or kind."""
    if not _CRAWL_RE.fullmatch(crawl):
        raise ValueError(f"crawl must look like CC-MAIN-2024-33, not {crawl!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return f"{base.rstrip('/')}/crawl-data/{crawl}/{kind}.paths.gz"


def parse_shard(spec: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 0 <= K < N; ValueError otherwise."""
    m = _SHARD_RE.fullmatch(spec.strip())
    if not m or not int(m.group(1)) < int(m.group(2)):
        raise ValueError(f"shard must be K/N with 0 <= K < N (e.g. 0/8), not {spec!r}")
    return int(m.group(1)), int(m.group(2))


def list_urls(
    crawl: str,
    kind: str = "warc",
    *,
    base: str = DEFAULT_BASE,
    limit: int | None = None,
    shard: tuple[int, int] = (0, 1),
) -> Iterator[str]:
    """Full URLs of one crawl's WARC or WET files, in listing order; raises ListingError if unreadable."""
    url = listing_url(crawl, kind, base)
    index, count = shard
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    emitted = 0
    try:
        with _open(url) as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(_entries(lines, crawl, url)):
                if number % count != index:
                    continue
                yield f"{base.rstrip('/')}/{line}"
                emitted += 1
                if emitted == limit:
                    return
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise ListingError(f"cannot read {url}: {type(e).__name__}: {e}") from e


def _entries(lines, crawl: str, url: str) -> Iterator[str]:
    """Non-blank lines, each checked to be a path of this crawl (a CDN error page is not a listing)."""
    prefix = f"crawl-data/{crawl}/"
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not line.startswith(prefix):
            raise ListingError(f"{url} has an entry outside {prefix}: {line[:200]!r}")
        yield line


def _open(url: str):
    if is_http_url(url):
        return open_url(url)
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.open(url, compression_type=CompressionTypes.UNCOMPRESSED)
