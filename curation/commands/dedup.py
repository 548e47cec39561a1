"""`curate dedup`: deduplicate the kept shards of one or more runs (or dumps) together, as a standalone Beam pipeline.

Reads DIR/data/*.parquet of every --input, removes exact and MinHash near
duplicates across all of them (or within each dump), and writes OUT/data (the
survivors), OUT/removed (the others, with filter_reason and duplicate_of) and
OUT/stats.json, where records_read counts the documents read from the inputs.
"""

from __future__ import annotations

import argparse
import os
import time

from curation.errors import UsageError

# Shared with pipelines.dedup; defined here so registering the command imports neither Beam nor numpy.
SCOPES = ("global", "dump")
MAX_ROUNDS = 20  # connected-components rounds; a duplicate chain of 10^5 documents in random order needs 13

EPILOG = """Any Apache Beam pipeline option passes through, e.g.
  --runner DataflowRunner --project P --region R --temp_location gs://b/tmp
Example: curate dedup --input out/2024-18 --input out/2024-22 --output out/merged"""


def _shard_paths(directory: str) -> list[str]:
    from apache_beam.io.filesystems import FileSystems

    pattern = f"{directory.rstrip('/')}/data/*.parquet"
    paths = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    if not paths:
        raise UsageError(f"no Parquet shards match {pattern!r} (expected the output directory of `curate run`)")
    return paths


def _input_columns(paths: list[str]) -> tuple[tuple[str, ...], bool]:
    """(names in the inputs' `signals` columns, whether they carry quality scores), so both are written back;
    also checks every shard has the FineWeb columns."""
    import pyarrow.parquet as pq
    from apache_beam.io.filesystems import FileSystems

    from curation.schema import FINEWEB_SCHEMA, SIGNALS_COLUMN

    names: set[str] = set()
    quality = False
    for path in paths:
        try:
            with FileSystems.open(path) as f:
                schema = pq.read_schema(f)
        except Exception as e:
            raise UsageError(f"cannot read Parquet schema of {path}: {e}") from e
        missing = [name for name in FINEWEB_SCHEMA.names if name not in schema.names]
        if missing:
            raise UsageError(f"{path} is not a FineWeb-schema shard: missing {', '.join(missing)}")
        if SIGNALS_COLUMN in schema.names:
            names.update(field.name for field in schema.field(SIGNALS_COLUMN).type)
        quality = quality or "score" in schema.names
    return tuple(sorted(names)), quality


def _same_directory(a: str, b: str) -> bool:
    if "://" in a or "://" in b:
        return a.rstrip("/") == b.rstrip("/")
    return os.path.realpath(a) == os.path.realpath(b)


def build_pipeline(p, paths: list[str], output: str, scope: str, max_rounds: int, signal_names: tuple[str, ...],
                   config: dict, quality: bool = False) -> None:
    """Add read -> Deduplicate -> write shards + stats.json to pipeline `p`."""
    import apache_beam as beam

    from pipelines.accounting import WriteStats
    from pipelines.dedup import Deduplicate, ReadShards
    from pipelines.write import WriteShards

    read = p | "Shards" >> beam.Create(paths) | "ReadShards" >> ReadShards()
    dedup = read["docs"] | "Dedup" >> Deduplicate(scope, max_rounds=max_rounds)
    kept = dedup["kept"] | "WriteData" >> WriteShards(output, "data", signal_names, quality=quality)
    removed = dedup["removed"] | "WriteRemoved" >> WriteShards(output, "removed", signal_names, quality=quality)
    paths_written = (kept["paths"], removed["paths"]) | "FlattenPaths" >> beam.Flatten()
    events = (read["events"], dedup["events"], kept["events"], removed["events"]) | "FlattenEvents" >> beam.Flatten()
    _ = events | "Stats" >> WriteStats(output, config, paths_written)


def _run(args: argparse.Namespace) -> int:
    import apache_beam as beam

    from curation.minhash import NGRAM, NUM_BANDS, ROWS_PER_BAND
    from pipelines.options import make_pipeline_options

    if args.max_rounds < 1:
        raise UsageError("--max-rounds must be at least 1")
    output = args.output.rstrip("/") or "."
    if "://" not in output:
        output = os.path.abspath(output)
    for directory in args.input:
        if _same_directory(directory, output):
            raise UsageError(f"--output {args.output!r} is also an --input: write to a new directory")
    paths = [path for directory in args.input for path in _shard_paths(directory)]
    signal_names, quality = _input_columns(paths)
    options = make_pipeline_options(args.extra, workers=args.workers)
    config = {
        "command": "dedup", "inputs": args.input, "output": output, "dedup_scope": args.dedup_scope,
        "max_rounds": args.max_rounds, "num_bands": NUM_BANDS, "rows_per_band": ROWS_PER_BAND, "ngram": NGRAM,
    }
    t0 = time.time()
    with beam.Pipeline(options=options) as p:
        build_pipeline(p, paths, output, args.dedup_scope, args.max_rounds, signal_names, config, quality)
    if "://" not in output:
        from curation.stats import load_stats

        stats = load_stats(f"{output}/stats.json")
        outcome = [f"{stats['kept']} kept"] + [f"{n} {reason}" for reason, n in stats["dropped"].items()]
        print(f"deduplicated {stats['records_read']} documents from {len(paths)} shards in {time.time() - t0:.1f}s: "
              f"{', '.join(outcome)} -> {output}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dedup", help="deduplicate the shards of several runs or dumps together", description=__doc__,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", action="append", required=True, metavar="DIR",
                        help="output directory of a `curate run`; its DIR/data/*.parquet are read (repeatable)")
    parser.add_argument("--output", required=True, metavar="DIR",
                        help="where to write data/, removed/ and stats.json (must not be an input)")
    parser.add_argument("--dedup-scope", choices=SCOPES, default="global",
                        help="deduplicate across all inputs (global) or only within each dump, as FineWeb did (default: global)")
    parser.add_argument("--max-rounds", type=int, default=MAX_ROUNDS,
                        help=f"connected-components rounds before the convergence check; the run fails, "
                             f"never returns wrong clusters, if too few (default: {MAX_ROUNDS})")
    parser.add_argument("--workers", type=int, default=None,
                        help="local worker processes (default: all cores); same as --direct_num_workers")
    parser.set_defaults(func=_run, accepts_extra=True)
