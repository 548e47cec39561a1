"""Exact + MinHash near-deduplication as one composite Beam transform, with no step that needs all documents on one worker.

    sketch -> exact groups -> LSH band buckets -> candidate edges -> connected components -> survivors -> verdicts

Every document is identified by its *node*, a 128-bit hash of all its fields
(`curation.minhash.record_key`): ids can collide in hostile archives, and a fixed
16-byte key keeps every shuffle small. Until the last step only nodes, ids and
hashes are shuffled; the final join of documents with their verdicts is the one
step that moves text.

1. Sketch: per document its exact key (hash of the normalized text) and its 14 band keys.
2. Exact pass: documents are grouped by exact key; the smallest node of each group
   is its representative and the others are exact duplicates, so exact copies never
   reach the band buckets or cost a MinHash comparison.
3. LSH: representatives are grouped by band key; each bucket becomes star edges
   from its members to its smallest node (distinct edges only).
4. Connected components, distributed: alternating large-star / small-star rounds
   (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014). Both steps
   preserve connectivity and shrink every component towards a star around its
   smallest node. The rounds are unrolled `max_rounds` times, then the result is
   checked to be a star forest (each node has at most one parent, parents have no
   parent); if it is not, the pipeline fails with `ComponentsNotConverged` instead
   of returning wrong components. Per-key work streams over grouped values, so
   memory does not grow with component size.
5. Survivor rule: the smallest node of a duplicate cluster (its exact copies plus
   its near-duplicate component) survives. The components algorithm yields that
   node anyway, and it is a pure function of the documents' content, so the
   survivor is the same on every run, runner, worker count and bundle order.
   The others are removed with reason `exact_duplicate` (an exact copy of the
   survivor) or `minhash_duplicate`, and `duplicate_of` = the survivor's id.

Scope "dump" salts exact and band keys with the dump, so clusters never span dumps.
Records identical in every field share a node; one of them is kept as the node's
document and the others are its exact duplicates.
"""

from __future__ import annotations

import dataclasses
import time

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from curation.commands.dedup import MAX_ROUNDS, SCOPES
from curation.document import Document
from curation.minhash import NGRAM, NUM_BANDS, ROWS_PER_BAND, SEED, Sketcher, record_key, scope_salt
from curation.schema import from_row
from pipelines.stage import EVENTS, REMOVED, StageDoFn

EXACT_DUPLICATE = "exact_duplicate"
MINHASH_DUPLICATE = "minhash_duplicate"
STAGE = "dedup"
_SURVIVOR = "survivor"


class ComponentsNotConverged(RuntimeError):
    """The unrolled rounds did not reduce every component to a star: results would be wrong, so the run fails."""


# ---------------------------------------------------------------- 1-2: sketches and the exact pass


class _Sketch(beam.DoFn):
    """Document -> (node, doc), (node, id) and (exact key, (node, band keys)); reports its time as dedup seconds."""

    def __init__(self, scope: str, num_bands: int, rows_per_band: int, ngram: int, seed: int):
        self.scope, self.params = scope, (num_bands, rows_per_band, ngram, seed)

    def setup(self):
        self.sketcher = Sketcher(*self.params)

    def start_bundle(self):
        self.seconds = 0.0

    def process(self, doc: Document):
        t0 = time.perf_counter()
        node = record_key(doc)
        exact, bands = self.sketcher.sketch(doc.text, scope_salt(doc.dump) if self.scope == "dump" else b"")
        self.seconds += time.perf_counter() - t0
        yield node, doc
        yield beam.pvalue.TaggedOutput("ids", (node, doc.id))
        yield beam.pvalue.TaggedOutput("sketches", (exact, (node, tuple(bands))))

    def finish_bundle(self):
        if self.seconds:
            event = ("stage", STAGE, 0, 0, self.seconds)
            yield beam.pvalue.TaggedOutput(EVENTS, WindowedValue(event, MIN_TIMESTAMP, [GlobalWindow()]))


def _split_exact_group(group):
    """(exact key, [(node, bands)]) -> the representative's (node, bands); the others as ("members", (rep, node))."""
    _, entries = group
    representative, bands = min(entries, key=lambda entry: entry[0])
    yield representative, bands
    for node, _ in entries:
        if node != representative:  # identical records share the representative's node
            yield beam.pvalue.TaggedOutput("members", (representative, node))


# ---------------------------------------------------------------- 3: LSH buckets -> candidate edges


def _band_entries(representative):
    node, bands = representative
    for band in bands:
        yield band, node


def _bucket_edges(bucket):
    """All nodes sharing a band key -> edges (node, smallest node): a star, enough for connectivity."""
    _, nodes = bucket
    center = min(nodes)
    for node in nodes:
        if node != center:
            yield node, center


