"""Write documents as Parquet shards: evenly sized, never empty, deterministic names and bytes, atomic.

Shard count comes from the total text size (a side input), each document goes to
shard `blake2b(id) mod n`, and each shard is sorted by (id, url, text hash)
before writing, so the same input always gives the same files whatever the
runner, worker count or bundle order. Each shard is written to a hidden
temporary name and renamed into place: a reader never sees a partial file.
"""

from __future__ import annotations

import hashlib
import io
import math
import uuid

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from curation.schema import schema_for, to_row

TARGET_SHARD_BYTES = 128 << 20
KINDS = ("data", "removed")


def shard_name(index: int, count: int) -> str:
    return f"part-{index:05d}-of-{count:05d}.parquet"


def _stable_hash(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _sort_key(row: dict) -> tuple:
    return (row["id"], row["url"], hashlib.blake2b(row["text"].encode("utf-8", "surrogatepass"), digest_size=8).digest())


def write_parquet_atomically(path: str, table: pa.Table) -> None:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=20_000)
    directory, name = path.rsplit("/", 1)
    tmp = f"{directory}/.{name}.tmp-{uuid.uuid4().hex}"
    with FileSystems.create(tmp) as f:
        f.write(buf.getvalue())
    FileSystems.rename([tmp], [path])


class _WriteShard(beam.DoFn):
    def __init__(self, directory: str, kind: str, signal_names: tuple[str, ...], quality: bool = False):
        self.directory = directory
        self.kind = kind
        self.signal_names = list(signal_names)
        self.quality = quality

    def process(self, element):
        (index, count), rows = element
        rows = sorted(rows, key=_sort_key)
        schema = schema_for(self.kind == "removed", self.signal_names, self.quality)
        path = f"{self.directory}/{shard_name(index, count)}"
        write_parquet_atomically(path, pa.Table.from_pylist(rows, schema=schema))
        yield path
        if self.kind == "data":
            yield beam.pvalue.TaggedOutput("events", ("kept", len(rows)))


def _to_row(element, kind: str, signal_names: tuple[str, ...], quality: bool = False) -> dict:
    if kind == "removed":
        reason, doc = element
        return to_row(doc, filter_reason=reason, signal_names=list(signal_names), quality=quality)
    return to_row(element, signal_names=list(signal_names), quality=quality)


def _assign_shard(row: dict, total_bytes: int, target: int):
    count = max(1, math.ceil(total_bytes / target))
    return (_stable_hash(row["id"]) % count, count), row


class WriteShards(beam.PTransform):
    """PCollection[Document] ("data") or PCollection[(reason, Document)] ("removed") -> OUT/<kind>/*.parquet.

    Returns {"paths": written file paths, "events": accounting events (("kept", n) for data)}.
    """

    def __init__(self, output_dir: str, kind: str, signal_names: tuple[str, ...] = (), target_shard_bytes: int = TARGET_SHARD_BYTES,
                 quality: bool = False):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        self.directory = f"{output_dir.rstrip('/')}/{kind}"
        self.kind = kind
        self.signal_names = tuple(sorted(signal_names))
        self.target = target_shard_bytes
        self.quality = quality  # add the `score`/`int_score` columns (a quality model scored the documents)

    def expand(self, pcoll):
        rows = pcoll | "ToRow" >> beam.Map(_to_row, self.kind, self.signal_names, self.quality)
        total = (
            rows
            | "Size" >> beam.Map(lambda row: len(row["text"]) + 200)
            | "TotalSize" >> beam.CombineGlobally(sum)
        )
        written = (
            rows
            | "AssignShard" >> beam.Map(_assign_shard, beam.pvalue.AsSingleton(total), self.target)
            | "GroupByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(_WriteShard(self.directory, self.kind, self.signal_names, self.quality)).with_outputs("events", main="paths")
        )
        return {"paths": written.paths, "events": written.events}
