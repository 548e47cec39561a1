"""Local runner defaults: all cores in worker processes; one worker in this process; Beam flags win."""

from __future__ import annotations

import os

import pytest

from curation.errors import UsageError
from pipelines.options import make_pipeline_options


def mode(beam_args: list[str], workers: int | None = None) -> tuple[str, str, int]:
    options = make_pipeline_options(beam_args, workers=workers).get_all_options()
    return options["runner"], options["direct_running_mode"], options["direct_num_workers"]


def test_default_is_every_core():
    n = os.cpu_count() or 1
    assert mode([]) == ("FnApiRunner", "multi_processing" if n > 1 else "in_memory", n)


@pytest.mark.parametrize("args, workers", [([], 1), (["--direct_num_workers", "1"], None),
                                           (["--direct_num_workers=1"], 4)])
def test_one_worker_runs_in_process(args, workers):
    assert mode(args, workers) == ("FnApiRunner", "in_memory", 1)


def test_beam_flags_win():
    assert mode(["--direct_num_workers", "2"], 1) == ("FnApiRunner", "multi_processing", 2)
    assert mode(["--direct_running_mode", "multi_processing", "--direct_num_workers", "1"])[1:] == ("multi_processing", 1)


def test_unknown_flag_is_a_usage_error():
    with pytest.raises(UsageError, match="--no-such-flag"):
        make_pipeline_options(["--no-such-flag"])


@pytest.mark.parametrize("args, dry_run", [(["--dry_run"], "True"), (["--dry_run", "--runner", "FnApiRunner"], "True"),
                                           (["--dry_run=true"], "True"), (["--dry_run", "False"], False),
                                           (["--dry_run=0"], False), ([], False)])
def test_dry_run_is_a_flag_and_false_means_false(args, dry_run):
    """Beam's --dry_run takes a value and treats any, "False" included, as yes; ours is a flag, as Beam's docs write it."""
    from apache_beam.options.pipeline_options import TestOptions

    assert make_pipeline_options(args).view_as(TestOptions).dry_run == dry_run


def test_a_dry_run_value_that_is_not_a_boolean_is_a_usage_error():
    with pytest.raises(UsageError, match="--dry_run takes true or false"):
        make_pipeline_options(["--dry_run=maybe"])


def test_a_phase_gets_a_worker_process_only_for_work_that_pays_for_its_start_up():
    from curation.shards import TARGET_SHARD_BYTES
    from pipelines.options import DEDUP_DOCS_PER_WORKER, WRITE_BYTES_PER_WORKER, dedup_workers, write_workers

    small = [{"candidates": 100, "candidate_bytes": 1 << 20, "dropped_bytes": 1 << 20}] * 8
    assert write_workers(small, write_removed=True) == 1  # two tiny shards: one process writes both
    assert dedup_workers(small) == 1
    big = [{"candidates": DEDUP_DOCS_PER_WORKER, "candidate_bytes": TARGET_SHARD_BYTES, "dropped_bytes": 0}] * 3
    assert write_workers(big, write_removed=True) == 3  # one per shard
    assert dedup_workers(big) == 3
    mid = [{"candidates": 1, "candidate_bytes": WRITE_BYTES_PER_WORKER, "dropped_bytes": WRITE_BYTES_PER_WORKER}]
    assert write_workers(mid, write_removed=True) == 2 and write_workers(mid, write_removed=False) == 1
