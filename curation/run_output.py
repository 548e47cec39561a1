"""The output folder of `curate run`: its shards, OUT/data/<language>/*.parquet (kept) and OUT/removed/<language>/*.parquet
(dropped), one folder per FineWeb-2 language name (`curation.languages.output_language`), as FineWeb-2 publishes.

Every reader of a run (tokenize, index, search, dedup, held-out checks, the demo)
lists shards here, so all agree on which files they are and in which order.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable


def run_shards(out_dir: str | os.PathLike, kind: str = "data", language: str | None = None,
               match: Callable[[str], Iterable[str]] = glob.glob) -> list[str]:
    """OUT/<kind>/<language>/*.parquet sorted by (language, name): every language's, or only `language`'s.

    Without `language`, shards directly in OUT/<kind>/ (the layout before per-language folders, or a folder made
    by hand) are listed too, first. Hidden files (temporary files of a killed writer) never are.
    `match` expands a glob pattern: local files by default; pipelines pass Beam's matcher (gs://, s3://).
    """
    root = os.path.join(glob.escape(os.fspath(out_dir)), kind)
    if language is not None:
        found = [(language, path) for path in match(os.path.join(root, glob.escape(language), "*.parquet"))]
    else:
        found = [("", path) for path in match(os.path.join(root, "*.parquet"))]
        found += [(path.rsplit("/", 2)[-2], path) for path in match(os.path.join(root, "*", "*.parquet"))]
    keyed = sorted((folder, path.rpartition("/")[2], path) for folder, path in found)
    return [path for folder, name, path in keyed if not name.startswith(".") and not folder.startswith(".")]


def run_languages(out_dir: str | os.PathLike, kind: str = "data",
                  match: Callable[[str], Iterable[str]] = glob.glob) -> list[str]:
    """The language folders of OUT/<kind> that hold shards, sorted (shards directly in OUT/<kind>/ have none)."""
    top = os.path.join(os.fspath(out_dir), kind)
    return sorted({os.path.basename(os.path.dirname(path)) for path in run_shards(out_dir, kind, match=match)
                   if os.path.dirname(path) != top})
