"""What every filter returns, and the shape the pipeline relies on.

A filter is a pure function of its input (a URL or a document text) that says
keep or drop, why, and which numbers it computed on the way. The numbers go to
the optional `signals` Parquet column, so thresholds can be re-tuned with SQL
instead of re-running the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Verdict:
    """The outcome of one filter on one input.

    `reason` is "<filter name>:<why>" when dropped. `signals` always carries the
    same keys for a given filter ("<filter>_<signal>", valid SQL identifiers),
    whether it keeps or drops; ratios whose denominator is zero are 0.0, never
    NaN. `text` is the rewritten text (only C4 rewrites), None when unchanged.
    """

    keep: bool
    reason: str | None = None
    signals: dict[str, float] = field(default_factory=dict)
    text: str | None = None


class TextFilter(Protocol):
    """A document-text filter; `signal_names` fixes the signals column schema."""

    name: str
    signal_names: tuple[str, ...]

    def __call__(self, text: str) -> Verdict: ...

    def thresholds(self) -> list[tuple[str, float | None, str]]:
        """(signal, limit or None when that check is off, the comparison that drops: ">", ">=", "<" or "<="),
        for the report's threshold lines, in check order."""
        ...


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 for an empty denominator (signals must never be NaN)."""
    return numerator / denominator if denominator else 0.0
