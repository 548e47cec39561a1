"""A cheap language pre-check that lets most off-language pages skip extraction.

Most pages of a crawl are not in the target language, and trafilatura is the
most expensive step (~15 ms per page here). The text of a page's first `<p>`
elements (about 4,000 characters of markup) is usually enough for fastText to
be sure of the language, at ~1.2 ms per page; a page with little `<p>` text
falls back to its visible text (outside script, style, head...). A page is
rejected only when that rough text is long enough, its top language is
confidently another one, and every wanted language is nearly impossible;
anything uncertain goes through the full extraction path.
`bench/lang_precheck.py` measures its false negatives against the full path.

Both scans are linear in the page size: a lazy regex such as `<p>(.*?)</p>`
rescans the rest of the page for every unclosed `<p>`, which a hostile page
turns into minutes.
"""

from __future__ import annotations

import html as htmlmod
import re

from curation.langid import LanguageIdentifier

_P_OPEN = re.compile(r"<p\b", re.I)
_P_CLOSE = re.compile(r"</p\s*>", re.I)
_HIDDEN = ("script", "style", "noscript", "template", "svg", "head")
_HIDDEN_OPEN = re.compile(r"<(" + "|".join(_HIDDEN) + r")\b", re.I)
_HIDDEN_CLOSE = {name: re.compile(rf"</{name}\s*>", re.I) for name in _HIDDEN}
_TAG = re.compile(r"<[^<>]*>")  # not <[^>]+>: that rescans to the end of the text for every stray "<"
_SPACE = re.compile(r"\s+")
_LABEL = "__label__"


def _text(markup: str) -> str:
    return _SPACE.sub(" ", htmlmod.unescape(_TAG.sub(" ", markup))).strip()


def paragraph_text(html: str, max_chars: int = 4_000) -> str:
    """The text of the page's first <p> elements (up to `max_chars` of markup), tags stripped, entities decoded."""
    parts, total, pos = [], 0, 0
    while total < max_chars:
        opening = _P_OPEN.search(html, pos)
        if opening is None:
            break
        start = html.find(">", opening.end())
        closing = _P_CLOSE.search(html, start + 1) if start >= 0 else None
        if closing is None:  # no closing tag after this one: none after any later one either
            break
        parts.append(html[start + 1 : closing.start()])
        total += len(parts[-1])
        pos = closing.end()
    return _text(_drop_cut_tag(" ".join(parts)[:max_chars]))


def _drop_cut_tag(markup: str) -> str:
    """Markup cut at `max_chars` may end inside a tag (an inline <svg path d="...">): its attributes are not text."""
    cut = markup.rfind("<")
    return markup[:cut] if cut > markup.rfind(">") else markup


def visible_text(html: str, max_chars: int = 4_000, max_markup: int = 256 << 10) -> str:
    """Up to `max_chars` of the text outside script/style/noscript/template/svg/head, from the first `max_markup` characters."""
    html = html[:max_markup]
    parts, pos = [], 0
    while True:
        hidden = _HIDDEN_OPEN.search(html, pos)
        parts.append(html[pos : hidden.start() if hidden else len(html)])
        if hidden is None:
            break
        closing = _HIDDEN_CLOSE[hidden.group(1).lower()].search(html, hidden.end())
        if closing is None:  # unclosed: the rest of the page is inside it
            break
        pos = closing.end()
    return _text(" ".join(parts))[:max_chars]


class LanguagePrecheck:
    def __init__(
        self,
        lid: LanguageIdentifier,
        languages: frozenset[str],
        *,
        max_wanted_prob: float = 0.03,
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
            text = visible_text(html)
        if len(text) < self.min_chars:
            return False
        labels, probs = self.lid.model.predict(text, k=self.top_k)
        scores = {label[len(_LABEL):]: float(p) for label, p in zip(labels, probs)}
        top = labels[0][len(_LABEL):] if labels else ""
        wanted = sum(scores.get(lang, 0.0) for lang in self.languages)
        return top not in self.languages and scores.get(top, 0.0) >= self.min_top_prob and wanted < self.max_wanted_prob
