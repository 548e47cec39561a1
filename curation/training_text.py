"""The documents `curate quality train|score` read: Parquet, JSONL/JSON and text files, or a `curate run` output.

Training data comes in many shapes (FineWeb shards, SFT sets with `question`
and `answer`, ShareGPT chats), so the caller names the fields that hold the
text, and `record_fields` says which fields the records have when none did.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Iterable, Sequence

from curation.run_output import run_shards


def read_texts(path: str, fields: Sequence[str] = ("text",)) -> Iterable[str]:
    """Documents from a file or directory: Parquet (`fields` columns), JSONL or JSON (records' `fields`), or text files.

    A directory holding `data/*.parquet` is read as the output of `curate run` (its kept
    documents); any other directory is walked for .parquet, .jsonl, .json (optionally .gz)
    and .txt files. A field may hold a string, a list of strings, or a chat (a list of
    {"value"|"content": str} messages, as in ShareGPT or OpenAI format); a record's fields
    are joined by blank lines. Records with no text are skipped.
    """
    for file in _input_files(path):
        try:
            yield from _file_texts(file, fields)
        except (OSError, ValueError) as e:  # unreadable file, bad JSON, bad Parquet: name the file
            raise ValueError(f"{file}: {e}") from e


def _file_texts(file: str, fields: Sequence[str]) -> Iterable[str]:
    name = file.lower()
    if name.endswith(".parquet"):
        yield from _parquet_texts(file, fields)
    elif name.endswith(_JSON_SUFFIXES):
        yield from _json_texts(file, fields)
    else:
        with open(file, encoding="utf-8", errors="replace") as f:
            text = f.read().strip()
        if text:
            yield text


_JSON_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")
_SUFFIXES = (".parquet", *_JSON_SUFFIXES, ".txt")


def _input_files(path: str) -> list[str]:
    if not os.path.isdir(path):
        if not os.path.exists(path):
            raise FileNotFoundError(f"no such file or directory: {path}")
        return [path]
    curated = run_shards(path)
    if curated:
        return curated
    files = sorted(os.path.join(root, n) for root, _, names in os.walk(path) for n in names
                   if n.lower().endswith(_SUFFIXES) and not n.startswith("."))
    if not files:
        raise FileNotFoundError(f"no .parquet, .jsonl, .json or .txt files under {path}")
    return files


def _parquet_texts(file: str, fields: Sequence[str]) -> Iterable[str]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(file)
    columns = [f for f in fields if f in parquet.schema_arrow.names]
    if not columns:
        raise ValueError(f"{file} has none of the columns {', '.join(fields)}")
    for batch in parquet.iter_batches(columns=columns):
        for record in batch.to_pylist():
            text = _record_text(record, columns)
            if text:
                yield text


def record_fields(paths: Sequence[str], records: int = 1000) -> dict[str, bool]:
    """Field -> whether it held text, over the first `records` JSON records under `paths`: what `fields` could name."""
    files = [f for path in paths for f in _input_files(path) if f.lower().endswith(_JSON_SUFFIXES)]
    found: dict[str, bool] = {}
    for record in itertools.islice(itertools.chain.from_iterable(_json_records(f) for f in files), records):
        for name in record:
            found[name] = found.get(name, False) or bool(_record_text(record, [name]))
    return found


def _json_texts(file: str, fields: Sequence[str]) -> Iterable[str]:
    for record in _json_records(file):
        text = _record_text(record, fields)
        if text:
            yield text


def _json_records(file: str) -> Iterable[dict]:
    """The objects of a JSONL file's lines or of a JSON list (or object); anything else is skipped."""
    import gzip

    opener = gzip.open if file.lower().endswith(".gz") else open
    with opener(file, "rt", encoding="utf-8", errors="replace") as f:
        if ".jsonl" in file.lower():
            records: Iterable = (_parse_json_line(line) for line in f if line.strip())
        else:
            data = json.load(f)
            records = data if isinstance(data, list) else [data]
        yield from (record for record in records if isinstance(record, dict))


def _parse_json_line(line: str):
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None  # a broken line is skipped like a record without text


def _record_text(record: dict, fields: Sequence[str]) -> str:
    parts = []
    for name in fields:
        value = record.get(name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                item = item.get("value", item.get("content"))
            if isinstance(item, str) and item.strip():
                parts.append(item.strip())
    return "\n\n".join(parts)
