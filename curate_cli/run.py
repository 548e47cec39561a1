"""`curate run`: curate WARC/ARC/WET archives into FineWeb-schema Parquet shards (the Beam pipeline)."""

from __future__ import annotations

import argparse

from curation.recipe import add_arguments

EPILOG = """Any Apache Beam pipeline option passes through, e.g.
  --runner DataflowRunner --project P --region R --temp_location gs://b/tmp
  --direct_num_workers 2 --direct_running_mode multi_processing
Outputs: OUT/data/<lang_Script>/*.parquet (kept, with minhash_cluster_size), OUT/removed/<lang_Script>/*.parquet
(dropped, with filter_reason), OUT/stats.json (with a funnel per language), OUT/run.json; OUT/staged/ keeps each input file's result, so a rerun resumes and more inputs add to it."""


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
