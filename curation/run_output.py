"""The output folder of `curate run`: its shards, OUT/data/*.parquet (kept) and OUT/removed/*.parquet (dropped).

Every reader of a run (tokenize, index, search, dedup, held-out checks, the demo)
lists shards here, so all agree on which files they are and in which order.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable


def run_shards(out_dir: str | os.PathLike, kind: str = "data",
               match: Callable[[str], Iterable[str]] = glob.glob) -> list[str]:
    """OUT/<kind>/*.parquet in name order, without hidden files (temporary files of a killed writer).

    `match` expands a glob pattern: local files by default; pipelines pass Beam's matcher (gs://, s3://).
    """
    pattern = os.path.join(glob.escape(os.fspath(out_dir)), kind, "*.parquet")
    return sorted(path for path in match(pattern) if not path.rpartition("/")[2].startswith("."))
