"""Staged files: a rerun reuses them, more inputs add to them, a changed setting or input never reuses them,
and every way of getting there ends in the same bytes as one clean run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE_WARCS, run_curate
from curation.run_output import run_shards

ARCHIVES = sorted(SAMPLE_WARCS.glob("*.warc*"))


def shards(out: Path) -> dict[str, bytes]:
    return {str(Path(p).relative_to(out)): Path(p).read_bytes() for kind in ("data", "removed") for p in run_shards(out, kind)}


def files(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())["files"]


def curate(out: Path, inputs: list[Path], *flags: str) -> dict:
    argv = [arg for path in inputs for arg in ("--input", str(path))]
    return run_curate(*argv, "--output", str(out), "--signals", *flags)


def staged_dirs(out: Path) -> list[Path]:
    return sorted(p for p in (out / "staged").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    curate(out, ARCHIVES)
    return out


def test_rerun_reuses_every_staged_file_and_gives_the_same_bytes(clean, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    stats = curate(out, ARCHIVES)
    assert files(out) == {"inputs": 3, "processed": 0, "reused": 3}
    assert shards(out) == shards(clean)
    assert stats["records_read"] == json.loads((clean / "stats.json").read_text())["records_read"]
    assert not (out / "work").exists()


def test_more_inputs_curate_only_the_new_ones(clean, tmp_path):
    out = tmp_path / "out"
    curate(out, ARCHIVES[:2])
    first = files(out)
    curate(out, ARCHIVES)
    assert first == {"inputs": 2, "processed": 2, "reused": 0}
    assert files(out) == {"inputs": 3, "processed": 1, "reused": 2}
    assert shards(out) == shards(clean)
    for key in ("records_read", "kept", "dropped", "errors", "file_errors"):
        assert json.loads((out / "stats.json").read_text())[key] == json.loads((clean / "stats.json").read_text())[key]


def test_fewer_inputs_leave_out_the_others_staged_files(clean, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    stats = curate(out, ARCHIVES[:1])
    assert files(out) == {"inputs": 1, "processed": 0, "reused": 1}
    alone = curate(tmp_path / "alone", ARCHIVES[:1])
    assert shards(out) == shards(tmp_path / "alone") and stats["kept"] == alone["kept"]


def test_a_changed_input_file_is_curated_again(clean, tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(SAMPLE_WARCS, inputs, ignore=shutil.ignore_patterns("*.py", "*.txt", "pages", "__pycache__"))
    out = tmp_path / "out"
    curate(out, [inputs])
    changed = sorted(inputs.glob("*.warc*"))[0]
    os.utime(changed, (changed.stat().st_atime, changed.stat().st_mtime + 60))
    curate(out, [inputs])
    assert files(out) == {"inputs": 3, "processed": 1, "reused": 2}


def test_a_setting_that_changes_staging_never_mixes_staged_files(clean, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    curate(out, ARCHIVES, "--min-lang-score", "0.9")
    assert files(out) == {"inputs": 3, "processed": 3, "reused": 0}
    assert len(staged_dirs(out)) == 2
    recipes = {json.loads((d / "recipe.json").read_text())["min_lang_score"] for d in staged_dirs(out)}
    assert recipes == {None, 0.9}  # None: each language's own threshold
    assert shards(out) == shards(curate_fresh(tmp_path / "alone", "--min-lang-score", "0.9"))


def curate_fresh(out: Path, *flags: str) -> Path:
    curate(out, ARCHIVES, *flags)
    return out


def test_settings_after_staging_reuse_the_staged_files(clean, tmp_path):
    """Dedup on or off, its scope, and writing removed documents change nothing that is staged."""
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    for flags in (["--no-dedup"], ["--dedup-scope", "dump"], ["--no-write-removed"]):
        curate(out, ARCHIVES, *flags)
        assert files(out)["reused"] == 3, flags
        assert shards(out) == shards(curate_fresh(tmp_path / "-".join(flags).strip("-"), *flags)), flags
    assert not run_shards(out, "removed")
    assert len(staged_dirs(out)) == 1


def test_staged_files_without_sketches_are_staged_again_for_dedup(clean, tmp_path):
    """--no-dedup computes no sketches; a run with dedup then stages those inputs again, and reuses its own."""
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    curate(out, ARCHIVES, "--no-dedup")
    staged = sorted(staged_dirs(out)[0].glob("*.parquet"))
    sketches = {key for path in staged for key in pq.read_table(path, columns=["exact_key"])["exact_key"].to_pylist()}
    assert sketches == {None}
    curate(out, ARCHIVES)
    assert files(out) == {"inputs": 3, "processed": 3, "reused": 0}
    assert shards(out) == shards(clean)
    curate(out, ARCHIVES, "--no-dedup")
    assert files(out)["reused"] == 3


def test_fresh_discards_staged_files(clean, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    (out / "staged" / "junk").mkdir()
    curate(out, ARCHIVES, "--fresh")
    assert files(out) == {"inputs": 3, "processed": 3, "reused": 0}
    assert [d.name for d in staged_dirs(out)] == [d.name for d in staged_dirs(clean)]
    assert shards(out) == shards(clean)


def test_a_damaged_staged_file_is_staged_again(clean, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    victim = sorted(staged_dirs(out)[0].glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    curate(out, ARCHIVES)
    assert files(out) == {"inputs": 3, "processed": 1, "reused": 2}
    assert shards(out) == shards(clean)


def test_staging_dir_elsewhere(clean, tmp_path):
    """--staging-dir keeps staged files outside the output: a second output reuses them."""
    shared = tmp_path / "staging"
    curate(tmp_path / "a", ARCHIVES, "--staging-dir", str(shared))
    curate(tmp_path / "b", ARCHIVES, "--staging-dir", str(shared))
    assert files(tmp_path / "b") == {"inputs": 3, "processed": 0, "reused": 3}
    assert not (tmp_path / "b" / "staged").exists()
    assert shards(tmp_path / "b") == shards(clean)
