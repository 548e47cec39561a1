"""Progress on stderr: redrawn in place on a terminal, a plain line every 30 s otherwise; the run's monitors."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from conftest import REPO, SAMPLE_WARCS
from curation import progress as P


class Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(P.time, "monotonic", lambda: now[0])
    return now


def test_without_a_terminal_a_plain_line_every_30_seconds(clock):
    stream = Stream(tty=False)
    bar = P.Progress("stage", total=100 * 2**20, stream=stream)
    for second in range(1, 95):
        clock[0] += 1
        bar.update(second * 2**20, "1/8 files")
    bar.close(94 * 2**20)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in stream.getvalue()  # at 30, 60 and 90 s; nothing more at the end
    assert lines[0].startswith("stage") and "30%" in lines[0] and "30.0 MB/100.0 MB" in lines[0]
    assert "1/8 files" in lines[0] and "1.0 MB/s" in lines[0] and "ETA 1:10" in lines[0] and "(0:30)" in lines[0]


def test_on_a_terminal_the_line_is_redrawn_in_place(clock):
    stream = Stream(tty=True)
    bar = P.Progress("tokenize", total=10, unit="docs", stream=stream)
    for done in range(1, 11):
        clock[0] += 0.5
        bar.update(done)
    bar.close(10)
    text = stream.getvalue()
    assert text.count("\r") == 11 and text.endswith("\n") and text.count("\n") == 1
    final = text.rsplit("\r", 1)[1]
    assert "[####################]" in final and "100%" in final and "10 docs/10 docs" in final and "ETA" not in final


def test_rate_and_eta_leave_out_work_found_done(clock):
    bar = P.Progress("stage", total=1000, unit="B", start_done=900, stream=Stream(tty=False))
    clock[0] += 10
    line = bar.line(950)
    assert "5 B/s" in line and "ETA 0:10" in line


def test_a_phase_without_counts_shows_its_note_and_time(clock):
    bar = P.Progress("dedup", unit="", stream=Stream(tty=False))
    clock[0] += 65
    assert bar.line(0, "45 documents") == "dedup   45 documents  (1:05)"


def test_a_short_run_without_the_dataflow_extra_prints_nothing_on_stderr(tmp_path):
    """No Beam INFO/WARNING lines from the driver or its worker processes, and no progress lines (they come every
    30 s without a terminal). `apitools` is made unimportable, as it is without the dataflow extra: Beam's
    BigQuery module then logs its warning at import, which used to set up logging for every INFO line after it."""
    blocker = tmp_path / "blocker" / "apitools"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("apitools blocked: as without the dataflow extra")\n')
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}
    result = subprocess.run([sys.executable, "-m", "curate_cli.main", "run", "--input", str(SAMPLE_WARCS / "*.warc*"),
                             "--output", str(tmp_path / "out"), "--workers", "2"], cwd=REPO, capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "3 input files: 3 curated, 0 reused" in result.stdout
