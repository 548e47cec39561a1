"""Dedup speed: MinHash signatures/s per core against plain datasketch, and end-to-end dedup of the benchmark WARC.

1. End to end: `python -m pipelines.curate` on the benchmark WARC built with
   `make_bench_warc.py --repeat 3` (every page three times, byte-identical), with
   `--languages all --filters none` so every extracted page reaches dedup. Checks
   that of each page's three copies at most one is kept and every other is removed.
2. Signatures per second on one core, on the texts that run extracted: our
   vectorized `MinHasher.signature` against `datasketch.MinHash.update` called per
   shingle (the baseline) and `update_batch`, all with the same normalization,
   shingles and 112 permutations. Median of --repeats interleaved runs, ratio to the baseline.

usage: python bench/dedup_speed.py [--docs 300] [--repeats 3] [--reuse]
Caches (WARC, pipeline output) live in bench/.cache/.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import datasketch
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchwarc import bench_warc  # noqa: E402
from curation.minhash import NGRAM, NUM_BANDS, ROWS_PER_BAND, SEED, MinHasher, normalize  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
WARC = CACHE / "bench_repeat3.warc.gz"
RUN_OUTPUT = CACHE / "dedup_speed_run"
COPY_SUFFIX = re.compile(r"[?&]copy=\d+$")
TRAILING_SPACE = re.compile(r"(%20|\s)+$")  # a URL ending in a space: warcio escapes it in copies, the first copy loses it


def page_of(url: str) -> str:
    """The page a record was copied from: its URL without make_bench_warc's copy suffix."""
    return TRAILING_SPACE.sub("", COPY_SUFFIX.sub("", url))


def run_pipeline(reuse: bool) -> float | None:
    if reuse and (RUN_OUTPUT / "stats.json").exists():
        return None
    cmd = [sys.executable, "-m", "pipelines.curate", "--input", str(WARC), "--output", str(RUN_OUTPUT),
           "--languages", "all", "--filters", "none", "--fresh"]
    log = CACHE / "dedup_speed_run.log"
    t0 = time.perf_counter()
    with open(log, "w") as f:
        done = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if done.returncode:
        sys.exit(f"pipeline failed (exit {done.returncode}); see {log}")
    return time.perf_counter() - t0


def read_rows(kind: str) -> list[dict]:
    return [row for path in sorted(glob.glob(f"{RUN_OUTPUT}/{kind}/*.parquet")) for row in pq.read_table(path).to_pylist()]


def report_end_to_end(wall: float | None) -> list[str]:
    stats = json.loads((RUN_OUTPUT / "stats.json").read_text())
    kept, removed = read_rows("data"), read_rows("removed")
    removed = [row for row in removed if row["filter_reason"] in ("exact_duplicate", "minhash_duplicate")]
    pages: dict[str, list[str]] = {}
    for row in kept:
        pages.setdefault(page_of(row["url"]), []).append("kept")
    for row in removed:
        pages.setdefault(page_of(row["url"]), []).append(row["filter_reason"])
    extra_kept = sum(max(0, v.count("kept") - 1) for v in pages.values())
    dedup = next(s for s in stats["stages"] if s["name"] == "dedup")
    print("== end to end: benchmark WARC --repeat 3, curate --languages all --filters none")
    if wall is not None:
        print(f"pipeline wall time                     {wall:8.1f} s (2-core machine shared with other jobs)")
    print(f"documents into dedup                   {dedup['in']:8d}")
    print(f"kept by dedup                          {dedup['out']:8d}")
    print(f"dedup stage CPU seconds                {dedup['seconds']:8.2f}  (signatures + verdicts; shuffles not included)")
    for reason in ("exact_duplicate", "minhash_duplicate"):
        print(f"removed as {reason:<28}{stats['dropped'].get(reason, 0):8d}")
    print(f"pages (a URL and its copies)           {len(pages):8d}")
    print(f"  with all 3 copies extracted          {sum(len(v) == 3 for v in pages.values()):8d}")
    print(f"  one copy kept, the others removed    {sum(v.count('kept') == 1 for v in pages.values()):8d}")
    print(f"  all removed: near-dup of another page{sum(v.count('kept') == 0 for v in pages.values()):8d}")
    print(f"copies beyond the first kept           {extra_kept:8d}  (must be 0)")
    return [row["text"] for row in kept + removed if not COPY_SUFFIX.search(row["url"])]


def shingles(text: str) -> list[bytes]:
    words = normalize(text).split()
    n = min(NGRAM, len(words))
    return [" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)] if words else []


def datasketch_update(text: str):
    m = datasketch.MinHash(num_perm=NUM_BANDS * ROWS_PER_BAND, seed=SEED, scheme="affine64")
    for shingle in shingles(text):
        m.update(shingle)
    return m.hashvalues


def datasketch_update_batch(text: str):
    m = datasketch.MinHash(num_perm=NUM_BANDS * ROWS_PER_BAND, seed=SEED, scheme="affine64")
    m.update_batch(shingles(text))
    return m.hashvalues


def timed(fn, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - t0


def report_signatures(texts: list[str], repeats: int) -> None:
    hasher = MinHasher(NUM_BANDS * ROWS_PER_BAND, SEED)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    n_shingles = sum(len(shingles(t)) for t in texts)
    print(f"\n== signatures on one core: {len(texts)} extracted pages, {megabytes:.1f} MB, {n_shingles} shingles, "
          f"112 permutations, median of {repeats} (methods interleaved, so load changes hit all alike)")
    methods = {
        "datasketch MinHash.update (baseline)": datasketch_update,
        "datasketch MinHash.update_batch": datasketch_update_batch,
        "ours: MinHasher.signature": hasher.signature,
        "  of which normalize()": normalize,
    }
    runs: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            runs[name].append(timed(fn, texts))
    baseline = statistics.median(runs["datasketch MinHash.update (baseline)"])
    print(f"{'method':<40}{'docs/s':>10}{'MB/s':>8}{'x baseline':>12}")
    for name, seconds in runs.items():
        seconds = statistics.median(seconds)
        print(f"{name:<40}{len(texts) / seconds:>10.0f}{megabytes / seconds:>8.2f}{baseline / seconds:>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="pages to sign in the signature benchmark (default: 300)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions per method; the median is shown (default: 3)")
    parser.add_argument("--reuse", action="store_true", help="reuse the cached pipeline output instead of running it again")
    args = parser.parse_args()
    os.chdir(ROOT)
    bench_warc(repeat=3)
    texts = report_end_to_end(run_pipeline(args.reuse))
    report_signatures(texts[: args.docs], args.repeats)


if __name__ == "__main__":
    main()
