"""WARC/ARC/WET reading: every record is yielded once as a RawRecord or a Skip; damaged files end with a FileError."""

from __future__ import annotations

import gzip
import io
import zlib

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import shared_path
from curation.warc import FileError, RawRecord, Skip, dump_from_path, read_archive

HTML = b"<html><head><title>t</title></head><body><p>Hello world, this is a page.</p></body></html>"


def _warc(records: list[tuple], gz: bool = True) -> bytes:
    """records: (rec_type, url, payload, http headers list or None, extra warc headers dict)."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for rec_type, url, payload, http, extra in records:
        http_headers = StatusAndHeaders(http[0], http[1], protocol="HTTP/1.1") if http else None
        rec = writer.create_warc_record(url, rec_type, payload=io.BytesIO(payload), http_headers=http_headers,
                                        warc_headers_dict=extra or {})
        writer.write_record(rec)
    return buf.getvalue()


def _read(data: bytes, **kw) -> list:
    return list(read_archive(io.BytesIO(data), "mem.warc.gz", **kw))


def _html(url: str, body: bytes = HTML, headers=None, status="200 OK"):
    return ("response", url, body, (status, headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")]), None)


def test_kinds_of_record_are_each_accounted_once():
    data = _warc([
        ("warcinfo", "", b"software: test", None, None),
        ("request", "http://a.test/", b"", ("GET / HTTP/1.1", []), None),
        _html("http://a.test/"),
        _html("http://a.test/img", b"\x89PNG\r\n", [("Content-Type", "image/png")]),
        _html("http://a.test/missing", HTML, status="404 Not Found"),
        _html("http://a.test/sniffed", HTML, headers=[]),
        _html("http://a.test/notsniffed", b"just some bytes", headers=[]),
        ("metadata", "http://a.test/", b"fetchTimeMs: 1", None, None),
    ])
    items = _read(data)
    assert not any(isinstance(i, FileError) for i in items)
    raws = [i for i in items if isinstance(i, RawRecord)]
    skips = sorted(i.reason for i in items if isinstance(i, Skip))
    assert [r.url for r in raws] == ["http://a.test/", "http://a.test/sniffed"]
    assert skips == ["http_status", "not_html", "not_html", "not_response", "not_response", "not_response"]
    assert raws[0].http_charset == "utf-8" and raws[0].payload == HTML
    assert raws[0].id.startswith("<urn:uuid:")


def test_identified_payload_type_wins_over_http_header():
    rec = ("response", "http://a.test/", HTML, ("200 OK", [("Content-Type", "application/octet-stream")]),
           {"WARC-Identified-Payload-Type": "text/html"})
    assert isinstance(_read(_warc([rec]))[0], RawRecord)


def test_content_encodings_and_chunking_are_decoded():
    body_gz = gzip.compress(HTML, mtime=0)
    deflated = zlib.compress(HTML)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(HTML), HTML)
    data = _warc([
        _html("http://a.test/gz", body_gz, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
        _html("http://a.test/deflate", deflated, [("Content-Type", "text/html"), ("Content-Encoding", "deflate")]),
        _html("http://a.test/br", brotli.compress(HTML), [("Content-Type", "text/html"), ("Content-Encoding", "br")]),
        _html("http://a.test/chunked", chunked, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]),
    ])
    raws = _read(data)
    assert [type(r).__name__ for r in raws] == ["RawRecord"] * 4
    assert all(r.payload == HTML for r in raws)


def test_payload_cap_counts_too_large_without_reading_everything():
    big = b"<html><body>" + b"a" * 100_000 + b"</body></html>"
    items = _read(_warc([_html("http://a.test/big", big), _html("http://a.test/ok")]), max_bytes=10_000)
    assert isinstance(items[0], Skip) and (items[0].kind, items[0].reason) == ("error", "too_large")
    assert isinstance(items[1], RawRecord)


def test_gzip_bomb_is_capped():
    bomb = gzip.compress(b"<html>" + b"\0" * (50 << 20), mtime=0)  # 50 MB from ~50 KB
    items = _read(_warc([_html("http://a.test/bomb", bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])]),
                  max_bytes=1 << 20)
    assert [(i.kind, i.reason) for i in items] == [("error", "too_large")]


def test_uncompressed_and_whole_file_gzip_warcs():
    plain = _warc([_html("http://a.test/1"), _html("http://a.test/2")], gz=False)
    assert [type(i).__name__ for i in _read(plain)] == ["RawRecord", "RawRecord"]
    whole = gzip.compress(plain, mtime=0)  # one gzip member around the whole file
    items = _read(whole)
    assert isinstance(items[0], RawRecord)  # the first record is read; warcio may refuse the rest loudly
    assert all(isinstance(i, (RawRecord, FileError)) for i in items)


def test_truncated_file_keeps_earlier_records_and_reports_the_file():
    data = _warc([_html("http://a.test/1"), _html("http://a.test/2", HTML * 50)])
    items = _read(data[: len(data) - 200])
    assert isinstance(items[0], RawRecord)
    assert isinstance(items[-1], FileError)


def test_garbage_bytes_are_a_file_error_not_a_crash():
    items = _read(b"\x00\xffgarbage" * 100)
    assert len(items) == 1 and isinstance(items[0], FileError)
    # warcio reads trailing junk leniently (here as an ARC-style header line): it must still be accounted for.
    items = _read(_warc([_html("http://a.test/1")]) + b"junk after the last record" * 10)
    assert isinstance(items[0], RawRecord) and len(items) >= 2
    assert all(isinstance(i, (Skip, FileError)) for i in items[1:])


def _lying_length(data: bytes, url: str, extra: int) -> bytes:
    """`data` with the Content-Length of the record for `url` made `extra` bytes too long."""
    start = data.index(f"WARC-Target-URI: {url}\r\n".encode())
    at = data.index(b"Content-Length: ", start) + len(b"Content-Length: ")
    end = data.index(b"\r\n", at)
    return data[:at] + str(int(data[at:end]) + extra).encode() + data[end:]


def test_uncompressed_warc_resumes_after_a_lying_content_length():
    """The record it runs into is lost; every later one is read, and the file's one FileError says what was skipped."""
    urls = [f"http://a.test/{n}" for n in range(6)]
    data = _lying_length(_warc([_html(u) for u in urls], gz=False), urls[1], 40)
    items = _read(data)
    assert [i.url for i in items if isinstance(i, RawRecord)] == [urls[0], urls[1], urls[3], urls[4], urls[5]]
    assert isinstance(items[-1], FileError) and sum(isinstance(i, FileError) for i in items) == 1
    assert "skipped" in items[-1].message and "to the next WARC record" in items[-1].message

    twice = _lying_length(_lying_length(_warc([_html(u) for u in urls], gz=False), urls[1], 40), urls[3], 40)
    items = _read(twice)
    assert [i.url for i in items if isinstance(i, RawRecord)] == [urls[0], urls[1], urls[3], urls[5]]
    assert items[-1].message.endswith("2 times)")