# ---------------------------------------------------------------- 4: connected components


def _both_directions(edge):
    u, v = edge
    yield u, v
    yield v, u


def _large_star(adjacency):
    """Node u: connect every strictly larger neighbour to the smallest of u and its neighbours."""
    node, neighbours = adjacency
    smallest = min(node, min(neighbours))
    for v in neighbours:
        if v > node:
            yield v, smallest


def _small_star(adjacency):
    """Node u with its smaller neighbours: connect u and all of them to the smallest one."""
    node, smaller = adjacency
    smallest = min(smaller)
    yield node, smallest
    for v in smaller:
        if v != smallest:
            yield v, smallest


class _StarRound(beam.PTransform):
    """One large-star step then one small-star step; edges come out as (node, smaller node)."""

    def expand(self, edges):
        return (
            edges
            | "LargeStarKey" >> beam.FlatMap(_both_directions)
            | "LargeStarGroup" >> beam.GroupByKey()
            | "LargeStar" >> beam.FlatMap(_large_star)
            | "SmallStarKey" >> beam.Map(lambda edge: (max(edge), min(edge)))
            | "SmallStarGroup" >> beam.GroupByKey()
            | "SmallStar" >> beam.FlatMap(_small_star)
        )


class _TaggedGroup(beam.PTransform):
    """{tag: PCollection[(key, value)]} -> (key, iterable of (tag, value)): a CoGroupByKey whose values
    stream (no per-tag lists in memory), so a DoFn can make two passes over a large group."""

    def expand(self, pcolls: dict):
        tagged = [
            pcoll | f"Tag[{tag}]" >> beam.MapTuple(lambda key, value, tag=tag: (key, (tag, value)))
            for tag, pcoll in pcolls.items()
        ]
        return tagged | "Flatten" >> beam.Flatten() | "Group" >> beam.GroupByKey()


class _CheckStars(beam.DoFn):
    """Fails unless the edges form stars: at most one parent per node, and no parent with a parent of its own."""

    def __init__(self, max_rounds: int):
        self.max_rounds = max_rounds

    def process(self, group):
        node, tagged = group
        parent, has_children = None, False
        for tag, other in tagged:
            if tag == "child":
                has_children = True
            elif parent is None or parent == other:
                parent = other
            else:
                raise self._failure(f"node {node.hex()} has two parents")
        if parent is not None and has_children:
            raise self._failure(f"node {node.hex()} is both a parent and a child")
        if parent is not None:
            yield node, parent
        elif has_children:
            yield beam.pvalue.TaggedOutput("roots", (node, None))

    def _failure(self, detail: str) -> ComponentsNotConverged:
        return ComponentsNotConverged(
            f"connected components did not converge in {self.max_rounds} rounds ({detail}); "
            f"a duplicate chain is longer than these rounds resolve: rerun with a larger max_rounds (curate dedup --max-rounds)"
        )


class ConnectedComponents(beam.PTransform):
    """Edges (u, v) -> {"labels": (node, root) for every non-root node, "roots": (root, None)};
    root = the smallest node of the component. Nodes without edges appear in neither."""

    def __init__(self, max_rounds: int = MAX_ROUNDS):
        super().__init__()
        if max_rounds < 1:
            raise ValueError("max_rounds must be at least 1")
        self.max_rounds = max_rounds

    def expand(self, edges):
        for i in range(1, self.max_rounds + 1):
            edges = edges | f"Round{i}" >> _StarRound()
        checked = (
            {
                "parent": edges,
                "child": edges | "ByParent" >> beam.MapTuple(lambda child, parent: (parent, child)),
            }
            | "GroupStars" >> _TaggedGroup()
            | "CheckStars" >> beam.ParDo(_CheckStars(self.max_rounds)).with_outputs("roots", main="labels")
        )
        return {"labels": checked.labels, "roots": checked.roots}


# ---------------------------------------------------------------- 5: survivors and verdicts


def _resolve_representative(group):
    """Per node: a component child sends itself and its exact copies to its root; a survivor
    (component root, or representative with exact copies) announces its id and its exact copies."""
    node, tagged = group
    doc_id, parent, is_root, has_members = None, None, False, False
    for tag, value in tagged:
        if tag == "id":
            doc_id = value
        elif tag == "parent":
            parent = value
        elif tag == "root":
            is_root = True
        else:
            has_members = True
    if parent is not None:
        yield parent, (MINHASH_DUPLICATE, node)
        for tag, value in tagged:
            if tag == "member":
                yield parent, (MINHASH_DUPLICATE, value)
    elif is_root or has_members:
        yield node, (_SURVIVOR, doc_id)
        for tag, value in tagged:
            if tag == "member":
                yield node, (EXACT_DUPLICATE, value)


