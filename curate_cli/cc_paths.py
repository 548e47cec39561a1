"""`curate cc-paths CRAWL`: print the full URLs of a Common Crawl crawl's WARC or WET files."""

from __future__ import annotations

import argparse
import os
import sys

from curation.errors import UsageError
from curation.flags import integer

EPILOG = """Examples:
  curate cc-paths CC-MAIN-2024-33 --limit 3
  curate cc-paths CC-MAIN-2024-33 --kind wet --shard 0/100 > shard0.txt
  curate cc-paths CC-MAIN-2024-33 --base s3://commoncrawl --limit 10"""


def _cc_paths(args: argparse.Namespace) -> int:
    from curation.ccpaths import ListingError, list_urls, parse_shard

    try:
        shard = parse_shard(args.shard)
        urls = list_urls(args.crawl, args.kind, base=args.base, limit=args.limit, shard=shard)
        for url in urls:
            print(url)
    except ValueError as e:
        raise UsageError(str(e)) from e
    except ListingError as e:
        print(f"curate cc-paths: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `| head` closed the pipe: not an error; keep Python's exit flush quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def register(subparsers) -> None:
    from curation.ccpaths import DEFAULT_BASE

    parser = subparsers.add_parser(
        "cc-paths", help="list a Common Crawl crawl's WARC/WET file URLs", description=__doc__,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("crawl", help="crawl id, e.g. CC-MAIN-2024-33")
    parser.add_argument("--kind", choices=["warc", "wet"], default="warc", help="which files to list (default: warc)")
    parser.add_argument("--limit", type=integer(1), default=None, help="print at most this many URLs (after --shard)")
    parser.add_argument("--shard", default="0/1", metavar="K/N",
                        help="keep every N-th file starting at K (0 <= K < N), to split a crawl across jobs (default: 0/1)")
    parser.add_argument("--base", default=DEFAULT_BASE,
                        help=f"where the crawl lives: {DEFAULT_BASE} (HTTPS) or s3://commoncrawl (default: {DEFAULT_BASE})")
    parser.set_defaults(func=_cc_paths)
