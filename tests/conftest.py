"""Shared fixtures: paths to ../shared data (skipped with a reason when absent) and one curated sample run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
SAMPLE_WARCS = REPO / "sample_warcs"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test when the shared data is not checked out beside the repo."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path} (expected ../shared beside the repository)")
    return path


def run_curate(*argv: str) -> dict:
    """Run the Beam pipeline in this process (in-memory runner, one worker) and return stats.json."""
    from pipelines.curate import run
    from curate_cli.run import add_arguments
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args, beam_args = parser.parse_known_args(list(argv))
    if args.workers is None:
        args.workers = 1
    return run(args, beam_args)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """sample_warcs/ curated once with the default recipe, with signals; shared by the tests that read its output."""
    if not any(SAMPLE_WARCS.glob("*.warc*")):
        pytest.fail("sample_warcs/ has no WARC files: run python sample_warcs/make_sample_warcs.py")
    out = tmp_path_factory.mktemp("sample_run")
    os.chdir(REPO)
    run_curate("--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out), "--signals")
    return out
