"""`curate dedup`: deduplicate the kept shards of one or more runs (or dumps) together, as a standalone Beam pipeline.

Reads DIR/data/<lang_Script>/*.parquet of every --input, removes exact and
MinHash near duplicates across all of them (or within each dump), always within
one language, and writes OUT/data/<lang_Script> (the survivors, whose
minhash_cluster_size adds up their clusters' sizes in the inputs),
OUT/removed/<lang_Script> (the others, with filter_reason and duplicate_of) and
OUT/stats.json, where records_read counts the documents read from the inputs.
Each input shard's sketch is kept in OUT/staged, so a rerun (or one with more
inputs) sketches only what is new.
"""

from __future__ import annotations

import argparse

from curation.flags import integer
from curation.recipe import MAX_ROUNDS, SCOPES

EPILOG = """Any Apache Beam pipeline option passes through, e.g.
  --runner DataflowRunner --project P --region R --temp_location gs://b/tmp
Example: curate dedup --input out/2024-18 --input out/2024-22 --output out/merged"""


def _run(args: argparse.Namespace) -> int:
    from pipelines.dedup_shards import run

    run(args)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dedup", help="deduplicate the shards of several runs or dumps together", description=__doc__,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", action="append", required=True, metavar="DIR",
                        help="output directory of a `curate run`; its DIR/data/<lang_Script>/*.parquet are read (repeatable)")
    parser.add_argument("--output", required=True, metavar="DIR",
                        help="where to write data/, removed/ and stats.json (must not be an input)")
    parser.add_argument("--dedup-scope", choices=SCOPES, default="global",
                        help="deduplicate across all inputs (global) or only within each dump, as FineWeb did (default: global)")
    parser.add_argument("--max-rounds", type=integer(1), default=MAX_ROUNDS,
                        help=f"connected-components rounds before the convergence check; the run fails, "
                             f"never returns wrong clusters, if too few (default: {MAX_ROUNDS})")
    parser.add_argument("--workers", type=integer(1), default=None,
                        help="local worker processes (default: all cores); same as --direct_num_workers")
    parser.set_defaults(func=_run, accepts_extra=True)
