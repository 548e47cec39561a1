"""`curate dedup`: the kept shards of several runs (or dumps) deduplicated together, in the same phases as `curate run`.

    1. sketch  every input shard, alone -> the MinHash sketch of each of its rows -> STAGING/<fp>/<shard>.parquet
    2. dedup   pipelines/dedup.py over the sketches
    3. write   pipelines/write.py: survivors to OUT/data/<language>, the others to OUT/removed/<language> (text read
               from the input shards); a survivor's minhash_cluster_size adds up its cluster's sizes from the inputs

Sketches are staged like `curate run`'s files, so a rerun reuses them and a new
input shard is the only one sketched. The inputs were scrubbed and counted when
they were curated: their text and token_count pass through unchanged.
"""

from __future__ import annotations

import json
import os
import time

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.options.pipeline_options import TestOptions

from curation.errors import UsageError
from curation.flags import output_dir
from curation.minhash import NGRAM, NUM_BANDS, ROWS_PER_BAND, SEED
from curation.run_output import run_shards
from curation.staged import fingerprint, package_versions, source_digest
from curation.stats import Stats
from pipelines.dedup import Deduplicate, read_verdicts
from pipelines.dedup import run_phase as run_dedup
from pipelines.files import (atomic_create, delete_tree, matching, open_parquet, read_manifest, read_text,
                             remove_temporaries, write_manifest)
from pipelines.options import Phases, dedup_workers, write_workers
from pipelines.progress import StageMonitor, phase_monitor
from pipelines.stage import StagingDoFn
from pipelines.write import WriteOutput


class SketchShard(StagingDoFn):
    """An input shard -> its sketch file: the sketch of each of its rows, in its order, with its language's shingle
    words as `curate run` sketches them."""

    source_is_input = True

    def setup(self):
        from curation.minhash import Sketcher

        self.sketcher = Sketcher()
        self.words: dict[str, object] = {}

    def _words(self, lid_code: str):
        from curation.languages import shingle_words

        if lid_code not in self.words:
            self.words[lid_code] = shingle_words(lid_code)
        return self.words[lid_code]

    def write_staged(self, path: str, staged: str) -> dict:
        from curation.minhash import record_key
        from curation.parquet_rows import RowWriter, iter_rows
        from curation.schema import from_row
        from curation.staged import footer, sketch_schema, staged_row

        stats, counts = Stats(), {"candidates": 0, "candidate_bytes": 0, "dropped_rows": 0, "dropped_bytes": 0}
        read_s = sketch_s = 0.0
        with atomic_create(staged) as out:
            schema = sketch_schema()
            writer = RowWriter(out, schema)
            rows = iter_rows(open_parquet(path))
            while True:
                t0 = time.perf_counter()
                row = next(rows, None)
                t1 = time.perf_counter()
                read_s += t1 - t0
                if row is None:
                    break
                doc = from_row(row)
                exact, bands = self.sketcher.sketch(doc.text, self._words(doc.language))
                full = staged_row(doc, None, record_key(doc), exact, bands)
                sketched = {name: full[name] for name in schema.names}  # not the text: the input shard keeps it
                sketch_s += time.perf_counter() - t1
                counts["candidates"] += 1
                counts["candidate_bytes"] += sketched["text_bytes"]
                writer.write(sketched, 0)
            n = counts["candidates"]
            for event in (("read", n), ("stage", "read", n, n, read_s), ("stage", "sketch", n, n, sketch_s)):
                stats.add(event)
            stats_dict = stats.to_dict()
            del stats_dict["config"]
            meta = {**counts, "retry": False, "stats": stats_dict}
            writer.close(footer(meta))
        return meta


class SketchShards(beam.PTransform):
    """Input shard paths -> the manifest's path, once every shard is sketched."""

    def __init__(self, paths: list[str], staged_dir: str, manifest: str):
        super().__init__()
        self.paths, self.staged_dir, self.manifest = paths, staged_dir, manifest

    def expand(self, p):
        return (
            p
            | "Shards" >> beam.Create(self.paths)
            | "MatchShards" >> fileio.MatchAll()
            | "Identity" >> beam.Map(lambda m: (m.path, m.size_in_bytes, m.last_updated_in_seconds))
            | "SketchShard" >> beam.ParDo(SketchShard(self.staged_dir))
            | "Collect" >> beam.combiners.ToList()
            | "WriteManifest" >> beam.Map(write_manifest, self.manifest)
        )


def _shard_paths(directory: str) -> list[str]:
    paths = run_shards(directory, match=lambda pattern: matching([pattern]))
    if not paths:
        pattern = f"{directory.rstrip('/')}/data/<language>/*.parquet"
        raise UsageError(f"no Parquet shards match {pattern!r} (expected the output directory of `curate run`)")
    return paths


