"""`curate search QUERY --output OUT_DIR`: the best documents for a query (BM25), each with its best passage.

Needs the index that `curate index OUT_DIR` builds. `--format json` prints one JSON
object per line ({rank, id, url, score, passage}); the table escapes control and
bidi characters, since the text is from the web.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from curation.flags import integer

# Control characters, bidi overrides/isolates and line separators: shown as U+FFFD in the table.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
# Line breaks that JSON leaves unescaped but str.splitlines and some readers split on.
_JSON_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help="BM25 search over the curated shards (needs `curate index`)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", metavar="QUERY", help="words to look for")
    p.add_argument("--output", default="out", metavar="OUT_DIR", help="curated output folder (default: %(default)s)")
    p.add_argument("-k", type=integer(1), default=5, help="results to show (default: %(default)s)")
    p.add_argument("--window", type=integer(1), default=60, metavar="WORDS", help="passage length in words (default: %(default)s)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="default: %(default)s")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from curate_cli.index import open_searcher

    hits = open_searcher(args.output).search(args.query, args.k, window=args.window)
    out = sys.stdout
    for rank, hit in enumerate(hits, 1):
        if args.format == "json":
            line = json.dumps({"rank": rank, "id": hit.id, "url": hit.url, "score": round(hit.score, 4),
                               "passage": hit.passage}, ensure_ascii=False)
            out.write(line.translate(str.maketrans(_JSON_LINE_BREAKS)) + "\n")
        else:
            out.write(f"{rank}. {hit.score:.3f}  {_safe(hit.url)}  {_safe(hit.id)}\n   {_safe(hit.passage)}\n")
    if args.format == "table":
        out.write(f"({len(hits)} result{'s' if len(hits) != 1 else ''})\n")
    return 0


def _safe(text: str) -> str:
    return _UNSAFE.sub("\ufffd", text)
