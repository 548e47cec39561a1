"""The dedup phase over staged sketches, its distributed connected components, and `curate dedup`, on Beam's FnApiRunner."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from curate_cli import dedup as dedup_command
from curation.document import Document
from curation.errors import UsageError
from curation.minhash import Sketcher, record_key
from curation.run_output import run_shards
from curation.schema import schema_for, to_row
from curation.staged import staged_row, staged_schema
from pipelines.components import ConnectedComponents
from pipelines.dedup import Deduplicate
from pipelines.dedup_shards import deduplicate_documents, stage_documents
from pipelines.files import write_manifest


def words(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8))) for _ in range(n)]


def doc(doc_id: str, text: str, dump: str = "CC-MAIN-2024-10") -> Document:
    return Document(id=doc_id, url=f"https://example.com/{doc_id}", date="2024-03-01", dump=dump, file_path="f.warc.gz", text=text)


def survivor(*docs: Document) -> Document:
    """The documented rule: the smallest record key of the cluster survives."""
    return min(docs, key=record_key)


def run_dedup(folder: Path, files: list[list[Document]], scope: str = "global", options=None, **kwargs):
    """(kept ids, removed (id, reason, duplicate_of), dedup.json) of the dedup phase over these staged files."""
    removed = deduplicate_documents(files, str(folder), scope, options, **kwargs)
    gone = {(f, row) for f, row, _, _ in removed}
    kept = [d.id for i, docs in enumerate(files) for r, d in enumerate(docs) if (i, r) not in gone]
    named = [(files[f][row].id, reason, of) for f, row, reason, of in removed]
    return sorted(kept), sorted(named), json.loads((folder / "verdicts" / "dedup.json").read_text())


def check(tmp_path, files, expected_kept, expected_removed, **kwargs) -> dict:
    kept, removed, summary = run_dedup(tmp_path, files, **kwargs)
    assert kept == sorted(expected_kept)
    assert removed == sorted(expected_removed)
    return summary


def test_all_exact_copies_but_one_are_removed(tmp_path):
    text = " ".join(words(1, 80))
    copies = [doc("c0", text), doc("c1", text.upper()), doc("c2", text.replace(" ", ",  ")), doc("c3", "  " + text.title() + "!!! ")]
    other = doc("other", " ".join(words(2, 80)))
    keep = survivor(*copies)
    summary = check(tmp_path, [copies[:2], copies[2:] + [other]], [keep.id, "other"],
                    [(c.id, "exact_duplicate", keep.id) for c in copies if c is not keep])
    assert summary["dropped"] == {"exact_duplicate": 3}


def test_a_chain_whose_ends_are_not_similar_is_one_component(tmp_path):
    w = words(0, 400)
    a, b, c = (doc(name, " ".join(w[start : start + 300])) for name, start in (("A", 0), ("B", 30), ("C", 60)))
    bands = {d.id: set(Sketcher().sketch(d.text)[1].tolist()) for d in (a, b, c)}
    assert bands["A"] & bands["B"] and bands["B"] & bands["C"], "precondition: neighbours are candidates"
    assert not bands["A"] & bands["C"], "precondition: A and C are not"
    keep = survivor(a, b, c)
    check(tmp_path, [[a], [b, c]], [keep.id], [(d.id, "minhash_duplicate", keep.id) for d in (a, b, c) if d is not keep])


def test_distinct_documents_are_all_kept(tmp_path):
    docs = [doc(f"d{i}", " ".join(words(1000 + i, 150))) for i in range(40)]
    docs += [doc("short", "hello"), doc("symbols-1", "!!!"), doc("symbols-2", "???"), doc("empty", "")]
    summary = check(tmp_path, [docs[:20], docs[20:], []], [d.id for d in docs], [])
    assert summary["dropped"] == {}


def test_scope_dump_never_merges_across_dumps(tmp_path):
    text = " ".join(words(3, 120))
    near = text.replace(text.split()[60], "changed")
    docs = [doc("x1", text, "D1"), doc("x2", text, "D2"), doc("y1", near, "D1")]
    keep_d1 = survivor(docs[0], docs[2])
    gone_d1 = docs[0] if keep_d1 is docs[2] else docs[2]
    reason = "exact_duplicate" if gone_d1.text == keep_d1.text else "minhash_duplicate"
    check(tmp_path / "dump", [docs], ["x2", keep_d1.id], [(gone_d1.id, reason, keep_d1.id)], scope="dump")
    # Globally: x1 and x2 are exact copies; the one that is not the survivor is an exact duplicate,
    # unless y1 survives, which makes both of them near duplicates of y1.
    keep = survivor(*docs)
    expected = [(d.id, "exact_duplicate" if d.text == keep.text else "minhash_duplicate", keep.id) for d in docs if d is not keep]
    check(tmp_path / "global", [docs], [keep.id], expected)


def test_identical_records_and_colliding_ids(tmp_path):
    text = " ".join(words(4, 60))
    same = doc("dup-id", text)
    colliding = doc("dup-id", " ".join(words(5, 60)))  # same id, different page: both must survive
    check(tmp_path, [[same, same, colliding]], ["dup-id", "dup-id"], [("dup-id", "exact_duplicate", "dup-id")])


def test_survivor_is_the_same_for_any_input_order_and_with_two_workers(tmp_path):
    base = words(6, 300)
    docs = [doc(f"e{i}", " ".join(base)) for i in range(4)]  # exact copies
    docs += [doc(f"n{i}", " ".join(base[:100] + [f"edit{i}"] + base[101:])) for i in range(4)]  # near copies
    docs += [doc(f"u{i}", " ".join(words(60 + i, 200))) for i in range(6)]  # unrelated
    cluster = docs[:8]
    keep = survivor(*cluster)
    exact = {d.id for d in cluster if d.text == keep.text and d is not keep}
    expected_kept = [keep.id] + [f"u{i}" for i in range(6)]
    expected_removed = [
        (d.id, "exact_duplicate" if d.id in exact else "minhash_duplicate", keep.id) for d in cluster if d is not keep
    ]
    backwards = list(reversed(docs))
    check(tmp_path / "reversed", [backwards[:5], backwards[5:]], expected_kept, expected_removed)
    two_workers = PipelineOptions(["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
    check(tmp_path / "two", [docs[:3], docs[3:9], docs[9:]], expected_kept, expected_removed, options=two_workers)


def test_dropped_rows_of_a_staged_file_are_not_candidates(tmp_path):
    """Rows with a filter_reason (dropped before dedup) never take part: a copy of one is kept."""
    text = " ".join(words(7, 90))
    manifest = stage_documents([[doc("kept", text)]], str(tmp_path))
    dropped = staged_row(doc("dropped", text), "c4:curly_bracket")
    path = tmp_path / "staged-dropped.parquet"
    pq.write_table(pa.Table.from_pylist([dropped], schema=staged_schema((), False)), path)
    entries = [json.loads(line) for line in open(manifest)]
    entries.append({"input": "in-dropped", "staged": str(path), "source": str(path), "candidates": 0, "stats": {}})
    write_manifest(entries, manifest)
    with beam.Pipeline(runner=FnApiRunner()) as p:
        _ = p | beam.Create([manifest]) | Deduplicate(str(tmp_path / "verdicts"))
    assert sorted(f.name for f in (tmp_path / "verdicts").iterdir()) == ["dedup.json"]


def test_partitions_keep_every_entry_in_order():
    from curation.dedup import partitions

    values = np.arange(10, dtype=np.uint64)
    parts = dict(partitions(values, (values % np.uint64(3)).astype(np.int64)))
    assert {p: v.tolist() for p, v in parts.items()} == {0: [0, 3, 6, 9], 1: [1, 4, 7], 2: [2, 5, 8]}
    assert list(partitions(values[:0], values[:0].astype(np.int64))) == []


# ---------------------------------------------------------------- connected components


def node(i: int) -> bytes:
    return i.to_bytes(16, "big")


def union_find_labels(edges: list[tuple[int, int]]) -> tuple[list, list]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for u, v in edges:
        ru, rv = find(u), find(v)
        parent[max(ru, rv)] = min(ru, rv)
    labels = [(node(x), node(find(x))) for x in parent if find(x) != x]
    roots = [(node(r), None) for r in {find(x) for x in parent if find(x) != x}]
    return labels, roots


def test_components_match_union_find():
    rng = random.Random(7)
    edges = [(rng.randrange(400), rng.randrange(400)) for _ in range(300)]
    path = rng.sample(range(1000, 1300), 300)  # a 300-node chain in random order
    edges += list(zip(path, path[1:]))
    edges = [(u, v) for u, v in edges if u != v]
    labels, roots = union_find_labels(edges)
    with beam.Pipeline(runner=FnApiRunner()) as p:
        components = p | beam.Create([(node(u), node(v)) for u, v in edges]) | ConnectedComponents()
        assert_that(components["labels"], equal_to(labels), label="Labels")
        assert_that(components["roots"], equal_to(roots), label="Roots")


def test_components_fail_loudly_when_rounds_are_too_few():
    path = random.Random(8).sample(range(200), 200)
    with pytest.raises(Exception, match="did not converge in 2 rounds"):
        with beam.Pipeline(runner=FnApiRunner()) as p:
            _ = p | beam.Create([(node(u), node(v)) for u, v in zip(path, path[1:])]) | ConnectedComponents(max_rounds=2)


# ---------------------------------------------------------------- curate dedup


def write_run(directory, docs: list[Document], signal_names: list[str] | None = None) -> None:
    (directory / "data").mkdir(parents=True)
    rows = [to_row(d, signal_names=signal_names) for d in docs]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema_for(False, signal_names)), directory / "data" / "part-00000-of-00001.parquet")


def run_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    dedup_command.register(parser.add_subparsers())
    args = parser.parse_args(["dedup", *argv])
    args.extra = []
    return args.func(args)


def test_curate_dedup_across_runs(tmp_path):
    text = " ".join(words(9, 100))
    first = [doc("a1", text, "D1"), doc("a2", " ".join(words(10, 100)), "D1")]
    first[0].signals, first[0].token_count = {"fineweb_ratio": 0.5}, 120
    second = [doc("b1", text.title(), "D2")]
    write_run(tmp_path / "run1", first, ["fineweb_ratio"])
    write_run(tmp_path / "run2", second)
    out = tmp_path / "merged"
    assert run_command(["--input", str(tmp_path / "run1"), "--input", str(tmp_path / "run2"), "--output", str(out), "--workers", "1"]) == 0

    keep = survivor(first[0], second[0])
    gone = first[0] if keep is second[0] else second[0]
    kept = [row for f in run_shards(out) for row in pq.read_table(f).to_pylist()]
    removed = [row for f in run_shards(out, "removed") for row in pq.read_table(f).to_pylist()]
    assert sorted(row["id"] for row in kept) == sorted(["a2", keep.id])
    assert [(r["id"], r["filter_reason"], r["duplicate_of"]) for r in removed] == [(gone.id, "exact_duplicate", keep.id)]
    a1 = next(row for row in kept + removed if row["id"] == "a1")
    assert a1["signals"] == {"fineweb_ratio": 0.5} and a1["token_count"] == 120
    stats = json.loads((out / "stats.json").read_text())
    assert stats["records_read"] == 3 and stats["kept"] == 2 and stats["dropped"] == {"exact_duplicate": 1}


def test_curate_dedup_usage_errors(tmp_path):
    write_run(tmp_path / "run", [doc("a", "some text")])
    with pytest.raises(UsageError, match="no Parquet shards"):
        run_command(["--input", str(tmp_path / "missing"), "--output", str(tmp_path / "out")])
    with pytest.raises(UsageError, match="also an --input"):
        run_command(["--input", str(tmp_path / "run"), "--output", str(tmp_path / "run")])
    with pytest.raises(SystemExit) as exit_:  # argparse: "argument --max-rounds: must be at least 1, not 0"
        run_command(["--input", str(tmp_path / "run"), "--output", str(tmp_path / "out"), "--max-rounds", "0"])
    assert exit_.value.code == 2
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        run_command(["--input", str(tmp_path / "run"), "--output", str(tmp_path / "file")])


def test_too_few_rounds_for_a_chain_run_again_with_max_rounds(tmp_path, monkeypatch):
    """The phase picks its rounds from the candidate count; when a chain needs more, the check fails the job and
    the phase runs again with max_rounds instead of returning wrong clusters."""
    import pipelines.dedup as dedup_phase
    from pipelines.options import Phases

    w = words(11, 600)
    chain = [doc(f"c{i}", " ".join(w[30 * i : 30 * i + 300])) for i in range(8)]  # neighbours similar, ends not
    manifest = stage_documents([chain], str(tmp_path))
    entries = [json.loads(line) for line in open(manifest)]
    monkeypatch.setattr(dedup_phase, "rounds_for", lambda nodes, max_rounds: 1)
    phases, attempts = Phases([], 1), []
    run = phases.run
    monkeypatch.setattr(phases, "run", lambda name, build, **kw: attempts.append(name) or run(name, build, **kw))
    dedup_phase.run_phase(phases, manifest, str(tmp_path / "verdicts"), "global", entries)
    assert attempts == ["dedup", "dedup"]  # one round was too few for this chain
    verdicts = dedup_phase.read_verdicts(str(tmp_path / "verdicts"), 0)
    keep = survivor(*chain)
    assert sorted((chain[row].id, of) for row, (_, of) in verdicts.losers.items()) == sorted((d.id, keep.id) for d in chain if d is not keep)
    assert verdicts.sizes == {chain.index(keep): len(chain)}


def test_rounds_grow_with_the_candidates():
    from pipelines.components import rounds_for

    assert [rounds_for(n) for n in (0, 45, 990, 10**4, 10**5, 10**6, 10**9)] == [4, 8, 12, 14, 17, 20, 20]
    assert rounds_for(10**6, max_rounds=12) == 12
