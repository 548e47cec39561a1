"""The `--quality-keep-top F` phase: the score threshold that keeps the top F of the run's documents.

    staged files -> their candidates' score histograms (sparse) -> summed -> WORK/quality_top.json

It runs after staging, so a different F reuses every staged file; dedup and the
write then treat candidates below the threshold as dropped. The bins, the
threshold and the summary are `curation.fate`'s; this module only wires them.
"""

from __future__ import annotations

import json
import time

import apache_beam as beam
import numpy as np

from curation import fate
from curation.staged import REASON
from pipelines.dedup import indexed_entries
from pipelines.files import read_columns, write_text_atomically


def _sparse_histogram(item):
    """A staged file -> (bins, counts) of its candidates' scores, and its seconds."""
    _, entry = item
    t0 = time.perf_counter()
    bins, counts = fate.sparse_histogram(fate.candidate_scores(read_columns(entry["staged"], [REASON, fate.SCORE])))
    return bins.tobytes(), counts.tobytes(), time.perf_counter() - t0


class _Sum(beam.CombineFn):
    def create_accumulator(self):
        return np.zeros(fate.BINS, dtype=np.int64), 0.0

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
    write_text_atomically(path, json.dumps(fate.cut_summary(counts, keep, seconds), indent=2) + "\n")
    return path


class QualityThreshold(beam.PTransform):
    """PCollection of one manifest path -> `path` (JSON: `curation.fate.cut_summary`)."""

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
