"""Crash safety: `kill -9` in the middle of `curate run` or `curate tokenize` never leaves a partial file
where readers look, and a rerun into the same folder gives exactly the output of a clean run, curating
again only the inputs that were not staged yet."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import REPO, SAMPLE_WARCS, run_curate

_POLL_S = 0.01
_START_LIMIT_S = 180.0


def _start(*argv: str) -> subprocess.Popen:
    """`curate ...` in its own process group, so one kill takes its extraction child too."""
    return subprocess.Popen([sys.executable, "-m", "curate_cli.main", *argv], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _visible(folder: Path, suffix: str) -> list[Path]:
    return [p for p in _files(folder) if p.suffix == suffix and not p.name.startswith(".")]


class _FinishedFirst(AssertionError):
    """The command exited before the moment of the kill."""


def _kill_when(proc: subprocess.Popen, ready, check) -> None:
    """Poll until `ready()` (running `check()` at every poll), then kill -9 the process group; fail if it had already exited."""
    deadline = time.monotonic() + _START_LIMIT_S
    while not ready():
        check()
        if proc.poll() is not None:
            raise _FinishedFirst("the command finished before it could be killed")
        assert time.monotonic() < deadline, "the command never got to the moment of the kill"
        time.sleep(_POLL_S)
    if proc.poll() is not None:
        raise _FinishedFirst("the command finished before it could be killed")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    check()


def _same_files(a: Path, b: Path) -> None:
    names_a = [p.relative_to(a) for p in _files(a)]
    assert names_a == [p.relative_to(b) for p in _files(b)]
    for name in names_a:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ---------------------------------------------------------------- curate run


def _shards_are_whole(out: Path) -> None:
    for path in _visible(out / "data", ".parquet") + _visible(out / "removed", ".parquet"):
        pq.read_table(path)  # a partial file has no footer and raises


def _staged(out: Path) -> list[Path]:
    return _visible(out / "staged", ".parquet")


@pytest.mark.parametrize("moment", ["first_file", "first_staged", "mid_run"])
def test_run_killed_then_rerun_gives_the_clean_output(sample_run, tmp_path, moment):
    out = tmp_path / "out"
    argv = ("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--signals")
    if moment == "first_file":  # the first staged file is being written
        proc = _start("run", *argv, "--workers", "1")
        _kill_when(proc, lambda: bool(_files(out / "staged")), lambda: _shards_are_whole(out))
    elif moment == "first_staged":  # one input is staged, the others are not
        proc = _start("run", *argv, "--workers", "1")
        _kill_when(proc, lambda: bool(_staged(out)), lambda: _shards_are_whole(out))
        staged_before = len(_staged(out))
    else:  # somewhere in reading, extraction or filtering: a random moment, earlier each time the run wins
        rng, window = random.Random(os.getpid()), 4.0
        while True:
            shutil.rmtree(out, ignore_errors=True)
            proc = _start("run", *argv, "--workers", "1")
            kill_at = time.monotonic() + rng.uniform(window / 2, window)
            try:
                _kill_when(proc, lambda: time.monotonic() >= kill_at, lambda: _shards_are_whole(out))
                break
            except _FinishedFirst:
                assert window > 0.1, "the run always finished before the kill"
                window /= 2
    run_curate(*argv)
    for kind in ("data", "removed"):
        _same_files(out / kind, sample_run / kind)
    files = json.loads((out / "run.json").read_text())["files"]
    assert files["inputs"] == 3 and files["processed"] + files["reused"] == 3
    if moment == "first_staged":  # only the inputs not yet staged were curated again
        assert files["reused"] == staged_before >= 1
    assert not list((out / "staged").rglob(".*"))  # no temporary or progress files left


# ---------------------------------------------------------------- curate tokenize


@pytest.fixture(scope="module")
def token_source(tmp_path_factory) -> Path:
    """A curated-output folder with enough text (about 24 MB) that tokenizing it takes seconds on one thread."""
    folder = tmp_path_factory.mktemp("tok_src")
    rng = random.Random(3)
    words = [f"{w}{i}" for i in range(400) for w in ("river", "stone", "light", "paper")]
    for shard in range(2):
        texts = [" ".join(rng.choices(words, k=2000)) for _ in range(1000)]
        ids = [f"<urn:uuid:{shard}-{i}>" for i in range(len(texts))]
        (folder / "data").mkdir(exist_ok=True)
        pq.write_table(pa.table({"text": texts, "id": ids}), folder / "data" / f"part-{shard:05d}-of-00002.parquet")
    return folder


def _token_shards_are_whole(tok: Path) -> None:
    """Every visible .bin has its .idx, and holds exactly the tokens the .idx says."""
    for path in _visible(tok, ".bin"):
        offsets = np.fromfile(path.with_suffix(".idx"), dtype="<u8")
        assert path.stat().st_size == int(offsets[-1]) * 4, path.name  # cl100k: uint32


def test_tokenize_killed_then_rerun_gives_the_clean_output(token_source, tmp_path):
    from curation.tokenize import tokenize_shards

    clean, tok = tmp_path / "clean", tmp_path / "tok"
    tokenize_shards(token_source, clean, threads=1, shard_tokens=200_000, progress=False)
    proc = _start("tokenize", "--input", str(token_source), "--output", str(tok), "--threads", "1", "--shard-tokens", "200000")
    _kill_when(proc, lambda: len(_visible(tok, ".bin")) >= 2, lambda: _token_shards_are_whole(tok))
    assert not (tok / "manifest.json").exists()
    tokenize_shards(token_source, tok, threads=1, shard_tokens=200_000, progress=False)
    _same_files(tok, clean)
