"""Quality-score speed: documents/s on one core, vectorized numpy scorer against a plain-Python one.

Texts: every document `curate run --languages all --filters none --no-dedup` extracts
from the benchmark WARC (~940 real pages, mostly German and English; the output is
cached in bench/.cache/quality_speed_run), or any files given with --texts.

Scorers, all single-threaded, timed with process CPU time (this machine is shared),
median of --repeats interleaved rounds:
  - baseline: plain Python, one token at a time: the same hashed features (byte
    n-grams by slicing, words by bytes.split, int.from_bytes keys) and a weight
    lookup per feature. Its scores are checked against ours (equal to 1e-6).
  - ours: `QualityModel.score` (curation/quality.py).
  - reference point: fastText's C++ `predict` with lid.176.ftz (the language-ID
    model every document already goes through), for scale.
Weights are random: speed does not depend on their values.

usage: python bench/quality_speed.py [--repeats 5] [--texts PATH] [--bits 18]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchwarc import bench_warc  # noqa: E402
from curation.quality import Features, QualityModel, read_texts  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
RUN_OUTPUT = CACHE / "quality_speed_run"
MASK64 = 2**64 - 1


def benchmark_texts() -> list[str]:
    if not (RUN_OUTPUT / "stats.json").exists():
        cmd = [sys.executable, "-m", "pipelines.curate", "--input", str(bench_warc()), "--output", str(RUN_OUTPUT),
               "--languages", "all", "--filters", "none", "--no-dedup", "--no-write-removed"]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return list(read_texts(str(RUN_OUTPUT)))


class PlainPythonScorer:
    """The baseline: QualityModel's features and score, computed one token at a time with Python ints and bytes."""

    def __init__(self, model: QualityModel):
        self.model = model
        self.weights = model.weights.tolist()
        self.shift = 64 - model.features.bits
        self.fold = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t\n\r\x0b\x0c",
                                    b"abcdefghijklmnopqrstuvwxyz0000000000     ")
        word_bytes = set(b"abcdefghijklmnopqrstuvwxyz0") | set(range(0x80, 0x100))
        self.words = bytes(c if c in word_bytes else 32 for c in range(256))

    def _mean(self, indices: list[int]) -> float:
        return sum(self.weights[i] for i in indices) / len(indices) if indices else 0.0

    def score(self, text: str) -> float:
        features, shift, from_bytes = self.model.features, self.shift, int.from_bytes
        region = b" " + text[: features.max_chars].encode("utf-8", "replace").translate(self.fold) + b" "
        logit = self.model.bias
        for n in features.char_ngrams:
            mult = 0x9E3779B97F4A7C15 + 2 * n
            logit += self._mean([(from_bytes(region[p : p + n], "little") * mult & MASK64) >> shift
                                 for p in range(len(region) - n + 1)])
        keys = [(from_bytes(w[:8], "little") ^ ((from_bytes(w[-8:], "little") + len(w)) * 0xC4CEB9FE1A85EC53 & MASK64))
                * 0x165667B19E3779F9 & MASK64 for w in region.translate(self.words).split()]
        logit += self._mean([k >> shift for k in keys])
        logit += self._mean([((a * 0xFF51AFD7ED558CCD & MASK64) ^ b) >> shift for a, b in zip(keys, keys[1:])])
        return 1 / (1 + math.exp(-logit))


def fasttext_lid_predict():
    from curation.langid import LanguageIdentifier

    lid = LanguageIdentifier(None)
    return lid.predict


def cpu_seconds(fn, texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        fn(text)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="interleaved rounds; medians are reported (default: 5)")
    ap.add_argument("--texts", help="score these files/directories instead of the benchmark WARC's documents")
    ap.add_argument("--bits", type=int, default=Features().bits, help="model size, 2**BITS weights (default: %(default)s)")
    args = ap.parse_args()

    texts = list(read_texts(args.texts)) if args.texts else benchmark_texts()
    features = Features(bits=args.bits)
    model = QualityModel(features, np.random.default_rng(0).normal(size=1 << features.bits).astype(np.float32), 0.0, {})
    baseline = PlainPythonScorer(model)
    worst = max(abs(model.score(t) - baseline.score(t)) for t in texts)
    assert worst < 1e-6, f"baseline and numpy scorer disagree by {worst}"

    sizes = [len(t[: features.max_chars].encode("utf-8", "replace")) for t in texts]
    print(f"{len(texts)} documents; scored bytes per document: mean {statistics.mean(sizes):.0f}, "
          f"median {statistics.median(sizes):.0f} (first {features.max_chars} chars); 2**{features.bits} weights; "
          f"scores agree with the baseline to {worst:.1e}")
    scorers = {"baseline: plain Python, per token": baseline.score, "ours: numpy, vectorized": model.score,
               "fastText C++ lid.176.ftz predict": fasttext_lid_predict()}
    seconds: dict[str, list[float]] = {name: [] for name in scorers}
    for _ in range(args.repeats):
        for name, fn in scorers.items():
            seconds[name].append(cpu_seconds(fn, texts))
    base = statistics.median(seconds["baseline: plain Python, per token"])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU time is counted, but a busy machine "
          f"still slows every scorer through shared caches)")
    print(f"{'scorer':40s} {'docs/s/core':>12s} {'MB/s':>8s} {'vs baseline':>12s}")
    for name, runs in seconds.items():
        median = statistics.median(runs)
        print(f"{name:40s} {len(texts) / median:12,.0f} {sum(sizes) / median / 1e6:8.1f} {base / median:11.1f}x")


if __name__ == "__main__":
    main()
