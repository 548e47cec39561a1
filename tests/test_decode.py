"""Charset decoding: declared charsets first, lies fall through, binary is refused, nothing raises on bad bytes."""

from __future__ import annotations

import codecs

import pytest

from curation.decode import NotText, decode_html

TEXT = "Zwei Bücher über Straßen, café, naïve “Anführungszeichen” und 10 €."


def test_http_charset():
    assert decode_html(TEXT.encode("cp1252"), "windows-1252") == (TEXT, "cp1252")


def test_meta_charset_when_header_is_silent():
    html = f'<html><head><meta charset="windows-1252"></head><body>{TEXT}</body></html>'
    text, encoding = decode_html(html.encode("cp1252"))
    assert TEXT in text and encoding == "cp1252"


def test_latin1_label_means_windows_1252_as_in_browsers():
    text, _ = decode_html("“quoted”".encode("cp1252"), "iso-8859-1")
    assert text == "“quoted”"


def test_header_that_lies_falls_through_to_detection():
    text, encoding = decode_html(TEXT.encode("cp1252"), "utf-8")
    assert text == TEXT and encoding == "cp1252"


def test_bom_without_declaration():
    assert decode_html(codecs.BOM_UTF8 + "héllo".encode()) == ("héllo", "utf-8")


def test_shift_jis_and_cp1251():
    ja = "日本語のテキストです。これは文字コードのテストです。"
    assert decode_html(ja.encode("shift_jis"), "shift_jis")[0] == ja
    ru = "Привет, как дела? Это тестовая страница на русском языке."
    assert decode_html(ru.encode("cp1251"), "windows-1251")[0] == ru
    assert decode_html(ru.encode("koi8-r"), "koi8-r")[0] == ru


def test_unknown_label_is_ignored():
    assert decode_html("plain ascii".encode(), "x-no-such-charset")[0] == "plain ascii"


def test_binary_is_not_text():
    with pytest.raises(NotText):
        decode_html(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "utf-8")


@pytest.mark.parametrize("junk", [b"\xff\xfe\xfd" * 100, "日本語".encode("euc-jp") * 30, b"\xc3\x28\xa0\xa1" * 50])
def test_bad_bytes_never_raise(junk):
    text, _ = decode_html(junk, "utf-8")
    assert isinstance(text, str) and text
