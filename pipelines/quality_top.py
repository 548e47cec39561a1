"""The `--quality-keep-top F` phase: the score threshold that keeps the top F of the run's documents.

    staged files -> their candidates' score histograms (sparse) -> summed -> WORK/quality_top.json

It runs after staging, so a different F reuses every staged file; dedup and the
write then treat candidates below the threshold as dropped (`quality_top`).
"""

from __future__ import annotations

import json
import time

import apache_beam as beam
import numpy as np

from curation import quality_top as Q
from curation.staged import REASON
from pipelines.dedup import indexed_entries
from pipelines.files import read_columns, write_text_atomically


def _sparse_histogram(item):
    """A staged file -> (bins, counts) of its candidates' scores, and its seconds."""
    _, entry = item
    t0 = time.perf_counter()
    table = read_columns(entry["staged"], [REASON, "score"])
    candidates = table[REASON].is_null().to_numpy(zero_copy_only=False)
    scores = table["score"].to_numpy(zero_copy_only=False)[candidates]
    bins, counts = np.unique(np.clip((scores * Q.BINS).astype(np.int64), 0, Q.BINS - 1), return_counts=True)
    return bins.tobytes(), counts.tobytes(), time.perf_counter() - t0


class _Sum(beam.CombineFn):
    def create_accumulator(self):
        return np.zeros(Q.BINS, dtype=np.int64), 0.0

    def add_input(self, acc, item):
        counts, seconds = acc
        bins, n, s = item
        np.add.at(counts, np.frombuffer(bins, dtype=np.int64), np.frombuffer(n, dtype=np.int64))
        return counts, seconds + s

    def merge_accumulators(self, accs):
        accs = list(accs)
        return sum(a[0] for a in accs), sum(a[1] for a in accs)

    def extract_output(self, acc):
        return acc


def _write(acc, keep: float, path: str) -> str:
    counts, seconds = acc
    cut = Q.threshold(counts, keep)
    total, kept = int(counts.sum()), Q.kept_count(counts, cut)
    summary = {"keep": keep, "threshold": cut, "documents": total, "kept": kept, "seconds": round(seconds, 3)}
    write_text_atomically(path, json.dumps(summary, indent=2) + "\n")
    return path


class QualityThreshold(beam.PTransform):
    """PCollection of one manifest path -> `path` (JSON: keep, threshold, documents, kept, seconds)."""

    def __init__(self, keep: float, path: str):
        super().__init__()
        self.keep, self.path = keep, path

    def expand(self, manifest):
        return (
            manifest
            | "Entries" >> beam.FlatMap(indexed_entries)
            | "Histograms" >> beam.Map(_sparse_histogram)
            | "Sum" >> beam.CombineGlobally(_Sum())
            | "Threshold" >> beam.Map(_write, self.keep, self.path)
        )


def summary_events(summary: dict) -> list[tuple]:
    """Accounting of the cut, for stats.json."""
    dropped = summary["documents"] - summary["kept"]
    events = [("stage", Q.REASON, summary["documents"], summary["kept"], summary["seconds"])]
    return events + ([("dropped", Q.REASON, dropped)] if dropped else [])
