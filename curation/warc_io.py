"""warcio with bounds: what reading one hostile archive may cost, and how reading goes on after damage.

Header lines and header blocks are capped (a header folded over a gigabyte costs
at most 1 MB), payloads are read through a size cap, brotli bombs are stopped
(warcio's own hook would also fail on brotli >= 1.2), a gzip member cut off is
noticed (warcio ends silently), and an uncompressed WARC whose Content-Length
lies is re-entered at the next line that starts a WARC record.
"""

from __future__ import annotations

import io
import re
from typing import BinaryIO

import brotli
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, DecompressingBufferedReader
from warcio.statusandheaders import StatusAndHeadersParser
from warcio.utils import BUFF_SIZE

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


class BrotliDecompressor:
    """warcio's `br` content-encoding hook, fixed for brotli >= 1.2 (whose Decompressor has no writable
    `unused_data`) and capped against decompression bombs."""

    unused_data = None  # warcio's multi-member check; brotli streams have one member

    def __init__(self):
        self._d = brotli.Decompressor()
        # warcio swallows exceptions from here (on the first block it even falls back to the compressed
        # bytes), so a bomb is flagged instead: output stops, and `read_capped` reports too_large.
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


BufferedReader.DECOMPRESSORS["br"] = BrotliDecompressor


class LineCappedReader(DecompressingBufferedReader):
    """warcio's reader, whose readline would otherwise hold a line of any length in memory."""

    def readline(self, length=None):
        return super().readline(_MAX_HEADER_BYTES if length is None else min(length, _MAX_HEADER_BYTES))


class HeaderBlock:
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


class CappedHeadersParser(StatusAndHeadersParser):
    """warcio's header parser over a `HeaderBlock`; what it returns says whether the block was cut off."""

    def parse(self, stream, full_statusline=None):
        block = HeaderBlock(stream)
        headers = super().parse(block, full_statusline)
        headers.too_large = block.too_large
        return headers


class CheckedArchiveIterator(ArchiveIterator):
    """warcio's iterator with header lines and blocks capped in size; since warcio ends iteration silently
    when a gzip member is cut off, it also remembers whether the last one was whole."""

    truncated = False
    is_arc = False
    is_gzip = False
    # warcio writes this to stderr, with the bytes it found, whenever a record's Content-Length is off but the
    # next record parses: page bytes on the user's terminal, for a record that is read and counted anyway.
    INC_RECORD = ""

    def __init__(self, fileobj, **kwargs):
        super().__init__(fileobj, **kwargs)
        self.reader = LineCappedReader(self.fh, block_size=BUFF_SIZE)  # nothing was read yet
        loader = self.loader
        loader.warc_parser = CappedHeadersParser(loader.WARC_TYPES)
        loader.http_parser = CappedHeadersParser(loader.HTTP_TYPES, verify=False)
        loader.http_req_parser = CappedHeadersParser(loader.HTTP_VERBS, verify=False)

    def close(self):
        if self.reader is not None and self.reader.decompressor is not None:
            self.truncated = not getattr(self.reader.decompressor, "eof", True)
        super().close()


class Truncated(Exception):
    """The file ended inside a record."""


def read_capped(record, max_bytes: int) -> bytes | None:
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
                raise Truncated(f"file ends inside a record: {missing} bytes of its {record.length} missing")
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            return None


class Prepended(io.RawIOBase):
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


# A line that starts a WARC record (versions 0.17 to 1.1 are in the wild).
_WARC_RECORD_START = re.compile(rb"\n(WARC/[01]\.\d+\r?\n)")


class Damage:
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


def resume_after_error(records: CheckedArchiveIterator) -> tuple[CheckedArchiveIterator, int] | None:
    """A fresh iterator at the next line starting a WARC record, and the bytes skipped to get there; None
    for compressed or ARC files (a gzip member cannot be re-entered) and when no record follows."""
    if records.is_arc or records.is_gzip:
        return None
    reader = records.reader
    pending = reader.buff.read() if reader.buff is not None else b""
    stream = Prepended(pending, records.fh)
    carry, offset = b"\n", 0  # warcio stopped at a line end, so the first byte starts a line
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            return None
        data = carry + chunk  # data[i] is byte offset - len(carry) + i after the error
        found = _WARC_RECORD_START.search(data)
        if found:
            start = found.start(1)
            resumed = CheckedArchiveIterator(io.BufferedReader(Prepended(data[start:], stream)), arc2warc=True)
            return resumed, offset - len(carry) + start
        offset += len(chunk)
        carry = data[-16:]
