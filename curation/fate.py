"""A staged row's fate after staging: kept, cut by `--quality-keep-top`, or a dedup loser; decided here only.

Staging already dropped some rows for a named reason (`filter_reason` set);
the others are *candidates*. Later phases decide the candidates' fate, in
this order, each only among what the one before kept:

1. the quality cut (`--quality-keep-top F`): a candidate whose score is below
   the run's threshold is dropped as `quality_top` (a missing score counts as
   MISSING_SCORE, below every threshold), before dedup, so a cut document
   never wins a duplicate cluster;
2. dedup: a remaining candidate that lost to a duplicate is dropped for the
   verdict's reason and names its survivor (`duplicate_of`);
3. the rest are kept.

The quality-cut phase, dedup, shard sizing, the per-language accounting and the
shard writer all ask this module (`candidates`, `fates`); a kept row's
`minhash_cluster_size` is `cluster_size`'s.

The threshold keeps the top F of the run's candidates by score, as DCLM kept
its top 10%, in bounded memory: scores (0..1) are counted in a histogram of
2^20 equal bins summed over every staged file; the threshold is the lower edge
of the bin where the share of documents at or above it first reaches F.
Error bound: the kept share exceeds F by at most the share of documents whose
score falls in that one bin, 2^-20 wide (ties at one score value cannot be
split by any rule that depends on the score alone).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from curation.schema import CLUSTER_SIZE
from curation.staged import REASON

QUALITY_TOP = "quality_top"
SCORE = "score"
MISSING_SCORE = -1.0
BINS = 1 << 20


# ---------------------------------------------------------------- the quality cut's threshold


def score_bins(scores: np.ndarray) -> np.ndarray:
    """The histogram bin (int64, 0..BINS-1) of each score."""
    return np.clip((np.asarray(scores, dtype=np.float64) * BINS).astype(np.int64), 0, BINS - 1)


def histogram(scores: np.ndarray) -> np.ndarray:
    """Counts per bin (int64, BINS long) of scores in [0, 1]."""
    return np.bincount(score_bins(scores), minlength=BINS)


def sparse_histogram(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bins, counts) of the bins that hold scores: `histogram` without the empty bins, small enough to send."""
    return np.unique(score_bins(scores), return_counts=True)


def candidate_scores(rows: pa.Table | pa.RecordBatch) -> np.ndarray:
    """The scores of a staged table's candidates (before the cut), a missing score as MISSING_SCORE."""
    scores = rows.column(SCORE).filter(rows.column(REASON).is_null()).fill_null(MISSING_SCORE)
    return scores.to_numpy(zero_copy_only=False)


def threshold(counts: np.ndarray, keep: float) -> float:
    """The smallest bin edge t such that the documents with score >= t are at least `keep` of all of them."""
    total = int(counts.sum())
    if total == 0:
        return 0.0
    at_or_above = np.cumsum(counts[::-1])[::-1]  # documents in bin i or higher
    wanted = keep * total
    chosen = np.flatnonzero(at_or_above >= wanted - 1e-9 * total)
    return float(chosen[-1]) / BINS if len(chosen) else 0.0


def kept_count(counts: np.ndarray, cut: float) -> int:
    return int(counts[int(round(cut * BINS)):].sum())


def cut_summary(counts: np.ndarray, keep: float, seconds: float) -> dict:
    """What the cut phase hands on (WORK/quality_top.json): the threshold, and its accounting."""
    cut = threshold(counts, keep)
    return {"keep": keep, "threshold": cut, "documents": int(counts.sum()), "kept": kept_count(counts, cut),
            "seconds": round(seconds, 3)}


def cut_events(summary: dict) -> list[tuple]:
    """The cut's accounting (`curation.stats` events), from its `cut_summary`."""
    dropped = summary["documents"] - summary["kept"]
    events = [("stage", QUALITY_TOP, summary["documents"], summary["kept"], summary["seconds"])]
    return events + ([("dropped", QUALITY_TOP, dropped)] if dropped else [])


# ---------------------------------------------------------------- the decision


class Verdicts(NamedTuple):
    """Dedup's word on one staged file, by row number: its losers (reason, survivor id), and the cluster size of each
    of its survivors that has duplicates. None instead of a Verdicts: the run has no dedup."""

    losers: dict[int, tuple[str, str]]
    sizes: dict[int, int]


def candidate_columns(min_score: float | None) -> list[str]:
    """The staged columns `candidates` and `fates` read: the score only when there is a cut."""
    return [REASON] if min_score is None else [REASON, SCORE]


def candidates(rows: pa.Table | pa.RecordBatch, min_score: float | None) -> np.ndarray:
    """Mask of the rows of a staged table or batch that dedup sees: not dropped while staging, and not cut
    (`min_score` is the cut's threshold, None without one)."""
    mask = rows.column(REASON).is_null().to_numpy(zero_copy_only=False).copy()
    if min_score is not None:
        mask &= rows.column(SCORE).fill_null(MISSING_SCORE).to_numpy(zero_copy_only=False) >= min_score
    return mask


def fates(rows: pa.Table | pa.RecordBatch, min_score: float | None, verdicts: Verdicts | None) -> list[tuple[str | None, str | None]]:
    """(filter_reason, or None for a kept document; duplicate_of) of every row of a staged table (`candidate_columns`).

    `min_score` is the cut's threshold, None without one; `verdicts` the file's dedup verdicts, None without dedup.
    """
    reasons = rows.column(REASON).to_pylist()
    out: list[tuple[str | None, str | None]] = [(reason, None) for reason in reasons]
    cut = ~candidates(rows, min_score)
    for i in np.flatnonzero(cut).tolist():
        if reasons[i] is None:
            out[i] = (QUALITY_TOP, None)
    for i, verdict in (verdicts.losers.items() if verdicts is not None else ()):
        if not cut[i]:  # dedup saw only candidates: a verdict never overrides an earlier drop
            out[i] = verdict
    return out


def cluster_size(row: dict, index: int, verdicts: Verdicts | None) -> int | None:
    """CLUSTER_SIZE of kept staged row number `index`: None without dedup; for a survivor with duplicates, dedup's
    count; else the size the row already carries (a `curate dedup` input), or 1."""
    if verdicts is None:
        return None
    return verdicts.sizes.get(index) or row.get(CLUSTER_SIZE) or 1
