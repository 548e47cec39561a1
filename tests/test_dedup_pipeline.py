"""The Deduplicate transform, its distributed connected components, and `curate dedup`, on Beam's in-process FnApiRunner."""

from __future__ import annotations

import argparse
import glob
import json
import random

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from curation.errors import UsageError
from curation.commands import dedup as dedup_command
from curation.document import Document
from curation.minhash import Sketcher, record_key
from curation.schema import schema_for, to_row
from curation.stats import Stats
from pipelines.dedup import ConnectedComponents, Deduplicate


def words(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8))) for _ in range(n)]


def doc(doc_id: str, text: str, dump: str = "CC-MAIN-2024-10") -> Document:
    return Document(id=doc_id, url=f"https://example.com/{doc_id}", date="2024-03-01", dump=dump, file_path="f.warc.gz", text=text)


def survivor(*docs: Document) -> Document:
    """The documented rule: the smallest record key of the cluster survives."""
    return min(docs, key=record_key)


def summarize(result: dict):
    """(kept ids, removed (id, reason, duplicate_of)) as comparable PCollections."""
    kept = result["kept"] | "KeptIds" >> beam.Map(lambda d: d.id)
    removed = result["removed"] | "RemovedIds" >> beam.MapTuple(lambda reason, d: (d.id, reason, d.duplicate_of))
    return kept, removed


def run_dedup(docs: list[Document], expected_kept: list[str], expected_removed: list[tuple], options=None, **kwargs):
    with beam.Pipeline(runner=FnApiRunner(), options=options) as p:
        kept, removed = summarize(p | beam.Create(docs) | Deduplicate(**kwargs))
        assert_that(kept, equal_to(expected_kept), label="CheckKept")
        assert_that(removed, equal_to(expected_removed), label="CheckRemoved")


def test_all_exact_copies_but_one_are_removed():
    text = " ".join(words(1, 80))
    copies = [doc("c0", text), doc("c1", text.upper()), doc("c2", text.replace(" ", ",  ")), doc("c3", "  " + text.title() + "!!! ")]
    other = doc("other", " ".join(words(2, 80)))
    keep = survivor(*copies)
    run_dedup(
        copies + [other],
        [keep.id, "other"],
        [(c.id, "exact_duplicate", keep.id) for c in copies if c is not keep],
    )


def test_a_chain_whose_ends_are_not_similar_is_one_component():
    w = words(0, 400)
    a, b, c = (doc(name, " ".join(w[start : start + 300])) for name, start in (("A", 0), ("B", 30), ("C", 60)))
    bands = {d.id: set(Sketcher().sketch(d.text)[1]) for d in (a, b, c)}
    assert bands["A"] & bands["B"] and bands["B"] & bands["C"], "precondition: neighbours are candidates"
    assert not bands["A"] & bands["C"], "precondition: A and C are not"
    keep = survivor(a, b, c)
    run_dedup([a, b, c], [keep.id], [(d.id, "minhash_duplicate", keep.id) for d in (a, b, c) if d is not keep])


def test_distinct_documents_are_all_kept():
    docs = [doc(f"d{i}", " ".join(words(1000 + i, 150))) for i in range(40)]
    docs += [doc("short", "hello"), doc("symbols-1", "!!!"), doc("symbols-2", "???"), doc("empty", "")]
    run_dedup(docs, [d.id for d in docs], [])


def test_scope_dump_never_merges_across_dumps_and_events_balance():
    text = " ".join(words(3, 120))
    near = text.replace(text.split()[60], "changed")
    docs = [doc("x1", text, "D1"), doc("x2", text, "D2"), doc("y1", near, "D1")]
    keep_d1 = survivor(docs[0], docs[2])
    keep_global = survivor(*docs)
    with beam.Pipeline(runner=FnApiRunner()) as p:
        pcoll = p | beam.Create(docs)
        per_dump = pcoll | "PerDump" >> Deduplicate("dump")
        kept = per_dump["kept"] | "DumpKept" >> beam.Map(lambda d: d.id)
        assert_that(kept, equal_to(["x2", keep_d1.id]), label="DumpKeptCheck")
        everything = pcoll | "Global" >> Deduplicate("global")
        kept_global = everything["kept"] | "GlobalKept" >> beam.Map(lambda d: d.id)
        assert_that(kept_global, equal_to([keep_global.id]), label="GlobalKeptCheck")

        # x1 and x2 are exact copies: the one that is not the survivor is an exact duplicate,
        # unless y1 survives, which makes both of them near duplicates of y1.
        expected_drops = {"minhash_duplicate": 2} if keep_global.id == "y1" else {"exact_duplicate": 1, "minhash_duplicate": 1}

        def balanced(events):
            stats = Stats()
            for event in events:
                stats.add(event)
            assert stats.stages["dedup"][:2] == [3, 1]
            assert dict(stats.dropped) == expected_drops

        assert_that(everything["events"], balanced, label="GlobalEvents")


def test_identical_records_and_colliding_ids():
    text = " ".join(words(4, 60))
    same = doc("dup-id", text)
    colliding = doc("dup-id", " ".join(words(5, 60)))  # same id, different page: both must survive
    run_dedup([same, same, colliding], ["dup-id", "dup-id"], [("dup-id", "exact_duplicate", "dup-id")])


def test_survivor_is_the_same_for_any_input_order_and_with_two_workers():
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
    run_dedup(list(reversed(docs)), expected_kept, expected_removed)
    two_workers = PipelineOptions(["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
    run_dedup(docs, expected_kept, expected_removed, options=two_workers)


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
    kept = [row for f in glob.glob(f"{out}/data/*.parquet") for row in pq.read_table(f).to_pylist()]
    removed = [row for f in glob.glob(f"{out}/removed/*.parquet") for row in pq.read_table(f).to_pylist()]
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
    with pytest.raises(UsageError, match="max-rounds"):
        run_command(["--input", str(tmp_path / "run"), "--output", str(tmp_path / "out"), "--max-rounds", "0"])
