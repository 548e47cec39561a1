"""Phase 2: exact + MinHash near-deduplication over the staged sketches; verdict files out, and no text ever moves.

    staged sketches -> exact groups -> band buckets -> edges -> connected components -> survivors -> verdicts

Every shuffle carries fixed-size numpy records (`curation.dedup`) batched per
file, batch and partition, so a grouped step holds tens of bytes per document
even on a runner that keeps a whole shuffle in memory (the local FnApiRunner
holds about four copies of it). The band pass, the largest (16 bytes per band
and document), runs BANDS_PER_PASS bands at a time, one pass after the other.
Only documents with near duplicates have edges; their components are
`pipelines.components.ConnectedComponents`.

Output: one Parquet file per staged file that lost documents or holds
survivors of clusters, VERDICTS/<index>.parquet (row, then filter_reason and
duplicate_of = the survivor's id for a loser, or cluster_size for a survivor),
then VERDICTS/dedup.json (the drops and seconds), written last.
Each document's keys are XORed with its language's salt (with scope "dump": its
dump's and language's), so clusters never span languages (or dumps).

Cluster sizes cost no extra pass over text: the verdicts already travel to
their survivor's file (to name it), and there each survivor's size is the sum
of the weights (`curation.dedup.weights`) its verdicts carry: 4 bytes more per
exact entry, copy and verdict, and 12 bytes per survivor with duplicates.
"""

from __future__ import annotations

import json
import math

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from curation import dedup as D
from curation import fate
from curation.minhash import NUM_BANDS
from curation.recipe import MAX_ROUNDS, SCOPES
from curation.schema import CLUSTER_SIZE
from curation.staged import BAND_KEYS, EXACT_KEY, RECORD_KEY
from curation.stats import Stats
from pipelines.accounting import StatsCombineFn
from pipelines.components import NOT_CONVERGED, ConnectedComponents, TaggedGroup, rounds_for
from pipelines.events import EVENTS, EventsDoFn
from pipelines.files import atomic_create, delete_tree, open_parquet, read_columns, read_manifest, write_text_atomically

STAGE = "dedup"
# Band entries per partition: bounds what one grouped step sorts at once.
PARTITION_ENTRIES = 4 << 20
SKETCH_BATCH_ROWS = 16_384
# The band pass runs in several passes, one after the other, so a runner that keeps a whole shuffle in memory
# (the local FnApiRunner: about 3 copies of it) holds only BANDS_PER_PASS of the 14 bands at once.
BANDS_PER_PASS = 2
VERDICT_SCHEMA = pa.schema([pa.field("row", pa.int64()), pa.field("filter_reason", pa.string()),
                            pa.field("duplicate_of", pa.string()), pa.field("cluster_size", pa.int64())])
SALTED = ["language", "dump"]  # the staged columns a document's salt depends on


def indexed_entries(manifest: str):
    """The manifest's entries as (index, entry): index = position in input order, the file part of every loc."""
    yield from enumerate(read_manifest(manifest))


def partition_count(entries: list) -> int:
    """Partitions per band (and for the exact pass): about PARTITION_ENTRIES entries each, whatever the corpus size."""
    return max(1, math.ceil(sum(entry["candidates"] for _, entry in entries) / PARTITION_ENTRIES))


def _salts(batch: pa.RecordBatch | pa.Table, scope: str) -> np.ndarray:
    """(n, 2) uint64 salts of a batch's documents (`curation.dedup.salts`): by language, and by dump for scope dump."""
    dumps = batch.column("dump").to_pylist() if scope == "dump" else None
    return D.salts(batch.column("language").to_pylist(), dumps)


def _weights(entry: dict) -> np.ndarray | None:
    """Each row's weight (`curation.dedup.weights`) from the staged file's source; None when all are 1 (a staged
    file of `curate run`, or an input shard written without dedup's cluster sizes)."""
    source = open_parquet(entry["source"])
    if CLUSTER_SIZE not in source.schema_arrow.names:
        return None
    return D.weights(source.read(columns=[CLUSTER_SIZE]).column(0), source.metadata.num_rows)


