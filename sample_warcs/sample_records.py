"""Captures, and the WARC records they become: request, response and metadata, Common Crawl style.

Reproducible bytes: record ids are uuid5 over a fixed namespace, dates are
given, and gzip members carry neither a timestamp nor the build platform.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import uuid
import zlib
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import GzippingWrapper, WARCWriter

from sample_html import render
from sample_pages import SITES, Article

NAMESPACE = uuid.UUID("5c1d3f0e-7a52-4c6b-9a43-2e8f1b6d0c71")
CRAWL = "CC-MAIN-2024-30"
USER_AGENT = "CCBot/2.0 (https://commoncrawl.org/faq/)"


@dataclass
class Capture:
    """One HTTP exchange: written as request, response and metadata records."""

    url: str
    body: bytes  # the HTTP entity as sent on the wire (compressed or chunked if the headers say so)
    headers: list[tuple[str, str]]
    demonstrates: str
    expected: str
    status: str = "200 OK"
    identified_type: str | None = None
    charset: str | None = None  # for the metadata record's charset-detected
    raw_http: bytes | None = None  # replaces the whole HTTP block (status line, headers, body)
    truncate_at: int | None = None  # cut the file this many bytes into the response record
    server: str = "nginx"
    ip: str = "192.0.2.10"


@dataclass
class Revisit:
    """A re-crawl whose payload matched an earlier capture (identical-payload-digest profile)."""

    url: str
    refers_to: Capture
    refers_to_date: str
    demonstrates: str
    expected: str = "dropped:not_response"


@dataclass
class WarcFile:
    name: str
    start: datetime
    entries: list[Capture | Revisit] = field(default_factory=list)

    @property
    def gzipped(self) -> bool:
        return self.name.endswith(".gz")


# --------------------------------------------------------------------------- captures

CODEC_NAMES = {
    "utf-8": "UTF-8", "cp1252": "windows-1252", "latin-1": "ISO-8859-1", "shift_jis": "Shift_JIS",
    "euc_jp": "EUC-JP", "koi8_r": "KOI8-R", "cp1251": "windows-1251", "gb2312": "GB2312",
}


def url_of(art: Article) -> str:
    return f"https://{SITES[art.site].host}{art.path}"


def html_capture(
    art: Article,
    demonstrates: str,
    expected: str = "kept",
    *,
    url: str | None = None,
    codec: str = "utf-8",
    label: str | None = None,
    in_header: bool = True,
    in_meta: str | None = "charset",
    bom: bool = False,
    wire: str = "identity",
    media_type: str | None = "text/html",
    identified: str | None = None,
    extra: str = "",
    status: str = "200 OK",
) -> Capture:
    """An article page as the server sent it.

    codec: the bytes' real encoding; label: the charset named in the declarations (defaults to the codec's
    name, differs when the page lies); in_meta: "charset", "http-equiv" or None; wire: "identity", "gzip",
    "br" (Content-Encoding) or "chunked" (Transfer-Encoding).
    """
    canonical = url_of(art)
    label = label or CODEC_NAMES[codec]
    head = {
        "charset": f'<meta charset="{label}">\n',
        "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={label}">\n',
        None: "",
    }[in_meta]
    body = render(art, canonical, head, extra).encode(codec)
    if bom:
        body = b"\xef\xbb\xbf" + body
    headers = []
    if media_type:
        headers.append(("Content-Type", f"{media_type}; charset={label}" if in_header else media_type))
    site = SITES[art.site]
    return wire_capture(url or canonical, body, headers, wire, demonstrates, expected, status=status,
                        identified_type=identified, charset=CODEC_NAMES[codec], server=site.server, ip=site.ip)


def wire_capture(url: str, body: bytes, headers: list[tuple[str, str]], wire: str, demonstrates: str,
                 expected: str, **kwargs) -> Capture:
    """Encode the entity for the wire; add Content-Encoding, Transfer-Encoding or Content-Length to match."""
    headers = list(headers)
    if wire == "gzip":
        body = gzip.compress(body, compresslevel=9, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    elif wire == "br":
        body = brotli.compress(body, quality=11)
        headers.append(("Content-Encoding", "br"))
    if wire == "chunked":
        pieces = [body[i:i + 2000] for i in range(0, len(body), 2000)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    return Capture(url, body, headers, demonstrates, expected, **kwargs)


def tiny_png() -> bytes:
    """A real 16x16 RGB gradient PNG."""
    width = height = 16
    rows = b"".join(b"\x00" + bytes(c for x in range(width) for c in (x * 16, y * 16, 160)) for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + tag + data + zlib.crc32(tag + data).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def tiny_pdf(line: str) -> bytes:
    """A valid one-page PDF showing one line of text, with a correct xref table."""
    text = f"BT /F1 14 Tf 24 70 Td ({line}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --------------------------------------------------------------------------- WARC records


def record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(NAMESPACE, '|'.join(parts))}>"


def sha1_digest(data: bytes) -> str:
    """A WARC digest in the form warcio and Common Crawl write: sha1 in base32."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def warc_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def pinned_gzip_member(member: bytes) -> bytes:
    """warcio's zlib gzip header has mtime 0 already; also pin the OS byte (zlib writes its build platform's)."""
    if member[:4] != b"\x1f\x8b\x08\x00" or member[4:8] != b"\x00\x00\x00\x00":
        raise ValueError(f"unexpected gzip member header {member[:10].hex()}")
    return member[:9] + b"\xff" + member[10:]


