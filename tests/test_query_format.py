"""`curate query --format`: the exact bytes on stdout, with Unix line ends in every format.

A `\\r` before each newline (Python csv's default) turns `n=$(curate query ... --format csv | tail -1)`
into `40\\r`, which breaks shell arithmetic and `sort -u`; duckdb's own CLI ends lines with `\\n`.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from curation.document import Document
from curation.schema import schema_for, to_row

BY_URL = "SELECT url, text FROM docs ORDER BY url"


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """A curated-output folder with two kept documents, one of them with Windows line ends in its text."""
    out = tmp_path_factory.mktemp("curated")
    (out / "data").mkdir()
    docs = [
        Document(id=f"<urn:uuid:{n}>", url=f"https://site.example/{n}", date="2024-07-22T12:00:00Z",
                 dump="CC-MAIN-2024-30", file_path="sample.warc.gz", text=text, language="en", language_score=0.9,
                 token_count=4)
        for n, text in ((1, "first line\r\nsecond line"), (2, "one line"))
    ]
    table = pa.Table.from_pylist([to_row(doc) for doc in docs], schema=schema_for(False, None))
    pq.write_table(table, out / "data" / "part-00000-of-00001.parquet")
    return out


def query(output: Path, sql: str, fmt: str) -> bytes:
    """stdout of `curate query` in a subprocess, as bytes: nothing between the command and the pipe."""
    argv = [sys.executable, "-m", "curate_cli.main", "query", sql, "--output", str(output), "--format", fmt]
    return subprocess.run(argv, capture_output=True, check=True, cwd=REPO).stdout


def test_csv_lines_end_in_newline(output):
    assert query(output, "SELECT count(*) AS n FROM docs", "csv") == b"n\n2\n"


def test_a_csv_count_works_in_shell_arithmetic(output):
    command = shlex.join([sys.executable, "-m", "curate_cli.main", "query", "SELECT count(*) AS n FROM docs",
                          "--output", str(output), "--format", "csv"])
    script = f"n=$({command} | tail -1); echo $((n + 1))"
    assert subprocess.run(["bash", "-c", script], capture_output=True, cwd=REPO).stdout == b"3\n"


def test_csv_keeps_line_breaks_inside_a_value_quoted(output):
    assert query(output, BY_URL, "csv") == (
        b'url,text\nhttps://site.example/1,"first line\r\nsecond line"\nhttps://site.example/2,one line\n')


def test_json_is_one_object_per_line_ending_in_newline(output):
    assert query(output, BY_URL, "json") == (
        b'{"url": "https://site.example/1", "text": "first line\\r\\nsecond line"}\n'
        b'{"url": "https://site.example/2", "text": "one line"}\n')


def test_table_shows_a_line_break_inside_a_value_as_one_space(output):
    assert query(output, BY_URL, "table") == (
        b"url                     text                  \n"
        b"----------------------  ----------------------\n"
        b"https://site.example/1  first line second line\n"
        b"https://site.example/2  one line              \n"
        b"(2 rows)\n")
