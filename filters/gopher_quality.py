"""Gopher quality filter (Rae et al. 2021) as FineWeb applied it (datatrove 0.2.0).

Drops documents that do not look like prose: too short or too long, odd mean
word length, many '#' or ellipses, mostly bullet or ellipsis-ending lines, few
alphabetic words, or fewer than two stop-word occurrences. As in FineWeb:
- word counts and the mean word length use words with at least one
  non-symbol character (`filters.words.SYMBOLS`); the '#' and ellipsis ratios
  and the alphabetic fraction divide by all tokens, punctuation included;
- a bullet line starts with "•" or "-" (after leading whitespace);
- stop words are counted as occurrences, case-sensitively ("the the" is 2,
  "The" is 0); datatrove >= 0.3 counts distinct stop words instead.
None disables a check; its signal is still computed.

`fineweb2=True` applies datatrove >= 0.3's rules, which FineWeb-2 ran: distinct
stop words, and a word is alphabetic when it has a `str.isalpha` character
(the English rule also counts non-decimal numerals such as "½"). FineWeb-2
also passes its own `symbols` (its terminal punctuation joins the set) and a
per-language `word_splitter`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from filters.base import Verdict, ratio
from filters.words import SYMBOLS, split_words

STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
BULLETS = ("•", "-")
ELLIPSES = ("...", "…")

_LETTER = re.compile(r"[^\W\d_]")


class GopherQualityFilter:
    name = "gopher_quality"
    signal_names = (
        "gopher_quality_words",
        "gopher_quality_mean_word_length",
        "gopher_quality_hash_ratio",
        "gopher_quality_ellipsis_ratio",
        "gopher_quality_bullet_lines_ratio",
        "gopher_quality_ellipsis_lines_ratio",
        "gopher_quality_alpha_words_ratio",
        "gopher_quality_stop_words",
    )

    def __init__(
        self,
        min_doc_words: int | None = 50,
        max_doc_words: int | None = 100_000,
        min_avg_word_length: float | None = 3,
        max_avg_word_length: float | None = 10,
        max_symbol_word_ratio: float | None = 0.1,
        max_bullet_lines_ratio: float | None = 0.9,
        max_ellipsis_lines_ratio: float | None = 0.3,
        min_alpha_words_ratio: float | None = 0.8,
        min_stop_words: int | None = 2,
        stop_words: tuple[str, ...] = STOP_WORDS,
        word_splitter: Callable[[str], Sequence[str]] = split_words,
        symbols: str = SYMBOLS,
        fineweb2: bool = False,
    ):
        self.min_doc_words = min_doc_words
        self.max_doc_words = max_doc_words
        self.min_avg_word_length = min_avg_word_length
        self.max_avg_word_length = max_avg_word_length
        self.max_symbol_word_ratio = max_symbol_word_ratio
        self.max_bullet_lines_ratio = max_bullet_lines_ratio
        self.max_ellipsis_lines_ratio = max_ellipsis_lines_ratio
        self.min_alpha_words_ratio = min_alpha_words_ratio
        self.min_stop_words = min_stop_words
        self.stop_words = frozenset(stop_words)
        self.word_splitter = word_splitter
        self.symbols = symbols
        self.fineweb2 = fineweb2
        # (signal, limit, limit is a minimum, drop reason), in datatrove's order
        self._checks = (
            ("gopher_quality_words", min_doc_words, True, "short_doc"),
            ("gopher_quality_words", max_doc_words, False, "long_doc"),
            ("gopher_quality_mean_word_length", min_avg_word_length, True, "below_avg_word_length"),
            ("gopher_quality_mean_word_length", max_avg_word_length, False, "above_avg_word_length"),
            ("gopher_quality_hash_ratio", max_symbol_word_ratio, False, "too_many_hashes"),
            ("gopher_quality_ellipsis_ratio", max_symbol_word_ratio, False, "too_many_ellipsis"),
            ("gopher_quality_bullet_lines_ratio", max_bullet_lines_ratio, False, "too_many_bullets"),
            ("gopher_quality_ellipsis_lines_ratio", max_ellipsis_lines_ratio, False, "too_many_end_ellipsis"),
            ("gopher_quality_alpha_words_ratio", min_alpha_words_ratio, True, "below_alpha_threshold"),
            ("gopher_quality_stop_words", min_stop_words, True, "not_enough_stop_words"),
        )

    def thresholds(self) -> list[tuple[str, float | None, str]]:
        return [(signal, limit, "<" if is_minimum else ">") for signal, limit, is_minimum, _ in self._checks]

    def _alphabetic_words(self, tokens: Sequence[str]) -> int:
        if self.fineweb2:
            return sum(1 for w in tokens if any(map(str.isalpha, w)))
        return sum(1 for w in tokens if _LETTER.search(w))

    def __call__(self, text: str) -> Verdict:
        tokens = self.word_splitter(text)
        n_tokens = len(tokens)
        words = [w for w in tokens if w.strip(self.symbols)]
        n_words = len(words)
        mean_length = ratio(sum(map(len, words)), n_words)
        lines = text.splitlines()
        signals = {
            "gopher_quality_words": float(n_words),
            "gopher_quality_mean_word_length": mean_length,
            "gopher_quality_hash_ratio": ratio(text.count("#"), n_tokens),
            "gopher_quality_ellipsis_ratio": ratio(text.count("...") + text.count("…"), n_tokens),
            "gopher_quality_bullet_lines_ratio": ratio(
                sum(1 for line in lines if line.lstrip().startswith(BULLETS)), len(lines)
            ),
            "gopher_quality_ellipsis_lines_ratio": ratio(
                sum(1 for line in lines if line.rstrip().endswith(ELLIPSES)), len(lines)
            ),
            "gopher_quality_alpha_words_ratio": ratio(self._alphabetic_words(tokens), n_tokens),
            "gopher_quality_stop_words": float(
                len(self.stop_words.intersection(tokens))
                if self.fineweb2
                else sum(map(self.stop_words.__contains__, tokens))
            ),
        }
        for signal, limit, is_minimum, reason in self._checks:
            if limit is not None and (signals[signal] < limit if is_minimum else signals[signal] > limit):
                return Verdict(False, f"{self.name}:{reason}", signals)
        return Verdict(True, None, signals)
