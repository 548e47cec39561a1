"""Accounting: every input record ends kept, dropped for a named reason, or errored for a named reason.

Stages report what happened as small *events* (plain tuples, cheap to pickle and
to combine); `Stats` folds events into the `stats.json` shape:

    {"records_read", "kept", "dropped": {reason: n}, "errors": {reason: n},
     "file_errors": {path: message}, "stages": [{"name", "in", "out", "seconds"}],
     "languages": {name: {"documents", "kept", "dropped": {reason: n}}}, "config"}

"languages" covers the documents that reached language identification, under
the FineWeb-2 name of the language found (`curation.languages.output_language`):
its counts add up to the top-level kept and to the top-level drops of those
documents. A stats.json written before it existed loads with none.

Events:
    ("read", n)                       records read from archives
    ("kept", n)                       documents written to OUT/data
    ("dropped", reason, n)            dropped for a named reason
    ("error", reason, n)              could not be processed, for a named reason
    ("file_error", path, message)     a file that could not be read to its end
    ("stage", name, n_in, n_out, s)   a stage's throughput and time
    ("language", name, reason, n)     documents of a language: kept (reason None) or dropped for `reason`
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
    "quality", "decontaminate", "sketch", "quality_top", "dedup", "pii", "token_count", "write",
]


@dataclass
class Stats:
    records_read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    file_errors: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)  # name -> [in, out, seconds]
    languages: dict = field(default_factory=dict)  # name -> Counter of outcomes: None (kept) or a drop reason

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
        elif kind == "language":
            self.languages.setdefault(event[1], Counter())[event[2]] += event[3]
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
        for name, outcomes in other.languages.items():
            self.languages.setdefault(name, Counter()).update(outcomes)
        return self

    def events(self) -> list[tuple]:
        """The events that rebuild this Stats when added to an empty one."""
        out: list[tuple] = [("read", self.records_read), ("kept", self.kept)]
        out += [("dropped", reason, n) for reason, n in self.dropped.items()]
        out += [("error", reason, n) for reason, n in self.errors.items()]
        out += [("file_error", path, message) for path, message in self.file_errors.items()]
        out += [("stage", name, n_in, n_out, seconds) for name, (n_in, n_out, seconds) in self.stages.items()]
        out += [("language", name, reason, n) for name, outcomes in self.languages.items() for reason, n in outcomes.items()]
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
            "languages": {
                name: {"documents": sum(outcomes.values()), "kept": outcomes.get(None, 0),
                       "dropped": dict(sorted((r, n) for r, n in outcomes.items() if r is not None))}
                for name, outcomes in sorted(self.languages.items())
            },
            "config": config or {},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Stats":
        s = cls(d["records_read"], d["kept"], Counter(d["dropped"]), Counter(d["errors"]), dict(d["file_errors"]))
        for st in d["stages"]:
            s.stages[st["name"]] = [st["in"], st["out"], st["seconds"]]
        for name, counts in d.get("languages", {}).items():
            s.languages[name] = Counter({None: counts["kept"], **counts["dropped"]})
        return s


def load_stats(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
