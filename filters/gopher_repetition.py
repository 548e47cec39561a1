"""Gopher repetition filter (Rae et al. 2021, table A1) as FineWeb applied it (datatrove 0.2.0).

Drops documents whose lines, paragraphs or word n-grams repeat too much:
boilerplate, spam and crawler traps. Checks run, and the first failing one
names the drop reason, in datatrove's order: paragraph fraction, paragraph
character fraction, line fraction, line character fraction, top 2/3/4-gram
character fraction, duplicated 5..10-gram character fraction. All character
fractions are over len(text). A threshold of None disables that check (its
signal is still computed).

`fineweb2=True` splits lines at runs of "\n" (datatrove >= 0.3, which FineWeb-2
ran) instead of `str.splitlines`; `word_splitter` replaces the English word
splitter (FineWeb-2 splits each language with its own tokenizer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import accumulate

from filters.base import Verdict, ratio
from filters.repetition import duplicate_ngram_chars, duplicates, ngram_ids, top_ngram_chars
from filters.words import split_words

_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_NEWLINE_RUN = re.compile(r"\n+")

TOP_N_GRAMS = ((2, 0.20), (3, 0.18), (4, 0.16))
DUP_N_GRAMS = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


class GopherRepetitionFilter:
    name = "gopher_repetition"

    def __init__(
        self,
        dup_line_frac: float | None = 0.3,
        dup_para_frac: float | None = 0.3,
        dup_line_char_frac: float | None = 0.2,
        dup_para_char_frac: float | None = 0.2,
        top_n_grams: tuple[tuple[int, float | None], ...] = TOP_N_GRAMS,
        dup_n_grams: tuple[tuple[int, float | None], ...] = DUP_N_GRAMS,
        word_splitter: Callable[[str], Sequence[str]] = split_words,
        fineweb2: bool = False,
    ):
        self.dup_line_frac = dup_line_frac
        self.dup_para_frac = dup_para_frac
        self.dup_line_char_frac = dup_line_char_frac
        self.dup_para_char_frac = dup_para_char_frac
        self.top_n_grams = tuple(top_n_grams)
        self.dup_n_grams = tuple(sorted(dup_n_grams))
        self.word_splitter = word_splitter
        self.fineweb2 = fineweb2
        self.signal_names = (
            "gopher_repetition_dup_para_frac",
            "gopher_repetition_dup_para_char_frac",
            "gopher_repetition_dup_line_frac",
            "gopher_repetition_dup_line_char_frac",
            *(f"gopher_repetition_top_{n}_gram_char_frac" for n, _ in self.top_n_grams),
            *(f"gopher_repetition_dup_{n}_gram_char_frac" for n, _ in self.dup_n_grams),
        )

    def thresholds(self) -> list[tuple[str, float | None, str]]:
        limits = (self.dup_para_frac, self.dup_para_char_frac, self.dup_line_frac, self.dup_line_char_frac,
                  *(limit for _, limit in self.top_n_grams), *(limit for _, limit in self.dup_n_grams))
        return [(signal, limit, ">") for signal, limit in zip(self.signal_names, limits)]

    def __call__(self, text: str) -> Verdict:
        # (signal, threshold, reason) in datatrove's check order
        checks: list[tuple[float, float | None, str]] = []
        length = len(text)

        paragraphs = _PARAGRAPH_BREAK.split(text.strip())
        dup_paragraphs, dup_paragraph_chars = duplicates(paragraphs)
        checks.append((ratio(dup_paragraphs, len(paragraphs)), self.dup_para_frac, "dup_para_frac"))
        checks.append((ratio(dup_paragraph_chars, length), self.dup_para_char_frac, "dup_para_char_frac"))

        lines = _NEWLINE_RUN.split(text) if self.fineweb2 else text.splitlines()
        dup_lines, dup_line_chars = duplicates(lines)
        checks.append((ratio(dup_lines, len(lines)), self.dup_line_frac, "dup_line_frac"))
        checks.append((ratio(dup_line_chars, length), self.dup_line_char_frac, "dup_line_char_frac"))

        words = self.word_splitter(text)
        word_ends = [0, *accumulate(map(len, words))]
        top_chars = dict.fromkeys((n for n, _ in self.top_n_grams), 0)
        dup_chars = dict.fromkeys((n for n, _ in self.dup_n_grams), 0)
        longest_top, longest = max(top_chars, default=0), max([*top_chars, *dup_chars], default=0)
        repeats_left = True  # no repeated n-gram means no repeated longer n-gram either
        for n, ids in ngram_ids(words):
            if n > longest or (n > longest_top and not repeats_left):
                break
            if n in top_chars:
                top_chars[n] = top_ngram_chars(ids, n, word_ends)
            if n in dup_chars and repeats_left:
                dup_chars[n] = duplicate_ngram_chars(ids, n, word_ends)
                repeats_left = dup_chars[n] > 0
        for n, threshold in self.top_n_grams:
            checks.append((ratio(top_chars[n], length), threshold, f"top_{n}_gram"))
        for n, threshold in self.dup_n_grams:
            checks.append((ratio(dup_chars[n], length), threshold, f"duplicated_{n}_n_grams"))

        signals = {name: value for name, (value, _, _) in zip(self.signal_names, checks)}
        if not text:
            return Verdict(False, f"{self.name}:empty", signals)
        for value, threshold, reason in checks:
            if threshold is not None and value > threshold:
                return Verdict(False, f"{self.name}:{reason}", signals)
        return Verdict(True, None, signals)
