"""Beam options for our pipelines: every Beam flag passes through, unknown flags are an error.

Default runner: Beam's in-process FnApiRunner in multi-processing mode over all
cores. (`DirectRunner` in Beam 2.77 first tries to download the Prism runner,
which fails offline.)
"""

from __future__ import annotations

import argparse
import os

from apache_beam.options.pipeline_options import PipelineOptions

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


def make_pipeline_options(beam_args: list[str], *, workers: int | None = None) -> PipelineOptions:
    """PipelineOptions from Beam flags, with our local default runner; UsageError on an unknown flag.

    One local worker runs in this process (`in_memory`): a separate worker process would only add its
    start-up and the transfer of every bundle.
    """
    known, unknown = _beam_option_parser().parse_known_args(beam_args)
    if unknown:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")
    defaults = []
    if not _given(beam_args, "--runner"):
        defaults.append("--runner=FnApiRunner")
        if not _given(beam_args, "--direct_running_mode"):
            given = known.direct_num_workers if _given(beam_args, "--direct_num_workers") else None
            n = given or workers or os.cpu_count() or 1
            mode = "multi_processing" if n > 1 else "in_memory"
            defaults += [f"--direct_running_mode={mode}", f"--direct_num_workers={n}"]
    return PipelineOptions(defaults + list(beam_args))
