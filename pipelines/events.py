"""Accounting events out of DoFns: summed per bundle, emitted on a tagged output, folded into stats.json.

Events are `curation.stats` tuples. Every drop and error reason is also a Beam
counter, visible in the runner's UI.
"""

from __future__ import annotations

import contextlib
import time

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from curation.stats import Stats

EVENTS = "events"


class EventsDoFn(beam.DoFn):
    """Subclasses call `self.add(event)` and time their work with `with self.timed(stage):`."""

    def start_bundle(self):
        self._stats = Stats()

    def add(self, event: tuple) -> None:
        self._stats.add(event)
        if event[0] in ("dropped", "error"):
            Metrics.counter(event[0], event[1]).inc(event[2])

    def add_stats(self, stats: Stats) -> None:
        for event in stats.events():
            self.add(event)

    @contextlib.contextmanager
    def timed(self, stage: str, n_in: int = 0, n_out: int = 0):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self._stats.add(("stage", stage, n_in, n_out, time.perf_counter() - t0))

    def finish_bundle(self):
        for event in self._stats.events():
            if event[0] in ("read", "kept") and event[1] == 0:
                continue
            yield beam.pvalue.TaggedOutput(EVENTS, WindowedValue(event, MIN_TIMESTAMP, [GlobalWindow()]))
