"""The http(s) reader against a local server on 127.0.0.1 that injects 503s, 429s, dropped and reset connections.

`FaultyServer` (also used by test_cc_paths) serves a directory with Range
support and plays a per-file script of faults, one per request, then serves
normally. The pipeline test curates shared WARCs once from disk and once over
HTTP through those faults: the Parquet output must be the same except
`file_path`, which holds the input path (a local path vs. its URL).
"""

from __future__ import annotations

import http.server
import os
import socket
import struct
import threading
import time
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import run_curate, shared_path
from curation.http_reader import HttpReader, HttpReadError, open_url

# Faults, one per request to a file, in order:
#   ("status", code, retry_after)  answer with this status (and Retry-After, if not None)
#   ("drop", n)                    send the headers and n body bytes, then close the connection
#   ("reset", n)                   the same, then abort the connection with a TCP reset
#   ("stall", n, seconds)          send n body bytes, then go silent for `seconds`
#   ("ignore_range",)              answer a Range request with the whole file (200)
#   ("etag", value)                serve the file under a different ETag


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a stalled or dropped response is what these tests do


class FaultyServer:
    """A threaded HTTP server on 127.0.0.1:<free port> over `root`, with scripted faults per path."""

    def __init__(self, root: Path):
        self.root = root
        self.faults: dict[str, list[tuple]] = defaultdict(list)
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.body_bytes_sent = 0
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, relative: str) -> str:
        return f"{self.base}/{relative}"

    def __enter__(self) -> "FaultyServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_fault(self, path: str) -> tuple | None:
        with self._lock:
            return self.faults[path].pop(0) if self.faults[path] else None

    def _handler_class(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.lstrip("/")
                with server._lock:
                    server.requests.append((path, self.headers.get("Range")))
                fault = server._next_fault(path)
                file = (server.root / path).resolve()
                if fault and fault[0] == "status":
                    self.send_response(fault[1])
                    if fault[2] is not None:
                        self.send_header("Retry-After", str(fault[2]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if not file.is_file() or server.root.resolve() not in file.parents:
                    self.send_error(404)
                    return
                data = file.read_bytes()
                etag = fault[1] if fault and fault[0] == "etag" else f'"{len(data)}-{int(file.stat().st_mtime)}"'
                start = 0
                wanted = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                if wanted and not (fault and fault[0] == "ignore_range") and (if_range is None or if_range == etag):
                    start = int(wanted.removeprefix("bytes=").split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("ETag", etag)
                self.end_headers()
                body = data[start:]
                if fault and fault[0] in ("drop", "reset", "stall"):
                    body = body[: fault[1]]
                with server._lock:  # counted before sending: the client may finish before this thread runs on
                    server.body_bytes_sent += len(body)
                self.wfile.write(body)
                self.wfile.flush()
                if fault and fault[0] == "stall":
                    time.sleep(fault[2])
                if fault and fault[0] in ("drop", "reset", "stall"):
                    if fault[0] == "reset":  # SO_LINGER 0: close() sends RST instead of FIN
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True

        return Handler


@pytest.fixture
def served(tmp_path):
    """A 300 KB file of known bytes served by a FaultyServer."""
    data = os.urandom(300_000)
    (tmp_path / "file.bin").write_bytes(data)
    with FaultyServer(tmp_path) as server:
        yield server, data


def _reader(url: str, sleeps: list[float], **options) -> HttpReader:
    return HttpReader(url, sleep=sleeps.append, rng=lambda: 0.0, **options)


def test_plain_read_is_one_request(served):
    server, data = served
    with open_url(server.url("file.bin")) as f:
        assert f.read() == data
    assert server.requests == [("file.bin", None)]


def test_throttling_statuses_are_retried_with_backoff_and_retry_after(served):
    server, data = served
    server.faults["file.bin"] = [("status", 503, None), ("status", 429, 7), ("status", 502, None)]
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps, backoff=1.0).connect() as raw:
        assert raw.read() == data
    # rng 0 -> half of each exponential step: 1 -> 0.5, (Retry-After 7), 4 -> 2
    assert sleeps == [0.5, 7.0, 2.0]
    assert len(server.requests) == 4


def test_dropped_connections_resume_with_range(served):
    server, data = served
    server.faults["file.bin"] = [("drop", 100_000), ("drop", 50_000), ("status", 503, 0), ("drop", 1)]
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps).connect() as raw:
        assert raw.read() == data
    assert [r for _, r in server.requests] == [None, "bytes=100000-", "bytes=150000-", "bytes=150000-", "bytes=150001-"]
    assert server.body_bytes_sent == len(data)  # nothing was downloaded twice


def test_reset_connections_resume_with_range(served):
    server, data = served
    server.faults["file.bin"] = [("reset", 100_000), ("reset", 0)]
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps).connect() as raw:
        assert raw.read() == data
    assert len(sleeps) == 2 and server.requests[-1][1] is not None


def test_stalled_connection_times_out_and_resumes(served):
    server, data = served
    server.faults["file.bin"] = [("stall", 1000, 3.0)]
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps, timeout=0.5).connect() as raw:
        assert raw.read() == data
    assert [r for _, r in server.requests] == [None, "bytes=1000-"]


