"""Beam options for our pipelines: every Beam flag passes through, unknown flags are an error.

Default runner: Beam's in-process FnApiRunner in multi-processing mode over all
cores (`DirectRunner` in Beam 2.77 first tries to download the Prism runner,
which fails offline), whose worker processes start through `pipelines.worker`
so that they log nothing below ERROR to the terminal.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.portability import python_urns
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from curation.errors import UsageError


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"bad Beam option: {message}")


def _beam_option_parser() -> argparse.ArgumentParser:
    parser = _RaisingParser(add_help=False, allow_abbrev=False)
    seen = set()
    stack = list(PipelineOptions.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        try:
            cls._add_argparse_args(parser)
        except argparse.ArgumentError:
            pass  # an option defined by two classes; the first definition is enough to validate
    return parser


def _given(beam_args: list[str], flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in beam_args)


def _dry_run_flag(beam_args: list[str]) -> list[str]:
    """Beam's `--dry_run` takes a value, and any value, "False" included, means yes: accept the bare flag, as
    Beam's docs write it, and true/false values; anything else is a usage error."""
    out, i = [], 0
    while i < len(beam_args):
        arg = beam_args[i]
        value = None
        if arg == "--dry_run":
            following = beam_args[i + 1] if i + 1 < len(beam_args) else None
            if following is not None and not following.startswith("--"):
                value, i = following, i + 1
            else:
                value = "true"
        elif arg.startswith("--dry_run="):
            value = arg.split("=", 1)[1]
        if value is None:
            out.append(arg)
        elif value.lower() in ("true", "1", "yes"):
            out.append("--dry_run=True")
        elif value.lower() not in ("false", "0", "no"):
            raise UsageError(f"--dry_run takes true or false, not {value!r}")
        i += 1
    return out


def make_pipeline_options(beam_args: list[str], *, workers: int | None = None) -> PipelineOptions:
    """PipelineOptions from Beam flags, with our local default runner; UsageError on an unknown flag.

    One local worker runs in this process (`in_memory`): a separate worker process would only add its
    start-up and the transfer of every bundle.
    """
    beam_args = _dry_run_flag(beam_args)
    known, unknown = _beam_option_parser().parse_known_args(beam_args)
    if unknown:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")
    # Beam's type checks re-read every option for each of the hundreds of steps: a third of building the graph.
    defaults = ["--no_pipeline_type_check"]
    if not _given(beam_args, "--runner"):
        defaults.append("--runner=FnApiRunner")
        if not _given(beam_args, "--direct_running_mode"):
            given = known.direct_num_workers if _given(beam_args, "--direct_num_workers") else None
            n = given or workers or os.cpu_count() or 1
            mode = "multi_processing" if n > 1 else "in_memory"
            defaults += [f"--direct_running_mode={mode}", f"--direct_num_workers={n}"]
    return PipelineOptions(defaults + list(beam_args))


class LocalRunner(FnApiRunner):
    """Beam's FnApiRunner, whose worker processes run `pipelines.worker` instead of Beam's own entry point.

    Beam's entry point imports its BigQuery client at start-up, whose module logs a warning through the root
    logger when `apitools` is missing; with no handler configured yet, that sets up logging to stderr, and the
    worker then raises the level to INFO: about 18 lines per worker process. `pipelines.worker` sets up
    logging first.
    """

    def run_via_runner_api(self, pipeline_proto, options):
        ours = f"{shlex.quote(sys.executable)} -m pipelines.worker".encode()
        for environment in pipeline_proto.components.environments.values():
            if environment.urn == python_urns.SUBPROCESS_SDK and environment.payload.endswith(b"-m apache_beam.runners.worker.sdk_worker_main"):
                environment.payload = ours
        return super().run_via_runner_api(pipeline_proto, options)


def make_runner(options: PipelineOptions):
    """The runner instance for `beam.Pipeline(runner=...)`: ours for the local default, else by name as Beam does."""
    name = options.view_as(StandardOptions).runner
    return LocalRunner() if name == "FnApiRunner" else name


class Phases:
    """Runs a command's phases one after the other, each its own Beam pipeline (on Dataflow: its own job), and times them.

    Locally each phase gets at most as many worker processes as it has independent pieces of work (`useful`):
    a worker process costs its start-up and a round trip per fused step, which a small phase never earns back.
    """

    def __init__(self, beam_args: list[str], workers: int | None):
        self.beam_args, self.workers = beam_args, workers
        self.options = make_pipeline_options(beam_args, workers=workers)
        self.seconds: dict[str, float] = {}
        self.worker_counts: dict[str, int | None] = {}

    def run(self, name: str, build, *, useful: int | None = None, monitor=None) -> None:
        """`build(p)` adds the phase to a new pipeline; `monitor` (start/stop) watches it run."""
        import time

        import apache_beam as beam

        workers = self.workers or os.cpu_count() or 1
        options = make_pipeline_options(self.beam_args, workers=max(1, min(workers, useful)) if useful is not None else workers)
        try:
            pipeline = beam.Pipeline(runner=make_runner(options), options=options)
        except ValueError as e:  # Beam's option validation, e.g. a malformed --project: a user mistake
            raise UsageError(" ".join(str(e).split())) from e
        t0 = time.time()
        if monitor is not None:
            monitor.start()
        try:
            with pipeline as p:
                build(p)
        finally:
            if monitor is not None:
                monitor.stop()
        self.seconds[name] = round(time.time() - t0, 3)
        self.worker_counts[name] = options.get_all_options().get("direct_num_workers")


# Below this many candidates per worker process, another process costs more than it saves.
DEDUP_DOCS_PER_WORKER = 500_000


def dedup_workers(entries: list[dict]) -> int:
    """Worker processes the dedup phase can use: one per DEDUP_DOCS_PER_WORKER candidates."""
    return math.ceil(sum(e["candidates"] for e in entries) / DEDUP_DOCS_PER_WORKER)


# Text per write worker process: one scrubs and counts ~5.5 MB/s, so a process's start-up (~2.5 s) costs ~14 MB.
WRITE_BYTES_PER_WORKER = 64 << 20


def write_workers(entries: list[dict], write_removed: bool) -> int:
    """Worker processes the write phase can use: one per shard it makes, and one per WRITE_BYTES_PER_WORKER of text."""
    from curation.shards import TARGET_SHARD_BYTES

    kept = sum(e["candidate_bytes"] for e in entries)
    removed = sum(e["dropped_bytes"] for e in entries) if write_removed else 0
    shards = math.ceil(kept / TARGET_SHARD_BYTES) + math.ceil(removed / TARGET_SHARD_BYTES)
    return max(1, min(shards, math.ceil((kept + removed) / WRITE_BYTES_PER_WORKER)))