def serialise(record, gzipped: bool) -> bytes:
    buf = io.BytesIO()
    WARCWriter(buf, gzip=gzipped).write_record(record)
    return pinned_gzip_member(buf.getvalue()) if gzipped else buf.getvalue()


def hand_made_record(headers: list[tuple[str, str]], block: bytes, gzipped: bool) -> bytes:
    """A record warcio's writer would refuse to produce (its HTTP block is not HTTP)."""
    lines = [("WARC-Block-Digest", sha1_digest(block)), ("Content-Length", str(len(block)))]
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers + lines) + "\r\n"
    data = head.encode() + block + b"\r\n\r\n"
    if not gzipped:
        return data
    buf = io.BytesIO()
    wrapper = GzippingWrapper(buf)
    wrapper.write(data)
    wrapper.flush()
    return pinned_gzip_member(buf.getvalue())


def capture_time(spec: WarcFile, index: int) -> datetime:
    """Captures are 41 seconds apart, starting 7 seconds after the warcinfo record."""
    return spec.start + timedelta(seconds=7 + 41 * index)


def build_file(spec: WarcFile) -> bytes:
    """All records of one file, in order: warcinfo, then request/response/metadata per capture."""
    writer = WARCWriter(io.BytesIO(), gzip=spec.gzipped)  # used only as a record factory
    info_id = record_id(spec.name, "warcinfo")
    fields = (
        f"isPartOf: {CRAWL}\r\npublisher: curation project (synthetic sample, not a Common Crawl file)\r\n"
        "description: Hand-written pages on reserved .example/.test hosts that exercise every curation stage\r\n"
        "operator: curation sample_warcs/make_sample_warcs.py\r\nformat: WARC File Format 1.0\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/\r\n"
    ).encode()
    info = writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(fields), length=len(fields),
        warc_headers_dict={"WARC-Type": "warcinfo", "WARC-Date": warc_date(spec.start), "WARC-Record-ID": info_id,
                           "Content-Length": "0", "Content-Type": "application/warc-fields",
                           "WARC-Filename": spec.name},
    )
    out = [serialise(info, spec.gzipped)]
    for index, entry in enumerate(spec.entries):
        when = capture_time(spec, index)
        if isinstance(entry, Revisit):
            out.append(serialise(revisit_record(writer, spec, entry, when, info_id), spec.gzipped))
            continue
        request, response, metadata = capture_records(writer, spec, entry, when, info_id)
        out.append(serialise(request, spec.gzipped))
        response_bytes = response if isinstance(response, bytes) else serialise(response, spec.gzipped)
        if entry.truncate_at is not None:
            if spec.gzipped or index != len(spec.entries) - 1:
                raise ValueError("only the last capture of an uncompressed file can be cut off")
            out.append(response_bytes[: entry.truncate_at])
            break
        out.append(response_bytes)
        out.append(serialise(metadata, spec.gzipped))
    return b"".join(out)