def _sketch_batches(entry: dict, columns: list[str]):
    """(first row, record batch) over a staged file's sketch columns: per-file work stays bounded by the batch."""
    first = 0
    for batch in open_parquet(entry["staged"]).iter_batches(batch_size=SKETCH_BATCH_ROWS, columns=columns):
        yield first, batch
        first += batch.num_rows


class _ExactEntries(EventsDoFn):
    """A staged file -> its candidates' (exact key, record key, loc), by exact-key partition."""

    def __init__(self, scope: str, min_score: float | None):
        self.scope, self.min_score = scope, min_score

    def process(self, item, parts: int):
        index, entry = item
        weights = _weights(entry)
        for first, batch in _sketch_batches(entry, fate.candidate_columns(self.min_score) + [RECORD_KEY, EXACT_KEY] + SALTED):
            with self.timed(STAGE):
                rows = np.flatnonzero(fate.candidates(batch, self.min_score))
                batch = batch.take(pa.array(rows))
                exact = D.fixed_binary(batch.column(EXACT_KEY), 16) ^ _salts(batch, self.scope)
                weight = D.weights(None, len(rows)) if weights is None else weights[rows + first]
                entries = D.exact_entries(exact, D.fixed_binary(batch.column(RECORD_KEY), 16, ">"), D.locations(index, rows + first),
                                          weight)
                out = [(p, part.tobytes()) for p, part in D.partitions(entries, (entries["e0"] % np.uint64(parts)).astype(np.int64))]
            yield from out


def _exact_copies(group, parts: int):
    """An exact-key partition -> its copies by file (for the band pass) and by representative partition (for verdicts)."""
    _, blobs = group
    copies = D.exact_copies(D.concat(list(blobs), D.EXACT_ENTRY))  # COPY records
    for f, part in D.partitions(copies, D.file_of(copies["b"]).astype(np.int64)):
        yield beam.pvalue.TaggedOutput("by_file", (f, part.tobytes()))
    yield from ((p, part.tobytes()) for p, part in D.partitions(copies, (copies["a"] % np.uint64(parts)).astype(np.int64)))


class _BandEntries(EventsDoFn):
    """A staged file and its exact copies -> (band key, loc) of its representatives for some bands, by (band, key)
    partition; `after` (a side input) only orders this pass after the previous one."""

    def __init__(self, scope: str, bands: range, min_score: float | None):
        self.scope, self.bands, self.min_score = scope, bands, min_score

    def process(self, group, parts: int, after=()):
        index, tagged = group
        entry, blobs = _entry_and(tagged, "copies")
        copies = np.sort(D.concat(blobs, D.COPY)["b"])
        for first, batch in _sketch_batches(entry, fate.candidate_columns(self.min_score) + [BAND_KEYS] + SALTED):
            with self.timed(STAGE):
                has_bands = batch.column(BAND_KEYS).is_valid().to_numpy(zero_copy_only=False)
                rows = np.flatnonzero(fate.candidates(batch, self.min_score) & has_bands)
                locs = D.locations(index, rows + first)
                representative = ~_contains(copies, locs)
                rows, locs = rows[representative], locs[representative]
                bands = D.fixed_binary(batch.column(BAND_KEYS), 8 * NUM_BANDS)[rows]
                bands = bands ^ _salts(batch.select(SALTED).take(pa.array(rows)), self.scope)[:, :1]
                out = []
                for band in self.bands:
                    entries = np.empty(len(rows), dtype=D.BAND_ENTRY)
                    entries["band"], entries["loc"] = bands[:, band], locs
                    part = band * parts + (entries["band"] % np.uint64(parts)).astype(np.int64)
                    out += [(p, chunk.tobytes()) for p, chunk in D.partitions(entries, part)]
            yield from out


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


