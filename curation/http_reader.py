"""Stream a file over http(s) the way Common Crawl needs: no temp copy, survives throttling and dropped links.

`open_url(url)` returns a buffered binary stream. Under it, `HttpReader` keeps
one GET response open and reads from it as the caller reads. On a 429, a 408,
a 500/502/503/504, a timeout or a connection that drops mid-body, it waits (exponential backoff
with jitter, or the server's Retry-After) and asks again from the byte it had
reached, with a Range request. `If-Range` with the first response's ETag (or
Last-Modified) makes sure a resumed download is the same file. The retry budget
counts consecutive failures without progress, so a 1 GB download that is cut
ten times but advances each time still finishes, while a dead server ends with
`HttpReadError` naming the URL, the byte offset and the last error.

Only the standard library: http.client, urllib.parse, ssl.
"""

from __future__ import annotations

import email.utils
import functools
import http.client
import io
import random
import re
import ssl
import time
from typing import Callable, NoReturn
from urllib.parse import urljoin, urlsplit

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.I)
USER_AGENT = "curation/0.1 (Common Crawl reader; python http.client)"


def is_http_url(path: str) -> bool:
    return path.lower().startswith(("http://", "https://"))


class HttpReadError(OSError):
    """A URL could not be read to its end: a permanent HTTP error, or retries exhausted."""


