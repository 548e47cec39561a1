"""A cheap language pre-check that lets most off-language pages skip extraction.

Most pages of a crawl are not in the target language, and trafilatura is the
most expensive step (~25 ms per page here). The text of a page's first `<p>`
elements (about 4,000 characters of markup), pulled out with one regex, is
usually enough for fastText to be sure of the language: ~1.5 ms per page. A page is rejected only when that rough text is long enough, its
top language is confidently another one, and every wanted language is nearly
impossible; anything uncertain goes through the full extraction path.
`bench/lang_precheck.py` measures its false negatives against the full path.
"""

from __future__ import annotations

import html as htmlmod
import re

from curation.langid import LanguageIdentifier

_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_LABEL = "__label__"


def paragraph_text(html: str, max_chars: int = 4_000) -> str:
    """The text of the page's <p> elements, tags stripped, entities decoded, whitespace collapsed."""
    parts, total = [], 0
    for m in _PARAGRAPH.finditer(html):
        parts.append(m.group(1))
        total += len(m.group(1))
        if total > max_chars:
            break
    return _SPACE.sub(" ", htmlmod.unescape(_TAG.sub(" ", " ".join(parts)))).strip()


class LanguagePrecheck:
    def __init__(
        self,
        lid: LanguageIdentifier,
        languages: frozenset[str],
        *,
        max_wanted_prob: float = 0.01,
        min_top_prob: float = 0.5,
        min_chars: int = 200,
        top_k: int = 5,
    ):
        self.lid, self.languages = lid, languages
        self.max_wanted_prob, self.min_top_prob, self.min_chars, self.top_k = max_wanted_prob, min_top_prob, min_chars, top_k

    def rejects(self, html: str) -> bool:
        """True when the page is confidently in none of the wanted languages."""
        text = paragraph_text(html)
        if len(text) < self.min_chars:
            return False
        labels, probs = self.lid.model.predict(text, k=self.top_k)
        scores = {label[len(_LABEL):]: float(p) for label, p in zip(labels, probs)}
        top = labels[0][len(_LABEL):] if labels else ""
        wanted = sum(scores.get(lang, 0.0) for lang in self.languages)
        return top not in self.languages and scores.get(top, 0.0) >= self.min_top_prob and wanted < self.max_wanted_prob
