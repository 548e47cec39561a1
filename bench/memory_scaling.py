"""Does memory grow with the corpus? Peak RSS of `curate run` and `curate dedup` at two input sizes, today's design
against a baseline revision (by default the last one before the streaming phases), in the same run.

- text path: `curate run --languages all --filters none --workers 1` on the benchmark WARC (990 real pages) and on
  the same pages x8 (`make_bench_warc.py --repeat 8`); the target is x8 within 1.15x of x1;
- dedup: `curate dedup --workers 1` over 20,000 and 80,000 distinct short documents (one curated-output folder
  each); the slope between them is the memory per document (target: at most 1 KB).

Peak RSS is the largest sum of RSS over the command's process tree (workers, extraction sandbox), sampled every
50 ms from /proc. Each design runs from its own source tree (the baseline is `git archive`d into bench/.cache),
with the same virtualenv; runs are interleaved (baseline, current, baseline, ...) and the medians of
`--repeats` runs are printed.

usage: python bench/memory_scaling.py [--baseline REV] [--repeats 1] [--docs 20000,80000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "memory_scaling"
sys.path.insert(0, str(ROOT / "bench"))

from benchwarc import bench_warc  # noqa: E402
from memory_bound import tree_rss_kb  # noqa: E402

BASELINE = "8dee753"  # main before the phases: every GroupByKey of the FnApiRunner held document text


def source_tree(rev: str | None) -> Path:
    """The repository at `rev` (None: this working tree)."""
    if rev is None:
        return ROOT
    folder = CACHE / f"src-{rev}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def curate_command(tree: Path) -> list[str]:
    """`curate` of that source tree, run from its own entry point (read from its pyproject.toml): a module missing
    from an old tree would otherwise be found in the editable install of today's."""
    import tomllib

    entry = tomllib.loads((tree / "pyproject.toml").read_text())["project"]["scripts"]["curate"]
    module, _, function = entry.partition(":")
    launcher = f"import sys; from {module} import {function}; sys.argv[0] = 'curate'; sys.exit({function}())"
    return [sys.executable, "-c", launcher]


def peak(cmd: list[str], tree: Path) -> tuple[float, float]:
    """(peak MB of the process tree, seconds) of one command run with `tree` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    top = 0
    while proc.poll() is None:
        top = max(top, tree_rss_kb(proc.pid))
        time.sleep(0.05)
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.read()[-2000:]}")
    return top / 1024, time.perf_counter() - t0


def words(rng: random.Random, n: int) -> str:
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(n))


def corpus(n: int) -> Path:
    """A curated-output folder of n distinct short documents (about 60 words each), built once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from curation.document import Document
    from curation.parquet_rows import ROW_GROUP_ROWS
    from curation.schema import schema_for, to_row

    folder = CACHE / f"docs_{n}"
    if not (folder / "data").exists():
        rng = random.Random(n)
        rows = [to_row(Document(id=f"<urn:uuid:{i:08d}>", url=f"https://site{i % 97}.test/{i}", date="2024-07-22T12:00:00Z",
                                dump="CC-MAIN-2024-30", file_path="bench.warc.gz", text=words(rng, 60), language="en",
                                language_score=0.9, token_count=80)) for i in range(n)]
        (folder / "data").mkdir(parents=True)
        table = pa.Table.from_pylist(rows, schema=schema_for(False, None))  # row groups as `curate run` writes them
        pq.write_table(table, folder / "data" / "part-00000-of-00001.parquet", row_group_size=ROW_GROUP_ROWS)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"revision to compare with (default {BASELINE})")
    parser.add_argument("--repeats", type=int, default=1, help="runs per design and input, interleaved (median)")
    parser.add_argument("--docs", default="20000,80000", help="two document counts for the dedup slope")
    args = parser.parse_args()
    small_docs, large_docs = (int(n) for n in args.docs.split(","))
    designs = {"baseline": source_tree(args.baseline), "current": source_tree(None)}
    text = {"x1": bench_warc(1), "x8": bench_warc(8)}
    docs = {small_docs: corpus(small_docs), large_docs: corpus(large_docs)}
    results: dict[tuple, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for name, tree in designs.items():
                for label, warc in text.items():
                    out = Path(tmp) / f"{name}-{label}-{r}"
                    cmd = [*curate_command(tree), "run", "--input", str(warc), "--output", str(out),
                           "--languages", "all", "--filters", "none", "--workers", "1"]
                    results.setdefault((name, label), []).append(peak(cmd, tree))
                    shutil.rmtree(out)
                for n, folder in docs.items():
                    out = Path(tmp) / f"{name}-dedup-{n}-{r}"
                    cmd = [*curate_command(tree), "dedup", "--input", str(folder), "--output", str(out),
                           "--workers", "1"]
                    results.setdefault((name, n), []).append(peak(cmd, tree))
                    shutil.rmtree(out)
    med = {key: (statistics.median(m for m, _ in runs), statistics.median(s for _, s in runs)) for key, runs in results.items()}
    print(f"{'design':10} {'input':28} {'peak MB':>8} {'seconds':>8}")
    for (name, label), (mb, seconds) in sorted(med.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        what = f"benchmark {label}" if isinstance(label, str) else f"dedup {label:,} docs"
        print(f"{name:10} {what:28} {mb:8.0f} {seconds:8.1f}")
    print()
    for name in designs:
        ratio = med[(name, "x8")][0] / med[(name, "x1")][0]
        slope = (med[(name, large_docs)][0] - med[(name, small_docs)][0]) * 2**20 / (large_docs - small_docs)
        print(f"{name:10} text path x8 / x1 = {ratio:.2f} (target <= 1.15);  dedup {slope / 1024:.2f} KB per document "
              f"(target <= 1 KB)")
    base, cur = med[("baseline", "x8")][0], med[("current", "x8")][0]
    print(f"current / baseline at x8: {cur / base:.2f};  at {large_docs:,} docs: "
          f"{med[('current', large_docs)][0] / med[('baseline', large_docs)][0]:.2f}")


if __name__ == "__main__":
    main()