def _bucket_edges(group):
    _, blobs = group
    for a, b in D.bucket_edges(D.concat(list(blobs), D.BAND_ENTRY)).tolist():
        yield a, b


# ---------------------------------------------------------------- survivors and verdicts


def _entry_and(tagged, *tags: str) -> tuple:
    """(manifest entry, the values tagged tags[0], those tagged tags[1], ...) of one file's TaggedGroup."""
    entry, values = None, {tag: [] for tag in tags}
    for t, value in tagged:
        if t == "entry":
            entry = value
        elif t in values:
            values[t].append(value)
    return (entry, *values.values())


class _PerStagedFile(EventsDoFn):
    """(file index, its manifest entry and the values tagged `tags` for it) -> what `handle` makes of them (one list
    per tag), timed; nothing for a file without such values."""

    tags: tuple[str, ...] = ()

    def process(self, group):
        index, tagged = group
        entry, *values = _entry_and(tagged, *self.tags)
        if not any(values):
            return
        with self.timed(STAGE):
            out = self.handle(index, entry, *values)
        yield from out

    def handle(self, index: int, entry: dict | None, *values: list) -> list:
        raise NotImplementedError


class _RecordKeys(_PerStagedFile):
    """A staged file and its documents that are in a component -> (root, (record key, loc, weight)) for the survivor
    choice and its size."""

    tags = ("member",)

    def handle(self, index, entry, members):
        keys = read_columns(entry["staged"], [RECORD_KEY])[RECORD_KEY]
        weights = _weights(entry)
        out = []
        for loc, root in members:
            row = int(D.row_of(loc))
            out.append((root, (keys[row].as_py(), loc, 1 if weights is None else int(weights[row]))))
        return out


def _component_verdicts(group, parts: int):
    """A component -> (rep partition, (member, survivor)) for every member, and a VERDICT for every member but the survivor."""
    _, members = group
    members = list(members)
    survivor = D.component_survivor(members)
    for _, loc, weight in members:
        yield loc % parts, (loc, survivor)
        if loc != survivor:
            verdict = np.array([(loc, survivor, D.MINHASH, weight)], dtype=D.VERDICT)
            yield beam.pvalue.TaggedOutput("removed", (int(D.file_of(survivor)), verdict.tobytes()))


def _copy_verdicts(group):
    """A representative partition -> VERDICTs of its exact copies, by the survivor's file."""
    _, tagged = group
    copies = D.concat([value for tag, value in tagged if tag == "copies"], D.COPY)
    survivors = np.array([value for tag, value in tagged if tag == "survivor"], dtype=np.uint64).reshape(-1, 2)
    pairs = np.empty(len(survivors), dtype=D.PAIR)
    pairs["a"], pairs["b"] = survivors[:, 0], survivors[:, 1]
    verdicts = D.member_verdicts(copies, pairs)
    yield from ((f, part.tobytes()) for f, part in D.partitions(verdicts, D.file_of(verdicts["survivor"]).astype(np.int64)))


class _NameSurvivors(_PerStagedFile):
    """The survivors' file and verdicts naming its rows -> (removed file, (rows, reasons, survivor ids)), and
    (this file, (survivor rows, cluster sizes)) on the output "sizes"."""

    tags = ("verdict",)

    def handle(self, index, entry, blobs):
        verdicts = D.concat(blobs, D.VERDICT)
        ids = read_columns(entry["source"], ["id"])["id"]
        named = ids.take(pa.array(D.row_of(verdicts["survivor"]).astype(np.int64))).to_pylist()
        out = []
        for f, part in D.partitions(np.arange(len(verdicts)), D.file_of(verdicts["loc"]).astype(np.int64)):
            chosen = verdicts[part]
            out.append((f, (D.row_of(chosen["loc"]).astype("<u4").tobytes(), chosen["reason"].tobytes(),
                            [named[i] for i in part.tolist()])))
        weights = _weights(entry)
        rows, sizes = D.survivor_sizes(verdicts, D.weights(None, len(ids)) if weights is None else weights)
        out.append(beam.pvalue.TaggedOutput("sizes", (index, (rows.astype("<u4").tobytes(), sizes.astype("<i8").tobytes()))))
        return out


