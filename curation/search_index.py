"""A BM25 index over the kept shards, as Parquet that duckdb queries (`curate index`).

duckdb's own `fts` extension is not in the installed duckdb package (2.0.1) and
`LOAD fts` would download it; the extension wheels on PyPI are built for duckdb
1.4/1.5 and refuse to load. So the index is a plain inverted index in Parquet,
built and queried by duckdb: one pair of files per source shard,

    OUT/index/postings-<key>.parquet   term, part, doc, tf     (sorted by term: row groups prune by min/max)
    OUT/index/docs-<key>.parquet       part, doc, id, url, len, text (doc = the row number in the shard)
    OUT/index/manifest.json            the shards indexed, with size, mtime and content hash

`<key>` is a hash of the shard's name and bytes, so an unchanged shard keeps its
files, a changed one gets new files, and the same shards always give the same
index whatever was indexed before. The document table keeps the text too, in row
groups of DOC_ROW_GROUP_ROWS documents, so showing a hit's passage reads a few
hundred documents rather than a whole shard's text column (curated shards hold up
to 20,000 documents per row group). Terms are the lower-cased runs of letters and
digits (RE2, linear time on any text), at most MAX_TERM_CHARS long; the query side
splits queries with the same SQL expression.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from curation.atomic import atomic_path, write_atomic
from curation.digest import file_digest
from curation.manifest import read_manifest_file
from curation.run_output import run_shards

INDEX_DIR = "index"
MANIFEST = "manifest.json"
FORMAT = "curation-bm25/1"
TERM_PATTERN = r"[\p{L}\p{N}]+"
MAX_TERM_CHARS = 40  # longer runs (base64, hashes, hostile pages) are not words anyone searches for
POSTINGS_ROW_GROUP_ROWS = 8_192  # postings per row group: a term lookup reads a few of them
DOC_ROW_GROUP_ROWS = 256  # documents per row group of the document table
SPILL_PREFIX = ".spill-"  # duckdb's temp files while indexing, inside the index folder


class SearchIndexError(ValueError):
    """No shards to index, or an index that does not match the shards: one line for the user."""


def terms_sql(expr: str) -> str:
    """SQL for the list of terms of a text expression; the index and the queries use this one definition."""
    return (f"list_filter(regexp_extract_all(lower({expr}), '{TERM_PATTERN}'), "
            f"lambda t: length(t) <= {MAX_TERM_CHARS})")


def index_dir(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / INDEX_DIR


def read_manifest(out_dir: str | os.PathLike) -> dict:
    return read_manifest_file(index_dir(out_dir) / MANIFEST, format=FORMAT, error=SearchIndexError,
                              hint=f"no search index in {out_dir}: run `curate index {out_dir}`")


def _part_key(name: str, digest: str) -> int:
    """A signed 64-bit id of (shard name, content): the `part` column that ties postings to their shard."""
    raw = hashlib.blake2b(f"{name}\0{digest}".encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big", signed=True)


@dataclass
class IndexSummary:
    shards: int
    indexed: list[str]  # shards (re)indexed by this call
    removed: list[str]  # shards that left the index
    docs: int
    index_bytes: int
    text_bytes: int
    seconds: float


def build_index(out_dir: str | os.PathLike, threads: int | None = None) -> IndexSummary:
    """Index new and changed shards of OUT/data, drop removed ones; the manifest is replaced last."""
    import duckdb

    t0 = time.perf_counter()
    files = [Path(path) for path in run_shards(out_dir)]
    if not files:
        raise SearchIndexError(f"no Parquet shards in {Path(out_dir) / 'data'}; pass the --output folder of `curate run`")
    idx = index_dir(out_dir)
    idx.mkdir(exist_ok=True)
    try:
        old = read_manifest(out_dir)["shards"]
    except SearchIndexError:  # none yet, or one this version cannot read: index every shard
        old = {}
    with tempfile.TemporaryDirectory(prefix=SPILL_PREFIX, dir=idx) as spill:
        con = duckdb.connect(config={"temp_directory": spill})  # not duckdb's default ./.tmp in the cwd
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        shards, indexed = {}, []
        for path in files:
            name = shard_key(out_dir, path)
            stat = path.stat()
            entry = old.get(name)
            if entry and _files_exist(idx, entry) and (entry["size"], entry["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns):
                shards[name] = entry
                continue
            digest = file_digest(path)
            if entry and _files_exist(idx, entry) and entry["blake2b"] == digest:
                shards[name] = {**entry, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
                continue
            shards[name] = _index_shard(con, path, idx, digest, stat)
            indexed.append(name)
        con.close()
    parts = [s["part"] for s in shards.values()]
    if len(set(parts)) != len(parts):
        raise SearchIndexError("two shards hash to the same part key; rename one")  # 2**-64 per pair
    manifest = {"format": FORMAT, "term_pattern": TERM_PATTERN, "max_term_chars": MAX_TERM_CHARS,
                "docs": sum(s["docs"] for s in shards.values()),
                "terms": sum(s["terms"] for s in shards.values()),
                "shards": dict(sorted(shards.items()))}
    write_atomic(idx / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
    keep = {MANIFEST} | {s[k] for s in shards.values() for k in ("postings", "doc_table")}
    for stale in idx.iterdir():  # files of removed or changed shards, and what a killed build left
        if stale.name not in keep:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return IndexSummary(
        shards=len(shards), indexed=indexed, removed=sorted(set(old) - set(shards)), docs=manifest["docs"],
        index_bytes=sum((idx / n).stat().st_size for n in keep),
        text_bytes=sum(s["text_bytes"] for s in shards.values()), seconds=time.perf_counter() - t0)


def _files_exist(idx: Path, entry: dict) -> bool:
    return (idx / entry["postings"]).exists() and (idx / entry["doc_table"]).exists()


def shard_key(out_dir: str | os.PathLike, path: str | os.PathLike) -> str:
    """A shard's name in the index manifest: its path under OUT/data ("deu_Latn/part-00000-of-00001.parquet"), since
    every language folder has a part-00000."""
    return Path(os.path.relpath(path, Path(out_dir) / "data")).as_posix()


def _index_shard(con, path: Path, idx: Path, digest: str, stat: os.stat_result) -> dict:
    """Write one shard's postings and document table under temp names, then rename them into place."""
    part = _part_key(path.name, digest)
    key = f"{part & (2**64 - 1):016x}"
    names = {"postings": f"postings-{key}.parquet", "doc_table": f"docs-{key}.parquet"}
    src = str(path).replace("'", "''")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE shard_terms AS
        SELECT file_row_number::INTEGER AS doc, id, url, coalesce(text, '') AS text,
               strlen(coalesce(text, '')) AS text_bytes, {terms_sql("coalesce(text, '')")} AS terms
        FROM read_parquet('{src}', file_row_number = true)""")
    postings = f"""SELECT term, {part}::BIGINT AS part, doc, count(*)::INTEGER AS tf
                   FROM (SELECT doc, unnest(terms) AS term FROM shard_terms)
                   GROUP BY term, doc ORDER BY term, doc"""
    with atomic_path(idx / names["postings"]) as tmp:
        con.execute(f"COPY ({postings}) TO '{tmp.replace(chr(39), chr(39) * 2)}' "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {POSTINGS_ROW_GROUP_ROWS})")
    # pyarrow, not COPY: duckdb rounds row groups up to 2,048 rows
    docs_table = con.sql(f"""SELECT {part}::BIGINT AS part, doc, id, url, len(terms)::INTEGER AS len, text
                                 FROM shard_terms ORDER BY doc""").to_arrow_table()
    with atomic_path(idx / names["doc_table"]) as tmp:
        pq.write_table(docs_table, tmp, row_group_size=DOC_ROW_GROUP_ROWS, compression="zstd")
    docs, terms, text_bytes = con.execute(
        "SELECT count(*), coalesce(sum(len(terms)), 0), coalesce(sum(text_bytes), 0) FROM shard_terms").fetchone()
    con.execute("DROP TABLE shard_terms")
    return {"part": part, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "blake2b": digest, "docs": docs,
            "terms": int(terms), "text_bytes": int(text_bytes), **names}
