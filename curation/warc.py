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

from warcio.statusandheaders import StatusAndHeadersParserException

from curation.warc_io import (
    CappedHeadersParser,
    CheckedArchiveIterator,
    Damage,
    PayloadTooLarge,
    Prepended,
    Truncated,
    read_capped,
    resume_after_error,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Sniffed in the first KB when no type is declared (WHATWG-style, lower-cased).
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|title|script|div|p)[\s>]", re.I)
# A Common Crawl dump id in a path: CC-MAIN-2024-33 (not the timestamped CC-MAIN-20240722... file names).
_DUMP_RE = re.compile(r"CC-MAIN-(\d{4})-(\d{2})(?!\d)")
# Deterministic ids for ARC records, which have none (warcio would invent a random uuid4).
_ARC_ID_NAMESPACE = uuid.UUID("6f1f4b8e-3c1e-4f39-9a55-2f4a1f7c0d11")
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


def _is_arc(head: bytes) -> bool:
    """ARC files open with a `filedesc://` record; warcio's arc2warc hides the format, so look ourselves."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip()[:11] == b"filedesc://"


def _record_id(record, url: str, date: str, records: "CheckedArchiveIterator") -> str:
    """WARC-Record-ID; ARC records get a uuid5 of url, date and file offset (call after reading the payload:
    asking warcio for the offset consumes the record)."""
    rid = record.rec_headers.get_header("WARC-Record-ID")
    if records.is_arc or not rid:
        offset = records.get_record_offset()
        rid = f"<urn:uuid:{uuid.uuid5(_ARC_ID_NAMESPACE, f'{url}|{date}|{offset}')}>"
    return rid


_HTTP_PARSER = CappedHeadersParser(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0"], verify=False)


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
    records = CheckedArchiveIterator(io.BufferedReader(Prepended(head, stream)), arc2warc=True)
    records.is_arc, records.is_gzip = _is_arc(head), head[:2] == b"\x1f\x8b"
    cut_short = None  # a record whose block ended early: a wrong Content-Length, or the end of the file
    damage = Damage()  # parse errors that reading resumed after
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
            resumed = resume_after_error(records)
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
        except Truncated as e:
            yield Skip("error", "truncated")
            cut_short = str(e)
        except PayloadTooLarge:
            yield Skip("error", "too_large")
        except Exception:
            # A damaged payload (bad chunking or content-encoding) is this record's error;
            # if the file itself is broken, the next `next(records)` reports it.
            yield Skip("error", "payload_read")


def _dump_from_warcinfo(record) -> str:
    """Common Crawl's warcinfo says `isPartOf: CC-MAIN-2024-30`; the record stays readable for the caller."""
    try:
        info = record.content_stream().read(1 << 16).decode("utf-8", "replace")
    except Exception:
        return ""
    m = re.search(r"^isPartOf:\s*(\S+)", info, re.M)
    return dump_from_path(m.group(1)) if m else ""


def _one_record(record, records: CheckedArchiveIterator, file_path: str, fmt: str, dump: str, max_bytes: int) -> RawRecord | Skip:
    if getattr(record.rec_headers, "too_large", False) or getattr(record.http_headers, "too_large", False):
        return Skip("error", "headers_too_large")
    wanted = "conversion" if fmt == "wet" else "response"
    if record.rec_type != wanted:
        return Skip("dropped", f"not_{wanted}")
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
    date = record.rec_headers.get_header("WARC-Date") or ""
    if fmt == "wet":
        payload = read_capped(record, max_bytes)
        if payload is None:
            return Skip("error", "too_large")
        return RawRecord(_record_id(record, url, date, records), url, date, file_path, dump, payload, "utf-8", is_text=True)
    reason, charset = _classify_response(record)
    if getattr(record.http_headers, "too_large", False):  # parsed just now, for a URI that is not http(s)
        return Skip("error", "headers_too_large")
    if reason:
        return Skip("dropped", reason)
    payload = read_capped(record, max_bytes)
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
