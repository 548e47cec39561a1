"""Phase 3: staged files + dedup verdicts -> OUT/data/<language>/ and OUT/removed/<language>/ shards and OUT/stats.json, map-only.

    manifest -> sizes per staged file and language -> shard plan per (kind, language) -> WriteShard

Only file references and sizes are shuffled. Sizing reads each staged file's
small columns (reason, score, language, size): it also counts the documents of
each language and their fates (stats.json's "languages"), whatever is written.
A shard writer reads those columns again to find its language's rows, then
streams only the row groups that hold them, so memory does not grow with the
corpus. Each shard is written under a hidden temporary name and renamed into
place; the final step writes stats.json and removes shards an earlier run left
that this one did not write.
"""

from __future__ import annotations

import json
from collections import Counter

import apache_beam as beam
import numpy as np
import pyarrow as pa

from curation import fate
from curation.languages import output_language
from curation.parquet_rows import BATCH_ROWS, RowWriter
from curation.shards import KINDS, TARGET_SHARD_BYTES, Finisher, plan_shards, shard_name
from curation.staged import TEXT_BYTES
from curation.stats import Stats
from pipelines.accounting import StatsCombineFn, finalize
from pipelines.dedup import indexed_entries, read_verdicts
from pipelines.events import EVENTS, EventsDoFn
from pipelines.files import atomic_create, open_parquet, read_columns, read_text

# What a shard reads of a staged file (or of a `curate dedup` input shard): never the sketch columns.
_SKETCH = {"text_bytes", "record_key", "exact_key", "band_keys"}


def _languages(codes: pa.ChunkedArray) -> list[str]:
    """Each row's output language (`curation.languages.output_language` of its lid code)."""
    codes = codes.to_pylist()
    names = {code: output_language(code or "") for code in set(codes)}
    return [names[code] for code in codes]


def _fates(staged: str, verdicts: fate.Verdicts | None, min_score: float | None, extra: list[str]):
    """(languages, `curation.fate.fates`, the `extra` columns) of every row of a staged file."""
    table = read_columns(staged, fate.candidate_columns(min_score) + ["language"] + extra)
    return _languages(table["language"]), fate.fates(table, min_score, verdicts), table


class _Sizes(EventsDoFn):
    """(index, staged file) -> (index, {language: (bytes of kept rows, bytes of removed rows)}), and each language's
    documents by fate as accounting events."""

    def __init__(self, verdict_dir: str | None, min_score: float | None):
        self.verdict_dir, self.min_score = verdict_dir, min_score

    def process(self, item):
        index, entry = item
        languages, fates, table = _fates(entry["staged"], read_verdicts(self.verdict_dir, index), self.min_score, [TEXT_BYTES])
        sizes: dict[str, list[int]] = {}
        outcomes = Counter()
        for language, (reason, _), size in zip(languages, fates, table[TEXT_BYTES].to_pylist()):
            sizes.setdefault(language, [0, 0])[reason is not None] += size
            outcomes[language, reason] += 1
        for (language, reason), n in outcomes.items():
            self.add(("language", language, reason, n))
        yield index, {language: tuple(pair) for language, pair in sizes.items()}


def _plan(sizes: list[tuple[int, dict]], kinds: tuple[str, ...], target: int):
    """(kind, language, shard index, shard count, file indices) for every shard to write: per kind and language,
    consecutive staged files in input order."""
    sizes = sorted(sizes)
    languages = sorted({language for _, by_language in sizes for language in by_language})
    for kind in kinds:
        column = 0 if kind == "data" else 1
        for language in languages:
            shards = plan_shards([by_language.get(language, (0, 0))[column] for _, by_language in sizes], target)
            for k, files in enumerate(shards):
                yield kind, language, k, len(shards), files


