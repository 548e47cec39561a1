"""A DoFn base for pipeline stages: times the stage and reports its accounting events per bundle.

Events (see `curation.stats`) go to the tagged output `EVENTS`; they are summed in
the DoFn and emitted once per bundle, so accounting costs almost nothing per
element. Every drop/error reason is also a Beam counter, visible in the runner's UI.
"""

from __future__ import annotations

import time
from collections import Counter

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

EVENTS = "events"
REMOVED = "removed"


class StageDoFn(beam.DoFn):
    """Subclasses implement `process_element`, and call `self.drop`/`self.error`/`self.read`."""

    stage: str = ""

    def start_bundle(self):
        self._events: Counter = Counter()
        self._file_errors: dict[str, str] = {}
        self._in = 0
        self._out = 0
        self._seconds = 0.0

    def process(self, element, *args, **kwargs):
        self._in += 1
        outputs = iter(self.process_element(element, *args, **kwargs))
        while True:
            # The clock stops at each yield: fused downstream stages run inside it, and their time
            # is not ours. Outputs stream one by one, so a 1 GB archive is never held in memory.
            t0 = time.perf_counter()
            try:
                out = next(outputs)
            except StopIteration:
                self._seconds += time.perf_counter() - t0
                return
            self._seconds += time.perf_counter() - t0
            if not isinstance(out, beam.pvalue.TaggedOutput):
                self._out += 1
            yield out

    def process_element(self, element, *args, **kwargs):
        """Yield outputs for one element (main output, or TaggedOutput(REMOVED, (reason, doc)))."""
        raise TypeError(f"{type(self).__name__} must define process_element")

    def count(self, kind: str, reason: str | None = None, n: int = 1) -> None:
        self._events[(kind, reason)] += n
        Metrics.counter(self.stage, f"{kind}:{reason}" if reason else kind).inc(n)

    def file_error(self, path: str, message: str) -> None:
        self._file_errors.setdefault(path, message)
        Metrics.counter(self.stage, "file_errors").inc()

    def finish_bundle(self):
        events = [(kind, n) if reason is None else (kind, reason, n) for (kind, reason), n in self._events.items()]
        events += [("file_error", p, m) for p, m in self._file_errors.items()]
        if self._in or self._out:
            events.append(("stage", self.stage, self._in, self._out, self._seconds))
        for event in events:
            yield beam.pvalue.TaggedOutput(EVENTS, WindowedValue(event, MIN_TIMESTAMP, [GlobalWindow()]))
