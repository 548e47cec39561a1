"""The language pre-check rejects only pages confidently in another language; anything doubtful goes on to extraction."""

from __future__ import annotations

import pytest

from curation.langid import LanguageIdentifier
from curation.precheck import LanguagePrecheck, paragraph_text, visible_text

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


def test_paragraph_text_stops_at_about_max_chars_of_markup():
    assert len(paragraph_text("<p>" + "word " * 10_000 + "</p>", max_chars=1_000)) <= 1_000


def test_a_tag_cut_at_max_chars_is_not_read_as_text():
    # tageswoche.ch: an inline SVG logo in the first <p>, cut inside its path data, read as English
    svg = '<p><svg><path d="' + "M74.8,12.3 L80.1,15.2 " * 300 + '"/></svg> Der Text.</p>'
    assert paragraph_text(svg, max_chars=1_000) == ""
    assert paragraph_text("<p>a <b>b</b> c</p>", max_chars=9) == "a b"


def test_visible_text_skips_scripts_styles_and_head():
    html = ("<html><head><title>Title</title><style>p {color: red}</style></head><body>Body <SCRIPT>var x = 1;"
            "</script >text<svg><text>drawn</text></svg> &amp; more<noscript>enable js</noscript></body></html>")
    assert visible_text(html) == "Body text & more"
    assert visible_text("<body>kept<script>unclosed never ends") == "kept"


@pytest.mark.parametrize("html", ["<p>x " * 200_000, "<p" * 500_000, "<p>" + "<" * 1_000_000 + "</p>",
                                  "<script>" * 200_000, "</p>" * 300_000 + "<p>" * 300_000])
def test_hostile_markup_is_scanned_in_linear_time(precheck, html):
    """Each of these took minutes with lazy `<p>(.*?)</p>`-style regexes (quadratic); linear scans finish at once."""
    precheck.rejects(html)
    paragraph_text(html)
    visible_text(html)


def test_too_little_text_is_never_rejected(precheck):
    assert not precheck.rejects(page(DE, repeat=1))
    assert not precheck.rejects("<html><body><div>" + DE + "</div></body></html>")  # no <p>, little text


def test_a_page_without_paragraphs_is_judged_on_its_visible_text(precheck):
    assert precheck.rejects("<html><body><div>" + DE * 5 + "</div><script>" + EN * 20 + "</script></body></html>")
    assert not precheck.rejects("<html><body><div>" + EN * 5 + "</div><script>" + DE * 20 + "</script></body></html>")


def test_mixed_page_goes_to_full_extraction(precheck):
    assert not precheck.rejects(page(EN + " " + DE, repeat=3))


def test_any_of_several_wanted_languages_passes():
    both = LanguagePrecheck(LanguageIdentifier(), frozenset({"en", "de"}))
    assert not both.rejects(page(DE))
