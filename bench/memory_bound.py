"""Peak memory of one `curate run` worker on large and hostile inputs, against the bundled sample.

Each input is curated by `curate run --workers 1` (Beam's in-process runner: one worker process plus
its extraction sandbox child). Two numbers per run:
  - tree peak: the largest sum of RSS over the process and all its descendants, sampled every 50 ms
    from /proc (psutil is not a dependency);
  - process peak: `ru_maxrss` of the largest single process in the tree, from `getrusage(RUSAGE_CHILDREN)`
    of a fresh wrapper process per run (exact, not sampled).
Inputs (built under bench/.cache/memory_bound/):
  - small: sample_warcs/ (the baseline);
  - hostile: the test corpus of tests/hostile_corpus.py: gzip, deflate and brotli bombs of 1 GB each,
    a 256 MB record, 256 MB of folded HTTP headers, a 50 MB page, a page that times out, ...;
  - pages: N ordinary article pages (default 2,000), to show how memory grows with documents kept.
Prints the ratios to the small run; the bound for hostile input is the difference of the tree peaks.

usage: python bench/memory_bound.py [--pages 2000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache" / "memory_bound"
sys.path.insert(0, str(REPO / "tests"))

import hostile_corpus  # noqa: E402  (the generator the tests use)

_WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)"
)


def tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over `root` and its descendants (0 for processes that vanish while we look)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = set(), {root}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - tree
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total


def measure(inputs: str, output: Path) -> dict:
    cmd = [sys.executable, "-c", _WRAPPER, sys.executable, "-m", "curate_cli.main", "run", "--input", inputs,
           "--output", str(output), "--workers", "1", "--extract-timeout", str(hostile_corpus.EXTRACT_TIMEOUT)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    tree_peak = 0
    while proc.poll() is None:
        tree_peak = max(tree_peak, tree_rss_kb(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    maxrss_kb, rc = proc.stdout.read().split()[-2:]
    if rc != "0":
        raise SystemExit(f"curate run failed on {inputs} (exit {rc})")
    stats = json.loads((output / "stats.json").read_text())
    return {"tree_mb": tree_peak / 1024, "process_mb": int(maxrss_kb) / 1024, "seconds": seconds,
            "records": stats["records_read"], "kept": stats["kept"]}


def build_pages(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "pages.warc.gz", "wb") as f:
        for i in range(n):
            f.write(hostile_corpus.response(f"http://pages.test/{i}", hostile_corpus.page(1000 + i)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="ordinary pages in the 'pages' input (default 2000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs in bench/.cache/memory_bound")
    args = parser.parse_args()

    hostile_dir, pages_dir = CACHE / "hostile", CACHE / f"pages_{args.pages}"
    if not hostile_dir.exists():
        hostile_corpus.build_corpus(hostile_dir)
    if not pages_dir.exists():
        build_pages(pages_dir, args.pages)
    inputs = {
        "small (sample_warcs)": str(REPO / "sample_warcs" / "*.warc*"),
        "hostile corpus": str(hostile_dir / "*"),
        f"{args.pages} pages": str(pages_dir / "*"),
    }
    sizes = {name: sum(p.stat().st_size for p in Path(pattern).parent.glob(Path(pattern).name)) for name, pattern in inputs.items()}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, pattern) in enumerate(inputs.items()):
            results[name] = measure(pattern, Path(tmp) / f"out{i}")
    base = results["small (sample_warcs)"]
    print(f"{'input':24} {'MB in':>8} {'records':>8} {'kept':>6} {'seconds':>8} {'tree MB':>8} {'x small':>8} {'proc MB':>8} {'x small':>8}")
    for name, r in results.items():
        print(f"{name:24} {sizes[name] / 2**20:8.1f} {r['records']:8d} {r['kept']:6d} {r['seconds']:8.1f} "
              f"{r['tree_mb']:8.0f} {r['tree_mb'] / base['tree_mb']:8.2f} {r['process_mb']:8.0f} {r['process_mb'] / base['process_mb']:8.2f}")
    hostile = results["hostile corpus"]
    print(f"bound: the hostile corpus (over 3 GB once decompressed) costs {hostile['tree_mb'] - base['tree_mb']:+.0f} MB "
          f"of tree RSS over the sample ({hostile['tree_mb']:.0f} MB vs {base['tree_mb']:.0f} MB)")
    if not args.keep:
        shutil.rmtree(CACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