def capture_records(writer: WARCWriter, spec: WarcFile, cap: Capture, when: datetime, info_id: str):
    host = cap.url.split("/")[2]
    target = "/" + cap.url.split("/", 3)[3] if cap.url.count("/") >= 3 else "/"
    ids = {kind: record_id(spec.name, cap.url, warc_date(when), kind) for kind in ("request", "response", "metadata")}
    common = {"WARC-Date": warc_date(when)}
    request = writer.create_warc_record(
        cap.url, "request",
        http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", [
            ("User-Agent", USER_AGENT), ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-US,en;q=0.5"), ("Accept-Encoding", "br,gzip"), ("Host", host),
            ("Connection", "Keep-Alive"),
        ], is_http_request=True),
        warc_headers_dict={"WARC-Type": "request", **common, "WARC-Record-ID": ids["request"], "Content-Length": "0",
                           "Content-Type": "application/http; msgtype=request", "WARC-Warcinfo-ID": info_id,
                           "WARC-Concurrent-To": ids["response"], "WARC-IP-Address": cap.ip,
                           "WARC-Target-URI": cap.url},
    )
    response_headers = {
        "WARC-Type": "response", **common, "WARC-Record-ID": ids["response"], "Content-Length": "0",
        "Content-Type": "application/http; msgtype=response", "WARC-Warcinfo-ID": info_id,
        "WARC-Concurrent-To": ids["request"], "WARC-IP-Address": cap.ip, "WARC-Target-URI": cap.url,
    }
    if cap.identified_type:
        response_headers["WARC-Identified-Payload-Type"] = cap.identified_type
    if cap.raw_http is not None:
        response = hand_made_record([(k, v) for k, v in response_headers.items() if k != "Content-Length"],
                                    cap.raw_http, spec.gzipped)
    else:
        http = StatusAndHeaders(cap.status, http_headers(cap, when), protocol="HTTP/1.1")
        response = writer.create_warc_record(cap.url, "response", payload=io.BytesIO(cap.body), length=len(cap.body),
                                             http_headers=http, warc_headers_dict=response_headers)
    fetch_ms = 40 + int.from_bytes(hashlib.sha1(cap.url.encode()).digest()[:2], "big") % 900
    fields = (f"fetchTimeMs: {fetch_ms}\r\n" + (f"charset-detected: {cap.charset}\r\n" if cap.charset else "")).encode()
    metadata = writer.create_warc_record(
        cap.url, "metadata", payload=io.BytesIO(fields), length=len(fields),
        warc_headers_dict={"WARC-Type": "metadata", **common, "WARC-Record-ID": ids["metadata"], "Content-Length": "0",
                           "Content-Type": "application/warc-fields", "WARC-Warcinfo-ID": info_id,
                           "WARC-Concurrent-To": ids["response"], "WARC-Target-URI": cap.url},
    )
    return request, response, metadata


def http_headers(cap: Capture, when: datetime) -> list[tuple[str, str]]:
    return [("Date", format_datetime(when, usegmt=True)), ("Server", cap.server)] + cap.headers + [
        ("Cache-Control", "max-age=600"), ("Connection", "close")]


def revisit_record(writer: WARCWriter, spec: WarcFile, rev: Revisit, when: datetime, info_id: str):
    original = rev.refers_to
    return writer.create_revisit_record(
        rev.url, sha1_digest(original.body), rev.url, rev.refers_to_date,
        http_headers=StatusAndHeaders(original.status, http_headers(original, when), protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Type": "revisit", "WARC-Date": warc_date(when),
                           "WARC-Record-ID": record_id(spec.name, rev.url, warc_date(when), "revisit"),
                           "Content-Length": "0", "Content-Type": "application/http; msgtype=response",
                           "WARC-Warcinfo-ID": info_id, "WARC-IP-Address": original.ip,
                           "WARC-Target-URI": rev.url},
    )
