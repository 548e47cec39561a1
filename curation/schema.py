"""FineWeb's Parquet schema, spelled out so every shard has exactly these columns and types."""

from __future__ import annotations

import pyarrow as pa

from curation.document import Document

FINEWEB_SCHEMA = pa.schema(
    [
        pa.field("text", pa.string()),
        pa.field("id", pa.string()),
        pa.field("dump", pa.string()),
        pa.field("url", pa.string()),
        pa.field("date", pa.string()),
        pa.field("file_path", pa.string()),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float64()),
        pa.field("token_count", pa.int64()),
    ]
)

# Kept documents also carry FineWeb-2's cluster size: 1 + the documents dedup removed as their duplicates (null
# without dedup), which rehydration turns into repeats.
CLUSTER_SIZE = "minhash_cluster_size"
KEPT_SCHEMA = FINEWEB_SCHEMA.append(pa.field(CLUSTER_SIZE, pa.int64()))

# Removed documents carry why they were removed; dedup also names the survivor.
REMOVED_SCHEMA = FINEWEB_SCHEMA.append(pa.field("filter_reason", pa.string())).append(
    pa.field("duplicate_of", pa.string())
)

SIGNALS_COLUMN = "signals"

# Removed documents of a run with --decontaminate say which benchmark row they quote, and with which words.
CONTAMINATION_COLUMN = "contamination"
CONTAMINATION_TYPE = pa.struct([pa.field("benchmark", pa.string()), pa.field("row", pa.int64()),
                                pa.field("ngram", pa.string())])

# FineWeb-Edu's classifier columns, written only when a quality model scored the documents (never faked).
QUALITY_FIELDS = [pa.field("score", pa.float64()), pa.field("int_score", pa.int64())]


def schema_for(removed: bool, signal_names: list[str] | None, quality: bool = False,
               contamination: bool = False) -> pa.Schema:
    """The kept or removed schema, then `score`/`int_score` with a quality model, then a `signals` struct of float64;
    removed documents of a decontaminated run end with the `contamination` struct."""
    schema = REMOVED_SCHEMA if removed else KEPT_SCHEMA
    if quality:
        for quality_field in QUALITY_FIELDS:
            schema = schema.append(quality_field)
    if signal_names:
        struct = pa.struct([pa.field(name, pa.float64()) for name in sorted(signal_names)])
        schema = schema.append(pa.field(SIGNALS_COLUMN, struct))
    if removed and contamination:
        schema = schema.append(pa.field(CONTAMINATION_COLUMN, CONTAMINATION_TYPE))
    return schema


def to_row(doc: Document, filter_reason: str | None = None, signal_names: list[str] | None = None,
           quality: bool = False, cluster_size: int | None = None, contamination: bool = False) -> dict:
    """One Parquet row; `filter_reason` makes it a removed-documents row, else `cluster_size` is its CLUSTER_SIZE."""
    row = {
        "text": doc.text,
        "id": doc.id,
        "dump": doc.dump,
        "url": doc.url,
        "date": doc.date,
        "file_path": doc.file_path,
        "language": doc.language,
        "language_score": float(doc.language_score),
        "token_count": doc.token_count,
    }
    if filter_reason is not None:
        row["filter_reason"] = filter_reason
        row["duplicate_of"] = doc.duplicate_of
    else:
        row[CLUSTER_SIZE] = cluster_size
    if quality:
        row["score"] = doc.score
        row["int_score"] = doc.int_score
    if signal_names:
        row[SIGNALS_COLUMN] = {name: doc.signals.get(name) for name in sorted(signal_names)}
    if contamination and filter_reason is not None:
        row[CONTAMINATION_COLUMN] = doc.contamination
    return row


def from_row(row: dict) -> Document:
    """A Parquet row -> Document (the inverse of `to_row`); nulls become empty values."""

    def text(name: str) -> str:
        value = row.get(name)
        return value if isinstance(value, str) else ""

    signals = row.get(SIGNALS_COLUMN) or {}
    return Document(
        id=text("id"), url=text("url"), date=text("date"), dump=text("dump"), file_path=text("file_path"),
        text=text("text"), language=text("language"), language_score=float(row.get("language_score") or 0.0),
        token_count=row.get("token_count"), signals={k: float(v) for k, v in signals.items() if v is not None},
        score=row.get("score"), int_score=row.get("int_score"), contamination=row.get(CONTAMINATION_COLUMN),
    )
