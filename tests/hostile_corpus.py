"""A corpus of hostile archives, generated on demand (never committed): each file is one way the web or a
broken crawl can hurt a reader, with the outcome the pipeline must reach.

`CASES` builds one archive per `Case`. A case states what `read_archive` yields for each record it reads
(`Raw` for a record that goes on to extraction, with what extraction must make of it; else the
(kind, reason) of its Skip) and whether the file ends in a FileError. Bombs are built from one repeated
compressed block, so a 1 GB one is a few hundred KB and a second to make (the checksum pass); the whole
corpus is about 9 MB.
"""

from __future__ import annotations

import gzip
import random
import struct
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import brotli

NAMESPACE = uuid.UUID("0b7e3c52-9f1d-4e0a-8c55-6d2f41a9e317")
DATE = "2024-07-22T12:00:00Z"
HTML = "text/html; charset=utf-8"
EXTRACT_TIMEOUT = 3.0  # the slow page needs over a minute; normal pages take milliseconds
MIB = 1 << 20
GIB = 1 << 30

_SUBJECTS = ["the farmer", "our teacher", "a young engineer", "the old captain", "my neighbour", "the baker",
             "a quiet student", "the mayor", "her brother", "the night nurse", "a travelling painter", "the pilot"]
_VERBS = ["carried", "repaired", "described", "painted", "discovered", "measured", "borrowed", "cleaned",
          "photographed", "counted", "studied", "remembered"]
_OBJECTS = ["the wooden bridge", "a broken clock", "the river valley", "an old map", "the station roof",
            "a basket of apples", "the harbour wall", "a letter from home", "the village well", "a red bicycle"]
_ENDINGS = ["before the storm arrived", "with great care", "after a long winter", "for the whole town",
            "while the children watched", "on a cold morning", "and then went home", "without any help"]


def prose(seed: int, n: int = 24) -> list[str]:
    """English sentences, different for every seed, so pages are neither filtered nor near duplicates."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_ENDINGS)}"
        out.append(f"{s[0].upper()}{s[1:]}, and {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} "
                   f"{rng.choice(_OBJECTS)} {rng.randrange(2, 999)} times.")
    return out


def page(seed: int, words: str = "") -> str:
    """An article page; `words` (say, non-ASCII ones) open its first paragraph, to check decoding."""
    sentences = prose(seed)
    paras = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    paras[0] = f"{words} {paras[0]}".strip()
    body = "".join(f"<p>{p}</p>\n" for p in paras)
    return f"<html><head><title>Story {seed}</title></head><body><article><h1>Story {seed}</h1>\n{body}</article></body></html>"


def http(body: bytes, content_type: str | None = HTML, *, status_line: bytes = b"HTTP/1.1 200 OK",
         headers: tuple[bytes, ...] = ()) -> bytes:
    lines = [status_line] + ([f"Content-Type: {content_type}".encode()] if content_type else []) + list(headers)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def warc_head(url: str, length: int | str, *, rec_type: str = "response", record_id: str | None = None) -> bytes:
    rid = record_id or f"<urn:uuid:{uuid.uuid5(NAMESPACE, f'{url}|{rec_type}|{length}')}>"
    ctype = "application/http; msgtype=response" if rec_type == "response" else "application/octet-stream"
    return (f"WARC/1.0\r\nWARC-Type: {rec_type}\r\nWARC-Target-URI: {url}\r\nWARC-Date: {DATE}\r\n"
            f"WARC-Record-ID: {rid}\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n\r\n").encode("utf-8")


def record(block: bytes, url: str, *, content_length: int | str | None = None, **kw) -> bytes:
    """One uncompressed WARC record; `content_length` may lie."""
    return warc_head(url, len(block) if content_length is None else content_length, **kw) + block + b"\r\n\r\n"


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)


def response(url: str, html: str | bytes, content_type: str | None = HTML, *, record_id: str | None = None, **kw) -> bytes:
    """A per-record gzip member holding an HTTP response."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    return gz(record(http(body, content_type, **kw), url, record_id=record_id))


# ---------------------------------------------------------------- bombs


def _repeatable(block: bytes) -> tuple[bytes, bytes]:
    """(first, again): raw deflate of `block`, full-flushed. A full flush makes the compressor forget its
    window, so every further copy of `block` compresses to `again`: n copies are `first + again * (n - 1)`."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(block) + c.flush(zlib.Z_FULL_FLUSH), c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)


def gzip_member(head: bytes, block: bytes, repeats: int, tail: bytes = b"") -> bytes:
    """A valid gzip member of head + block * repeats + tail; the crc32 pass is the only costly part."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first, again = _repeatable(block)
    stream = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH) + first + again * (repeats - 1)
    stream += c.compress(tail) + c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    total = len(head) + len(block) * repeats + len(tail)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + stream
            + struct.pack("<II", zlib.crc32(tail, crc), total & 0xFFFFFFFF))


