"""The learned quality score inside `curate run`: score columns, --min-quality, --quality-keep-top, and the recipe
of docs/quality-and-ablations.md on shared data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import SAMPLE_WARCS, run_curate, shared_path
from curate_cli.main import main as curate
from curation.quality import TrainConfig, int_score, load_model, train
from curation.schema import KEPT_SCHEMA, REMOVED_SCHEMA


def _rows(directory: Path) -> list[dict]:
    return [row for path in sorted(directory.glob("*/*.parquet")) for row in pq.read_table(path).to_pylist()]


def test_without_a_model_there_are_no_score_columns(sample_run):
    for kind in ("data", "removed"):
        for path in (sample_run / kind).glob("*/*.parquet"):
            names = pq.read_schema(path).names
            assert "score" not in names and "int_score" not in names


def test_run_with_a_quality_model_adds_scores_and_drops_below_the_minimum(sample_run, tmp_path):
    kept = [row["text"] for row in _rows(sample_run / "data")]
    removed = [row["text"] for row in _rows(sample_run / "removed") if row["text"]]
    model = train(kept, removed, config=TrainConfig(holdout=0.0))
    model_path = tmp_path / "model.npz"
    model.save(str(model_path))
    threshold = float(np.median([model.score(t) for t in kept]))

    out = tmp_path / "out"
    stats = run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out),
                       "--quality-model", str(model_path), "--min-quality", str(threshold))
    assert stats["records_read"] == stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())
    assert 0 < stats["dropped"]["quality"] < stats["kept"] + stats["dropped"]["quality"]
    assert "quality" in [s["name"] for s in stats["stages"]]
    assert stats["config"]["quality_model"] == str(model_path)

    data_files = sorted((out / "data").glob("*/*.parquet"))
    assert pq.read_schema(data_files[0]).names == KEPT_SCHEMA.names + ["score", "int_score"]
    assert pq.read_schema(next((out / "removed").glob("*/*.parquet"))).names == REMOVED_SCHEMA.names + ["score", "int_score"]
    data = _rows(out / "data")
    assert len(data) == stats["kept"]
    for row in data:
        assert threshold <= row["score"] <= 1 and row["int_score"] == int_score(row["score"])
    gone = _rows(out / "removed")
    quality_drops = [row for row in gone if row["filter_reason"] == "quality"]
    assert len(quality_drops) == stats["dropped"]["quality"]
    assert all(0 <= row["score"] < threshold for row in quality_drops)
    assert all(row["score"] is None for row in gone if row["filter_reason"].startswith(("language", "gopher_")))


# ---------------------------------------------------------------- the documented recipe, on shared data


@pytest.fixture(scope="module")
def benchmark_output(tmp_path_factory) -> Path:
    """The benchmark WARC (990 real pages) curated with the default recipe: the negatives of the recipe."""
    make_warc = shared_path("..", "tools", "make_bench_warc.py")
    shared_path("extraction", "trafilatura_eval", "evaldata.json")
    work = tmp_path_factory.mktemp("quality_recipe")
    warc = work / "bench.warc.gz"
    subprocess.run([sys.executable, str(make_warc), str(warc)], check=True, capture_output=True)
    run_curate("--input", str(warc), "--output", str(work / "out"))
    return work / "out"


def test_recipe_sft_text_against_curated_crawl_text(benchmark_output, tmp_path, capsys):
    """The docs recipe: positives from shared/data/sft (GSM8K, FastChat), negatives the curated benchmark WARC."""
    sft = shared_path("sft")
    model = tmp_path / "model.npz"
    code = curate(["quality", "train", "--positives", str(sft / "gsm8k" / "test.jsonl"),
                   "--positives", str(sft / "fastchat_dummy_conversation.json"),
                   "--negatives", str(benchmark_output), "--text-field", "text,question,answer,conversations",
                   "--output", str(model)])
    assert code == 0
    print(capsys.readouterr().out)  # shown with -s: the numbers quoted in docs/quality-and-ablations.md
    info = load_model(str(model)).info
    assert info["documents"]["positives"] == 1319 + 500 and info["documents"]["negatives"] > 50
    held = info["held_out"]
    assert held["negatives"] >= 10 and held["auc"] > 0.9


# ---------------------------------------------------------------- --quality-keep-top


def test_run_keeps_the_top_fraction_by_score_before_dedup(sample_run, tmp_path):
    kept = [row["text"] for row in _rows(sample_run / "data")]
    removed = [row["text"] for row in _rows(sample_run / "removed") if row["text"]]
    model_path = tmp_path / "model.npz"
    train(kept, removed, config=TrainConfig(holdout=0.0)).save(str(model_path))
    out = tmp_path / "out"
    argv = ("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--quality-model", str(model_path))
    full = run_curate(*argv)
    top = run_curate(*argv, "--quality-keep-top", "0.25")
    assert json.loads((out / "run.json").read_text())["files"]["reused"] == 3  # the cut comes after staging
    assert top["records_read"] == top["kept"] + sum(top["dropped"].values()) + sum(top["errors"].values())
    stage = next(s for s in top["stages"] if s["name"] == "quality_top")
    assert stage["out"] >= 0.25 * stage["in"] and stage["in"] - stage["out"] == top["dropped"]["quality_top"]
    assert top["kept"] < full["kept"]
    cut_rows = [row for row in _rows(out / "removed") if row["filter_reason"] == "quality_top"]
    data = _rows(out / "data")
    assert len(cut_rows) == top["dropped"]["quality_top"] and len(data) == top["kept"]
    assert max(row["score"] for row in cut_rows) < min(row["score"] for row in data)