class _WriteVerdicts(_PerStagedFile):
    """A staged file, the verdicts on its rows and its survivors' sizes -> VERDICTS/<index>.parquet, sorted by row."""

    tags = ("named", "sizes")

    def __init__(self, verdict_dir: str):
        self.verdict_dir = verdict_dir

    def handle(self, index, entry, named, sized):
        reasons = D.concat([c for _, c, _ in named], np.dtype("<u1"))
        columns = D.verdict_columns(D.concat([r for r, _, _ in named], np.dtype("<u4")), reasons,
                                    [i for _, _, chunk in named for i in chunk],
                                    D.concat([r for r, _ in sized], np.dtype("<u4")), D.concat([n for _, n in sized], np.dtype("<i8")))
        table = pa.table(columns, schema=VERDICT_SCHEMA)
        with atomic_create(verdict_path(self.verdict_dir, index)) as f:
            pq.write_table(table, f, compression="zstd")
        for code, n in zip(*np.unique(reasons, return_counts=True)):
            self.add(("dropped", D.REASONS[int(code)], int(n)))
        return [index]


def verdict_path(verdict_dir: str, index: int) -> str:
    return f"{verdict_dir}/{index:06d}.parquet"


def read_verdicts(verdict_dir: str | None, index: int) -> fate.Verdicts | None:
    """Dedup's verdicts on staged file `index` (`curation.fate.Verdicts`); None without dedup (`verdict_dir` None)."""
    if verdict_dir is None:
        return None
    if not FileSystems.exists(verdict_path(verdict_dir, index)):
        return fate.Verdicts({}, {})
    table = read_columns(verdict_path(verdict_dir, index), VERDICT_SCHEMA.names)
    losers, sizes = {}, {}
    for row, reason, of, size in zip(*(table[c].to_pylist() for c in VERDICT_SCHEMA.names)):
        if reason is None:
            sizes[row] = size
        else:
            losers[row] = (reason, of)
    return fate.Verdicts(losers, sizes)


