"""Files on Beam's FileSystems (local, gs://, s3://): atomic writes, and the run manifest that hands one phase to the next.

Every file a phase writes is written atomically by `curation.atomic` on these
file systems (a hidden temporary name, renamed into place when complete), so a
reader (or a rerun after `kill -9`) never sees a partial file;
`remove_temporaries` clears what a killed run left.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import AbstractContextManager
from typing import BinaryIO

import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from curation.atomic import TMP_MARK, Storage, atomic_write, write_atomic
from curation.manifest import read_manifest_file


def _delete(path: str) -> None:
    if FileSystems.exists(path):
        FileSystems.delete([path])


BEAM = Storage(
    create=lambda path: FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED),  # makes local folders
    rename=lambda tmp, path: FileSystems.rename([tmp], [path]),
    delete=_delete,
)


def atomic_create(path: str) -> AbstractContextManager[BinaryIO]:
    """A writable binary stream whose content appears at `path` only once the block ends without an error."""
    return atomic_write(path, BEAM)


def write_text_atomically(path: str, text: str) -> None:
    write_atomic(path, text.encode("utf-8"), BEAM)


def read_text(path: str) -> str:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return f.read().decode("utf-8")


def open_parquet(path: str) -> pq.ParquetFile:
    """A Parquet file on any FileSystem, for streaming reads (the stream closes when the ParquetFile goes).

    Without pre-buffering: pyarrow's pre-buffer cache keeps every row group read until the file is closed,
    so reading a file batch by batch would hold all of it.
    """
    stream = FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
    return pq.ParquetFile(stream, pre_buffer=False, buffer_size=1 << 20)


def read_columns(path: str, columns: list[str]):
    """Whole columns of a Parquet file on any FileSystem, as a pyarrow Table."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return pq.read_table(f, columns=columns)


def matching(patterns: list[str]) -> list[str]:
    return sorted({m.path for result in FileSystems.match(patterns) for m in result.metadata_list})


def remove_temporaries(directory: str) -> None:
    """Delete what killed runs left in `directory` and its sub-folders: hidden temporary files."""
    stale = matching([f"{directory}/.*{TMP_MARK}*", f"{directory}/*/.*{TMP_MARK}*"])
    if stale:
        FileSystems.delete(stale)


def write_manifest(entries: list[dict], path: str) -> str:
    """One JSON object per staged input, sorted by input path: the order every later phase uses. Returns `path`."""
    lines = [json.dumps(entry, sort_keys=True) for entry in sorted(entries, key=lambda e: e["input"])]
    write_text_atomically(path, "".join(line + "\n" for line in lines))
    return path


def read_manifest(path: str) -> list[dict]:
    return read_manifest_file(path, read_text=read_text)


def delete_tree(path: str) -> None:
    """Delete a folder and everything below it, if it exists (object stores: every object under the prefix)."""
    if "://" not in path:
        if os.path.isdir(path):
            shutil.rmtree(path)
        return
    found = matching([f"{path.rstrip('/')}/**"])
    if found:
        FileSystems.delete(found)