def test_gzip_warc_does_not_resume_inside_a_member():
    urls = [f"http://a.test/{n}" for n in range(3)]
    plain = _lying_length(_warc([_html(u) for u in urls], gz=False), urls[0], 40)
    items = _read(gzip.compress(plain, mtime=0))
    assert isinstance(items[-1], FileError) and "skipped" not in items[-1].message


def test_wet_mode_takes_conversion_records():
    data = _warc([("conversion", "http://a.test/", "Plain text ünïcode.".encode(), None,
                   {"Content-Type": "text/plain"}), _html("http://a.test/")])
    items = _read(data, fmt="wet")
    assert isinstance(items[0], RawRecord) and items[0].is_text and items[0].payload.decode() == "Plain text ünïcode."
    assert (items[1].kind, items[1].reason) == ("dropped", "not_conversion")


def test_dump_from_common_crawl_paths():
    assert dump_from_path("s3://commoncrawl/crawl-data/CC-MAIN-2024-33/segments/1/warc/CC-MAIN-20240812-00001.warc.gz") == "CC-MAIN-2024-33"
    assert dump_from_path("sample_warcs/CC-MAIN-20240722120000-00000.warc.gz", "fallback") == "fallback"


def test_arc_records_get_deterministic_ids():
    path = shared_path("warcs", "aut", "example.arc.gz")

    def ids():
        with open(path, "rb") as f:
            return [i.id for i in read_archive(f, str(path)) if isinstance(i, RawRecord)]

    first = ids()
    assert len(first) > 50 and first == ids() and len(set(first)) == len(first)


def test_every_shared_archive_reads_without_raising():
    root = shared_path("warcs")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with open(path, "rb") as f:
            items = list(read_archive(f, str(path), fmt="wet" if ".wet" in path.name else "warc"))
        assert all(isinstance(i, (RawRecord, Skip, FileError)) for i in items)
        assert sum(isinstance(i, FileError) for i in items) <= 1


def test_a_wrong_content_length_writes_no_page_bytes_to_stderr(capsys):
    """warcio writes a warning with the bytes it found to stderr whenever a record is not followed by a blank line;
    the record is still read and counted, so nothing reaches the user's terminal."""
    path = shared_path("warcs", "warcio", "example-trunc.warc")
    with open(path, "rb") as f:
        items = list(read_archive(f, str(path)))
    assert items and capsys.readouterr().err == ""