class _WriteShard(EventsDoFn):
    """(kind, language, k, n, file indices) -> OUT/<kind>/<language>/part-k-of-n.parquet, streamed from the staged
    files in order: of each, only the row groups holding rows of this kind and language."""

    def __init__(self, output: str, verdict_dir: str | None, signal_names: tuple[str, ...], quality: bool, scrub_and_count: bool,
                 min_score: float | None, contamination: bool):
        self.output, self.verdict_dir, self.min_score = output, verdict_dir, min_score
        self.signal_names, self.quality, self.scrub_and_count = list(signal_names), quality, scrub_and_count
        self.contamination = contamination

    def setup(self):
        self.finisher = Finisher(self.signal_names, self.quality, self.scrub_and_count, self.contamination)

    def process(self, shard, files: dict):
        kind, language, k, count, indices = shard
        path = f"{self.output}/{kind}/{language}/{shard_name(k, count)}"
        self.finisher.stats = Stats()
        with atomic_create(path) as out:
            writer = RowWriter(out, self.finisher.schema(kind))
            for index in indices:
                staged, source = files[index]
                verdicts = read_verdicts(self.verdict_dir, index)
                languages, fates, _ = _fates(staged, verdicts, self.min_score, [])
                wanted = [i for i, (lang, (reason, _)) in enumerate(zip(languages, fates))
                          if lang == language and (reason is None) == (kind == "data")]
                for i, row in _rows(source, wanted):
                    reason, duplicate_of = fates[i]
                    if kind == "data":
                        writer.write(self.finisher.kept(row, fate.cluster_size(row, i, verdicts)), len(row["text"]))
                    else:
                        writer.write(self.finisher.removed(row, reason, duplicate_of), len(row["text"]))
            writer.close()
        self.add_stats(self.finisher.stats)
        if kind == "data":
            self.add(("kept", writer.count))
        yield path


def _rows(path: str, wanted: list[int]):
    """(row number, row) of the rows `wanted` (ascending) of a Parquet file, reading only the row groups that hold
    them, a batch at a time, without the sketch columns."""
    source = open_parquet(path)
    columns = [name for name in source.schema_arrow.names if name not in _SKETCH]
    wanted_rows = np.asarray(wanted, dtype=np.int64)
    first = 0
    for group in range(source.metadata.num_row_groups):
        end = first + source.metadata.row_group(group).num_rows
        lo, hi = np.searchsorted(wanted_rows, [first, end])
        if hi > lo:
            start = first
            for batch in source.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=columns):
                stop = start + batch.num_rows
                a, b = np.searchsorted(wanted_rows, [start, stop])
                if b > a:
                    rows = wanted_rows[a:b]
                    yield from zip(rows.tolist(), batch.take(pa.array(rows - start)).to_pylist())
                start = stop
        first = end


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
    whose inputs were scrubbed and counted when they were curated; `contamination` adds the removed documents'
    `contamination` column (a run with --decontaminate).
    """

    def __init__(self, output: str, config: dict, signal_names: tuple[str, ...], quality: bool, *, verdict_dir: str | None,
                 write_removed: bool = True, scrub_and_count: bool = True, target_shard_bytes: int = TARGET_SHARD_BYTES,
                 cut: str | None = None, min_score: float | None = None, contamination: bool = False):
        super().__init__()
        self.cut, self.min_score, self.contamination = cut, min_score, contamination
        self.output, self.config = output.rstrip("/"), config
        self.signal_names, self.quality, self.verdict_dir = tuple(sorted(signal_names)), quality, verdict_dir
        self.kinds = KINDS if write_removed else ("data",)
        self.scrub_and_count, self.target = scrub_and_count, target_shard_bytes

    def expand(self, manifest):
        entries = manifest | "Entries" >> beam.FlatMap(indexed_entries)
        summary = None if self.verdict_dir is None else f"{self.verdict_dir}/dedup.json"
        all_entries = entries | "AllEntries" >> beam.combiners.ToList()
        sizes = entries | "Sizes" >> beam.ParDo(_Sizes(self.verdict_dir, self.min_score)).with_outputs(EVENTS, main="sizes")
        shards = (
            sizes.sizes
            | "CollectSizes" >> beam.combiners.ToList()
            | "Plan" >> beam.FlatMap(_plan, self.kinds, self.target)
            | "SpreadShards" >> beam.Reshuffle()
        )
        written = shards | "WriteShard" >> beam.ParDo(
            _WriteShard(self.output, self.verdict_dir, self.signal_names, self.quality, self.scrub_and_count, self.min_score,
                        self.contamination),
            beam.pvalue.AsDict(entries | "Files" >> beam.MapTuple(lambda index, entry: (index, (entry["staged"], entry["source"])))),
        ).with_outputs(EVENTS, main="paths")
        events = (
            entries | "Accounting" >> beam.FlatMap(_accounting, summary, self.cut),
            all_entries | "DedupStage" >> beam.FlatMap(_dedup_stage, summary, self.cut),
            sizes[EVENTS],
            written[EVENTS],
        ) | "FlattenEvents" >> beam.Flatten()
        return (
            events
            | "Combine" >> beam.CombineGlobally(StatsCombineFn())
            | "Finalize" >> beam.Map(finalize, beam.pvalue.AsList(written.paths), self.output, self.config)
        )
