"""A staged row's fate (`curation.fate`): the quality cut's threshold, then cut, dedup loser or kept, and a kept
row's cluster size."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation import fate
from curation.schema import CLUSTER_SIZE
from curation.staged import REASON

LOSERS = {3: ("minhash_duplicate", "<urn:uuid:survivor>"), 4: ("exact_duplicate", "<urn:uuid:survivor>")}
VERDICTS = fate.Verdicts(LOSERS, {7: 3})


def test_the_top_fraction_threshold_is_exact_but_for_one_bin():
    rng = np.random.default_rng(0)
    scores = rng.beta(2, 5, 100_000)
    counts = fate.histogram(scores)
    for keep in (0.1, 0.5, 0.9, 1.0):
        cut = fate.threshold(counts, keep)
        kept = int((scores >= cut).sum())
        assert kept == fate.kept_count(counts, cut) >= keep * len(scores)
        in_bin = int(((scores >= cut) & (scores < cut + 1 / fate.BINS)).sum())
        assert kept - in_bin < keep * len(scores)  # one bin fewer would keep too few: the error bound
    assert fate.threshold(fate.histogram(np.full(10, 0.3)), 0.1) <= 0.3
    assert fate.threshold(np.zeros(fate.BINS, dtype=np.int64), 0.5) == 0.0


def test_sparse_histograms_sum_to_the_dense_one():
    rng = np.random.default_rng(1)
    parts = [rng.random(1000), np.array([0.0, 1.0, 1.0, 0.5]), np.array([])]
    summed = np.zeros(fate.BINS, dtype=np.int64)
    for scores in parts:
        bins, counts = fate.sparse_histogram(scores)
        np.add.at(summed, bins, counts)
    assert np.array_equal(summed, fate.histogram(np.concatenate(parts)))
    assert fate.score_bins(np.array([0.0, 1.0, -1.0, 0.5])).tolist() == [0, fate.BINS - 1, 0, fate.BINS // 2]


def test_candidate_scores_leave_out_staging_drops_and_count_a_missing_score_as_lowest():
    table = pa.table({REASON: [None, "c4:short", None], fate.SCORE: [0.7, 0.9, None]})
    assert fate.candidate_scores(table).tolist() == [0.7, fate.MISSING_SCORE]


def test_cut_summary_and_its_accounting():
    counts = fate.histogram(np.array([0.1, 0.2, 0.8, 0.9]))
    summary = fate.cut_summary(counts, 0.5, 1.23456)
    assert summary == {"keep": 0.5, "threshold": summary["threshold"], "documents": 4, "kept": 2, "seconds": 1.235}
    assert 0.2 < summary["threshold"] <= 0.8
    assert fate.cut_events(summary) == [("stage", "quality_top", 4, 2, 1.235), ("dropped", "quality_top", 2)]
    assert fate.cut_events({**summary, "kept": 4}) == [("stage", "quality_top", 4, 4, 1.235)]


@pytest.mark.parametrize("row, index, min_score, expected", [
    ({REASON: None, "score": 0.9}, 0, 0.5, (None, None)),  # kept
    ({REASON: "c4:short", "score": 0.1}, 0, 0.5, ("c4:short", None)),  # staging's drop stands
    ({REASON: None, "score": 0.4}, 0, 0.5, ("quality_top", None)),  # cut
    ({REASON: None, "score": None}, 0, 0.0, ("quality_top", None)),  # a missing score is below every cut
    ({REASON: None, "score": 0.5}, 0, 0.5, (None, None)),  # at the threshold: kept
    ({REASON: None, "score": 0.9}, 3, 0.5, LOSERS[3]),  # dedup loser
    ({REASON: None, "score": 0.1}, 3, 0.5, ("quality_top", None)),  # the cut comes before dedup
    ({REASON: "url:blocked", "score": None}, 4, None, ("url:blocked", None)),  # staging drops are never dedup losers
    ({REASON: None}, 4, None, LOSERS[4]),  # no cut, no score column
])
def test_fate_of_one_row(row, index, min_score, expected):
    filler = {REASON: None, **({"score": 1.0} if "score" in row else {})}
    table = pa.Table.from_pylist([filler] * index + [row] + [filler] * (4 - index), schema=pa.schema(
        [pa.field(REASON, pa.string())] + ([pa.field("score", pa.float64())] if "score" in row else [])))
    assert fate.fates(table, min_score, VERDICTS)[index] == expected
    assert fate.fates(table, min_score, None)[index] == (expected if expected not in LOSERS.values() else (None, None))


def test_cluster_size_of_a_kept_row():
    assert fate.cluster_size({}, 7, VERDICTS) == 3  # a survivor: dedup counted its cluster
    assert fate.cluster_size({}, 0, VERDICTS) == 1  # no duplicates
    assert fate.cluster_size({CLUSTER_SIZE: 5}, 0, VERDICTS) == 5  # a `curate dedup` input keeps the size it had
    assert fate.cluster_size({CLUSTER_SIZE: None}, 0, VERDICTS) == 1
    assert fate.cluster_size({}, 7, None) is None  # no dedup


_rows = st.lists(st.tuples(st.sampled_from([None, "c4:short"]), st.one_of(st.none(), st.floats(0, 1))), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_rows, st.one_of(st.none(), st.floats(0, 1)), st.sets(st.integers(0, 29)))
def test_candidates_and_fates_agree(rows, min_score, losers):
    """Dedup's candidates are the rows kept without dedup; dedup's losers among them are the only other change."""
    reasons, scores = pa.array([r for r, _ in rows], pa.string()), pa.array([s for _, s in rows], pa.float64())
    table = pa.table({REASON: reasons, fate.SCORE: scores})
    verdicts = fate.Verdicts({i: ("minhash_duplicate", "x") for i in losers if i < len(rows)}, {})
    columns = table.select(fate.candidate_columns(min_score))
    candidates = fate.candidates(columns, min_score)
    alone, deduplicated = fate.fates(columns, min_score, None), fate.fates(columns, min_score, verdicts)
    assert candidates.tolist() == [f == (None, None) for f in alone]
    assert deduplicated == [verdicts.losers[i] if c and i in verdicts.losers else f
                            for i, (c, f) in enumerate(zip(candidates.tolist(), alone))]
    batch = pa.RecordBatch.from_pydict({REASON: reasons, fate.SCORE: scores})
    assert fate.candidates(batch, min_score).tolist() == candidates.tolist()
