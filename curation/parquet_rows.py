"""Rows in and out of Parquet in bounded memory: writes flush a row group every few MB, reads go batch by batch.

Row-group boundaries depend only on the sequence of rows written, so the same
rows always give the same bytes. A writer holds at most BATCH_ROWS rows as
Python dicts; the rest of a row group waits as Arrow batches, a compact copy.
"""

from __future__ import annotations

from typing import BinaryIO, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 20_000
ROW_GROUP_BYTES = 8 << 20  # of text: about FineWeb's 1,000 documents per row group; bounds what a writer holds
BATCH_ROWS = 256
# Unique per row, so a dictionary only costs memory and time before the writer falls back to plain encoding.
NO_DICTIONARY = ("text", "id", "url", "date", "duplicate_of", "record_key", "exact_key", "band_keys")


class RowWriter:
    """dict rows -> one zstd Parquet file on `stream` of `schema`; `close(metadata)` adds footer key-value metadata."""

    def __init__(self, stream: BinaryIO, schema: pa.Schema, max_rows: int = ROW_GROUP_ROWS, max_bytes: int = ROW_GROUP_BYTES,
                 compression_level: int | None = None):
        self.schema = schema
        self.max_rows, self.max_bytes = max_rows, max_bytes
        dictionary = [name for name in schema.names if name not in NO_DICTIONARY]
        self.writer = pq.ParquetWriter(stream, schema, compression="zstd", compression_level=compression_level,
                                       use_dictionary=dictionary)
        self.rows: list[dict] = []
        self.batches: list[pa.RecordBatch] = []
        self.group_rows = 0
        self.bytes = 0
        self.count = 0

    def write(self, row: dict, nbytes: int) -> None:
        self.rows.append(row)
        self.bytes += nbytes
        self.count += 1
        self.group_rows += 1
        if len(self.rows) >= BATCH_ROWS:
            self._batch()
        if self.group_rows >= self.max_rows or self.bytes >= self.max_bytes:
            self._flush()

    def _batch(self) -> None:
        if self.rows:
            # Keys the schema lacks are ignored, struct fields a row lacks are null.
            self.batches.append(pa.RecordBatch.from_pylist(self.rows, schema=self.schema))
        self.rows = []

    def _flush(self) -> None:
        self._batch()
        if self.batches:
            table = pa.Table.from_batches(self.batches, schema=self.schema)
            self.writer.write_table(table, row_group_size=table.num_rows)
        self.batches, self.group_rows, self.bytes = [], 0, 0

    def close(self, metadata: dict | None = None) -> None:
        self._flush()
        if metadata:
            self.writer.add_key_value_metadata(metadata)
        self.writer.close()


def iter_rows(source, columns: list[str] | None = None, batch_size: int = BATCH_ROWS) -> Iterator[dict]:
    """The rows of a Parquet file (path, stream or ParquetFile), a batch at a time."""
    parquet = source if isinstance(source, pq.ParquetFile) else pq.ParquetFile(source)
    for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
        yield from batch.to_pylist()
