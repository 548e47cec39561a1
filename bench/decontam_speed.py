"""Decontamination's cost: `curate run` on the benchmark WARC with and without both shared benchmarks loaded.

Baseline: the same `curate run` (default recipe, --fresh, one worker) without --decontaminate. Runs alternate,
baseline first, --repeats times each; the medians of wall time give the ratio (the goal: at most 1.10). Also
printed: the decontaminate stage's own seconds per document, the index size, and that both runs kept the same
documents (nothing in the benchmark WARC quotes HellaSwag val or GSM8K test).

usage: python bench/decontam_speed.py [--repeats 3] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchwarc import CACHE, bench_warc  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BENCHMARKS = {"hellaswag": SHARED / "eval" / "hellaswag_val" / "hellaswag_val.jsonl.gz",
              "gsm8k": SHARED / "sft" / "gsm8k" / "test.jsonl"}


def run(warc: Path, out: Path, workers: int, decontaminate: bool) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "pipelines.curate", "--input", str(warc), "--output", str(out), "--fresh",
           "--workers", str(workers)]
    if decontaminate:
        cmd += [part for name, path in BENCHMARKS.items() for part in ("--decontaminate", f"{name}={path}")]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, json.loads((out / "stats.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    missing = [str(p) for p in BENCHMARKS.values() if not p.exists()]
    if missing:
        sys.exit(f"skipped: {', '.join(missing)} not found (shared benchmark data is absent)")
    warc = bench_warc()
    times: dict[bool, list[float]] = {False: [], True: []}
    stats: dict[bool, dict] = {}
    for i in range(args.repeats):
        for decontaminate in (False, True):
            seconds, stats[decontaminate] = run(warc, CACHE / f"decontam_speed_{int(decontaminate)}", args.workers,
                                                decontaminate)
            times[decontaminate].append(seconds)
            print(f"run {i + 1} {'decontaminate' if decontaminate else 'baseline':>13}: {seconds:7.1f} s", flush=True)
    base, with_benchmarks = statistics.median(times[False]), statistics.median(times[True])
    stage = next(s for s in stats[True]["stages"] if s["name"] == "decontaminate")
    dropped = {k: v for k, v in stats[True]["dropped"].items() if k.startswith("contamination:")}
    print(f"\nbenchmark WARC, {args.workers} worker(s), median of {args.repeats} interleaved runs")
    print(f"  baseline (no --decontaminate)        {base:7.1f} s   kept {stats[False]['kept']}")
    print(f"  --decontaminate hellaswag, gsm8k     {with_benchmarks:7.1f} s   kept {stats[True]['kept']}")
    print(f"  ratio                                {with_benchmarks / base:7.3f}   (goal <= 1.10)")
    print(f"  decontaminate stage: {stage['in']} documents, {stage['seconds']:.2f} s "
          f"({1000 * stage['seconds'] / max(1, stage['in']):.2f} ms/document); contamination drops: {dropped or 0}")


if __name__ == "__main__":
    main()