class Deduplicate(beam.PTransform):
    """PCollection of one manifest path -> VERDICTS/*.parquet and VERDICTS/dedup.json (see the module docstring)."""

    def __init__(self, verdict_dir: str, scope: str = "global", max_rounds: int = MAX_ROUNDS, min_score: float | None = None):
        super().__init__()
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
        self.verdict_dir, self.scope, self.max_rounds = verdict_dir.rstrip("/"), scope, max_rounds
        self.min_score = min_score  # candidates below it were cut by --quality-keep-top

    def expand(self, manifest):
        entries = manifest | "Entries" >> beam.FlatMap(indexed_entries)
        parts = beam.pvalue.AsSingleton(entries | "AllEntries" >> beam.combiners.ToList() | "Parts" >> beam.Map(partition_count))
        exact = (
            entries
            | "ExactEntries" >> beam.ParDo(_ExactEntries(self.scope, self.min_score), parts).with_outputs(EVENTS, main="entries")
        )
        copies = (
            exact.entries
            | "GroupExact" >> beam.GroupByKey()
            | "ExactCopies" >> beam.FlatMap(_exact_copies, parts).with_outputs("by_file", main="by_rep")
        )
        with_copies = {"entry": entries, "copies": copies.by_file} | "WithCopies" >> TaggedGroup()
        edges, band_events, after = [], [], []
        for k, first in enumerate(range(0, NUM_BANDS, BANDS_PER_PASS)):
            bands = with_copies | f"BandEntries{k}" >> beam.ParDo(
                _BandEntries(self.scope, range(first, min(first + BANDS_PER_PASS, NUM_BANDS)), self.min_score), parts, *after
            ).with_outputs(EVENTS, main="entries")
            band_events.append(bands[EVENTS])
            edges.append(bands.entries | f"GroupBands{k}" >> beam.GroupByKey() | f"BucketEdges{k}" >> beam.FlatMap(_bucket_edges))
            # An empty side input that exists once this pass's edges are complete: the next pass waits for it.
            after = [beam.pvalue.AsIter(edges[-1] | f"Pass{k}Done" >> beam.Filter(lambda _: False))]
        edges = edges | "AllEdges" >> beam.Flatten() | "DistinctEdges" >> beam.Distinct()
        components = edges | "Components" >> ConnectedComponents(self.max_rounds)
        in_components = (
            components["labels"],
            components["roots"] | "RootsAreMembers" >> beam.MapTuple(lambda root, _: (root, root)),
        ) | "Members" >> beam.Flatten()
        keyed = (
            {"entry": entries, "member": in_components | "MemberFile" >> beam.MapTuple(lambda loc, root: (int(D.file_of(loc)), (loc, root)))}
            | "WithMembers" >> TaggedGroup()
            | "RecordKeys" >> beam.ParDo(_RecordKeys()).with_outputs(EVENTS, main="keys")
        )
        survivors = (
            keyed["keys"]
            | "GroupComponents" >> beam.GroupByKey()
            | "ComponentVerdicts" >> beam.FlatMap(_component_verdicts, parts).with_outputs("removed", main="survivor")
        )
        copy_verdicts = (
            {"copies": copies.by_rep, "survivor": survivors.survivor}
            | "WithSurvivors" >> TaggedGroup()
            | "CopyVerdicts" >> beam.FlatMap(_copy_verdicts)
        )
        named = (
            {"entry": entries, "verdict": (copy_verdicts, survivors.removed) | "AllVerdicts" >> beam.Flatten()}
            | "BySurvivorFile" >> TaggedGroup()
            | "NameSurvivors" >> beam.ParDo(_NameSurvivors()).with_outputs(EVENTS, "sizes", main="named")
        )
        written = (
            {"entry": entries, "named": named["named"], "sizes": named["sizes"]}
            | "ByRemovedFile" >> TaggedGroup()
            | "WriteVerdicts" >> beam.ParDo(_WriteVerdicts(self.verdict_dir)).with_outputs(EVENTS, main="indices")
        )
        events = [exact[EVENTS], *band_events, keyed[EVENTS], named[EVENTS], written[EVENTS]]
        return (
            events
            | "FlattenEvents" >> beam.Flatten()
            | "SumEvents" >> beam.CombineGlobally(StatsCombineFn())
            | "WriteSummary" >> beam.Map(_write_summary, self.verdict_dir)
        )


def _write_summary(stats: Stats, verdict_dir: str) -> str:
    path = f"{verdict_dir}/dedup.json"
    write_text_atomically(path, json.dumps(stats.to_dict(), indent=2) + "\n")
    return path


def run_phase(phases, manifest: str, verdict_dir: str, scope: str, entries: list[dict], max_rounds: int = MAX_ROUNDS,
              min_score: float | None = None, **kwargs):
    """The dedup phase with as many component rounds as the candidate count needs (`rounds_for`), run again with
    `max_rounds` in the rare case that is too few (the check fails the job, it never returns wrong clusters).
    `entries` empty (a dry run): `max_rounds`."""
    candidates = sum(entry["candidates"] for entry in entries)
    rounds = rounds_for(candidates, max_rounds) if entries else max_rounds

    def build(rounds: int):
        return lambda p: p | "Manifest" >> beam.Create([manifest]) | "Dedup" >> Deduplicate(verdict_dir, scope, rounds, min_score)

    try:
        phases.run("dedup", build(rounds), **kwargs)
    except Exception as e:
        if rounds >= max_rounds or NOT_CONVERGED not in str(e):
            raise
        delete_tree(verdict_dir)
        phases.run("dedup", build(max_rounds), **kwargs)