def test_server_that_ignores_range_is_skipped_forward(served):
    server, data = served
    server.faults["file.bin"] = [("drop", 123_456), ("ignore_range",)]
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps).connect() as raw:
        assert raw.read() == data


def test_retries_are_bounded_and_the_error_says_where(served):
    server, _ = served
    server.faults["file.bin"] = [("status", 503, None)] * 10
    sleeps: list[float] = []
    reader = _reader(server.url("file.bin"), sleeps, max_retries=4, backoff=1.0, max_backoff=3.0)
    with pytest.raises(HttpReadError) as error:
        reader.connect()
    message = str(error.value)
    assert "gave up after 5 failed attempts" in message and "503" in message and server.url("file.bin") in message
    assert sleeps == [0.5, 1.0, 1.5, 1.5]  # exponential, capped at max_backoff (rng 0: half of each step)
    requests_before = len(server.requests)
    with pytest.raises(HttpReadError):
        reader.read(10)  # a reader that gave up stays failed: no new requests
    assert len(server.requests) == requests_before == 5


def test_failures_mid_body_are_counted_per_stretch_without_progress(served):
    server, data = served
    # 6 drops, each after progress: more than max_retries in total, never more than 1 in a row
    server.faults["file.bin"] = [("drop", 40_000)] * 6
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps, max_retries=2).connect() as raw:
        assert raw.read() == data
    assert len(sleeps) == 6


def test_missing_file_fails_at_open_without_retrying(served):
    server, _ = served
    with pytest.raises(HttpReadError, match="HTTP 404"):
        open_url(server.url("nope.warc.gz"))
    assert len(server.requests) == 1


def test_a_file_that_changes_during_the_read_is_an_error(served):
    server, _ = served
    server.faults["file.bin"] = [("drop", 1000), ("etag", '"another-version"')]
    sleeps: list[float] = []
    with _reader(server.url("file.bin"), sleeps).connect() as raw:
        with pytest.raises(HttpReadError, match="changed"):
            raw.read()


def test_connection_refused_gives_up_with_a_clear_error():
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    with pytest.raises(HttpReadError, match="ConnectionRefusedError"):
        _reader(f"http://127.0.0.1:{port}/x.warc.gz", sleeps, max_retries=2).connect()
    assert len(sleeps) == 2


# A real CC excerpt (per-record gzip), an uncompressed CC WARC (2014) and a file truncated mid-record.
SHARED_WARCS = ["resiliparse/warcfile.warc.gz", "npm_warc", "resiliparse/clipped.warc.gz"]


def test_pipeline_over_http_with_faults_equals_local_run(tmp_path):
    """Same Parquet (all columns but file_path) and the same accounting as the local-file run."""
    root = shared_path("warcs")
    npm = next((root / "npm_warc").glob("*.warc"))
    files = [root / name for name in SHARED_WARCS if name != "npm_warc"] + [npm]
    relative = [str(f.relative_to(root)) for f in files]
    common = ["--languages", "all", "--filters", "none", "--workers", "1"]  # keep every page: more to compare
    local = run_curate(*[a for f in files for a in ("--input", str(f))], "--output", str(tmp_path / "local"), *common)
    with FaultyServer(root) as server:
        for rel in relative:
            size = (root / rel).stat().st_size
            server.faults[rel] = [("status", 503, 0), ("drop", size // 3), ("status", 429, 0), ("reset", size // 4)]
        urls = [server.url(rel) for rel in relative]
        remote = run_curate(*[a for u in urls for a in ("--input", u)], "--output", str(tmp_path / "http"), *common)
        ranged = [r for _, r in server.requests if r]
    assert len(ranged) >= 2 * len(files)  # every file was resumed at least twice
    for key in ("records_read", "kept", "dropped", "errors"):
        assert remote[key] == local[key], key
    assert local["kept"] > 0 and local["file_errors"]
    by_url = {server.url(str(Path(p).relative_to(root))): m for p, m in local["file_errors"].items()}
    assert remote["file_errors"] == by_url
    for kind in ("data", "removed"):
        local_files = sorted((tmp_path / "local" / kind).glob("*/*.parquet"))
        http_files = sorted((tmp_path / "http" / kind).glob("*/*.parquet"))
        assert [f.relative_to(tmp_path / "local") for f in local_files] == [f.relative_to(tmp_path / "http") for f in http_files]
        assert local_files
        for a, b in zip(local_files, http_files):
            ta, tb = pq.read_table(a), pq.read_table(b)
            assert ta.drop_columns(["file_path"]).equals(tb.drop_columns(["file_path"]))
            assert set(tb.column("file_path").to_pylist()) <= set(urls)
