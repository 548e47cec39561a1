"""Word and sentence splitting for the filter signals, with the standard library only.

FineWeb (datatrove 0.2.0) split words with NLTK's `word_tokenize` (Treebank
rules inside Punkt sentences); datatrove >= 0.3 switched English to spaCy's
rule-based tokenizer. Both need a heavy dependency and are the slowest part of
the quality filters, so this module reimplements the parts of those rules that
move the signals, as one precompiled regex:

- punctuation is split off words, one token per character, except runs of
  dots ("...") and of dashes ("--") which stay one token;
- words keep inner hyphens, slashes, dots and apostrophes ("well-known",
  "and/or", "example.com", "rock'n'roll"), and commas/colons between digits
  ("1,000.50", "10:30"), as NLTK does;
- contractions split as in both references: "don't" -> "do", "n't";
  "it's" -> "it", "'s" (the typographic apostrophe counts too);
- a word's final period is split off ("end." -> "end", ".") unless the word is
  an abbreviation: letter-dot runs ("e.g.", "U.S."), a single letter ("J.")
  or a short list of titles, months and Latin abbreviations ("Mr.", "etc.").

Deliberate differences from NLTK: double quotes stay `"` (NLTK rewrites them
to `` and ''), and every symbol is split off ("€5" -> "€", "5"), as spaCy does.
The splitter targets Latin-script text, as the Gopher and FineWeb heuristics do.
`bench/compare_datatrove.py` measures its agreement with both references.
"""

from __future__ import annotations

import re
import string

_ABBREVIATIONS = {  # by length, for fixed-width lookbehinds
    2: "mr|ms|dr|sr|jr|st|vs|co|no",
    3: "mrs|etc|inc|ltd|fig|vol|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec",
    4: "prof|corp|dept|sept",
    6: "approx",
}
# A period that belongs to the word before it: after a one-letter word or
# dotted segment ("J.", "e.g.", "U.S.", not the "t" of "n't.") or a listed
# abbreviation ("Mr.", "etc.").
_ABBREVIATION_DOT = (
    r"\.(?:(?<=[^\W\d_]\.)(?<![^\s.(\[{\"“‘«][^\W\d_]\.)|"
    + "|".join(rf"(?<=\b(?i:{words})\.)" for words in _ABBREVIATIONS.values())
    + r")(?![\w.])"
)
# Inner joiners of a word: - / . always; an apostrophe unless it starts a
# contraction suffix; , and : between digits.
_JOINER = r"(?:[-/.]|['’](?!(?i:s|m|d|ll|re|ve)\b)|(?<=\d)[,:](?=\d))"

_TOKEN = re.compile(
    rf"\w+(?:{_JOINER}\w+)*(?:{_ABBREVIATION_DOT})?"  # words
    r"|['’](?i:s|m|d|ll|re|ve)\b"  # "'s" "'ll" ...
    r"|\.{2,}|-{2,}"  # ellipsis, dash runs
    r"|[^\w\s]"  # any other symbol, one per token
)
# "don't" -> "do n't": a space is put before the "n't" before splitting.
_NOT = re.compile(r"\B(?=n['’]t\b)")

# A sentence ends at . ! or ? (a period not after an abbreviation), plus
# closing quotes or brackets, when more text follows on the same line.
_SENTENCE_END = re.compile(
    r"(?:[!?]|\.(?<!\b[^\W\d_]\.)"
    + "".join(rf"(?<!\b(?i:{words})\.)" for words in _ABBREVIATIONS.values())
    + r")[.!?]*[\"'”’)\]]*[^\S\n]+(?=\S)"
)

# Characters that make a token a "symbol" rather than a word in Gopher's
# counts: datatrove 0.2.0's PUNCTUATION set, i.e. ASCII punctuation, common
# CJK/typographic punctuation (including, sic, the fullwidth digit one) and the
# C0/C1 control characters other than tab and newline.
SYMBOLS = (
    string.punctuation
    + "—”％１〈、━【「」，】；“《„’∶´．（–？！：～«〉》）。…►»"
    + "".join(map(chr, [*range(0, 9), 11, 12, *range(13, 32), *range(127, 160)]))
)

_last_split: tuple[str, tuple[str, ...]] = ("", ())


def split_words(text: str) -> tuple[str, ...]:
    """The words and punctuation tokens of `text` (see module doc).

    The last result is memoised: the Gopher filters and FineWeb filter run on
    the same text one after another, and splitting is their biggest cost.
    """
    global _last_split
    last_text, last_words = _last_split  # one read: safe if another thread replaces it
    if text is last_text or text == last_text:
        return last_words
    spaced = _NOT.sub(" ", text) if "n't" in text or "n’t" in text else text
    words = tuple(_TOKEN.findall(spaced))
    _last_split = (text, words)
    return words


def count_sentences(text: str) -> int:
    """Sentences in `text`, each non-blank line holding at least one: C4's unit (NLTK Punkt in FineWeb)."""
    lines = sum(1 for line in text.split("\n") if line and not line.isspace())
    return lines + len(_SENTENCE_END.findall(text))
