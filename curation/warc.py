"""Read WARC, ARC and WET archives into raw HTML (or WET text) records, accounting for every record.

`read_archive` is a generator over one archive. It yields one `RawRecord` per
record worth extracting and a `Skip` for every other record, so the caller can
count each record exactly once. If the file cannot be read to its end
(truncated gzip, garbage) it yields a final `FileError` and stops: the records
before the damage are kept, the run goes on. In an uncompressed WARC, where a
lying Content-Length runs one record into the next, reading resumes at the next
line that starts a WARC record; the final `FileError` says how much was skipped.

warcio handles per-record gzip, whole-file gzip, uncompressed WARC, ARC
(`arc2warc`), HTTP chunked transfer-encoding and gzip/deflate/br
content-encoding. Payloads are read through a size cap, so a decompression
bomb costs at most `max_bytes` of memory.
"""

from __future__ import annotations

import io
import re
import uuid
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import brotli
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, DecompressingBufferedReader
from warcio.statusandheaders import StatusAndHeadersParser, StatusAndHeadersParserException
from warcio.utils import BUFF_SIZE

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Sniffed in the first KB when no type is declared (WHATWG-style, lower-cased).
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|title|script|div|p)[\s>]", re.I)
# A Common Crawl dump id in a path: CC-MAIN-2024-33 (not the timestamped CC-MAIN-20240722... file names).
_DUMP_RE = re.compile(r"CC-MAIN-(\d{4})-(\d{2})(?!\d)")
# Deterministic ids for ARC records, which have none (warcio would invent a random uuid4).
_ARC_ID_NAMESPACE = uuid.UUID("6f1f4b8e-3c1e-4f39-9a55-2f4a1f7c0d11")
_READ_CHUNK = 1 << 16
# Most output one compressed block (warcio reads 16 KB at a time) may expand to. gzip/deflate cannot
# exceed ~1032x (16 MB); brotli can expand far more, so its decompressor below enforces this.
_MAX_BLOCK_EXPANSION = 64 << 20
# Servers cap HTTP headers at 8-64 KB, and a 100 KB URL still fits: lines are read in pieces of at most
# this, and a header block longer than this is cut off (`headers_too_large`), so a header folded over a
# gigabyte of continuation lines, or a gigabyte of junk without a newline, costs at most this much memory.
_MAX_HEADER_BYTES = 1 << 20


class PayloadTooLarge(Exception):
    """A compressed payload expands beyond what we are willing to hold."""


class _BrotliDecompressor:
    """warcio's `br` content-encoding hook, fixed for brotli >= 1.2 (whose Decompressor has no writable
    `unused_data`) and capped against decompression bombs."""

    unused_data = None  # warcio's multi-member check; brotli streams have one member

    def __init__(self):
        self._d = brotli.Decompressor()
        # warcio swallows exceptions from here (on the first block it even falls back to the compressed
        # bytes), so a bomb is flagged instead: output stops, and `_read_capped` reports too_large.
        self.too_large = False

    def decompress(self, data: bytes) -> bytes:
        if self.too_large:
            return b""
        out = [self._d.process(data, output_buffer_limit=1 << 20)]
        total = len(out[0])
        while not self._d.can_accept_more_data():
            out.append(self._d.process(b"", output_buffer_limit=1 << 20))
            total += len(out[-1])
            if total > _MAX_BLOCK_EXPANSION:
                self.too_large = True
                return b""
        return b"".join(out)


BufferedReader.DECOMPRESSORS["br"] = _BrotliDecompressor


class _LineCappedReader(DecompressingBufferedReader):
    """warcio's reader, whose readline would otherwise hold a line of any length in memory."""

    def readline(self, length=None):
        return super().readline(_MAX_HEADER_BYTES if length is None else min(length, _MAX_HEADER_BYTES))


