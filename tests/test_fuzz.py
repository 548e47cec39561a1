"""Fuzzing the three entry points that see untrusted bytes: the WARC reader, the charset decoder and the
extraction sandbox. None may raise anything but its documented errors. The budget is small and fixed
(hypothesis' `derandomize`), so CI runs the same examples every time in a few seconds."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.decode import NotText, decode_html
from curation.extract import ExtractCrash, ExtractTimeout, Extractor
from curation.warc import FileError, RawRecord, Skip, read_archive
from hostile_corpus import gz, http, page, prose, record, response

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

_VALID = [
    response("http://fuzz.test/0", page(1)) + response("http://fuzz.test/1", page(2), headers=(b"Content-Encoding: gzip",)),
    record(http(page(3).encode()), "http://fuzz.test/2") + record(b"", "http://fuzz.test/3", rec_type="request"),
    gz(record(http(b"%x\r\n<p>chunk</p>\r\n0\r\n\r\n" % 12, headers=(b"Transfer-Encoding: chunked",)), "http://fuzz.test/4")),
]


def _check_reader(data: bytes) -> None:
    items = list(read_archive(io.BytesIO(data), "fuzz.warc.gz", max_bytes=1 << 16))
    assert all(isinstance(i, (RawRecord, Skip)) for i in items[:-1])
    assert not items or isinstance(items[-1], (RawRecord, Skip, FileError))
    for i in items:
        if isinstance(i, RawRecord):
            assert isinstance(i.payload, bytes) and len(i.payload) <= 1 << 16
        elif isinstance(i, Skip):
            assert i.kind in ("dropped", "error") and i.reason


@FUZZ
@given(st.binary(max_size=4096))
def test_reader_on_arbitrary_bytes(data):
    _check_reader(data)


@FUZZ
@given(st.sampled_from(_VALID), st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=0, max_size=8), st.integers(0, 16)), max_size=4),
       st.integers(0, 1 << 16))
def test_reader_on_damaged_archives(valid, edits, cut):
    """Valid archives with bytes replaced, inserted or removed, and cut short at any point."""
    data = bytearray(valid)
    for at, insert, remove in edits:
        at %= len(data) + 1
        data[at:at + remove] = insert
    _check_reader(bytes(data[: len(data) - cut % (len(data) + 1)]))


_LABELS = st.sampled_from([None, "utf-8", "latin-1", "shift_jis", "utf-16", "x-klingon", "", "koi8-r", "gb2312", "\x00"])


@FUZZ
@given(st.binary(max_size=2048) | st.text(max_size=512).map(lambda t: t.encode("utf-8", "surrogatepass")), _LABELS)
def test_decoder_returns_text_or_says_binary(payload, label):
    try:
        text, encoding = decode_html(payload, label)
    except NotText:
        return
    assert isinstance(text, str) and encoding


@pytest.fixture(scope="module")
def extractor():
    with Extractor(timeout=20) as ex:
        yield ex


_TAGS = st.sampled_from(["div", "p", "table", "td", "script", "style", "article", "a", "svg", "math", "template", "!--", "![CDATA["])
_HTMLISH = st.recursive(
    st.text(max_size=40),
    lambda inner: st.tuples(_TAGS, st.lists(inner, max_size=4), st.booleans()).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}" + (f"</{t[0]}>" if t[2] else "")),
    max_leaves=30,
)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_HTMLISH | st.text(max_size=300))
def test_extractor_returns_text_none_or_a_named_error(extractor, html):
    try:
        text = extractor(html)
    except (ExtractTimeout, ExtractCrash):
        return
    assert text is None or isinstance(text, str)


def test_extractor_still_works_after_fuzzing(extractor):
    assert prose_start(4) in extractor(page(4))


def prose_start(seed: int) -> str:
    return prose(seed)[0][:40]
