"""Gopher quality: each check just inside and just outside its FineWeb threshold."""

import pytest

from filters.gopher_quality import GopherQualityFilter


def words(n: int, length: int = 4, start: int = 0) -> list[str]:
    """n distinct lowercase words of `length` letters (none of them a stop word)."""
    out = []
    for i in range(start, start + n):
        w = "".join(chr(97 + (i // 26**k) % 26) for k in range(5))
        out.append(("x" + w * 3)[:length])
    return out


def prose(n_words: int, **kw) -> str:
    """n_words words including the two stop words 'the' and 'and'."""
    return " ".join(["the", "and", *words(n_words - 2, **kw)])


F = GopherQualityFilter()


def test_prose_passes_and_signals_are_complete():
    verdict = F(prose(60))
    assert verdict.keep and verdict.reason is None
    assert set(verdict.signals) == set(F.signal_names)
    assert verdict.signals["gopher_quality_words"] == 60


def test_min_words():
    assert F(prose(50)).keep
    assert F(prose(49)).reason == "gopher_quality:short_doc"


def test_punctuation_is_not_a_word():
    assert F(prose(49) + " . , ; !").reason == "gopher_quality:short_doc"


def test_max_words():
    assert F(prose(100_000)).keep
    assert F(prose(100_001)).reason == "gopher_quality:long_doc"


def test_mean_word_length_min():
    three = prose(60, length=3)
    assert F(three).signals["gopher_quality_mean_word_length"] == 3 and F(three).keep
    shorter = three.rsplit(" ", 1)[0] + " xy"
    assert F(shorter).reason == "gopher_quality:below_avg_word_length"


def test_mean_word_length_max():
    # "the" + "and" (6 chars) + 14 words of 11 + 36 words of 10 = 520 chars over 52 words: exactly 10
    base = ["the", "and", *words(14, length=11), *words(36, length=10, start=100)]
    assert F(" ".join(base)).signals["gopher_quality_mean_word_length"] == 10 and F(" ".join(base)).keep
    longer = base[:-1] + [base[-1] + "q"]
    assert F(" ".join(longer)).reason == "gopher_quality:above_avg_word_length"


@pytest.mark.parametrize(
    "symbol, reason", [("#", "too_many_hashes"), ("...", "too_many_ellipsis"), ("…", "too_many_ellipsis")]
)
def test_symbol_to_word_ratio(symbol, reason):
    # each symbol is one token: 10 of them among 100 tokens is 0.1 (kept), 11 among 101 is above
    ws = prose(90).split()

    def text(k):
        return " ".join(f"{w} {symbol}" if i < k else w for i, w in enumerate(ws)) + " end"

    assert F(text(10)).keep
    assert F(text(11)).reason == f"gopher_quality:{reason}"


@pytest.mark.parametrize("bullet", ["•", "-"])
def test_bullet_lines(bullet):
    lines = [" ".join(words(8, start=10 * i)) for i in range(10)]
    lines[0] = "the and " + lines[0]

    def text(k):
        return "\n".join(f"  {bullet} {line}" if i < k else line for i, line in enumerate(lines))

    assert F(text(9)).keep
    assert F(text(10)).reason == "gopher_quality:too_many_bullets"


def test_ellipsis_lines():
    lines = [" ".join(words(8, start=10 * i)) for i in range(10)]
    lines[0] = "the and " + lines[0]

    def text(k):
        return "\n".join(line + " ...  " if i < k else line for i, line in enumerate(lines))

    assert F(text(3)).keep
    assert F(text(4)).reason == "gopher_quality:too_many_end_ellipsis"


def test_alpha_words_ratio():
    # 80 words with letters, 20 numbers: 0.8 kept; 21 numbers: below
    ws = prose(80).split()
    assert F(" ".join(ws + ["123"] * 20)).keep
    assert F(" ".join(ws + ["123"] * 21)).reason == "gopher_quality:below_alpha_threshold"


def test_stop_words_counted_as_case_sensitive_occurrences():
    body = " ".join(words(60))
    assert F("the " + body).reason == "gopher_quality:not_enough_stop_words"
    assert F("the the " + body).keep  # FineWeb counts occurrences, not distinct words
    assert F("The THE " + body).reason == "gopher_quality:not_enough_stop_words"
    assert F("to of " + body).keep


def test_thresholds_are_parameters():
    strict = GopherQualityFilter(min_doc_words=100, min_stop_words=None)
    assert strict(prose(60)).reason == "gopher_quality:short_doc"
    assert GopherQualityFilter(min_stop_words=None)(" ".join(words(60))).keep


def test_empty_text():
    verdict = F("")
    assert verdict.reason == "gopher_quality:short_doc"
    assert all(v == 0 for v in verdict.signals.values())
