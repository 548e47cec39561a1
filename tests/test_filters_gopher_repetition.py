"""Gopher repetition: each check just inside and just outside its FineWeb threshold."""

import math

import pytest

from filters.gopher_repetition import DUP_N_GRAMS, TOP_N_GRAMS, GopherRepetitionFilter

OFF = dict(
    dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None, dup_para_char_frac=None,
    top_n_grams=tuple((n, None) for n, _ in TOP_N_GRAMS), dup_n_grams=tuple((n, None) for n, _ in DUP_N_GRAMS),
)


def word(i: int) -> str:
    """A distinct 4-letter word for each i < 26**3."""
    return "q" + "".join(chr(97 + (i // 26**k) % 26) for k in range(3))


def filler(length: int, start: int = 0) -> str:
    """Distinct words, exactly `length` characters (the last word is cut or padded)."""
    out, i = "", start
    while len(out) < length:
        out += word(i) + " "
        i += 1
    return out[:length - 1].rstrip() + "z" * (length - len(out[:length - 1].rstrip()))


def only(**thresholds) -> GopherRepetitionFilter:
    return GopherRepetitionFilter(**{**OFF, **thresholds})


def test_filler_is_exact_and_unrepetitive():
    text = filler(500)
    assert len(text) == 500
    assert all(v == 0 for k, v in GopherRepetitionFilter()(text).signals.items() if "dup" in k)


def test_dup_para_frac():
    paragraphs = [filler(30, 10 * i) for i in range(10)]
    keep = "\n\n".join(paragraphs[:7] + [paragraphs[0]] * 3)
    drop = "\n\n".join(paragraphs[:6] + [paragraphs[0]] * 4)
    f = only(dup_para_frac=0.3)
    assert f(keep).keep and f(keep).signals["gopher_repetition_dup_para_frac"] == 0.3
    assert f(drop).reason == "gopher_repetition:dup_para_frac"


@pytest.mark.parametrize("sep, name", [("\n\n", "para"), ("\n", "line")])
def test_dup_char_frac(sep, name):
    # a repeated 40-char block over len(text) = 80 + len(other) + 2 * len(sep): 0.2 exactly, then just above
    block = filler(40)
    f = only(**{f"dup_{name}_char_frac": 0.2})
    keep = sep.join([block, filler(200 - 80 - 2 * len(sep), 50), block])
    drop = sep.join([block, filler(199 - 80 - 2 * len(sep), 50), block])
    assert len(keep) == 200 and f(keep).keep
    assert f(keep).signals[f"gopher_repetition_dup_{name}_char_frac"] == 0.2
    assert f(drop).reason == f"gopher_repetition:dup_{name}_char_frac"


def test_dup_line_frac():
    lines = [filler(30, 10 * i) for i in range(10)]
    f = only(dup_line_frac=0.3)
    assert f("\n".join(lines[:7] + [lines[1]] * 3)).keep
    assert f("\n".join(lines[:6] + [lines[1]] * 4)).reason == "gopher_repetition:dup_line_frac"


def test_line_checks_see_empty_lines_as_lines():
    # FineWeb (datatrove 0.2.0) splits with str.splitlines(): blank lines are (duplicate) lines
    f = only(dup_line_frac=0.3)
    verdict = f("\n\n".join(filler(30, 10 * i) for i in range(3)))  # 5 lines, 2 empty, 1 of them a repeat
    assert verdict.signals["gopher_repetition_dup_line_frac"] == pytest.approx(1 / 5)


@pytest.mark.parametrize("n, threshold", TOP_N_GRAMS)
def test_top_n_gram(n, threshold):
    # "aa bb .. aa bb .." k times: the n-gram of n 2-letter words covers k * (3n - 1) chars
    gram = " ".join(["aa", "bb", "cc", "dd"][:n]) + " "
    k = 6
    covered = k * (3 * n - 1)
    length = math.ceil(covered / threshold)
    f = only(top_n_grams=((n, threshold),))
    keep = (gram * k + filler(length - k * len(gram), 100))
    drop = (gram * k + filler(length - 1 - k * len(gram), 100))
    assert len(keep) == length
    assert f(keep).keep and f(keep).signals[f"gopher_repetition_top_{n}_gram_char_frac"] == covered / length
    assert f(drop).reason == f"gopher_repetition:top_{n}_gram"


@pytest.mark.parametrize("n, threshold", DUP_N_GRAMS)
def test_duplicated_n_grams(n, threshold):
    # a phrase of n 4-letter words, twice: the second copy repeats 4n characters (joined without spaces)
    phrase = " ".join(word(i) for i in range(n))
    length = math.ceil(4 * n / threshold)
    f = only(dup_n_grams=((n, threshold),))

    def text(total):
        return f"{phrase} {phrase} " + filler(total - 2 * len(phrase) - 2, 100)

    assert len(text(length)) == length
    assert f(text(length)).keep
    assert f(text(length)).signals[f"gopher_repetition_dup_{n}_gram_char_frac"] == 4 * n / length
    assert f(text(length - 1)).reason == f"gopher_repetition:duplicated_{n}_n_grams"


def test_overlapping_repeats_count_once_like_datatrove():
    # "a b a b a b a b a b": 5-gram walk finds the first repeat at word 2, jumps 5 words, stops.
    f = GopherRepetitionFilter()
    text = " ".join(["qa", "qb"] * 5)
    assert f(text).signals["gopher_repetition_dup_5_gram_char_frac"] == 10 / len(text)


def test_defaults_and_reason_order():
    f = GopherRepetitionFilter()
    repeated = "\n\n".join([filler(40)] * 5)
    assert f(repeated).reason == "gopher_repetition:dup_para_frac"  # first check wins
    assert f("").reason == "gopher_repetition:empty"
    assert f(filler(300)).keep
    assert set(f(repeated).signals) == set(f.signal_names) == set(f(filler(300)).signals)
