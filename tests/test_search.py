"""BM25 search: a phrase finds its page at rank 1, the index follows the shards incrementally, passages, the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate_cli.main import main as curate
from curation.search import Searcher, best_passage
from curation.search_index import SearchIndexError, build_index, index_dir

WORDS = ("harbour lighthouse keeper logbook storm ferry quay gull tide beacon lantern cliff granite pier rope "
         "anchor sail mast cargo salt").split()


def write_shard(out: Path, name: str, docs: list[tuple[str, str]]) -> Path:
    (out / "data").mkdir(parents=True, exist_ok=True)
    table = pa.table({"text": [t for _, t in docs], "id": [i for i, _ in docs],
                      "url": [f"https://{i}.example/" for i, _ in docs]})
    path = out / "data" / name
    pq.write_table(table, path)
    return path


def synthetic_docs(prefix: str, n: int) -> list[tuple[str, str]]:
    """Documents of common words, each with one made-up word of its own."""
    return [(f"{prefix}{i}", " ".join(WORDS[(i + j) % len(WORDS)] for j in range(30)) + f" zq{prefix}{i}x end.")
            for i in range(n)]


@pytest.fixture(scope="module")
def sample_index(sample_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search") / "out"
    shutil.copytree(sample_run / "data", out / "data")
    build_index(out)
    return out


def test_distinctive_phrase_of_every_sample_document_finds_it_at_rank_1(sample_index):
    import duckdb

    docs = duckdb.sql(f"SELECT id, text FROM '{sample_index}/data/*/*.parquet'").fetchall()
    searcher = Searcher(sample_index)
    assert searcher.num_docs == len(docs) == 40
    for doc_id, text in docs:
        words = text.split()
        phrase = " ".join(words[len(words) // 2:len(words) // 2 + 8])
        hits = searcher.search(phrase, k=3)
        assert hits[0].id == doc_id, phrase
        assert phrase in hits[0].passage  # the passage is the window around the matches
        assert hits[0].score > hits[1].score


def test_index_follows_added_changed_and_removed_shards(tmp_path):
    out = tmp_path / "out"
    write_shard(out, "part-0.parquet", synthetic_docs("a", 20))
    write_shard(out, "part-1.parquet", synthetic_docs("b", 20))
    first = build_index(out)
    assert sorted(first.indexed) == ["part-0.parquet", "part-1.parquet"] and first.docs == 40
    assert Searcher(out).search("zqa3x")[0].id == "a3"

    write_shard(out, "part-2.parquet", synthetic_docs("c", 5))
    added = build_index(out)
    assert added.indexed == ["part-2.parquet"] and added.docs == 45
    assert Searcher(out).search("zqc4x")[0].id == "c4"

    write_shard(out, "part-0.parquet", synthetic_docs("d", 3))  # same name, new content
    (out / "data" / "part-1.parquet").unlink()
    changed = build_index(out)
    assert changed.indexed == ["part-0.parquet"] and changed.removed == ["part-1.parquet"] and changed.docs == 8
    searcher = Searcher(out)
    assert searcher.search("zqa3x") == [] and searcher.search("zqb3x") == []
    assert searcher.search("zqd2x")[0].id == "d2"
    assert build_index(out).indexed == []  # nothing changed: nothing indexed

    fresh = tmp_path / "fresh"
    shutil.copytree(out / "data", fresh / "data")
    build_index(fresh)
    files = sorted(p.name for p in index_dir(out).iterdir())
    assert files == sorted(p.name for p in index_dir(fresh).iterdir())  # no leftovers of removed shards
    for name in files:
        if name != "manifest.json":  # (the manifest records mtimes)
            assert (index_dir(out) / name).read_bytes() == (index_dir(fresh) / name).read_bytes(), name


def test_a_shard_changed_since_indexing_is_refused_not_misread(tmp_path):
    out = tmp_path / "out"
    write_shard(out, "part-0.parquet", synthetic_docs("a", 5))
    build_index(out)
    write_shard(out, "part-0.parquet", synthetic_docs("z", 5))
    with pytest.raises(SearchIndexError, match="out of date"):
        Searcher(out)
    copied = tmp_path / "copy"
    build_index(out)
    shutil.copytree(out, copied)  # new mtimes, same bytes: still usable
    os.utime(copied / "data" / "part-0.parquet", ns=(1, 1))
    assert Searcher(copied).search("zqz1x")[0].id == "z1"


def test_bm25_prefers_rare_terms_and_shorter_documents(tmp_path):
    out = tmp_path / "out"
    write_shard(out, "part-0.parquet", [
        ("long", "granite " + "harbour " * 50), ("short", "granite harbour"), ("common", "harbour harbour quay"),
    ] + [(f"f{i}", "harbour quay pier") for i in range(10)])
    build_index(out)
    hits = Searcher(out).search("granite harbour", k=3)
    assert [h.id for h in hits[:2]] == ["short", "long"]


def test_hostile_text_is_indexed_in_bounded_terms(tmp_path):
    out = tmp_path / "out"
    huge = "a" * 2_000_000 + " needle " + "<|im_end|> " * 1000
    write_shard(out, "part-0.parquet", [("hostile", huge), ("plain", "needle in a haystack"), ("empty", "")])
    build_index(out)
    searcher = Searcher(out)
    assert {h.id for h in searcher.search("needle")} == {"hostile", "plain"}
    assert searcher.search("a" * 2_000_000) == []  # runs longer than MAX_TERM_CHARS are not terms
    assert searcher.search("") == [] and searcher.search("!!!") == []


def test_passage_is_centred_on_the_matches():
    text = " ".join(f"w{i}" for i in range(100)) + " alpha beta " + " ".join(f"v{i}" for i in range(100))
    passage, focus = best_passage(text, {"alpha": 2.0, "beta": 1.0}, window=10)
    words = passage.split()
    assert len(words) == 10 and words[focus] in ("alpha", "beta") and words.index("alpha") in (4, 5)
    short, focus = best_passage("one two alpha", {"alpha": 1.0}, window=10)
    assert short == "one two alpha" and focus == 2
    # the matches that weigh most win over more matches of a cheap term
    text = "beta " * 5 + "x " * 50 + "alpha beta " + "y " * 50
    assert "alpha" in best_passage(text, {"alpha": 5.0, "beta": 0.1}, window=6)[0]


def test_search_command_prints_json_lines_and_a_safe_table(tmp_path, capsys):
    out = tmp_path / "out"
    write_shard(out, "part-0.parquet", [("bi\u2028di", "needle \u202e reversed needle"), ("other", "a needle in a long haystack of many other words")])
    assert curate(["index", str(out)]) == 0
    assert "1 shard(s), 2 docs" in capsys.readouterr().out
    assert curate(["search", "needle", "--output", str(out), "--format", "json", "-k", "1"]) == 0
    raw = capsys.readouterr().out
    lines = raw.split("\n")
    assert lines[-1] == "" and len(lines) == 2 and "\r" not in raw and len(raw.splitlines()) == 1
    record = json.loads(lines[0])
    assert record["rank"] == 1 and record["id"] == "bi\u2028di" and set(record) == {"rank", "id", "url", "score", "passage"}
    assert record["passage"] == "needle \u202e reversed needle"
    assert curate(["search", "needle", "--output", str(out)]) == 0
    table = capsys.readouterr().out
    assert "\u202e" not in table and "\u2028" not in table and "(2 results)" in table


@pytest.mark.parametrize("argv, message", [
    (["search", "x", "--output", "{out}"], "no search index"),
    (["search", "x", "--output", "{out}/nope"], "no such folder"),
    (["search", "x", "--output", "{out}", "-k", "0"], "argument -k: must be at least 1, not 0"),
    (["index", "{out}/nope"], "no such folder"),
    (["index", "{out}/data"], "no Parquet shards"),
])
def test_user_mistakes_are_one_line_errors(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    write_shard(out, "part-0.parquet", synthetic_docs("a", 2))
    try:
        code = curate([a.format(out=out) for a in argv])
    except SystemExit as e:  # a bad number is refused by argparse, as it parses
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
