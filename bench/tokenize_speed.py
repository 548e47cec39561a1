"""Tokens/s of `curate tokenize` against nanoGPT's prepare.py approach, on the same shards, in one run.

Baseline: read each Parquet file, call `enc.encode_ordinary` once per document
in a Python loop, append the end-of-text id, then write one uint32 array (how
nanoGPT's data/openwebtext/prepare.py encodes, minus its multiprocess map).
Ours: `tokenize_shards`, chunks of documents on a thread pool. Both include
reading Parquet and writing token files; both produce the same token count.

usage: python bench/tokenize_speed.py --input OUT_DIR [--repeats 3] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from curation.tokenize import parquet_files, tokenize_shards
from curation.tokenizer import BOS, load_tokenizer


def per_document_loop(input_dir: str, out_path: Path) -> int:
    enc = load_tokenizer("cl100k_base")
    eot = enc.encode_single_token(BOS)
    all_ids: list[int] = []
    for path in parquet_files(input_dir):
        for text in pq.read_table(path, columns=["text"]).column("text").to_pylist():
            if text:
                ids = enc.encode_ordinary(text)
                ids.append(eot)
                all_ids.extend(ids)
    np.array(all_ids, dtype=np.uint32).tofile(out_path)
    return len(all_ids)


def ours(input_dir: str, tok_dir: Path, threads: int | None) -> int:
    manifest = tokenize_shards(input_dir, tok_dir, val_fraction=0.0, threads=threads, progress=False)
    return manifest["splits"]["train"]["num_tokens"]


def timed(fn, *args) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process (all threads), tokens written."""
    wall, cpu = time.perf_counter(), time.process_time()
    tokens = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True, help="output folder of `curate run` (OUT_DIR/data/<lang_Script>/*.parquet)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each; medians are reported")
    ap.add_argument("--threads", type=int, default=None, help="threads for ours (default: all usable CPUs)")
    args = ap.parse_args()

    load_tokenizer("cl100k_base")  # load the ranks once, outside the timings
    base_runs, our_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):  # interleaved, so load from other processes hits both alike
            base_runs.append(timed(per_document_loop, args.input, Path(tmp) / "baseline.bin"))
            our_runs.append(timed(ours, args.input, Path(tmp) / "tok", args.threads))
    tokens = base_runs[0][2]
    if any(run[2] != tokens for run in base_runs + our_runs):
        raise SystemExit(f"token counts differ: baseline {base_runs[0][2]}, ours {our_runs[0][2]}")

    base_wall, base_cpu = (statistics.median(run[i] for run in base_runs) for i in (0, 1))
    our_wall, our_cpu = (statistics.median(run[i] for run in our_runs) for i in (0, 1))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{tokens:,} tokens from {len(parquet_files(args.input))} Parquet file(s); {cpus} usable CPUs; "
          f"medians of {args.repeats} runs")
    print(f"baseline per-document encode_ordinary loop: {tokens / base_wall:>12,.0f} tokens/s  "
          f"(wall {base_wall:.2f} s, cpu {base_cpu:.2f} s)")
    print(f"curate tokenize, thread pool:                {tokens / our_wall:>12,.0f} tokens/s  "
          f"(wall {our_wall:.2f} s, cpu {our_cpu:.2f} s)")
    print(f"speedup (wall): {base_wall / our_wall:.2f}x; cpu ratio ours/baseline: {our_cpu / base_cpu:.2f}")


if __name__ == "__main__":
    main()
