"""Keep the top fraction of documents by learned quality score, as DCLM kept its top 10%, with the cut computed
over the whole run in bounded memory.

Scores (0..1) are counted in a histogram of 2^20 equal bins, summed over every
staged file; the threshold is the lower edge of the bin where the share of
documents at or above it first reaches F. A document is kept when its score is
at least the threshold. Error bound: the kept share exceeds F by at most the
share of documents whose score falls in that one bin, 2^-20 wide (ties at one
score value cannot be split by any rule that depends on the score alone).
"""

from __future__ import annotations

import numpy as np

BINS = 1 << 20
REASON = "quality_top"


def histogram(scores: np.ndarray) -> np.ndarray:
    """Counts per bin (int64, BINS long) of scores in [0, 1]."""
    bins = np.clip((np.asarray(scores, dtype=np.float64) * BINS).astype(np.int64), 0, BINS - 1)
    return np.bincount(bins, minlength=BINS)


def threshold(counts: np.ndarray, keep: float) -> float:
    """The smallest bin edge t such that the documents with score >= t are at least `keep` of all of them."""
    total = int(counts.sum())
    if total == 0:
        return 0.0
    at_or_above = np.cumsum(counts[::-1])[::-1]  # documents in bin i or higher
    wanted = keep * total
    candidates = np.flatnonzero(at_or_above >= wanted - 1e-9 * total)
    return float(candidates[-1]) / BINS if len(candidates) else 0.0


def kept_count(counts: np.ndarray, cut: float) -> int:
    return int(counts[int(round(cut * BINS)):].sum())
