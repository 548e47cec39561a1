"""C4 quality filter (Raffel et al. 2020) as FineWeb applied it (datatrove 0.2.0).

Works line by line and rewrites the text to the lines it keeps, joined by
"\\n". Each stripped line is checked in this order (datatrove's):
1. dropped if a whitespace-separated word is longer than `max_word_length`;
2. citation markers ("[1]", "[edit]", "[citation needed]") are removed;
3. (off in FineWeb) dropped unless it ends in terminal punctuation;
4. dropped if it has fewer than `min_words_per_line` words (counted before step 2);
5. "lorem ipsum" (any case) drops the whole document;
6. dropped if it mentions "javascript" (any case);
7. "{" drops the whole document;
8. dropped if it contains a cookie/terms/privacy phrase.
A document is then dropped if its kept lines hold fewer than
`min_num_sentences` sentences (`filters.words.count_sentences`).
Document-level checks therefore only see lines that survived steps 1-4, and a
line with both "javascript" and "{" is only dropped, as in datatrove.
"""

from __future__ import annotations

import re

from filters.base import Verdict
from filters.words import count_sentences

CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
ELLIPSIS = "..."
POLICY_PHRASES = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


class C4Filter:
    name = "c4"
    signal_names = (
        "c4_lines",
        "c4_kept_lines",
        "c4_long_word_lines",
        "c4_no_terminal_punct_lines",
        "c4_few_words_lines",
        "c4_javascript_lines",
        "c4_policy_lines",
        "c4_citations",
        "c4_sentences",
        "c4_lorem_ipsum",
        "c4_curly_bracket",
    )

    def __init__(
        self,
        remove_citations: bool = True,
        filter_no_terminal_punct: bool = False,
        min_num_sentences: int | None = 5,
        min_words_per_line: int | None = 3,
        max_word_length: int | None = 1000,
        filter_lorem_ipsum: bool = True,
        filter_javascript: bool = True,
        filter_curly_bracket: bool = True,
        filter_policy: bool = True,
    ):
        """Defaults are FineWeb's: C4's terminal-punctuation line filter off, the rest on."""
        self.remove_citations = remove_citations
        self.filter_no_terminal_punct = filter_no_terminal_punct
        self.min_num_sentences = min_num_sentences
        self.min_words_per_line = min_words_per_line
        self.max_word_length = max_word_length
        self.filter_lorem_ipsum = filter_lorem_ipsum
        self.filter_javascript = filter_javascript
        self.filter_curly_bracket = filter_curly_bracket
        self.filter_policy = filter_policy

    def thresholds(self) -> list[tuple[str, float | None, str]]:
        return [("c4_sentences", self.min_num_sentences, "<")]  # the other checks are on/off, or judge lines

    def __call__(self, text: str) -> Verdict:
        counts = dict.fromkeys(self.signal_names, 0)
        doc_reason: str | None = None  # the first document-level failure
        kept: list[str] = []
        for line in text.splitlines():
            counts["c4_lines"] += 1
            line = line.strip()
            words = line.split()
            limit = self.max_word_length
            if limit is not None and len(line) > limit and max(map(len, words)) > limit:
                counts["c4_long_word_lines"] += 1
                continue
            if self.remove_citations:
                line, n_citations = CITATION.subn("", line)
                counts["c4_citations"] += n_citations
            if self.filter_no_terminal_punct and (not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)):
                counts["c4_no_terminal_punct_lines"] += 1
                continue
            if self.min_words_per_line is not None and len(words) < self.min_words_per_line:
                counts["c4_few_words_lines"] += 1
                continue
            lower = line.lower()
            if self.filter_lorem_ipsum and "lorem ipsum" in lower:
                counts["c4_lorem_ipsum"] = 1
                doc_reason = doc_reason or "lorem_ipsum"
            if self.filter_javascript and "javascript" in lower:
                counts["c4_javascript_lines"] += 1
                continue
            if self.filter_curly_bracket and "{" in line:
                counts["c4_curly_bracket"] = 1
                doc_reason = doc_reason or "curly_bracket"
            if self.filter_policy and any(phrase in lower for phrase in POLICY_PHRASES):
                counts["c4_policy_lines"] += 1
                continue
            kept.append(line)
        new_text = "\n".join(kept)
        counts["c4_kept_lines"] = len(kept)
        counts["c4_sentences"] = count_sentences(new_text)
        signals = {name: float(value) for name, value in counts.items()}
        min_sentences = self.min_num_sentences
        if doc_reason is None and min_sentences is not None and counts["c4_sentences"] < min_sentences:
            doc_reason = "too_few_sentences"
        if doc_reason is not None:
            return Verdict(False, f"{self.name}:{doc_reason}", signals)
        new_text = new_text.strip()
        return Verdict(True, None, signals, None if new_text == text else new_text)