class _HeaderBlock:
    """The lines of one header block within a byte budget; past it, the rest of the block is read and dropped."""

    def __init__(self, stream):
        self._stream = stream
        self._budget = _MAX_HEADER_BYTES
        self.too_large = False

    def readline(self) -> bytes:
        if self.too_large:
            return b""
        line = self._stream.readline(self._budget + 1)
        self._budget -= len(line)
        if self._budget >= 0:
            return line
        self.too_large = True
        at_line_start = line.endswith(b"\n")
        while True:
            piece = self._stream.readline(_MAX_HEADER_BYTES)
            if not piece or (at_line_start and not piece.strip()):
                return b"\r\n"  # the blank line that ends the block, for the parser
            at_line_start = piece.endswith(b"\n")


class _CappedHeadersParser(StatusAndHeadersParser):
    """warcio's header parser over a `_HeaderBlock`; what it returns says whether the block was cut off."""

    def parse(self, stream, full_statusline=None):
        block = _HeaderBlock(stream)
        headers = super().parse(block, full_statusline)
        headers.too_large = block.too_large
        return headers


class _CheckedArchiveIterator(ArchiveIterator):
    """warcio's iterator with header lines and blocks capped in size; since warcio ends iteration silently
    when a gzip member is cut off, it also remembers whether the last one was whole."""

    truncated = False
    is_arc = False
    is_gzip = False

    def __init__(self, fileobj, **kwargs):
        super().__init__(fileobj, **kwargs)
        self.reader = _LineCappedReader(self.fh, block_size=BUFF_SIZE)  # nothing was read yet
        loader = self.loader
        loader.warc_parser = _CappedHeadersParser(loader.WARC_TYPES)
        loader.http_parser = _CappedHeadersParser(loader.HTTP_TYPES, verify=False)
        loader.http_req_parser = _CappedHeadersParser(loader.HTTP_VERBS, verify=False)

    def close(self):
        if self.reader is not None and self.reader.decompressor is not None:
            self.truncated = not getattr(self.reader.decompressor, "eof", True)
        super().close()


@dataclass
class RawRecord:
    """A record that may become a document: HTML bytes, or text for WET conversion records."""

    id: str
    url: str
    date: str
    file_path: str
    dump: str
    payload: bytes
    http_charset: str | None = None  # charset parameter of the HTTP Content-Type, if any
    is_text: bool = False  # WET conversion record: payload is already UTF-8 text
    html: str | None = None  # the decoded payload, once a stage has decoded it


@dataclass
class Skip:
    """A record that ends here: `kind` is "dropped" or "error", with a named reason."""

    kind: str
    reason: str


@dataclass
class FileError:
    """The archive could not be read to its end."""

    message: str


def dump_from_path(path: str, default: str = "") -> str:
    m = _DUMP_RE.search(path)
    return m.group(0) if m else default


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """('text/html', 'utf-8') from 'text/html; charset=UTF-8'."""
    if not content_type:
        return None, None
    parts = content_type.split(";")
    media = parts[0].strip().lower() or None
    charset = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return media, charset


class _Truncated(Exception):
    """The file ended inside a record."""


def _read_capped(record, max_bytes: int) -> bytes | None:
    """The decoded payload, at most max_bytes; None if larger (without reading it all)."""
    stream = record.content_stream()
    chunks = []
    total = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            if getattr(getattr(stream, "decompressor", None), "too_large", False):
                raise PayloadTooLarge("brotli payload expands beyond the cap")
            # warcio returns a short payload silently when the file ends mid-record.
            missing = getattr(record.raw_stream, "limit", 0)
            if missing > 0:
                raise _Truncated(f"file ends inside a record: {missing} bytes of its {record.length} missing")
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            return None


class _Prepended(io.RawIOBase):
    """A stream with bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self._head:
            n = min(len(buf), len(self._head))
            buf[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _is_arc(head: bytes) -> bool:
    """ARC files open with a `filedesc://` record; warcio's arc2warc hides the format, so look ourselves."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip()[:11] == b"filedesc://"