def _input_columns(paths: list[str]) -> tuple[tuple[str, ...], bool]:
    """(names in the inputs' `signals` columns, whether they carry quality scores), so both are written back;
    also checks every shard has the FineWeb columns."""
    from curation.schema import FINEWEB_SCHEMA, SIGNALS_COLUMN

    names: set[str] = set()
    quality = False
    for path in paths:
        try:
            schema = open_parquet(path).schema_arrow
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


def run(args) -> dict:
    """Sketch, deduplicate and write; returns stats.json's content (for local output)."""
    output = args.output.rstrip("/") or "."
    local = "://" not in output
    if local:
        output = os.path.abspath(output_dir("--output", output))
    for directory in args.input:
        if _same_directory(directory, output):
            raise UsageError(f"--output {args.output!r} is also an --input: write to a new directory")
    paths = [path for directory in args.input for path in _shard_paths(directory)]
    names, quality = _input_columns(paths)
    phases = Phases(args.extra, args.workers)
    dry_run = bool(phases.options.view_as(TestOptions).dry_run)
    sketch = {"num_bands": NUM_BANDS, "rows_per_band": ROWS_PER_BAND, "ngram": NGRAM, "seed": SEED}
    staged_dir = f"{output}/staged/{fingerprint({'sketch': sketch, 'versions': package_versions(), 'source': source_digest()})}"
    work = f"{output}/work"
    manifest, verdicts = f"{work}/manifest.jsonl", f"{work}/verdicts"
    config = {"command": "dedup", "inputs": args.input, "output": output, "dedup_scope": args.dedup_scope,
              "max_rounds": args.max_rounds, **sketch}
    t0 = time.time()
    if not dry_run:
        delete_tree(work)
        remove_temporaries(staged_dir)
    monitor = StageMonitor(paths, staged_dir, label="sketch") if local and not dry_run else None
    phases.run("sketch", lambda p: p | "Sketch" >> SketchShards(paths, staged_dir, manifest),
               useful=monitor.pending if monitor else None, monitor=monitor)
    entries = [] if dry_run else read_manifest(manifest)
    run_dedup(phases, manifest, verdicts, args.dedup_scope, entries, args.max_rounds,
              useful=dedup_workers(entries) if entries else None, monitor=phase_monitor("dedup", entries, local))
    phases.run("write", lambda p: p | "Manifest" >> beam.Create([manifest]) | "Write" >> WriteOutput(
        output, config, names, quality, verdict_dir=verdicts, scrub_and_count=False),
        useful=write_workers(entries, write_removed=True) if entries else None, monitor=phase_monitor("write", entries, local))
    if dry_run:
        print(f"dry run: {len(phases.seconds)} phases built and translated; nothing submitted")
        return {}
    delete_tree(work)
    stats = json.loads(read_text(f"{output}/stats.json"))
    outcome = [f"{stats['kept']} kept"] + [f"{n} {reason}" for reason, n in stats["dropped"].items()]
    if local:
        print(f"deduplicated {stats['records_read']} documents from {len(paths)} shards in {time.time() - t0:.1f}s: "
              f"{', '.join(outcome)} -> {output}")
    return stats


def stage_documents(files: list[list], folder: str) -> str:
    """Documents already in memory, staged as dedup candidates (one staged file per list); returns the manifest's path."""
    import pyarrow as pa

    from curation.minhash import Sketcher, record_key
    from curation.staged import staged_row, staged_schema

    sketcher, entries = Sketcher(), []
    os.makedirs(folder, exist_ok=True)
    for i, docs in enumerate(files):
        path = f"{folder}/staged-{i:06d}.parquet"
        rows = [staged_row(d, None, record_key(d), *sketcher.sketch(d.text)) for d in docs]
        pq.write_table(pa.Table.from_pylist(rows, schema=staged_schema((), False)), path)
        stats = Stats()
        stats.add(("read", len(docs)))
        entries.append({"input": f"{i:06d}", "staged": path, "source": path, "candidates": len(docs), "stats": stats.to_dict()})
    return write_manifest(entries, f"{folder}/manifest.jsonl")


def deduplicate_documents(files: list[list], folder: str, scope: str = "global", options=None, **kwargs) -> list[tuple]:
    """The dedup phase over documents in memory: (file, row, reason, duplicate_of) of every removed one, sorted."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    manifest = stage_documents(files, folder)
    with beam.Pipeline(runner=FnApiRunner(), options=options) as p:
        _ = p | beam.Create([manifest]) | Deduplicate(f"{folder}/verdicts", scope, **kwargs)
    losers = [(i, read_verdicts(f"{folder}/verdicts", i).losers) for i in range(len(files))]
    return sorted((i, row, reason, of) for i, rows in losers for row, (reason, of) in rows.items())
