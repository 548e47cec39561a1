"""Fold accounting events into OUT/stats.json, inside the pipeline (so Dataflow writes it too).

Also removes shards that a previous run left and this run did not write (say a
run with more shards, a language this run has not, or the flat OUT/data/*.parquet
of a version before per-language folders), the hidden temporary files of a run
that was killed while writing, and local language folders left empty, so
OUT/data always holds exactly this run's output.
"""

from __future__ import annotations

import json
import os

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from curation.atomic import TMP_MARK
from curation.shards import KINDS
from curation.stats import Stats
from pipelines.files import matching, write_text_atomically


class StatsCombineFn(beam.CombineFn):
    def create_accumulator(self) -> Stats:
        return Stats()

    def add_input(self, acc: Stats, event: tuple) -> Stats:
        acc.add(event)
        return acc

    def merge_accumulators(self, accs) -> Stats:
        merged = Stats()
        for acc in accs:
            merged.merge(acc)
        return merged

    def extract_output(self, acc: Stats) -> Stats:
        return acc


def finalize(stats: Stats, written: list[str], output_dir: str, config: dict) -> str:
    """Write OUT/stats.json; delete every shard and temporary file under OUT/data and OUT/removed not in `written`."""
    keep = set(written)
    # Every shard of this run is in place by now, so any temporary file is a killed run's leftover.
    patterns = [f"{output_dir}/{kind}/{folder}{name}" for kind in KINDS for folder in ("", "*/")
                for name in ("*.parquet", f".*{TMP_MARK}*")]
    patterns.append(f"{output_dir}/.stats.json{TMP_MARK}*")
    stale = [path for path in matching(patterns) if path not in keep]
    if stale:
        FileSystems.delete(stale)
    for folder in sorted({os.path.dirname(path) for path in stale} - {f"{output_dir}/{kind}" for kind in KINDS}):
        if "://" not in folder and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)  # a language this run has not (object stores have no folders)
    path = f"{output_dir}/stats.json"
    write_text_atomically(path, json.dumps(stats.to_dict(config), indent=2) + "\n")
    return path
