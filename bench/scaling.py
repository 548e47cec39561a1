"""Throughput of `curate run` on the benchmark WARC with 1 and 2 local worker processes.

Baseline: --workers 1. The benchmark WARC (with --repeat K: every page K times, so start-up weighs
less) is split into N part files first (the pipeline parallelises over files), then each setting runs
--repeats times, interleaved; prints docs/s and the median ratio.

usage: python bench/scaling.py [--workers 1,2] [--parts 4] [--repeat 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchwarc import bench_warc
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"


def split_warc(parts: int, repeat: int) -> Path:
    """Round-robin the benchmark's request/response/metadata triples into `parts` files."""
    out = CACHE / (f"bench_parts{parts}" if repeat == 1 else f"bench_repeat{repeat}_parts{parts}")
    if out.exists() and len(list(out.glob("*.warc.gz"))) == parts:
        return out
    out.mkdir(parents=True, exist_ok=True)
    files = [open(out / f"part-{i}.warc.gz", "wb") for i in range(parts)]
    writers = [WARCWriter(f, gzip=True) for f in files]
    with open(bench_warc(repeat), "rb") as f:
        for i, record in enumerate(ArchiveIterator(f)):
            writers[(i // 3) % parts].write_record(record)
    for f in files:
        f.close()
    return out


def run(parts_dir: Path, workers: int) -> tuple[float, int]:
    out = CACHE / f"scaling_out_{workers}"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines.curate", "--input", str(parts_dir / "*.warc.gz"), "--output", str(out),
                    "--workers", str(workers), "--no-dedup", "--fresh"], check=True, cwd=ROOT, capture_output=True)
    seconds = time.perf_counter() - t0
    return seconds, json.loads((out / "stats.json").read_text())["records_read"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1, help="each benchmark page this many times")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    parts_dir = split_warc(args.parts, args.repeat)
    settings = [int(w) for w in args.workers.split(",")]
    times: dict[int, list[float]] = {w: [] for w in settings}
    pages = 0
    for _ in range(args.repeats):
        for w in settings:
            seconds, records = run(parts_dir, w)
            times[w].append(seconds)
            pages = records // 3
    base = settings[0]
    print(f"{pages} pages in {args.parts} files; median of {args.repeats} interleaved runs (wall clock, start-up included)")
    for w in settings:
        ratio = statistics.median(b / t for b, t in zip(times[base], times[w]))
        print(f"  --workers {w}: {pages / statistics.median(times[w]):6.1f} pages/s  ({ratio:.2f}x of --workers {base})")


if __name__ == "__main__":
    main()