def gzip_bomb(size: int) -> bytes:
    """HTTP `gzip` of `size` spaces (a multiple of 1 MB)."""
    return gzip_member(b"", b" " * MIB, size // MIB)


def deflate_bomb(size: int) -> bytes:
    """HTTP `deflate` (a zlib stream) of `size` spaces; adler32 of a run of one byte has a closed form."""
    first, again = _repeatable(b" " * MIB)
    stream = first + again * (size // MIB - 1) + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    a = (1 + 32 * size) % 65521
    b = (size + 32 * (size * (size + 1) // 2)) % 65521
    return b"\x78\xda" + stream + struct.pack(">I", (b << 16) | a)


def brotli_bomb(size: int) -> bytes:
    """Brotli of `size` spaces: after the first two, every flushed 1 MB block encodes to the same bytes."""
    c = brotli.Compressor(quality=1)
    block = b" " * MIB
    parts = [c.process(block) + c.flush() for _ in range(3)]
    return parts[0] + parts[1] + parts[2] * (size // MIB - 2) + c.finish()


def record_bomb(url: str, size: int) -> bytes:
    """A per-record gzip member whose WARC record carries `size` bytes of HTML: the record itself is the bomb."""
    prefix = http(b"<html><body><p>", HTML)
    tail = b"</p></body></html>"
    head = warc_head(url, len(prefix) + size + len(tail)) + prefix
    return gzip_member(head, b"x" * MIB, size // MIB, tail + b"\r\n\r\n")


def header_bomb(url: str, size: int) -> bytes:
    """A response whose HTTP headers run on for about `size` bytes: one header folded over 16 KB continuation lines."""
    fold = (b" " + b"w" * (1 << 14) + b"\r\n") * 64
    status = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Folded: start\r\n"
    body = b"\r\n" + page(0).encode()
    repeats = size // len(fold)
    head = warc_head(url, len(status) + len(fold) * repeats + len(body)) + status
    return gzip_member(head, fold, repeats, body + b"\r\n\r\n")


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Raw:
    """A record that reaches extraction. `outcome` None: its text goes on to the filters, and contains `contains`."""

    url: str
    outcome: tuple[str, str] | None = None
    contains: str = ""


@dataclass(frozen=True)
class Case:
    name: str  # the file name
    build: Callable[[], bytes]
    reads: tuple[Raw | tuple[str, str], ...]
    file_error: bool = False


def _url(case: str, n: int = 0) -> str:
    return f"http://{case.replace('_', '-')}.test/page/{n}"


def _pages(case: str, *numbers: int) -> bytes:
    return b"".join(response(_url(case, n), page(zlib.crc32(f"{case}|{n}".encode()))) for n in numbers)


def _good(case: str, *numbers: int) -> tuple[Raw, ...]:
    return tuple(Raw(_url(case, n)) for n in numbers)


def _truncated_gzip() -> bytes:
    last = response(_url("truncated", 2), page(2))
    return _pages("truncated", 0, 1) + last[: len(last) // 2]


def _garbage() -> bytes:
    return random.Random(7).randbytes(1 << 16)


def _garbage_after_gzip_magic() -> bytes:
    return b"\x1f\x8b\x08\x00" + random.Random(8).randbytes(1 << 14)


def _junk_after_records() -> bytes:
    return _pages("junk", 0) + random.Random(9).randbytes(4096)


def _length_too_long(compress: Callable[[bytes], bytes]) -> Callable[[], bytes]:
    def build() -> bytes:
        block = http(page(10).encode())
        records = [record(block, _url("too-long", 0), content_length=len(block) + 300)]
        records += [record(http(page(n).encode()), _url("too-long", n - 10)) for n in (11, 12)]
        return b"".join(compress(r) for r in records)
    return build


def _length_too_short() -> bytes:
    block = http(page(13).encode())
    return record(block, _url("too-short", 0), content_length=len(block) // 2) + record(http(page(14).encode()), _url("too-short", 1))


def _length_not_a_number() -> bytes:
    return gz(record(http(page(15).encode()), _url("nan-length", 0), content_length="twelve")) + _pages("nan-length", 1)


def _bad_http() -> bytes:
    u = lambda n: _url("bad_http", n)  # noqa: E731
    body = page(20).encode()
    return b"".join([
        response(u(0), body, status_line=b"HTTP/1.1 abc OK"),
        response(u(1), body, status_line=b"HTTP/1.1"),
        response(u(2), body, status_line=b"FOO/1.0 200 OK"),
        response(u(3), body, None, status_line=b"\x16\x03\x01\x00\x02\x02\x28"),
        response(u(4), page(21), headers=(b"no colon here", b"X-Bin: \xff\xfe\x00\x01", b": empty name", b"Content-Length: 99999999")),
        response(u(5), page(22), headers=(b"Content-Encoding: gzip",)),  # says gzip, is not
        response(u(6), page(23), headers=(b"Content-Encoding: x-unknown",)),
        response(u(7), b"zz\r\n" + page(24).encode() + b"\r\n0\r\n\r\n", headers=(b"Transfer-Encoding: chunked",)),
        response(u(8), page(25), "text/html; charset=\x00\x7fnonsense; charset="),
        response(u(9), page(26), "text/html", headers=(b"Content-Type: image/png",)),
        response(u(10), page(27), status_line=b"HTTP/1.1 200"),
    ])


def _encoding_bombs() -> bytes:
    u = lambda n: _url("bombs", n)  # noqa: E731
    size = GIB + MIB
    return b"".join([
        response(u(0), gzip_bomb(size), headers=(b"Content-Encoding: gzip",)),
        response(u(1), deflate_bomb(size), headers=(b"Content-Encoding: deflate",)),
        response(u(2), brotli_bomb(size), headers=(b"Content-Encoding: br",)),
        _pages("bombs", 3),
    ])


def _big_page() -> bytes:
    filler = "".join(f"<p>{s}</p>" for s in prose(30, 400))
    html = "<html><body>" + filler * (50 * MIB // len(filler) + 1) + "</body></html>"
    return response(_url("big", 0), html) + _pages("big", 1)


def _deep_nesting() -> bytes:
    html = "<html><body>" + "<div>" * 100_000 + " ".join(prose(40)) + "</div>" * 100_000 + "</body></html>"
    return response(_url("deep", 0), html)


def _slow_page() -> bytes:
    html = "<html><body>" + "".join(f"<p>Item {i} is listed here, and so on.</p>" for i in range(100_000)) + "</body></html>"
    return response(_url("slow", 0), html) + _pages("slow", 1)


def _charsets() -> bytes:
    u = lambda n: _url("charsets", n)  # noqa: E731
    invalid_utf8 = page(50, "Grüße aus Köln.").encode() .replace(b"Story", b"St\xffory\xc3", 1)
    utf16 = "\ufeff" + page(55, "Une façade rénovée.")
    return b"".join([
        response(u(0), invalid_utf8),  # labelled utf-8, is not valid utf-8
        response(u(1), page(51, "Zürich café.").encode("utf-8"), "text/html; charset=shift_jis"),
        response(u(2), page(52, "Déjà vu.").encode("cp1252"), "text/html; charset=utf-8"),
        response(u(3), page(53, "Ærøskøbing bakery.").encode("utf-8"), "text/html; charset=x-klingon"),
        response(u(4), page(54, "Smørrebrød recipe.").encode("cp1252").replace(b"<head>", b'<head><meta charset="utf-8">'), None),
        response(u(5), utf16.encode("utf-16-le"), "text/html"),
    ])


def _binary() -> bytes:
    u = lambda n: _url("binary", n)  # noqa: E731
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(60).randbytes(8192)
    return b"".join([
        response(u(0), png),
        response(u(1), random.Random(61).randbytes(20_000)),
        response(u(2), gzip.compress(page(62).encode(), mtime=0)),  # compressed, without Content-Encoding
    ])


def _empty() -> bytes:
    u = lambda n: _url("empty", n)  # noqa: E731
    return b"".join([
        response(u(0), b""),
        response(u(1), b" \r\n\t  \n"),
        gz(record(b"", u(2))),  # a response record with no block at all
        gz(record(b"HTTP/1.1 200 OK\r\nContent-Type: text/html", u(3))),  # headers, never ended
    ])


NON_ASCII_URL = "http://bücher.test/straße/日本語?q=ü&x=%E2%82%AC#frag"
LONG_URL = "http://long-url.test/" + "a" * 100_000


def _urls() -> bytes:
    return b"".join([
        response(NON_ASCII_URL, page(70)),
        response(LONG_URL, page(71)),
        response("javascript:alert(1)", page(72)),
        response("", page(73)),
    ])


DUPLICATE_ID = "<urn:uuid:00000000-0000-0000-0000-000000000001>"


def _duplicate_ids() -> bytes:
    u = lambda n: _url("dup_ids", n)  # noqa: E731
    same = response(u(2), page(82), record_id=DUPLICATE_ID)
    return response(u(0), page(80), record_id=DUPLICATE_ID) + response(u(1), page(81), record_id=DUPLICATE_ID) + same + same


def _header_bomb() -> bytes:
    # The second bomb's URI is not http(s), so our reader, not warcio, parses its HTTP block.
    return header_bomb(_url("header_bomb", 0), 256 * MIB) + header_bomb("hard::bomb.html", 16 * MIB) + _pages("header_bomb", 1)


def _record_bomb() -> bytes:
    return record_bomb(_url("record_bomb", 0), 256 * MIB) + _pages("record_bomb", 1)


TOO_LARGE = ("error", "too_large")
CASES = [
    Case("truncated_gzip.warc.gz", _truncated_gzip, _good("truncated", 0, 1) + (("error", "truncated"),), file_error=True),
    Case("garbage.warc.gz", _garbage, (), file_error=True),
    Case("garbage_after_gzip_magic.warc.gz", _garbage_after_gzip_magic, (), file_error=True),
    Case("junk_after_records.warc.gz", _junk_after_records, _good("junk", 0), file_error=True),
    # In a per-record gzip file a record cannot run into the next one: too long is that record's error.
    Case("length_too_long.warc.gz", _length_too_long(gz), (("error", "truncated"),) + _good("too-long", 1, 2)),
    # Uncompressed, it swallows the start of the next record; reading resumes at the record after that one.
    Case("length_too_long.warc", _length_too_long(bytes), (Raw(_url("too-long", 0)), Raw(_url("too-long", 2))),
         file_error=True),
    # Too short: the rest of the block is read as two header-only ARC-style records, then parsing resumes.
    Case("length_too_short.warc", _length_too_short,
         (Raw(_url("too-short", 0)), ("dropped", "not_http"), ("dropped", "not_http"), Raw(_url("too-short", 1)))),
    # Not a number: warcio reads the record as empty, and its block as a broken next record.
    Case("length_not_a_number.warc.gz", _length_not_a_number, (("dropped", "not_http"),), file_error=True),
    Case("bad_http.warc.gz", _bad_http, (
        ("dropped", "http_status"), ("dropped", "http_status"), ("dropped", "not_http"), ("dropped", "not_http"),
        Raw(_url("bad_http", 4)), Raw(_url("bad_http", 5)), Raw(_url("bad_http", 6)), Raw(_url("bad_http", 7)),
        Raw(_url("bad_http", 8)), Raw(_url("bad_http", 9)), Raw(_url("bad_http", 10)))),
    Case("encoding_bombs.warc.gz", _encoding_bombs, (TOO_LARGE, TOO_LARGE, TOO_LARGE) + _good("bombs", 3)),
    Case("record_bomb.warc.gz", _record_bomb, (TOO_LARGE,) + _good("record_bomb", 1)),
    Case("header_bomb.warc.gz", _header_bomb, (("error", "headers_too_large"),) * 2 + _good("header_bomb", 1)),
    Case("big_page.warc.gz", _big_page, (TOO_LARGE,) + _good("big", 1)),
    Case("deep_nesting.warc.gz", _deep_nesting, (Raw(_url("deep", 0), ("dropped", "no_text")),)),
    Case("slow_page.warc.gz", _slow_page, (Raw(_url("slow", 0), ("error", "extract_timeout")),) + _good("slow", 1)),
    Case("charsets.warc.gz", _charsets, (
        Raw(_url("charsets", 0), contains="aus K"), Raw(_url("charsets", 1), contains="Zürich café."),
        Raw(_url("charsets", 2), contains="Déjà vu."), Raw(_url("charsets", 3), contains="Ærøskøbing bakery."),
        Raw(_url("charsets", 4), contains="Smørrebrød recipe."), Raw(_url("charsets", 5), contains="Une façade rénovée."))),
    Case("binary.warc.gz", _binary, tuple(Raw(_url("binary", n), ("error", "decode")) for n in range(3))),
    Case("empty.warc.gz", _empty, (("dropped", "empty"), ("dropped", "empty"), ("dropped", "not_http"), ("dropped", "empty"))),
    # Target URIs that are not http(s) still hold an HTTP response here, so they are read like any other.
    Case("urls.warc.gz", _urls, (Raw(NON_ASCII_URL), Raw(LONG_URL), Raw("javascript:alert(1)"), Raw(""))),
    Case("duplicate_ids.warc.gz", _duplicate_ids, _good("dup_ids", 0, 1, 2, 2)),
]


def build_corpus(folder: Path) -> dict[str, Case]:
    """Write every case's archive into `folder`; returns {file path: case}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.build())
        written[str(path)] = case
    return written