def _name_survivor(group):
    """(survivor node, [(survivor, id), (reason, node)...]) -> (node, (reason, survivor id)) per removed node."""
    _, entries = group
    survivor_id = next(value for reason, value in entries if reason == _SURVIVOR)
    for reason, node in entries:
        if reason != _SURVIVOR:
            yield node, (reason, survivor_id)


def _attach_verdict(group):
    """(node, docs and at most one verdict) -> (doc, reason or None, survivor id or None) per document."""
    _, tagged = group
    verdict = next((value for tag, value in tagged if tag == "verdict"), None)
    first = True
    for tag, doc in tagged:
        if tag != "doc":
            continue
        if verdict is not None:
            yield doc, *verdict
        elif first:
            yield doc, None, None
        else:  # a record identical in every field to the one kept
            yield doc, EXACT_DUPLICATE, doc.id
        first = False


class _ApplyVerdict(StageDoFn):
    stage = STAGE

    def process_element(self, element):
        doc, reason, survivor_id = element
        if reason is None:
            yield doc
            return
        self.count("dropped", reason)
        yield beam.pvalue.TaggedOutput(REMOVED, (reason, dataclasses.replace(doc, duplicate_of=survivor_id)))


# ---------------------------------------------------------------- the composite transform


class Deduplicate(beam.PTransform):
    """PCollection[Document] -> {"kept": documents, "removed": (reason, document) pairs, "events": accounting events}.

    Exactly one document of each duplicate cluster is kept (see the module docstring
    for the rule); singletons are kept as they are.
    """

    def __init__(self, scope: str = "global", *, num_bands: int = NUM_BANDS, rows_per_band: int = ROWS_PER_BAND,
                 ngram: int = NGRAM, seed: int = SEED, max_rounds: int = MAX_ROUNDS):
        super().__init__()
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
        if min(num_bands, rows_per_band, ngram, max_rounds) < 1:
            raise ValueError("num_bands, rows_per_band, ngram and max_rounds must be positive")
        self.scope, self.max_rounds = scope, max_rounds
        self.sketch_params = (num_bands, rows_per_band, ngram, seed)

    def expand(self, docs):
        sketched = docs | "Sketch" >> beam.ParDo(_Sketch(self.scope, *self.sketch_params)).with_outputs(
            "ids", "sketches", EVENTS, main="docs"
        )
        exact = (
            sketched.sketches
            | "GroupExact" >> beam.GroupByKey()
            | "SplitExact" >> beam.FlatMap(_split_exact_group).with_outputs("members", main="representatives")
        )
        edges = (
            exact.representatives
            | "BandEntries" >> beam.FlatMap(_band_entries)
            | "GroupBands" >> beam.GroupByKey()
            | "BucketEdges" >> beam.FlatMap(_bucket_edges)
            | "DistinctEdges" >> beam.Distinct()
        )
        components = edges | "Components" >> ConnectedComponents(self.max_rounds)
        verdicts = (
            {
                "id": sketched.ids,
                "member": exact.members,
                "parent": components["labels"],
                "root": components["roots"],
            }
            | "GroupRepresentatives" >> _TaggedGroup()
            | "ResolveRepresentatives" >> beam.FlatMap(_resolve_representative)
            | "GroupBySurvivor" >> beam.GroupByKey()
            | "NameSurvivors" >> beam.FlatMap(_name_survivor)
        )
        applied = (
            {"doc": sketched.docs, "verdict": verdicts}
            | "JoinDocuments" >> _TaggedGroup()
            | "AttachVerdicts" >> beam.FlatMap(_attach_verdict)
            | "ApplyVerdicts" >> beam.ParDo(_ApplyVerdict()).with_outputs(EVENTS, REMOVED, main="kept")
        )
        events = (sketched[EVENTS], applied[EVENTS]) | "FlattenEvents" >> beam.Flatten()
        return {"kept": applied.kept, "removed": applied[REMOVED], "events": events}


# ---------------------------------------------------------------- reading shards back (standalone `curate dedup`)


class _RowsToDocuments(StageDoFn):
    stage = "read"

    def process_element(self, row: dict):
        self.count("read")
        yield from_row(row)


class ReadShards(beam.PTransform):
    """PCollection of Parquet paths/globs -> {"docs": Documents, "events": ("read", n) and stage events}."""

    def expand(self, paths):
        read = (
            paths
            | "Read" >> beam.io.ReadAllFromParquet()
            | "ToDocuments" >> beam.ParDo(_RowsToDocuments()).with_outputs(EVENTS, main="docs")
        )
        return {"docs": read.docs, "events": read[EVENTS]}
