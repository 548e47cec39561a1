"""One way to read a manifest (curation.manifest) and to list a run's shards (curation.run_output)."""

from __future__ import annotations

import json

import pytest

from curation.manifest import ManifestError, read_manifest_file
from curation.run_output import run_shards
from pipelines.files import matching, read_manifest, write_manifest


class _Domain(ValueError):
    pass


def test_a_manifest_is_read_as_json_or_json_lines(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"format": "f/1", "n": 2}))
    assert read_manifest_file(tmp_path / "m.json", format="f/1") == {"format": "f/1", "n": 2}
    entries = [{"input": "b", "x": 1}, {"input": "a", "x": 2}]
    path = write_manifest(entries, str(tmp_path / "m.jsonl"))
    assert read_manifest(path) == sorted(entries, key=lambda e: e["input"])  # Beam's FileSystems
    assert read_manifest_file(path) == read_manifest(path)


@pytest.mark.parametrize("content, problem", [
    (None, "not found"),
    ('{"format": "f/1", ', "unreadable"),
    (b"\xff\xfe", "unreadable"),
    ('{"format": "other/1"}', "not a f/1 manifest"),
    ("[1, 2]", "not a f/1 manifest"),
])
def test_a_bad_manifest_is_one_clear_error_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "manifest.json"
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(_Domain) as caught:
        read_manifest_file(path, format="f/1", hint="run the tool first", error=_Domain)
    message = str(caught.value)
    assert message.startswith(f"{path}: {problem}") and message.endswith("; run the tool first")
    assert "\n" not in message


def test_the_default_error_is_a_manifest_error(tmp_path):
    with pytest.raises(ManifestError, match="not found$"):
        read_manifest(str(tmp_path / "manifest.jsonl"))


@pytest.mark.filterwarnings("ignore:Possible nested set")  # Beam's pattern translation, on the escaped "["
def test_run_shards_lists_visible_parquet_files_in_name_order(tmp_path):
    out = tmp_path / "run [1]"  # glob characters in the folder are taken literally
    for name in ("data/part-00001.parquet", "data/part-00000.parquet", "data/.part-00002.parquet.tmp-ab",
                 "data/.hidden.parquet", "data/notes.txt", "removed/part-00000.parquet"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(b"")
    assert run_shards(out) == [f"{out}/data/part-00000.parquet", f"{out}/data/part-00001.parquet"]
    assert run_shards(str(out) + "/", "removed") == [f"{out}/removed/part-00000.parquet"]
    assert run_shards(out, match=lambda pattern: matching([pattern])) == run_shards(out)  # Beam's FileSystems
    assert run_shards(tmp_path / "missing") == []
