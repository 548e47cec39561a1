"""Per-language output: OUT/<kind>/<language>/ shards, dedup within each language with its cluster sizes, and the
per-language accounting of stats.json, on `curate dedup` (crafted documents) and `curate run` (the sample archives)."""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import SAMPLE_WARCS, run_curate
from curate_cli import dedup as dedup_command
from curation.document import Document
from curation.languages import output_language
from curation.minhash import record_key
from curation.run_output import run_shards
from curation.schema import CLUSTER_SIZE, schema_for, to_row
from curation.stats import Stats
from pipelines.write import _rows


def words(seed: int, n: int) -> str:
    rng = random.Random(seed)
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8))) for _ in range(n))


def doc(doc_id: str, text: str, language: str) -> Document:
    return Document(id=doc_id, url=f"https://example.com/{doc_id}", date="2024-03-01", dump="D1", file_path="f.warc.gz",
                    text=text, language=language, language_score=0.9, token_count=10)


def shard_bytes(out: Path) -> dict[str, bytes]:
    return {str(Path(p).relative_to(out)): Path(p).read_bytes() for kind in ("data", "removed") for p in run_shards(out, kind)}


def rows(out: Path, kind: str) -> dict[str, list[dict]]:
    """Rows by language folder."""
    found: dict[str, list[dict]] = {}
    for path in run_shards(out, kind):
        found.setdefault(Path(path).parent.name, []).extend(pq.read_table(path).to_pylist())
    return found


def plant_stale_shards(out: Path) -> list[Path]:
    """What an earlier run (or an older version, with flat folders) may have left."""
    stale = [out / "data" / "part-00000-of-00001.parquet", out / "removed" / "part-00003-of-00004.parquet",
             out / "data" / "xxx_Zzzz" / "part-00000-of-00001.parquet", out / "data" / "eng_Latn" / "part-00007-of-00009.parquet"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"text": ["old"]}), path)
    return stale


def check_languages_add_up(stats: dict, removed_rows: dict[str, list[dict]] | None = None) -> None:
    languages = stats["languages"]
    assert sum(v["kept"] for v in languages.values()) == stats["kept"]
    dropped = Counter()
    for name, v in languages.items():
        assert v["documents"] == v["kept"] + sum(v["dropped"].values()), name
        dropped.update(v["dropped"])
    for reason, n in dropped.items():  # documents dropped before language ID have no language: <=
        assert n <= stats["dropped"][reason], reason
    if removed_rows is not None:  # every removed row of a language folder is one of its counted drops
        for name, found in removed_rows.items():
            assert Counter(row["filter_reason"] for row in found) == Counter(languages[name]["dropped"]), name


# ---------------------------------------------------------------- units


def test_run_shards_lists_languages_in_order_and_the_flat_layout_first(tmp_path):
    for relative in ("data/fra_Latn/part-00000-of-00001.parquet", "data/deu_Latn/part-00001-of-00002.parquet",
                     "data/deu_Latn/part-00000-of-00002.parquet", "data/part-00000.parquet",
                     "data/deu_Latn/.part-00002.parquet.tmp", "removed/deu_Latn/part-00000-of-00001.parquet"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    assert [p[len(str(tmp_path)) + 1:] for p in run_shards(tmp_path)] == [
        "data/part-00000.parquet", "data/deu_Latn/part-00000-of-00002.parquet", "data/deu_Latn/part-00001-of-00002.parquet",
        "data/fra_Latn/part-00000-of-00001.parquet"]
    assert run_shards(tmp_path, language="fra_Latn") == [f"{tmp_path}/data/fra_Latn/part-00000-of-00001.parquet"]
    assert run_shards(tmp_path, "removed", "deu_Latn") == [f"{tmp_path}/removed/deu_Latn/part-00000-of-00001.parquet"]
    assert run_shards(tmp_path, "removed", "eng_Latn") == []


def test_a_shard_reads_only_the_rows_it_wants(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"n": list(range(10)), "text_bytes": [0] * 10}), path, row_group_size=3)
    assert list(_rows(str(path), [1, 4, 5, 9])) == [(i, {"n": i}) for i in (1, 4, 5, 9)]  # never the sketch columns
    assert list(_rows(str(path), [])) == []


def test_stats_languages_round_trip_and_old_stats_load():
    stats = Stats()
    for event in (("kept", 2), ("language", "deu_Latn", None, 2), ("language", "deu_Latn", "gopher_quality:x", 1),
                  ("language", "fra_Latn", "language", 3)):
        stats.add(event)
    d = stats.to_dict()
    assert d["languages"] == {"deu_Latn": {"documents": 3, "kept": 2, "dropped": {"gopher_quality:x": 1}},
                              "fra_Latn": {"documents": 3, "kept": 0, "dropped": {"language": 3}}}
    assert Stats.from_dict(d).to_dict() == d
    rebuilt = Stats()
    for event in stats.events():
        rebuilt.add(event)
    assert rebuilt.merge(Stats.from_dict(d)).to_dict()["languages"]["deu_Latn"] == {
        "documents": 6, "kept": 4, "dropped": {"gopher_quality:x": 2}}
    old = {key: value for key, value in d.items() if key != "languages"}
    assert Stats.from_dict(old).to_dict()["languages"] == {}


# ---------------------------------------------------------------- curate dedup: crafted near duplicates


