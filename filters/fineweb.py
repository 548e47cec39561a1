"""FineWeb's own quality filter, with the comparisons and punctuation of the FineWeb release (datatrove 0.2.0).

Drops a document when (first failure wins, in this order):
- the fraction of lines ending in terminal punctuation . ' " ! ? is <= 0.12;
- the fraction of lines of at most 30 characters is >= 0.67;
- characters in duplicated non-empty lines are >= 1% of the non-newline characters;
- newlines per word (`filters.words.split_words` tokens) exceed 0.3.
Lines are `text.split("\\n")`, empty ones included in the first two ratios.

datatrove >= 0.3 changed this filter: it ignores empty lines, uses strict
comparisons (< 0.12, > 0.67, > 0.01) and a large Unicode terminal punctuation
set by default. `line_punct_exclude_zero` keeps documents with no punctuated
line at all (off in FineWeb). `fineweb2=True` applies those changes, as
FineWeb-2 ran them (a document without a non-blank line is dropped as
"empty"); FineWeb-2 passes the Unicode set as `stop_chars` and a per-language
`word_splitter`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from filters.base import Verdict, ratio
from filters.repetition import duplicates
from filters.words import split_words

STOP_CHARS = (".", "'", '"', "!", "?")


class FineWebFilter:
    name = "fineweb"
    signal_names = (
        "fineweb_line_punct_ratio",
        "fineweb_short_line_ratio",
        "fineweb_char_dup_ratio",
        "fineweb_newline_ratio",
    )

    def __init__(
        self,
        line_punct_thr: float | None = 0.12,
        line_punct_exclude_zero: bool = False,
        stop_chars: tuple[str, ...] = STOP_CHARS,
        short_line_thr: float | None = 0.67,
        short_line_length: int = 30,
        char_duplicates_ratio: float | None = 0.01,
        new_line_ratio: float | None = 0.3,
        word_splitter: Callable[[str], Sequence[str]] = split_words,
        fineweb2: bool = False,
    ):
        self.line_punct_thr = line_punct_thr
        self.line_punct_exclude_zero = line_punct_exclude_zero
        self.stop_chars = tuple(stop_chars)
        self.short_line_thr = short_line_thr
        self.short_line_length = short_line_length
        self.char_duplicates_ratio = char_duplicates_ratio
        self.new_line_ratio = new_line_ratio
        self.word_splitter = word_splitter
        self.fineweb2 = fineweb2
        # the drop comparisons: strict in datatrove >= 0.3, inclusive in FineWeb
        self._below, self._above = (operator.lt, operator.gt) if fineweb2 else (operator.le, operator.ge)

    def thresholds(self) -> list[tuple[str, float | None, str]]:
        below, above = ("<", ">") if self.fineweb2 else ("<=", ">=")
        return [
            ("fineweb_line_punct_ratio", self.line_punct_thr, below),
            ("fineweb_short_line_ratio", self.short_line_thr, above),
            ("fineweb_char_dup_ratio", self.char_duplicates_ratio, above),
            ("fineweb_newline_ratio", self.new_line_ratio, ">"),
        ]

    def __call__(self, text: str) -> Verdict:
        lines = text.split("\n")
        newline_count = len(lines) - 1
        if self.fineweb2:
            lines = [line for line in lines if line.strip()]
        punct = ratio(sum(1 for line in lines if line.endswith(self.stop_chars)), len(lines))
        short = ratio(sum(1 for line in lines if len(line) <= self.short_line_length), len(lines))
        _, dup_chars = duplicates([line for line in lines if line.strip()])
        char_dup = ratio(dup_chars, len(text) - newline_count)
        newlines = ratio(newline_count, len(self.word_splitter(text)))
        signals = {
            "fineweb_line_punct_ratio": punct,
            "fineweb_short_line_ratio": short,
            "fineweb_char_dup_ratio": char_dup,
            "fineweb_newline_ratio": newlines,
        }
        reason = None
        if self.fineweb2 and not lines:
            reason = "empty"
        elif self.line_punct_thr is not None and self._below(punct, self.line_punct_thr) and not (
            punct == 0 and self.line_punct_exclude_zero
        ):
            reason = "line_punct_ratio"
        elif self.short_line_thr is not None and self._above(short, self.short_line_thr):
            reason = "short_line_ratio"
        elif self.char_duplicates_ratio is not None and self._above(char_dup, self.char_duplicates_ratio):
            reason = "char_dup_ratio"
        elif self.new_line_ratio is not None and newlines > self.new_line_ratio:
            reason = "list_ratio"
        if reason:
            return Verdict(False, f"{self.name}:{reason}", signals)
        return Verdict(True, None, signals)
