"""Fold every stage's accounting events into OUT/stats.json, inside the pipeline (so Dataflow writes it too).

Also removes shards that a previous run left and this run did not write (say a
run with more shards), and the hidden temporary files of a run that was killed
while writing, so OUT/data always holds exactly this run's output.
"""

from __future__ import annotations

import json
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from curation.stats import Stats
from pipelines.write import KINDS


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


def write_text_atomically(path: str, text: str) -> None:
    directory, name = path.rsplit("/", 1)
    tmp = f"{directory}/.{name}.tmp-{uuid.uuid4().hex}"
    with FileSystems.create(tmp) as f:
        f.write(text.encode("utf-8"))
    FileSystems.rename([tmp], [path])


def _finalize(stats: Stats, written: list[str], output_dir: str, config: dict) -> str:
    keep = set(written)
    # Every shard of this run is in place by now, so any temporary file is a killed run's leftover.
    patterns = [f"{output_dir}/{kind}/{name}" for kind in KINDS for name in ("*.parquet", ".*.tmp-*")]
    patterns.append(f"{output_dir}/.stats.json.tmp-*")
    stale = [m.path for r in FileSystems.match(patterns) for m in r.metadata_list if m.path not in keep]
    if stale:
        FileSystems.delete(stale)
    if not FileSystems.exists(output_dir):
        FileSystems.mkdirs(output_dir)
    path = f"{output_dir}/stats.json"
    write_text_atomically(path, json.dumps(stats.to_dict(config), indent=2) + "\n")
    return path


class WriteStats(beam.PTransform):
    """PCollection[event] -> OUT/stats.json; `written` is the PCollection of shard paths this run wrote."""

    def __init__(self, output_dir: str, config: dict, written):
        super().__init__()
        self.output_dir = output_dir.rstrip("/")
        self.config = config
        self.written = written

    def expand(self, events):
        return (
            events
            | "Combine" >> beam.CombineGlobally(StatsCombineFn())
            | "Finalize" >> beam.Map(_finalize, beam.pvalue.AsList(self.written), self.output_dir, self.config)
        )
