"""Accounting: every input record ends kept, dropped for a named reason, or errored for a named reason.

Stages report what happened as small *events* (plain tuples, cheap to pickle and
to combine); `Stats` folds events into the `stats.json` shape:

    {"records_read", "kept", "dropped": {reason: n}, "errors": {reason: n},
     "file_errors": {path: message}, "stages": [{"name", "in", "out", "seconds"}], "config"}

Events:
    ("read", n)                       records read from archives
    ("kept", n)                       documents written to OUT/data
    ("dropped", reason, n)            dropped for a named reason
    ("error", reason, n)              could not be processed, for a named reason
    ("file_error", path, message)     a file that could not be read to its end
    ("stage", name, n_in, n_out, s)   a stage's throughput and time
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from filters import TEXT_FILTER_NAMES

# Stage order for display; stages not listed sort after these, by name. The URL filter reports as url_filter,
# before extraction; the text filters under their own names, in the order of `filters.FILTERS`.
STAGE_ORDER = [
    "read", "url_filter", "lang_precheck", "extract", "language", *TEXT_FILTER_NAMES,
    "quality", "sketch", "quality_top", "dedup", "pii", "token_count", "write",
]


@dataclass
class Stats:
    records_read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    file_errors: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)  # name -> [in, out, seconds]

    def add(self, event: tuple) -> None:
        kind = event[0]
        if kind == "read":
            self.records_read += event[1]
        elif kind == "kept":
            self.kept += event[1]
        elif kind == "dropped":
            self.dropped[event[1]] += event[2]
        elif kind == "error":
            self.errors[event[1]] += event[2]
        elif kind == "file_error":
            # Keep the lexicographically smallest message so the result is order-independent.
            path, message = event[1], event[2]
            if path not in self.file_errors or message < self.file_errors[path]:
                self.file_errors[path] = message
        elif kind == "stage":
            acc = self.stages.setdefault(event[1], [0, 0, 0.0])
            acc[0] += event[2]
            acc[1] += event[3]
            acc[2] += event[4]
        else:
            raise ValueError(f"unknown stats event {event!r}")

    def merge(self, other: "Stats") -> "Stats":
        self.records_read += other.records_read
        self.kept += other.kept
        self.dropped.update(other.dropped)
        self.errors.update(other.errors)
        for path, message in other.file_errors.items():
            self.add(("file_error", path, message))
        for name, (n_in, n_out, seconds) in other.stages.items():
            self.add(("stage", name, n_in, n_out, seconds))
        return self

    def events(self) -> list[tuple]:
        """The events that rebuild this Stats when added to an empty one."""
        out: list[tuple] = [("read", self.records_read), ("kept", self.kept)]
        out += [("dropped", reason, n) for reason, n in self.dropped.items()]
        out += [("error", reason, n) for reason, n in self.errors.items()]
        out += [("file_error", path, message) for path, message in self.file_errors.items()]
        out += [("stage", name, n_in, n_out, seconds) for name, (n_in, n_out, seconds) in self.stages.items()]
        return out

    @property
    def balanced(self) -> bool:
        return self.records_read == self.kept + sum(self.dropped.values()) + sum(self.errors.values())

    def to_dict(self, config: dict | None = None) -> dict:
        def order(name: str) -> tuple:
            return (STAGE_ORDER.index(name) if name in STAGE_ORDER else len(STAGE_ORDER), name)

        return {
            "records_read": self.records_read,
            "kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
            "errors": dict(sorted(self.errors.items())),
            "file_errors": dict(sorted(self.file_errors.items())),
            "stages": [
                {"name": name, "in": v[0], "out": v[1], "seconds": round(v[2], 3)}
                for name, v in sorted(self.stages.items(), key=lambda kv: order(kv[0]))
            ],
            "config": config or {},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Stats":
        s = cls(d["records_read"], d["kept"], Counter(d["dropped"]), Counter(d["errors"]), dict(d["file_errors"]))
        for st in d["stages"]:
            s.stages[st["name"]] = [st["in"], st["out"], st["seconds"]]
        return s


def load_stats(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
