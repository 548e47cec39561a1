"""Main-text extraction with trafilatura at FineWeb's settings, in a killable sandbox process.

A thread cannot be stopped, and lxml on hostile HTML can hang, blow up memory or
crash; so extraction runs in one long-lived child process per worker
(`python -m curation.extract`). The parent sends a page and waits at most
`timeout` seconds; on timeout the child is killed and replaced (no process
spawn per document). Pages cross the pipe as length-prefixed UTF-8 frames with
a one-byte status: never pickle.

trafilatura's `deduplicate` keeps a process-wide cache of text segments seen
across documents, which makes its output depend on document order (and so on
worker count). We clear that cache before every page: repeated segments are
still removed within a page, and the output is deterministic.
"""

from __future__ import annotations

import os
import resource
import select
import struct
import subprocess
import sys

_OK, _EMPTY, _FAILED, _READY = b"\x00", b"\x01", b"\x02", b"\x03"
_HEADER = struct.Struct("<I")
# Starting the child (imports) is not charged to any page.
_STARTUP_TIMEOUT = 300.0


class ExtractTimeout(Exception):
    """Extraction took longer than the limit; the worker process was killed."""


class ExtractCrash(Exception):
    """The worker process died (segfault, out of memory) or extraction raised."""


def extract_text(html: str, *, speedups: bool = True) -> str | None:
    """trafilatura as FineWeb ran it: precision over recall, no comments, repeated segments removed.

    `speedups` evaluates trafilatura's slowest selectors faster, with identical output
    (`curation.xpath_speedups`); False runs trafilatura's own, to compare.
    """
    import trafilatura
    from trafilatura.deduplication import LRU_TEST

    from curation import xpath_speedups

    if speedups:
        xpath_speedups.install()
    else:
        xpath_speedups.uninstall()
    LRU_TEST.clear()
    return trafilatura.extract(html, favor_precision=True, include_comments=False, deduplicate=True)


def _write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> bytes:
    (n,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    return _read_exact(fd, n)


def _serve(memory_limit: int) -> None:
    """Child loop on stdin/stdout: receive HTML, reply with status + text."""
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    from curation.xpath_speedups import install

    install()  # imports trafilatura once, before the first page

    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    _write_frame(fd_out, _READY)
    while True:
        try:
            html = _read_frame(fd_in).decode("utf-8", errors="replace")
        except EOFError:
            return
        try:
            text = extract_text(html)
            reply = _OK + text.encode("utf-8") if text else _EMPTY
        except Exception as e:  # trafilatura/lxml failure on this page; the child lives on
            reply = _FAILED + f"{type(e).__name__}: {e}"[:300].encode("utf-8", "replace")
        _write_frame(fd_out, reply)


class Extractor:
    """Calls `extract_text` in a child process with a hard time limit per page."""

    def __init__(self, timeout: float = 5.0, memory_limit: int = 4 << 30):
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._proc: subprocess.Popen | None = None
        self._starting = False

    def start(self) -> None:
        """Launch the child if none runs; it imports trafilatura while the caller goes on (DoFn.setup calls this)."""
        if self._proc is None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "curation.extract", str(self.memory_limit)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
            )
            self._starting = True

    def _await_ready(self) -> None:
        if not self._ready(_STARTUP_TIMEOUT) or _read_frame(self._proc.stdout.fileno()) != _READY:
            self._kill()
            raise RuntimeError("extraction worker process did not start")
        self._starting = False

    def _ready(self, timeout: float) -> bool:
        readable, _, _ = select.select([self._proc.stdout], [], [], timeout)
        return bool(readable)

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdin.close()
            self._proc.stdout.close()
        self._proc = None
        self._starting = False

    def __call__(self, html: str) -> str | None:
        if self._proc is not None and self._proc.poll() is not None:
            self._kill()  # died between pages
        self.start()
        if self._starting:
            self._await_ready()  # start-up is never charged to a page's time limit
        try:
            _write_frame(self._proc.stdin.fileno(), html.encode("utf-8", errors="replace"))
            if not self._ready(self.timeout):
                self._kill()
                raise ExtractTimeout(f"extraction exceeded {self.timeout}s")
            reply = _read_frame(self._proc.stdout.fileno())
        except (EOFError, OSError) as e:
            self._kill()
            raise ExtractCrash(f"extraction process died: {type(e).__name__}") from e
        status, body = reply[:1], reply[1:]
        if status == _OK:
            return body.decode("utf-8")
        if status == _EMPTY:
            return None
        raise ExtractCrash(body.decode("utf-8", errors="replace"))

    def close(self) -> None:
        self._kill()

    def __enter__(self) -> "Extractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
