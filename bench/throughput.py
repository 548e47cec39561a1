"""Steady-state documents/s per core, ours vs datatrove, with start-up cost separated out.

A 990-page run is short enough that each pipeline's fixed start-up (imports, worker and sandbox
processes, model loading: ~4 s for ours) weighs on the ratio. This runs both pipelines (as
bench/compare_datatrove.py does: one worker, FineWeb English recipe, no dedup) on the benchmark
WARC and on the same WARC with every page three times, interleaved, and reports:
  end to end     pages / wall seconds of each run
  marginal       (extra pages) / (extra seconds) between the two sizes: the rate once started,
                 which is what a 1 GB Common Crawl WARC (~40,000 pages) sees
Medians over --repeats; ratios per pair of runs.

usage: python bench/throughput.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import statistics

import compare_datatrove as cd
from benchwarc import bench_warc

PAGES = 990


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    cd.ensure_venv()
    warcs = {1: bench_warc(1), 3: bench_warc(3)}
    runs = []  # per repeat: {(size, side): (wall, cpu)}
    for _ in range(args.repeats):
        times = {}
        for size, warc in warcs.items():
            cd.WARC = warc
            dt = cd.run_datatrove(cd.CACHE / f"throughput_datatrove_{size}", 5.0)
            ours = cd.run_ours(cd.CACHE / f"throughput_ours_{size}", 5.0)
            times[size, "datatrove"], times[size, "ours"] = dt[1:3], ours[2:4]
        runs.append(times)

    def rate(times, side, size, kind):
        i = 0 if kind == "wall" else 1
        if size == "marginal":
            return 2 * PAGES / (times[3, side][i] - times[1, side][i])
        return size * PAGES / times[size, side][i]

    print(f"one worker each, median of {args.repeats} interleaved run(s); docs/s")
    print(f"{'':28s} {'datatrove':>10s} {'ours':>8s} {'ratio':>7s}")
    for size, label in ((1, "end to end, 990 pages"), (3, "end to end, 2,970 pages"), ("marginal", "marginal (steady state)")):
        for kind in ("wall", "cpu"):
            d = statistics.median(rate(t, "datatrove", size, kind) for t in runs)
            o = statistics.median(rate(t, "ours", size, kind) for t in runs)
            ratio = statistics.median(rate(t, "ours", size, kind) / rate(t, "datatrove", size, kind) for t in runs)
            print(f"{label + ' (' + kind + ')':28s} {d:10.1f} {o:8.1f} {ratio:6.2f}x")


if __name__ == "__main__":
    main()
