"""Bytes -> str for HTML payloads: BOM, then valid UTF-8, then HTTP charset / <meta charset>, then detection.

A payload that is valid UTF-8 and not plain ASCII is UTF-8 whatever its label says:
servers often send a default ISO-8859-1 or a wrong charset over UTF-8 pages, and
text in any other encoding is practically never valid UTF-8 by accident (decoded
by the label, "Zürich" would become "ZÃ¼rich"). Each other candidate must decode
strictly; the first that does wins, so a page whose header lies (says utf-8, is
windows-1252) falls through to the next candidate.
Labels are mapped the way browsers map them (latin-1 and ascii mean
windows-1252). Bad bytes never raise: the last resort is UTF-8 with
replacement characters. Binary payloads mislabelled as HTML raise `NotText`.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG encoding-label aliases that differ from Python's codecs.
_ALIASES = {
    "iso-8859-1": "windows-1252", "iso8859-1": "windows-1252", "latin1": "windows-1252",
    "latin-1": "windows-1252", "us-ascii": "windows-1252", "ascii": "windows-1252",
    "x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "tis-620": "cp874", "windows-874": "cp874",
    "iso-8859-9": "windows-1254", "utf8": "utf-8", "unicode": "utf-16-le",
}
_LATIN_SINGLE_BYTE = {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859-2", "iso8859-15", "iso8859-9", "mac-roman"}
_SNIFF_BYTES = 2048
_DETECT_BYTES = 1 << 16


class NotText(ValueError):
    """The payload is binary, not text."""


def _normalise(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):  # ValueError: a NUL in the label, straight from an HTTP header
        return None


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x1b")


def _looks_binary(payload: bytes) -> bool:
    """More than 5% control bytes in the first 4 KB (text has almost none; UTF-16 is caught by its BOM)."""
    head = payload[:4096]
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // 20


def decode_html(payload: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding used)."""
    if _looks_binary(payload):
        raise NotText("binary payload (control bytes)")
    for bom, encoding in _BOMS:
        if payload.startswith(bom):
            return payload[len(bom):].decode(encoding, errors="replace"), encoding
    if not payload.isascii():
        try:
            return payload.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    meta = _META_CHARSET.search(payload[:_SNIFF_BYTES])
    tried = set()
    for label in (http_charset, meta.group(1).decode("ascii", "ignore") if meta else None, "utf-8"):
        encoding = _normalise(label)
        if encoding is None or encoding in tried:
            continue
        tried.add(encoding)
        try:
            return payload.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    # Detection. UTF-16/32 without a BOM is implausible for HTML and a common false guess on short
    # pages; among Latin single-byte code pages, detection cannot tell them apart reliably and
    # windows-1252 is by far the most common on the web.
    for match in from_bytes(payload[:_DETECT_BYTES]):
        encoding = _normalise(match.encoding)
        if not encoding or encoding.startswith(("utf-16", "utf-32")):
            continue
        if encoding in _LATIN_SINGLE_BYTE:
            try:
                return payload.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                pass
        return payload.decode(encoding, errors="replace"), encoding
    return payload.decode("windows-1252", errors="replace"), "cp1252"