def _record_id(record, url: str, date: str, records: "_CheckedArchiveIterator") -> str:
    """WARC-Record-ID; ARC records get a uuid5 of url, date and file offset (call after reading the payload:
    asking warcio for the offset consumes the record)."""
    rid = record.rec_headers.get_header("WARC-Record-ID")
    if records.is_arc or not rid:
        offset = records.get_record_offset()
        rid = f"<urn:uuid:{uuid.uuid5(_ARC_ID_NAMESPACE, f'{url}|{date}|{offset}')}>"
    return rid


_HTTP_PARSER = _CappedHeadersParser(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0"], verify=False)


def _parse_http_block(record):
    """warcio parses the HTTP block only for http(s) target URIs; a response whose URI has another
    scheme (e.g. `hard::page.html` in some test archives) may still hold an HTTP message."""
    if record.http_headers is None:
        try:
            record.http_headers = _HTTP_PARSER.parse(record.raw_stream)
        except (StatusAndHeadersParserException, EOFError, ValueError):
            return None
    return record.http_headers


def _classify_response(record) -> tuple[str | None, str | None]:
    """(None, charset) if the response looks like HTML, else (drop reason, None)."""
    http = _parse_http_block(record)
    if http is None or not (http.protocol or "").upper().startswith("HTTP/"):
        return "not_http", None
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        return "http_status", None
    identified, _ = _media_type(record.rec_headers.get_header("WARC-Identified-Payload-Type"))
    declared, charset = _media_type(http.get_header("Content-Type"))
    media = identified or declared
    if media is not None:
        return (None, charset) if media in HTML_TYPES else ("not_html", None)
    return None, charset  # undeclared: the caller sniffs the payload


def read_archive(
    stream: BinaryIO, file_path: str, *, fmt: str = "warc", dump: str = "", max_bytes: int = 10 << 20
) -> Iterator[RawRecord | Skip | FileError]:
    """Every record of one archive as a RawRecord or a Skip, then possibly one FileError (the file was damaged).

    fmt "warc" extracts HTML from response records (WARC or ARC input);
    fmt "wet" takes the text of conversion records (Common Crawl WET files).
    `dump` comes from a CC-MAIN-YYYY-WW in the path, else the given default, else the
    `isPartOf` of the file's warcinfo record.
    """
    dump = dump_from_path(file_path, dump)
    head = stream.read(1 << 12)
    records = _CheckedArchiveIterator(io.BufferedReader(_Prepended(head, stream)), arc2warc=True)
    records.is_arc, records.is_gzip = _is_arc(head), head[:2] == b"\x1f\x8b"
    cut_short = None  # a record whose block ended early: a wrong Content-Length, or the end of the file
    damage = _Damage()  # parse errors that reading resumed after
    while True:
        try:
            record = next(records)
        except StopIteration:
            if records.truncated:
                cut_short = cut_short or "gzip stream ends early: the file is truncated"
            if cut_short or damage:
                yield FileError(damage.report(cut_short))
            return
        except Exception as e:  # truncated gzip, garbage bytes, unparseable headers
            message = f"{type(e).__name__}: {e}".strip()[:500]
            resumed = _resume_after_error(records)
            if resumed is None:
                yield FileError(damage.report(message))
                return
            records, skipped = resumed
            damage.add(message, skipped)
            continue
        cut_short = None
        if not dump and record.rec_type == "warcinfo":
            dump = _dump_from_warcinfo(record)
        try:
            yield _one_record(record, records, file_path, fmt, dump, max_bytes)
        except _Truncated as e:
            yield Skip("error", "truncated")
            cut_short = str(e)
        except PayloadTooLarge:
            yield Skip("error", "too_large")
        except Exception:
            # A damaged payload (bad chunking or content-encoding) is this record's error;
            # if the file itself is broken, the next `next(records)` reports it.
            yield Skip("error", "payload_read")


# A line that starts a WARC record (versions 0.17 to 1.1 are in the wild).
_WARC_RECORD_START = re.compile(rb"\n(WARC/[01]\.\d+\r?\n)")


class _Damage:
    """Parse errors in an uncompressed WARC that reading resumed after, for the file's one FileError."""

    def __init__(self):
        self.first, self.times, self.skipped = "", 0, 0

    def __bool__(self) -> bool:
        return self.times > 0

    def add(self, message: str, skipped: int) -> None:
        self.first = self.first or message
        self.times += 1
        self.skipped += skipped

    def report(self, final: str | None) -> str:
        if not self:
            return final or ""
        resumed = f"{self.first} (skipped {self.skipped} bytes to the next WARC record"
        resumed += f", {self.times} times)" if self.times > 1 else ")"
        return f"{resumed}; then {final}" if final else resumed


def _resume_after_error(records: _CheckedArchiveIterator) -> tuple[_CheckedArchiveIterator, int] | None:
    """A fresh iterator at the next line starting a WARC record, and the bytes skipped to get there; None
    for compressed or ARC files (a gzip member cannot be re-entered) and when no record follows."""
    if records.is_arc or records.is_gzip:
        return None
    reader = records.reader
    pending = reader.buff.read() if reader.buff is not None else b""
    stream = _Prepended(pending, records.fh)
    carry, offset = b"\n", 0  # warcio stopped at a line end, so the first byte starts a line
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            return None
        data = carry + chunk  # data[i] is byte offset - len(carry) + i after the error
        found = _WARC_RECORD_START.search(data)
        if found:
            start = found.start(1)
            resumed = _CheckedArchiveIterator(io.BufferedReader(_Prepended(data[start:], stream)), arc2warc=True)
            return resumed, offset - len(carry) + start
        offset += len(chunk)
        carry = data[-16:]


def _dump_from_warcinfo(record) -> str:
    """Common Crawl's warcinfo says `isPartOf: CC-MAIN-2024-30`; the record stays readable for the caller."""
    try:
        info = record.content_stream().read(1 << 16).decode("utf-8", "replace")
    except Exception:
        return ""
    m = re.search(r"^isPartOf:\s*(\S+)", info, re.M)
    return dump_from_path(m.group(1)) if m else ""


def _one_record(record, records: _CheckedArchiveIterator, file_path: str, fmt: str, dump: str, max_bytes: int) -> RawRecord | Skip:
    if getattr(record.rec_headers, "too_large", False) or getattr(record.http_headers, "too_large", False):
        return Skip("error", "headers_too_large")
    wanted = "conversion" if fmt == "wet" else "response"
    if record.rec_type != wanted:
        return Skip("dropped", f"not_{wanted}")
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
    date = record.rec_headers.get_header("WARC-Date") or ""
    if fmt == "wet":
        payload = _read_capped(record, max_bytes)
        if payload is None:
            return Skip("error", "too_large")
        return RawRecord(_record_id(record, url, date, records), url, date, file_path, dump, payload, "utf-8", is_text=True)
    reason, charset = _classify_response(record)
    if getattr(record.http_headers, "too_large", False):  # parsed just now, for a URI that is not http(s)
        return Skip("error", "headers_too_large")
    if reason:
        return Skip("dropped", reason)
    payload = _read_capped(record, max_bytes)
    if payload is None:
        return Skip("error", "too_large")
    if not payload.strip():
        return Skip("dropped", "empty")
    undeclared = (
        record.rec_headers.get_header("WARC-Identified-Payload-Type") is None
        and record.http_headers.get_header("Content-Type") is None
    )
    if undeclared and not _HTML_SNIFF.search(payload[:1024]):
        return Skip("dropped", "not_html")
    return RawRecord(_record_id(record, url, date, records), url, date, file_path, dump, payload, charset)
