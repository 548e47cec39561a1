"""`curate run`: curate WARC/ARC/WET archives into FineWeb-schema Parquet shards (the Beam pipeline)."""

from __future__ import annotations

import argparse

DEFAULT_INPUT = "sample_warcs/*.warc*"

EPILOG = """Any Apache Beam pipeline option passes through, e.g.
  --runner DataflowRunner --project P --region R --temp_location gs://b/tmp
  --direct_num_workers 2 --direct_running_mode multi_processing
Outputs: OUT/data/*.parquet (kept), OUT/removed/*.parquet (dropped, with filter_reason), OUT/stats.json."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", action="append", metavar="GLOB",
                        help=f"input archives: a glob, local or gs:// / s3://, or an http(s):// URL (repeatable; default {DEFAULT_INPUT})")
    parser.add_argument("--crawl", default=None, metavar="CC-MAIN-YYYY-WW",
                        help="curate a Common Crawl crawl: its WARC (or, with --format wet, WET) file URLs from `curate cc-paths`")
    parser.add_argument("--limit", type=int, default=None, help="with --crawl: only the first N files of the listing")
    parser.add_argument("--cc-base", default="https://data.commoncrawl.org",
                        help="with --crawl: where the crawl is read from, https://data.commoncrawl.org or s3://commoncrawl")
    parser.add_argument("--output", default="out", help="output directory (default: out)")
    parser.add_argument("--languages", default="en",
                        help="comma-separated fastText language codes to keep, or 'all' (default: en)")
    parser.add_argument("--min-lang-score", type=float, default=0.65,
                        help="drop documents whose language score is not above this (default: 0.65)")
    parser.add_argument("--dump", default="", help="dump name when it cannot be parsed from a CC-MAIN-YYYY-WW path")
    parser.add_argument("--lid-model", default=None,
                        help="path to a fastText language model, e.g. lid.176.bin (default: the bundled lid.176.ftz)")
    parser.add_argument("--format", dest="fmt", choices=["warc", "wet"], default="warc",
                        help="warc: extract HTML from response records (WARC or ARC); wet: take the text of WET conversion records")
    parser.add_argument("--filters", default="fineweb",
                        help="'fineweb' (URL, Gopher repetition, Gopher quality, C4, FineWeb), 'none', or a comma list of filter names")
    parser.add_argument("--url-blocklist", action="append", default=[], metavar="FILE",
                        help="extra domain/URL blocklist file, one entry per line (repeatable)")
    parser.add_argument("--signals", action="store_true",
                        help="store every filter's numeric signals in a `signals` struct column")
    parser.add_argument("--no-dedup", dest="dedup", action="store_false", help="skip MinHash near-deduplication")
    parser.add_argument("--dedup-scope", choices=["global", "dump"], default="global",
                        help="deduplicate across all inputs (global) or within each dump, as FineWeb did (default: global)")
    parser.add_argument("--no-write-removed", dest="write_removed", action="store_false",
                        help="do not write dropped documents to OUT/removed")
    parser.add_argument("--quality-model", default=None, metavar="PATH",
                        help="a model from `curate quality train`: adds score (0..1) and int_score (0..5) columns")
    parser.add_argument("--min-quality", type=float, default=None, metavar="X",
                        help="with --quality-model, drop documents whose score is below X (drop reason quality)")
    parser.add_argument("--no-lang-precheck", dest="lang_precheck", action="store_false",
                        help="extract every page, even those whose <p> text is confidently in another language "
                             "(the pre-check skips extraction for them: drop reason language_precheck)")
    parser.add_argument("--extract-timeout", type=float, default=5.0,
                        help="hard limit in seconds for extracting one page (default: 5)")
    parser.add_argument("--max-payload-mb", type=float, default=10.0,
                        help="decoded payloads larger than this are counted as too_large (default: 10)")
    parser.add_argument("--workers", type=int, default=None,
                        help="local worker processes (default: all cores); same as --direct_num_workers")



def _run(args: argparse.Namespace) -> int:
    from pipelines.curate import run

    run(args, args.extra)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="curate archives into Parquet shards", description=__doc__,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=_run, accepts_extra=True)
