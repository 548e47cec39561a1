"""Atomic writes (curation.atomic), locally and on Beam's FileSystems: a failure mid-write leaves the old file
intact and no temporary file behind; a success replaces the file whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from curation.atomic import TMP_MARK, atomic_path, atomic_write, write_atomic
from pipelines.files import atomic_create, write_text_atomically


class _Crash(Exception):
    pass


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_write_replaces_the_file_whole_through_a_hidden_temporary_name(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as f:
        f.write(b"new ")
        [tmp] = [name for name in _names(tmp_path) if name != "out.bin"]
        assert tmp.startswith(".out.bin" + TMP_MARK)
        assert target.read_bytes() == b"old"  # readers see the old file until the block ends
        f.write(b"content")
    assert target.read_bytes() == b"new content"
    assert _names(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("write", [
    lambda path: _fail_stream(atomic_write(path)),
    lambda path: _fail_stream(atomic_create(str(path))),  # Beam's FileSystems
    lambda path: _fail_path(path),
])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, write):
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")
    with pytest.raises(_Crash):
        write(target)
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["manifest.json"]


def _fail_stream(context) -> None:
    with context as f:
        f.write(b"partial")
        raise _Crash


def _fail_path(path: Path) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(b"partial")  # as duckdb's COPY or pyarrow would
        raise _Crash


def test_a_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(_Crash):
        _fail_stream(atomic_write(tmp_path / "new.bin"))
    assert _names(tmp_path) == []


def test_local_and_beam_writes_give_the_same_bytes(tmp_path):
    write_atomic(tmp_path / "local.json", "ünïcode\n".encode())
    write_text_atomically(str(tmp_path / "beam.json"), "ünïcode\n")
    assert (tmp_path / "local.json").read_bytes() == (tmp_path / "beam.json").read_bytes()
    assert _names(tmp_path) == ["beam.json", "local.json"]


def test_a_path_without_a_folder_is_written_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_atomic("report.html", b"<html>")
    assert _names(tmp_path) == ["report.html"]
