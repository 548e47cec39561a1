"""`curate index OUT_DIR`: build or update the BM25 search index over OUT_DIR/data/<lang_Script>/*.parquet.

Only shards that are new or changed since the last call are indexed; shards that
went away leave the index. The index lives in OUT_DIR/index (see curation/search_index.py).
"""

from __future__ import annotations

import argparse

from curation.errors import UsageError
from curation.flags import curated_dir, integer


def register(subparsers) -> None:
    p = subparsers.add_parser("index", help="build or update the BM25 search index over the kept shards",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", metavar="OUT_DIR", help="output folder of `curate run` (reads OUT_DIR/data/<lang_Script>/*.parquet)")
    p.add_argument("--threads", type=integer(1), default=None, help="duckdb threads (default: all cores)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    curated_dir("OUT_DIR", args.out_dir)
    from curation.search_index import SearchIndexError, build_index

    try:
        summary = build_index(args.out_dir, args.threads)
    except SearchIndexError as e:
        raise UsageError(str(e)) from None
    print(f"{args.out_dir}/index: {summary.shards} shard(s), {summary.docs} docs; indexed {len(summary.indexed)}, "
          f"removed {len(summary.removed)}; {summary.index_bytes / 1e6:.2f} MB for {summary.text_bytes / 1e6:.2f} MB "
          f"of text; {summary.seconds:.2f} s")
    return 0


def open_searcher(out_dir: str, flag: str = "--output"):
    """The index of a curated folder given as `flag`, or a one-line UsageError (no folder, no index, shards changed
    since)."""
    curated_dir(flag, out_dir)
    from curation.search import Searcher
    from curation.search_index import SearchIndexError

    try:
        return Searcher(out_dir)
    except SearchIndexError as e:
        raise UsageError(str(e)) from None
