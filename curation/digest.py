"""Content digests of files: 16-byte BLAKE2b in hex, read in 1 MB chunks so any size takes constant memory.

What the staging fingerprint, the search index and `curate ablate` use to tell whether a file changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO


def stream_digest(f: BinaryIO) -> str:
    """The digest of everything `f` has left to read."""
    h = hashlib.blake2b(digest_size=16)
    while chunk := f.read(1 << 20):
        h.update(chunk)
    return h.hexdigest()


def file_digest(path: str | Path) -> str:
    with open(path, "rb") as f:
        return stream_digest(f)
