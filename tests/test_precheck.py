"""The language pre-check rejects only pages confidently in another language; anything doubtful goes on to extraction."""

from __future__ import annotations

import pytest

from curation.langid import LanguageIdentifier
from curation.precheck import LanguagePrecheck, paragraph_text

EN = "The council met on Tuesday evening to discuss the new library, which will open next spring near the river."
DE = "Der Gemeinderat traf sich am Dienstagabend, um über die neue Bibliothek zu sprechen, die im Frühjahr eröffnet wird."


def page(paragraph: str, nav: str = "", repeat: int = 4) -> str:
    body = "".join(f"<p class='x'>{paragraph} &amp; more.</p>\n" for _ in range(repeat))
    return f"<html><head><title>t</title><script>var p = '<p>x</p>';</script></head><body><nav>{nav}</nav>{body}</body></html>"


@pytest.fixture(scope="module")
def precheck() -> LanguagePrecheck:
    return LanguagePrecheck(LanguageIdentifier(), frozenset({"en"}))


def test_paragraph_text_strips_tags_and_entities():
    text = paragraph_text("<div><p>One <b>bold</b> &amp; two</p><li>nav</li><P>Three</P></div>")
    assert text == "One bold & two Three"


def test_wanted_language_passes(precheck):
    assert not precheck.rejects(page(EN))


def test_confidently_other_language_is_rejected(precheck):
    assert precheck.rejects(page(DE))


def test_too_little_text_is_never_rejected(precheck):
    assert not precheck.rejects(page(DE, repeat=1))
    assert not precheck.rejects("<html><body><div>" + DE * 5 + "</div></body></html>")  # no <p> at all


def test_mixed_page_goes_to_full_extraction(precheck):
    assert not precheck.rejects(page(EN + " " + DE, repeat=3))


def test_any_of_several_wanted_languages_passes():
    both = LanguagePrecheck(LanguageIdentifier(), frozenset({"en", "de"}))
    assert not both.rejects(page(DE))
