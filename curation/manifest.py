"""Reading a manifest: the JSON file that says what a folder holds (token shards, a search index, a run's staged files).

Manifests are written last and atomically, so one that is missing, unreadable or
of another format means the folder is not (yet) what the reader expects: every
reader gets the same one-line error naming the file, in the caller's error type.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ManifestError(ValueError):
    """A manifest that is missing, unreadable or of another format."""


def _read_local(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def read_manifest_file(
    path: str | os.PathLike,
    format: str | None = None,
    hint: str = "",
    error: type[Exception] = ManifestError,
    read_text: Callable[[str], str] = _read_local,
) -> Any:
    """The JSON at `path`, or for a `.jsonl` name the list of its lines' JSON values.

    With `format`, the manifest must be an object whose "format" is that. Any problem raises `error`
    with the path, what is wrong, and `hint` (what the user can do).
    """
    path = os.fspath(path)

    def fail(problem: str) -> Exception:
        return error(f"{path}: {problem}" + (f"; {hint}" if hint else ""))

    try:
        text = read_text(path)
        manifest = ([json.loads(line) for line in text.splitlines() if line] if path.endswith(".jsonl")
                    else json.loads(text))
    except FileNotFoundError:
        raise fail("not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise fail(f"unreadable ({e})") from None
    if format is not None and (not isinstance(manifest, dict) or manifest.get("format") != format):
        raise fail(f"not a {format} manifest")
    return manifest
