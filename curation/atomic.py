"""Atomic file writes: a file appears whole or not at all.

Content goes to a hidden temporary name beside the target (`.NAME.tmp-<random>`)
and is renamed over it only once complete, so a reader, or a rerun after a crash
or `kill -9`, sees the old file or the whole new one, never part of one; on an
error the temporary file is deleted. A killed writer can leave only hidden files
with TMP_MARK in their names, which its next run may delete.

The file system is a parameter (`Storage`): local files by default, where the
content is flushed to disk before the rename so a power cut cannot leave the new
name with empty content; pipelines pass Beam's FileSystems (gs://, s3://).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import BinaryIO, NamedTuple

TMP_MARK = ".tmp-"


class Storage(NamedTuple):
    """The three operations an atomic write needs from a file system."""

    create: Callable[[str], BinaryIO]  # a new file, open for binary writing
    rename: Callable[[str, str], None]  # (temporary, target): the temporary file replaces the target
    delete: Callable[[str], None]  # remove a file if it exists


def _replace_local(tmp: str, path: str) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _delete_local(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


LOCAL = Storage(create=lambda path: open(path, "xb"), rename=_replace_local, delete=_delete_local)


def temporary_name(path: str) -> str:
    """A fresh hidden name in the folder of `path` (any file system's "/"-separated path)."""
    folder, slash, name = path.rpartition("/")
    return f"{folder}{slash}.{name}{TMP_MARK}{uuid.uuid4().hex}"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, storage: Storage = LOCAL) -> Iterator[str]:
    """A temporary path to write by any means (duckdb COPY, pyarrow, a stream) that becomes `path` when the
    block ends without an error, and is deleted when it raises."""
    target = os.fspath(path)
    tmp = temporary_name(target)
    try:
        yield tmp
        storage.rename(tmp, target)
    except BaseException:
        storage.delete(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, storage: Storage = LOCAL) -> Iterator[BinaryIO]:
    """A writable binary stream whose content replaces `path` once the block ends without an error."""
    with atomic_path(path, storage) as tmp, contextlib.closing(storage.create(tmp)) as stream:
        yield stream


def write_atomic(path: str | os.PathLike, data: bytes, storage: Storage = LOCAL) -> None:
    """Readers see the old file or the whole new one, never a partial write."""
    with atomic_write(path, storage) as f:
        f.write(data)
