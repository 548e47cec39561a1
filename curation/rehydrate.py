"""Rehydration (FineWeb-2): repeat a kept document by how many near-duplicates dedup removed around it.

FineWeb-2 found, per language, that documents with a middling number of duplicates pass its filters most
often, and publishes how many times to repeat a document of each MinHash cluster size
(`filters.fineweb2.upsampling_weights`, for at most 3 to 10 repetitions). A document of language L with
cluster size c (OUT/data's `minhash_cluster_size`: 1 + the documents dedup removed as its duplicates) is
written w_L(c) times, w_L(c) being the weight of the largest listed size <= c, as upstream's `Rehydrater`
does (a size below the smallest listed one: once). A language FineWeb-2 has no weights for (English, which
FineWeb-2 does not cover; und_Zyyy; a language without a config) is written once per document
(`NO_WEIGHTS_RULE`): no upsampling, and never another language's weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from curation.schema import CLUSTER_SIZE
from filters.fineweb2 import upsampling_weights

MIN_REPS, MAX_REPS = 3, 10
NO_WEIGHTS_RULE = "once each: FineWeb-2 has no weights for the language"


@dataclass(frozen=True)
class Weights:
    """One language's copies per cluster size: `copies[i]` from `sizes[i]` up to the next size."""

    sizes: np.ndarray
    copies: np.ndarray

    def __call__(self, cluster_sizes: np.ndarray) -> np.ndarray:
        """How many times to write each document, int64."""
        at = np.searchsorted(self.sizes, cluster_sizes, side="right") - 1
        return np.where(at >= 0, self.copies[np.maximum(at, 0)], 1).astype(np.int64)


def language_weights(name: str | None, max_reps: int) -> Weights | None:
    """FineWeb-2's weights for language `name` at `max_reps`, or None when it has none (written once each)."""
    if not MIN_REPS <= max_reps <= MAX_REPS:
        raise ValueError(f"rehydration repeats a document at most {MIN_REPS} to {MAX_REPS} times, not {max_reps}")
    weights = upsampling_weights(name, max_reps) if name else None
    if not weights:
        return None
    sizes = sorted(weights)
    return Weights(np.array(sizes, np.int64), np.array([weights[s] for s in sizes], np.int64))


def lacks_cluster_sizes(path: str | os.PathLike) -> bool:
    """True when a data shard has no cluster size for some document: the run did not deduplicate it."""
    import pyarrow.parquet as pq

    if CLUSTER_SIZE not in pq.read_schema(path).names:
        return True
    return pq.read_table(path, columns=[CLUSTER_SIZE]).column(0).null_count > 0


def batch_copies(batch, weights: Weights | None) -> list[int]:
    """How many times to write each document of a record batch: its language's weight of its cluster size, or once."""
    if weights is None:
        return [1] * batch.num_rows
    return weights(batch.column(CLUSTER_SIZE).to_numpy()).tolist()


def manifest_info(max_reps: int | None, weights: dict[str | None, Weights | None]) -> dict | None:
    """The tokenize manifest's "rehydrate": the rule at `max_reps`, the languages written once each; None without."""
    if max_reps is None:
        return None
    return {
        "max_repetitions": max_reps,
        "rule": (f"a document of language L with {CLUSTER_SIZE} c is written w_L(c) times: the weight of the largest "
                 f"size <= c in FineWeb-2's up_to_{max_reps:02d}_reps.json for L (1 below its smallest size)"),
        "order": "round r of a split holds, in input order, every document written at least r times",
        "without_weights": sorted(name for name, w in weights.items() if w is None and name is not None),
        "without_weights_rule": NO_WEIGHTS_RULE,
    }
