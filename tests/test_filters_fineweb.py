"""FineWeb quality filter: each check just inside and just outside its threshold, FineWeb-era comparisons."""

from filters.fineweb import FineWebFilter

F = FineWebFilter()


def line(i: int, n_words: int = 8, end: str = ".") -> str:
    """A distinct line of n_words 5-letter words."""
    ws = ["".join(chr(97 + (j * 7 + i * 13 + k) % 26) for k in range(5)) + chr(97 + i % 26) for j in range(n_words)]
    return f"L{i} " + " ".join(ws) + end


def test_plain_prose_is_kept():
    verdict = F("\n".join(line(i) for i in range(10)))
    assert verdict.keep and set(verdict.signals) == set(F.signal_names)


def test_line_punct_ratio_at_threshold_is_dropped():
    # 3 of 25 lines end in punctuation: 0.12 is dropped (<=), 4 of 25 kept
    def text(k):
        return "\n".join(line(i, end="." if i < k else "") for i in range(25))

    assert F(text(3)).reason == "fineweb:line_punct_ratio"
    assert F(text(3)).signals["fineweb_line_punct_ratio"] == 0.12
    assert F(text(4)).keep


def test_terminal_punctuation_is_the_fineweb_set():
    for end in [".", "'", '"', "!", "?"]:
        assert F("\n".join(line(i, end=end) for i in range(5))).keep
    for end in [";", "…", "。", ")"]:
        assert F("\n".join(line(i, end=end) for i in range(5))).reason == "fineweb:line_punct_ratio"


def test_line_punct_exclude_zero():
    text = "\n".join(line(i, end="") for i in range(5))
    assert FineWebFilter(line_punct_exclude_zero=True)(text).keep


def test_short_line_ratio_at_threshold_is_dropped():
    # 67 of 100 lines of <= 30 chars: 0.67 is dropped (>=), 66 kept
    def text(k):
        return "\n".join(line(i, n_words=3) if i < k else line(i) for i in range(100))

    assert len(line(0, n_words=3)) <= 30 < len(line(0))
    assert F(text(67)).reason == "fineweb:short_line_ratio"
    assert F(text(66)).keep


def test_empty_lines_count_as_lines():
    text = "\n\n".join(line(i) for i in range(3))  # 5 lines, 2 empty and short, 3 punctuated
    verdict = F(text)
    assert verdict.signals["fineweb_line_punct_ratio"] == 3 / 5
    assert verdict.signals["fineweb_short_line_ratio"] == 2 / 5


def test_char_dup_ratio_at_threshold_is_dropped():
    # a repeated line's characters over all non-newline characters: 1% is dropped (>=)
    repeated = "Same line."  # 10 chars
    body = [line(i) for i in range(12)]

    def text(total_chars):
        pad = total_chars - sum(map(len, body)) - 1 - 2 * len(repeated)
        return "\n".join([*body, "x" * pad + ".", repeated, repeated])

    assert len(text(1000).replace("\n", "")) == 1000
    assert F(text(1000)).reason == "fineweb:char_dup_ratio"
    assert F(text(1000)).signals["fineweb_char_dup_ratio"] == 0.01
    assert F(text(1001)).keep


def test_blank_lines_are_not_duplicates():
    assert F("\n\n\n".join(line(i) for i in range(4))).signals["fineweb_char_dup_ratio"] == 0


def test_newline_ratio():
    # 9 newlines over 30 tokens is 0.3 (kept); over 29 tokens it is above
    long_words = ["Supercalifragilisticwords", "Extraordinarilylongwordsx"]

    def text(short_line_words):
        lines = [f"{long_words[0]}{i} {long_words[1]}{i}." for i in range(10)]
        lines[0] = " ".join([f"{long_words[0]}0"] * (short_line_words - 1)) + "."
        return "\n".join(lines)

    assert F(text(3)).keep and F(text(3)).signals["fineweb_newline_ratio"] == 0.3
    assert F(text(2)).reason == "fineweb:list_ratio"


def test_thresholds_are_parameters():
    text = "\n".join(line(i, end="." if i < 3 else "") for i in range(25))
    assert FineWebFilter(line_punct_thr=0.1)(text).keep
    assert FineWebFilter(line_punct_thr=None)(text).keep
