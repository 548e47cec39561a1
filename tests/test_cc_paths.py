"""Common Crawl listings: `curate cc-paths` and `curate run --crawl`, against a listing served on 127.0.0.1."""

from __future__ import annotations

import argparse
import gzip

import pytest

import curate_cli.main as cli
from curate_cli.run import add_arguments
from curation.ccpaths import ListingError, list_urls, listing_url, parse_shard
from curation.errors import UsageError
from test_http_reader import FaultyServer

CRAWL = "CC-MAIN-2024-33"
PATHS = [
    f"crawl-data/{CRAWL}/segments/1722640{i:03d}.{i}/warc/CC-MAIN-20240802{i:06d}-0000{i}.warc.gz" for i in range(7)
]


@pytest.fixture
def listing(tmp_path):
    """A server whose crawl-data/CC-MAIN-2024-33/warc.paths.gz lists PATHS (blank lines included, as gzip)."""
    folder = tmp_path / "crawl-data" / CRAWL
    folder.mkdir(parents=True)
    (folder / "warc.paths.gz").write_bytes(gzip.compress(("\n".join(PATHS) + "\n\n").encode()))
    (folder / "wet.paths.gz").write_bytes(b"<html>Access denied</html>")
    with FaultyServer(tmp_path) as server:
        yield server


def test_listing_url_and_validation():
    assert listing_url(CRAWL, "wet", "https://data.commoncrawl.org/") == (
        "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-33/wet.paths.gz"
    )
    for crawl, kind in (("2024-33", "warc"), ("CC-MAIN-2024-33", "wat"), ("CC-MAIN-2024-33/../x", "warc")):
        with pytest.raises(ValueError):
            listing_url(crawl, kind)
    assert parse_shard("3/8") == (3, 8)
    for bad in ("8/8", "1/0", "-1/4", "a/b", "2"):
        with pytest.raises(ValueError):
            parse_shard(bad)


def test_lists_full_urls_with_shards_and_limit(listing):
    base = listing.base
    assert list(list_urls(CRAWL, base=base)) == [f"{base}/{p}" for p in PATHS]
    assert list(list_urls(CRAWL, base=base, limit=2)) == [f"{base}/{p}" for p in PATHS[:2]]
    shards = [list(list_urls(CRAWL, base=base, shard=(k, 3))) for k in range(3)]
    assert shards[1] == [f"{base}/{p}" for p in PATHS[1::3]]
    assert sorted(u for s in shards for u in s) == sorted(f"{base}/{p}" for p in PATHS)  # a partition
    assert list(list_urls(CRAWL, base=base, shard=(1, 3), limit=1)) == [f"{base}/{PATHS[1]}"]


def test_listing_survives_throttling(listing):
    listing.faults[f"crawl-data/{CRAWL}/warc.paths.gz"] = [("status", 503, 0), ("status", 429, 0)]
    assert len(list(list_urls(CRAWL, base=listing.base))) == len(PATHS)


def test_a_listing_that_is_not_one_is_an_error(listing):
    with pytest.raises(ListingError, match="wet.paths.gz"):
        list(list_urls(CRAWL, "wet", base=listing.base))
    with pytest.raises(ListingError, match="404"):
        list(list_urls("CC-MAIN-2020-01", base=listing.base))


def test_cc_paths_command(listing, capsys):
    assert cli.main(["cc-paths", CRAWL, "--base", listing.base, "--shard", "0/2", "--limit", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{listing.base}/{p}" for p in PATHS[0::2][:3]]
    assert cli.main(["cc-paths", "CC-MAIN-2020-01", "--base", listing.base]) == 1
    assert "404" in capsys.readouterr().err
    assert cli.main(["cc-paths", "2024-33", "--base", listing.base]) == 2
    with pytest.raises(SystemExit) as exit_:  # argparse: "argument --limit: must be at least 1, not 0"
        cli.main(["cc-paths", CRAWL, "--base", listing.base, "--limit", "0"])
    assert exit_.value.code == 2


def _run_config(*argv: str):
    from pipelines.curate import config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return config_from_args(parser.parse_args(list(argv)))


def test_run_crawl_expands_to_urls_at_launch(listing):
    cfg = _run_config("--crawl", CRAWL, "--limit", "4", "--cc-base", listing.base)
    assert cfg.inputs == [f"{listing.base}/{p}" for p in PATHS[:4]]
    with pytest.raises(UsageError, match="not both"):
        _run_config("--crawl", CRAWL, "--cc-base", listing.base, "--input", "x.warc.gz")
    with pytest.raises(UsageError, match="needs --crawl"):
        _run_config("--limit", "3")
    with pytest.raises(UsageError, match="wet.paths.gz"):
        _run_config("--crawl", CRAWL, "--format", "wet", "--cc-base", listing.base)
