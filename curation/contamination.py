"""How much of a curated output quotes benchmarks: per benchmark, the rows any kept document shares a word
13-gram with (`curation.decontam`), as a count and a share, and the documents involved, the table GPT-3 printed.

The kept shards are streamed a batch at a time; memory holds the index, one flag per benchmark row and a few
example documents per benchmark, whatever the output's size.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from curation.decontam import BenchmarkIndex, parse_specs, read_rows
from curation.errors import UsageError

BATCH_ROWS = 512


def read_benchmarks(specs: list[str], flag: str, remote: bool = False) -> list[tuple[str, str, list[list[str]] | None]]:
    """NAME=PATH flags -> (name, path, strings of each row), local paths made absolute, each local file read and
    parsed: a mistake is a UsageError naming `flag`, before any work starts. With `remote`, gs:// and s3:// paths
    are allowed and left unread (rows None): the pipeline's workers read them, and launching touches no remote file."""
    try:
        named = parse_specs(specs)
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None
    found = []
    for name, path in named:
        if "://" in path:
            if not remote:
                raise UsageError(f"{flag} {name}: {path} is not a local file")
            found.append((name, path, None))
            continue
        if not os.path.isfile(path):
            raise UsageError(f"{flag} {name}: benchmark file not found: {path}")
        path = os.path.abspath(path)
        try:
            rows = list(read_rows(Path(path).read_bytes(), path))
        except (OSError, ValueError, EOFError, zlib.error) as e:  # unreadable, bad gzip, not JSON, not Parquet
            raise UsageError(f"{flag} {name}: cannot read {path}: {e}"[:400]) from None
        if not any(rows):
            raise UsageError(f"{flag} {name}: {path} holds no text (JSONL, JSON or Parquet rows with strings)")
        found.append((name, path, rows))
    return found


def load_index(specs: list[str], flag: str) -> BenchmarkIndex:
    """NAME=PATH flags of local benchmark files -> their index (`read_benchmarks`). Texts in unspaced scripts get
    their language from lid.176, as in `curate run`."""
    return BenchmarkIndex.build([(name, rows) for name, _, rows in read_benchmarks(specs, flag)], _LazyLanguage())


class _LazyLanguage:
    """lid.176's code of a text, the model loaded on first use (most benchmarks never need it)."""

    def __init__(self):
        self.lid = None

    def __call__(self, text: str) -> str:
        if self.lid is None:
            from curation.langid import LanguageIdentifier

            self.lid = LanguageIdentifier()
        return self.lid.predict(text)[0]


def contaminated_rows(index: BenchmarkIndex, shards: list[str]) -> np.ndarray:
    """One flag per row of the index's benchmarks (global row numbers): shares an n-gram with a kept document."""
    return _scan(index, shards, examples=0)[0]


def report(index: BenchmarkIndex, shards: list[str], examples: int = 10) -> dict:
    """{"documents": scanned, "benchmarks": {name: {rows, texts, contaminated_rows, share, documents, examples}}};
    an example is a document's id, url, and its first matched row and words."""
    dirty, documents, found, scanned = _scan(index, shards, examples)
    out = {}
    for k, benchmark in enumerate(index.benchmarks):
        flags = dirty[index.offsets[k]:index.offsets[k + 1]]
        count = int(flags.sum())
        out[benchmark.name] = {
            "rows": benchmark.rows, "texts": benchmark.texts, "short_texts": benchmark.short,
            "contaminated_rows": count, "share": count / benchmark.rows if benchmark.rows else 0.0,
            "documents": documents[benchmark.name], "examples": found[benchmark.name],
        }
    return {"documents": scanned, "shards": len(shards), "index_bytes": index.nbytes, "benchmarks": out}


def _scan(index: BenchmarkIndex, shards: list[str], examples: int):
    import pyarrow.parquet as pq

    dirty = np.zeros(int(index.offsets[-1]), dtype=bool)
    documents = {b.name: 0 for b in index.benchmarks}
    found: dict[str, list[dict]] = {b.name: [] for b in index.benchmarks}
    scanned = 0
    for shard in shards:
        parquet = pq.ParquetFile(shard)
        columns = [c for c in ("id", "url", "text", "language") if c in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            for doc in batch.to_pylist():
                scanned += 1
                rows = index.all_rows(doc.get("text") or "", doc.get("language") or "")
                if rows.size == 0:
                    continue
                dirty[rows] = True
                touched = {index.locate(int(owner))[0] for owner in rows.tolist()}
                for name in touched:
                    documents[name] += 1
                if examples and any(len(found[name]) < examples for name in touched):
                    _examples(index, doc, touched, found, examples)
    return dirty, documents, found, scanned


def _examples(index: BenchmarkIndex, doc: dict, touched: set[str], found: dict[str, list[dict]], limit: int) -> None:
    """The document's first match with each benchmark it touches, for those still short of examples."""
    wanted = {name for name in touched if len(found[name]) < limit}
    for match in index.matches(doc.get("text") or "", doc.get("language") or ""):
        if match.benchmark in wanted:
            wanted.discard(match.benchmark)
            found[match.benchmark].append({"id": doc.get("id"), "url": doc.get("url"), "row": match.row,
                                           "ngram": match.ngram})
            if not wanted:
                return
