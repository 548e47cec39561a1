"""Phase 3: staged files + dedup verdicts -> OUT/data and OUT/removed shards and OUT/stats.json, map-only.

    manifest -> sizes per staged file -> shard plan -> WriteShard (streams its files, in input order)

Only file references and sizes are shuffled; each shard worker streams its
staged files row group by row group, so memory does not grow with the corpus.
Each shard is written under a hidden temporary name and renamed into place;
the final step writes stats.json and removes shards an earlier run left that
this one did not write.
"""

from __future__ import annotations

import json

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from curation import fate
from curation.parquet_rows import RowWriter, iter_rows
from curation.shards import KINDS, TARGET_SHARD_BYTES, Finisher, plan_shards, shard_name
from curation.staged import TEXT_BYTES
from curation.stats import Stats
from pipelines.accounting import StatsCombineFn, finalize
from pipelines.dedup import indexed_entries, verdict_path
from pipelines.events import EVENTS, EventsDoFn
from pipelines.files import atomic_create, open_parquet, read_columns, read_text

# What a shard reads of a staged file (or of a `curate dedup` input shard): never the sketch columns.
_SKETCH = {"text_bytes", "record_key", "exact_key", "band_keys"}


def _verdicts(verdict_dir: str | None, index: int) -> dict[int, tuple[str, str]]:
    """Row -> (reason, duplicate_of) for the staged file `index`; empty without dedup or without losers."""
    if verdict_dir is None or not FileSystems.exists(verdict_path(verdict_dir, index)):
        return {}
    table = read_columns(verdict_path(verdict_dir, index), ["row", "filter_reason", "duplicate_of"])
    return {row: (reason, of) for row, reason, of in zip(*(table[c].to_pylist() for c in table.column_names))}


def _sizes(item, verdict_dir: str | None, min_score: float | None) -> tuple[int, int, int]:
    """(index, bytes of kept rows, bytes of removed rows) of one staged file."""
    index, entry = item
    table = read_columns(entry["staged"], fate.candidate_columns(min_score) + [TEXT_BYTES])
    kept = fate.kept(table, min_score, _verdicts(verdict_dir, index))
    sizes = table[TEXT_BYTES].to_numpy(zero_copy_only=False)
    return index, int(sizes[kept].sum()), int(sizes[~kept].sum())


def _plan(sizes: list[tuple[int, int, int]], kinds: tuple[str, ...], target: int):
    """(kind, shard index, shard count, file indices) for every shard to write."""
    sizes = sorted(sizes)
    for kind in kinds:
        column = 1 if kind == "data" else 2
        shards = plan_shards([s[column] for s in sizes], target)
        for k, files in enumerate(shards):
            yield kind, k, len(shards), files


class _WriteShard(EventsDoFn):
    """(kind, k, n, file indices) -> OUT/<kind>/part-k-of-n.parquet, streamed from the staged files in order."""

    def __init__(self, output: str, verdict_dir: str | None, signal_names: tuple[str, ...], quality: bool, scrub_and_count: bool,
                 min_score: float | None):
        self.output, self.verdict_dir, self.min_score = output, verdict_dir, min_score
        self.signal_names, self.quality, self.scrub_and_count = list(signal_names), quality, scrub_and_count

    def setup(self):
        self.finisher = Finisher(self.signal_names, self.quality, self.scrub_and_count)

    def process(self, shard, sources: dict):
        kind, k, count, files = shard
        path = f"{self.output}/{kind}/{shard_name(k, count)}"
        self.finisher.stats = Stats()
        with atomic_create(path) as out:
            writer = RowWriter(out, self.finisher.schema(kind))
            for index in files:
                verdicts = _verdicts(self.verdict_dir, index)
                source = open_parquet(sources[index])
                columns = [name for name in source.schema_arrow.names if name not in _SKETCH]
                for row_index, row in enumerate(iter_rows(source, columns)):
                    reason, duplicate_of = fate.fate(row, verdicts, row_index, self.min_score)
                    if kind == "data" and reason is None:
                        writer.write(self.finisher.kept(row), len(row["text"]))
                    elif kind == "removed" and reason is not None:
                        writer.write(self.finisher.removed(row, reason, duplicate_of), len(row["text"]))
            writer.close()
        self.add_stats(self.finisher.stats)
        if kind == "data":
            self.add(("kept", writer.count))
        yield path