class _Retryable(Exception):
    """A failure worth another attempt; `wait` is the server's Retry-After in seconds, if it gave one."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class HttpReader(io.RawIOBase):
    """A read-only, forward-only raw stream over one http(s) URL with Range-resume and bounded retries.

    `max_retries` consecutive failed attempts without a new byte end the read;
    waits grow as `backoff * 2**n` (capped at `max_backoff`) with jitter, or
    follow Retry-After. `sleep` and `rng` are injectable for tests.
    """

    def __init__(
        self,
        url: str,
        *,
        max_retries: int = 8,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ):
        if not is_http_url(url):
            raise ValueError(f"not an http(s) URL: {url}")
        self.url = url
        self.max_retries, self.backoff, self.max_backoff, self.timeout = max_retries, backoff, max_backoff, timeout
        self._sleep, self._rng = sleep, rng
        self.position = 0  # bytes of the file delivered so far
        self.size: int | None = None  # total length, once a response told us
        self.validator: str | None = None  # ETag or Last-Modified of the first response
        self.attempts = 0  # requests made, for logs and tests
        self._conn: http.client.HTTPConnection | None = None
        self._response: http.client.HTTPResponse | None = None
        self._done = False
        self._failure: HttpReadError | None = None  # once given up, every later read fails at once

    # ------------------------------------------------------------ io.RawIOBase

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.closed:
            raise ValueError("read from a closed HttpReader")
        if self._done or len(buffer) == 0:
            return 0
        return self._retrying(lambda: self._read_once(buffer))

    def close(self) -> None:
        self._disconnect()
        super().close()

    def connect(self) -> "HttpReader":
        """Make the first request now (with retries), so a missing file fails at open, not at first read."""
        self._retrying(self._open_once)
        return self

    # ------------------------------------------------------------ internals

    def _retrying(self, step: Callable[[], int]) -> int:
        """Run `step` until it succeeds; each failure waits longer; HttpReadError after max_retries in a row."""
        if self._failure is not None:
            raise self._failure
        failures = 0
        while True:
            try:
                return step()
            except HttpReadError as e:
                self._fail(e)
            except ssl.SSLCertVerificationError as e:
                self._fail(HttpReadError(f"GET {self.url}: {e}"))
            except (_Retryable, http.client.HTTPException, OSError) as e:
                self._disconnect()
                failures += 1
                if failures > self.max_retries:
                    at = f" at byte {self.position}" + (f" of {self.size}" if self.size is not None else "")
                    self._fail(HttpReadError(
                        f"GET {self.url}: gave up after {failures} failed attempts in a row{at}: {type(e).__name__}: {e}"
                    ))
                self._sleep(self._delay(failures, getattr(e, "wait", None)))

    def _fail(self, error: HttpReadError) -> NoReturn:
        self._disconnect()
        self._failure = error
        raise error

    def _open_once(self) -> int:
        if self._response is None and not self._done:
            self._request()
        return 0

    def _read_once(self, buffer) -> int:
        if self._response is None:
            self._request()
            if self._done:
                return 0
        # read1: one socket read, so bytes that arrived before a timeout are delivered, not lost with it
        data = self._response.read1(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n == 0 and self.size is not None and self.position < self.size:
            raise _Retryable(f"connection closed at byte {self.position} of {self.size}")
        if n == 0:
            self._done = True
            self._disconnect()
            return 0
        self.position += n
        return n

    def _delay(self, failures: int, retry_after: float | None) -> float:
        """Retry-After if the server sent one (capped), else exponential backoff with 'equal jitter'."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff)
        step = min(self.max_backoff, self.backoff * 2 ** (failures - 1))
        return step / 2 + self._rng() * step / 2

    def _request(self) -> None:
        """Open a response positioned at `self.position`, following redirects; raise _Retryable or HttpReadError."""
        url = self.url
        for _ in range(_MAX_REDIRECTS + 1):
            self.attempts += 1
            parts = urlsplit(url)
            conn_type = http.client.HTTPSConnection if parts.scheme.lower() == "https" else http.client.HTTPConnection
            kwargs = {"context": _tls_context()} if conn_type is http.client.HTTPSConnection else {}
            self._conn = conn_type(parts.hostname, parts.port, timeout=self.timeout, **kwargs)
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            if self.position:
                headers["Range"] = f"bytes={self.position}-"
                if self.validator:
                    headers["If-Range"] = self.validator
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            self._conn.request("GET", target, headers=headers)
            response = self._conn.getresponse()
            if response.status in REDIRECT_STATUSES and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                self._disconnect(response)
                continue
            self._accept(response)
            return
        raise HttpReadError(f"GET {self.url}: more than {_MAX_REDIRECTS} redirects")

    def _accept(self, response: http.client.HTTPResponse) -> None:
        status = response.status
        if status in RETRY_STATUSES:
            wait = _retry_after(response.getheader("Retry-After"))
            self._disconnect(response)
            raise _Retryable(f"HTTP {status} {response.reason}", wait)
        if status == 416 and self.size is not None and self.position >= self.size:
            self._disconnect(response)
            self._done = True
            return
        if status not in (200, 206):
            self._disconnect(response)
            kind = "server error" if status >= 500 else "error"
            raise HttpReadError(f"GET {self.url}: HTTP {status} {response.reason} ({kind}, not retried)")
        validator = response.getheader("ETag") or response.getheader("Last-Modified")
        if self.validator is None and self.position == 0:
            self.validator = validator
        elif self.validator and validator and validator != self.validator:
            self._disconnect(response)
            raise HttpReadError(f"GET {self.url}: the file changed while it was read ({self.validator} -> {validator})")
        if status == 206:
            m = _CONTENT_RANGE.match(response.getheader("Content-Range") or "")
            if not m or int(m.group(1)) != self.position:
                self._disconnect(response)
                raise _Retryable(f"bad Content-Range {response.getheader('Content-Range')!r} for byte {self.position}")
            if m.group(3) != "*":
                self.size = int(m.group(3))
        else:
            length = response.getheader("Content-Length")
            self.size = int(length) if length and length.isdigit() else None
        self._response = response
        if status == 200 and self.position:  # the server ignored Range: skip what we already delivered
            self._skip(self.position)

    def _skip(self, count: int) -> None:
        while count:
            n = len(self._response.read1(min(count, 1 << 16)))
            if n == 0:
                raise _Retryable(f"connection closed while skipping to byte {self.position}")
            count -= n

    def _disconnect(self, response: http.client.HTTPResponse | None = None) -> None:
        for closable in (response, self._response, self._conn):
            if closable is not None:
                try:
                    closable.close()
                except Exception:
                    pass
        self._response = self._conn = None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def open_url(url: str, *, buffer_size: int = 1 << 20, **reader_options) -> io.BufferedReader:
    """A buffered binary stream over `url`, connected (errors such as 404 raise HttpReadError here)."""
    return io.BufferedReader(HttpReader(url, **reader_options).connect(), buffer_size=buffer_size)
