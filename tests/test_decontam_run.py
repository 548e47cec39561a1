"""`curate run --decontaminate`, `curate contamination` and `curate eval --corpus` on sample_warcs/: planted
benchmark passages are dropped with the row and words they match, the accounting holds, reruns are
byte-identical, and a changed benchmark file is never served by old staged files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import SAMPLE_WARCS, run_curate, shared_path
from curate_cli.main import main
from curation.run_output import run_shards


def kept_texts(out: Path) -> dict[str, str]:
    return {row["id"]: row["text"] for shard in run_shards(out) for row in pq.read_table(shard).to_pylist()}


@pytest.fixture(scope="module")
def planted(sample_run, tmp_path_factory) -> tuple[Path, list[str]]:
    """A benchmark quoting two documents that the sample run kept (one changed in case, spacing and punctuation),
    with a short label and a passage found nowhere: (its file, the ids of the two quoted documents)."""
    texts = kept_texts(sample_run)
    ids = sorted(texts)[:2]
    first, second = (texts[i].split() for i in ids)
    rows = [
        {"question": " ".join(first[20:45]).upper().replace(" ", " ,  "), "label": "A"},
        {"question": "Rolls sold before noon", "answers": ["never written on any page of the sample archives here"]},
        {"ctx": " ".join(second[-30:]), "endings": ["x", "y"]},
    ]
    path = tmp_path_factory.mktemp("bench") / "planted.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, ids


@pytest.fixture(scope="module")
def decontaminated(planted, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("decontaminated")
    stats = run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--signals",
                       "--decontaminate", f"planted={planted[0]}")
    return out, stats


def test_planted_passages_are_dropped_with_their_row_and_words(sample_run, planted, decontaminated):
    out, stats = decontaminated
    base = json.loads((sample_run / "stats.json").read_text())
    assert stats["dropped"]["contamination:planted"] == 2
    assert stats["kept"] == base["kept"] - 2
    assert stats["records_read"] == stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())
    assert not set(planted[1]) & set(kept_texts(out))
    removed = [row for shard in run_shards(out, "removed") for row in pq.read_table(shard).to_pylist()
               if row["filter_reason"] == "contamination:planted"]
    found = {row["id"]: row["contamination"] for row in removed}
    assert sorted(found) == sorted(planted[1])
    assert sorted(c["row"] for c in found.values()) == [0, 2]
    for c in found.values():
        assert c["benchmark"] == "planted" and len(c["ngram"].split()) == 13
    others = [row for shard in run_shards(out, "removed") for row in pq.read_table(shard).to_pylist()
              if row["filter_reason"] != "contamination:planted"]
    assert others and all(row["contamination"] is None for row in others)


def test_the_contamination_report_sees_the_plant_before_and_nothing_after(sample_run, planted, decontaminated, capsys):
    assert main(["contamination", str(sample_run), "--against", f"planted={planted[0]}", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)["benchmarks"]["planted"]
    assert (before["rows"], before["contaminated_rows"], before["documents"]) == (3, 2, 2)
    assert sorted(e["id"] for e in before["examples"]) == sorted(planted[1])
    assert main(["contamination", str(decontaminated[0]), "--against", f"planted={planted[0]}"]) == 0
    table = capsys.readouterr().out
    assert "planted" in table and " 0.00%" in table


def test_no_false_positives_on_the_sample_run_against_hellaswag_and_gsm8k(sample_run, capsys):
    hellaswag = shared_path("eval", "hellaswag_val", "hellaswag_val.jsonl.gz")
    gsm8k = shared_path("sft", "gsm8k", "test.jsonl")
    assert main(["contamination", str(sample_run), "--against", f"hellaswag={hellaswag}",
                 "--against", f"gsm8k={gsm8k}", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["documents"] > 30
    assert {name: b["documents"] for name, b in result["benchmarks"].items()} == {"hellaswag": 0, "gsm8k": 0}


def test_a_rerun_is_byte_identical_and_a_changed_benchmark_restages(planted, decontaminated, tmp_path):
    out, _ = decontaminated
    again = tmp_path / "again"
    run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(again), "--signals",
               "--decontaminate", f"planted={planted[0]}", "--staging-dir", str(out / "staged"))
    for kind in ("data", "removed"):
        mine, theirs = run_shards(out, kind), run_shards(again, kind)
        assert [Path(p).relative_to(out) for p in mine] == [Path(p).relative_to(again) for p in theirs]
        assert [Path(p).read_bytes() for p in mine] == [Path(p).read_bytes() for p in theirs]
    assert json.loads((again / "run.json").read_text())["files"]["reused"] == 3
    changed = tmp_path / "planted.jsonl"
    changed.write_text(planted[0].read_text() + json.dumps({"q": "one more row"}) + "\n")
    run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(again), "--signals",
               "--decontaminate", f"planted={changed}", "--staging-dir", str(out / "staged"))
    run = json.loads((again / "run.json").read_text())
    assert run["files"]["reused"] == 0
    assert run["staging"]["dir"] != json.loads((out / "run.json").read_text())["staging"]["dir"]


@pytest.mark.parametrize("extra, message", [
    (["--decontaminate", "x"], "not NAME=PATH"),
    (["--decontaminate", "x=/no/such/file.jsonl"], "not found"),
    (["--decontaminate", "x=README.md"], "not JSON"),
])
def test_a_bad_benchmark_is_one_line_and_exit_2_before_any_work(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    assert main(["run", "--output", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (out / "staged").exists()


def test_no_document_of_the_benchmark_warc_or_the_shared_archives_quotes_hellaswag_or_gsm8k(tmp_path):
    """Every page that gets through language ID (no filters, no dedup, every language) is checked against both
    shared benchmarks: none quotes them, so nothing is dropped as contamination (1,238 documents checked)."""
    import subprocess
    import sys

    make_warc = shared_path("..", "tools", "make_bench_warc.py")
    shared_path("extraction", "trafilatura_eval", "evaldata.json")
    warcs = shared_path("warcs")
    hellaswag = shared_path("eval", "hellaswag_val", "hellaswag_val.jsonl.gz")
    gsm8k = shared_path("sft", "gsm8k", "test.jsonl")
    warc = tmp_path / "bench.warc.gz"
    subprocess.run([sys.executable, str(make_warc), str(warc)], check=True, capture_output=True)
    stats = run_curate("--input", str(warc), "--input", str(warcs / "*" / "*.warc*"), "--input", str(warcs / "*" / "*.arc*"),
                       "--output", str(tmp_path / "out"), "--languages", "all", "--filters", "none", "--no-dedup",
                       "--decontaminate", f"hellaswag={hellaswag}", "--decontaminate", f"gsm8k={gsm8k}")
    stage = next(s for s in stats["stages"] if s["name"] == "decontaminate")
    assert stage["in"] == stage["out"] == stats["kept"] == 1238
    assert not [reason for reason in stats["dropped"] if reason.startswith("contamination:")]