def _accounting(item, summary: str | None, cut: str | None):
    """Every staged file's own accounting, and once (with index 0) the quality cut's and dedup's drops and seconds."""
    index, entry = item
    yield from Stats.from_dict(entry["stats"]).events()
    if index == 0 and cut is not None:
        yield from fate.cut_events(json.loads(read_text(cut)))
    if index == 0 and summary is not None:
        yield from Stats.from_dict(json.loads(read_text(summary))).events()


def _dedup_stage(entries: list, summary: str | None, cut: str | None):
    """Dedup's in and out: the candidates (those the quality cut kept) and what it kept of them."""
    if summary is None:
        return
    candidates = json.loads(read_text(cut))["kept"] if cut is not None else sum(entry["candidates"] for _, entry in entries)
    removed = sum(Stats.from_dict(json.loads(read_text(summary))).dropped.values())
    yield "stage", "dedup", candidates, candidates - removed, 0.0


class WriteOutput(beam.PTransform):
    """PCollection of one manifest path -> OUT/data, OUT/removed (unless `write_removed` is off) and OUT/stats.json.

    `verdict_dir` is where `Deduplicate` wrote (None: no dedup); `cut` is `--quality-keep-top`'s summary
    (`curation.fate.cut_summary`) and `min_score` its threshold; `scrub_and_count` is off for `curate dedup`,
    whose inputs were scrubbed and counted when they were curated.
    """

    def __init__(self, output: str, config: dict, signal_names: tuple[str, ...], quality: bool, *, verdict_dir: str | None,
                 write_removed: bool = True, scrub_and_count: bool = True, target_shard_bytes: int = TARGET_SHARD_BYTES,
                 cut: str | None = None, min_score: float | None = None):
        super().__init__()
        self.cut, self.min_score = cut, min_score
        self.output, self.config = output.rstrip("/"), config
        self.signal_names, self.quality, self.verdict_dir = tuple(sorted(signal_names)), quality, verdict_dir
        self.kinds = KINDS if write_removed else ("data",)
        self.scrub_and_count, self.target = scrub_and_count, target_shard_bytes

    def expand(self, manifest):
        entries = manifest | "Entries" >> beam.FlatMap(indexed_entries)
        summary = None if self.verdict_dir is None else f"{self.verdict_dir}/dedup.json"
        all_entries = entries | "AllEntries" >> beam.combiners.ToList()
        shards = (
            entries
            | "Sizes" >> beam.Map(_sizes, self.verdict_dir, self.min_score)
            | "CollectSizes" >> beam.combiners.ToList()
            | "Plan" >> beam.FlatMap(_plan, self.kinds, self.target)
            | "SpreadShards" >> beam.Reshuffle()
        )
        written = shards | "WriteShard" >> beam.ParDo(
            _WriteShard(self.output, self.verdict_dir, self.signal_names, self.quality, self.scrub_and_count, self.min_score),
            beam.pvalue.AsDict(entries | "Sources" >> beam.MapTuple(lambda index, entry: (index, entry["source"]))),
        ).with_outputs(EVENTS, main="paths")
        events = (
            entries | "Accounting" >> beam.FlatMap(_accounting, summary, self.cut),
            all_entries | "DedupStage" >> beam.FlatMap(_dedup_stage, summary, self.cut),
            written[EVENTS],
        ) | "FlattenEvents" >> beam.Flatten()
        return (
            events
            | "Combine" >> beam.CombineGlobally(StatsCombineFn())
            | "Finalize" >> beam.Map(finalize, beam.pvalue.AsList(written.paths), self.output, self.config)
        )