def write_language_shards(directory: Path, docs: list[tuple[Document, int | None]]) -> None:
    """A `curate run` output: its documents (with the cluster size each already has) in their language's folder."""
    by_folder: dict[str, list[dict]] = {}
    for d, size in docs:
        by_folder.setdefault(output_language(d.language), []).append(to_row(d, cluster_size=size))
    for folder, found in by_folder.items():
        (directory / "data" / folder).mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(found, schema=schema_for(False, None)),
                       directory / "data" / folder / "part-00000-of-00001.parquet")


def curate_dedup(inputs: list[Path], out: Path) -> dict:
    parser = argparse.ArgumentParser()
    dedup_command.register(parser.add_subparsers())
    args = parser.parse_args(["dedup", *[a for i in inputs for a in ("--input", str(i))], "--output", str(out), "--workers", "1"])
    args.extra = []
    assert args.func(args) == 0
    return json.loads((out / "stats.json").read_text())


def test_clusters_stay_within_a_language_and_count_what_they_removed(tmp_path):
    text = words(1, 200)
    near = text.replace(text.split()[100], "changed", 1)
    german = [doc("de-a", text, "de"), doc("de-near", near, "de"), doc("de-copy", text, "de")]
    french = [doc("fr-a", text, "fr"), doc("fr-b", words(2, 150), "fr"), doc("fr-b-copy", words(2, 150), "fr")]
    other = doc("und", words(3, 150), "")
    # de-a already stood for 2 documents in its own run (one removed there): the merged cluster counts it.
    write_language_shards(tmp_path / "run1", [(german[0], 2), (german[1], None), (french[0], None), (french[1], 1)])
    write_language_shards(tmp_path / "run2", [(german[2], 1), (french[2], 1), (other, 1)])
    out = tmp_path / "merged"
    stats = curate_dedup([tmp_path / "run1", tmp_path / "run2"], out)

    de_keep = min(german, key=record_key)
    fr_keep = min(french[1:], key=record_key)
    kept = rows(out, "data")
    assert sorted(kept) == ["deu_Latn", "fra_Latn", "und_Zyyy"]
    assert {r["id"]: r[CLUSTER_SIZE] for r in kept["deu_Latn"]} == {de_keep.id: 4}  # 2 + 1 + 1
    assert {r["id"]: r[CLUSTER_SIZE] for r in kept["fra_Latn"]} == {"fr-a": 1, fr_keep.id: 2}  # fr-a: de-a's text, not merged
    assert {r["id"]: r[CLUSTER_SIZE] for r in kept["und_Zyyy"]} == {"und": 1}
    removed = rows(out, "removed")
    assert sorted((r["id"], r["duplicate_of"]) for r in removed["deu_Latn"]) == sorted(
        (d.id, de_keep.id) for d in german if d is not de_keep)
    assert [(r["id"], r["filter_reason"]) for r in removed["fra_Latn"]] == [
        (next(d.id for d in french[1:] if d is not fr_keep), "exact_duplicate")]
    assert stats["languages"]["deu_Latn"]["documents"] == 3 and stats["languages"]["fra_Latn"]["kept"] == 2
    check_languages_add_up(stats, removed)
    assert sum(stats["dropped"].values()) == 3 and stats["kept"] == 4

    before = shard_bytes(out)
    stale = plant_stale_shards(out)
    again = curate_dedup([tmp_path / "run1", tmp_path / "run2"], out)
    assert shard_bytes(out) == before
    assert all(again[key] == stats[key] for key in ("records_read", "kept", "dropped", "languages"))
    assert not any(path.exists() for path in stale) and not (out / "data" / "xxx_Zzzz").exists()


# ---------------------------------------------------------------- curate run: the sample archives, every language


@pytest.fixture(scope="module")
def all_languages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("all_languages")
    run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--languages", "all")
    return out


def test_every_language_has_its_folders_and_stats_that_add_up(all_languages):
    stats = json.loads((all_languages / "stats.json").read_text())
    kept, removed = rows(all_languages, "data"), rows(all_languages, "removed")
    assert len(kept) >= 3, sorted(kept)
    for folder, found in {**kept, **removed}.items():
        assert {output_language(row["language"]) for row in found} == {folder}
    for folder, found in kept.items():
        assert len(found) == stats["languages"][folder]["kept"]
    check_languages_add_up(stats, removed)
    dedup_removed = sum(n for reason, n in stats["dropped"].items() if reason.endswith("_duplicate"))
    sizes = [row[CLUSTER_SIZE] for found in kept.values() for row in found]
    assert min(sizes) >= 1 and sum(size - 1 for size in sizes) == dedup_removed > 0


def test_the_report_counts_languages_by_their_output_folders(all_languages):
    from curation.report_data import gather

    kept, removed = rows(all_languages, "data"), rows(all_languages, "removed")
    expected = {name: (len(kept.get(name, [])), len(removed.get(name, []))) for name in {*kept, *removed}}
    assert {name: (k, r) for name, k, r in gather(str(all_languages), 0).languages} == expected


def test_a_rerun_gives_the_same_bytes_and_removes_stale_shards(all_languages, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(all_languages, out)
    stale = plant_stale_shards(out)
    run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--languages", "all")
    assert shard_bytes(out) == shard_bytes(all_languages)
    assert not any(path.exists() for path in stale) and not (out / "data" / "xxx_Zzzz").exists()
    run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--languages", "all", "--no-dedup")
    assert {row[CLUSTER_SIZE] for found in rows(out, "data").values() for row in found} == {None}
