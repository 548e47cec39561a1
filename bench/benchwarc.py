"""The benchmark WARC every bench script uses: 990 real pages built by ../shared/tools/make_bench_warc.py, cached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
MAKE_WARC = ROOT.parent / "shared" / "tools" / "make_bench_warc.py"


def bench_warc(repeat: int = 1) -> Path:
    """Path of the benchmark WARC (each page `repeat` times), built into bench/.cache on first use."""
    path = CACHE / ("bench.warc.gz" if repeat == 1 else f"bench_repeat{repeat}.warc.gz")
    if path.exists():
        return path
    if not MAKE_WARC.exists():
        sys.exit(f"skipped: {MAKE_WARC} not found (shared benchmark data is absent)")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(MAKE_WARC), str(path), "--repeat", str(repeat)], check=True)
    return path
