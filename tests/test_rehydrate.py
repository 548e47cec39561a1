"""`curate tokenize --rehydrate N` and `--language NAME`: FineWeb-2's repeats per cluster size, per language,
in rounds, in the original's split, byte-identical on rerun; and the mistakes that stop it before any work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import curate_cli.main as cli
from curation.rehydrate import language_weights
from curation.tokenize import TokenizeError, is_val, tokenize_shards
from curation.tokenizer import load_tokenizer
from curation.tokens import check_tokens, read_manifest
from filters.fineweb2 import upsampling_weights

# The kept-shard columns of a run with per-language folders (written here, so these tests need no pipeline).
SCHEMA = pa.schema([
    ("text", pa.string()), ("id", pa.string()), ("dump", pa.string()), ("url", pa.string()), ("date", pa.string()),
    ("file_path", pa.string()), ("language", pa.string()), ("language_score", pa.float64()),
    ("token_count", pa.int64()), ("minhash_cluster_size", pa.int64()),
])
VAL_FRACTION = 0.5

# (cluster size, copies at --rehydrate 3), read off FineWeb-2's up_to_03_reps.json by hand:
# deu_Latn {1: 1, 4: 2, 12: 3, 55: 2, 151: 1}; fra_Latn {1: 1, 4: 2, 11: 3, 50: 2, 115: 1}; eng_Latn has none.
CRAFTED = {
    "deu_Latn": [(1, 1), (3, 1), (4, 2), (11, 2), (12, 3), (54, 3), (55, 2), (151, 1), (5000, 1), (13, 3)],
    "eng_Latn": [(1, 1), (12, 1), (30, 1)],
    "fra_Latn": [(1, 1), (4, 2), (11, 3), (12, 3), (49, 3), (50, 2), (114, 2), (115, 1), (20, 3)],
}


def row(language: str, k: int, cluster_size: int | None) -> dict:
    lid = {"deu_Latn": "de", "eng_Latn": "en", "fra_Latn": "fr"}.get(language, "xx")
    return {"text": f"{language} document {k}: cluster size {cluster_size}, " + "words " * (3 + k % 5),
            "id": f"<urn:uuid:{language}-{k:04d}>", "dump": "CC-MAIN-2024-30", "url": f"https://{lid}.example/{k}",
            "date": "2024-07-22T12:00:00Z", "file_path": "x.warc.gz", "language": lid, "language_score": 0.9,
            "token_count": 0, "minhash_cluster_size": cluster_size}


def write_run(out: Path, rows_by_language: dict[str, list[dict]], per_file: int = 4) -> Path:
    """OUT/data/<language>/part-XXXXX-of-YYYYY.parquet, several shards per language."""
    for language, rows in rows_by_language.items():
        folder = out / "data" / language
        folder.mkdir(parents=True)
        parts = range(0, len(rows), per_file)
        for n, k in enumerate(parts):
            table = pa.Table.from_pylist(rows[k:k + per_file], schema=SCHEMA)
            pq.write_table(table, folder / f"part-{n:05d}-of-{len(parts):05d}.parquet")
    return out


def crafted_rows() -> dict[str, list[dict]]:
    return {language: [row(language, k, size) for k, (size, _) in enumerate(sizes)] for language, sizes in CRAFTED.items()}


def expected_copies() -> dict[str, int]:
    """text -> copies, for the crafted run."""
    rows = crafted_rows()
    return {r["text"]: copies for language, sizes in CRAFTED.items() for r, (_, copies) in zip(rows[language], sizes)}


def texts(tok_dir: Path, split: str) -> list[str]:
    """Every document of a split, decoded, in file order (straight from the files)."""
    manifest = read_manifest(tok_dir)
    enc = load_tokenizer("cl100k_base")
    docs = []
    for shard in manifest["splits"][split]["shards"]:
        tokens = np.fromfile(tok_dir / shard["bin"], dtype=manifest["dtype"])
        offsets = np.fromfile(tok_dir / shard["idx"], dtype="<u8")
        docs += [enc.decode(tokens[a + 1:b].tolist()) for a, b in zip(offsets[:-1], offsets[1:])]
    return docs


def dir_bytes(tok_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(tok_dir.iterdir())}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return write_run(tmp_path_factory.mktemp("out"), crafted_rows())


@pytest.fixture(scope="module")
def rehydrated(run_dir, tmp_path_factory) -> Path:
    tok = tmp_path_factory.mktemp("tok")
    tokenize_shards(run_dir, tok, val_fraction=VAL_FRACTION, shard_tokens=60, threads=3, rehydrate=3, progress=False)
    return tok


def upstream_copies(weights: dict[int, int], cluster_size: int) -> int:
    """FineWeb-2's `Rehydrater` (rehydration README), transcribed: what our weights must agree with."""
    limits = set(weights)
    expanded = [1]
    for i in range(1, max(limits) + 1):
        expanded.append(weights[i] if i in limits else expanded[-1])
    return expanded[-1] if cluster_size >= len(expanded) else expanded[cluster_size]


@pytest.mark.parametrize("max_reps", range(3, 11))
@pytest.mark.parametrize("name", ["deu_Latn", "fra_Latn", "cmn_Hani", "cux_Latn", "nif_Latn"])
def test_weights_agree_with_fineweb2_s_rehydrater(name, max_reps):
    weights = upsampling_weights(name, max_reps)
    sizes = np.arange(1, max(weights) + 20)
    ours = language_weights(name, max_reps)(sizes).tolist()
    assert ours == [upstream_copies(weights, int(c)) for c in sizes]
    assert max(ours) <= max_reps


def test_languages_without_weights_and_out_of_range_repetitions():
    assert language_weights("eng_Latn", 3) is None and language_weights("und_Zyyy", 10) is None
    with pytest.raises(ValueError, match="3 to 10"):
        language_weights("deu_Latn", 11)


def test_each_document_is_written_its_language_s_weight_of_its_cluster_size(rehydrated):
    written = texts(rehydrated, "train") + texts(rehydrated, "val")
    assert {text: written.count(text) for text in set(written)} == expected_copies()
    manifest = read_manifest(rehydrated)
    assert manifest["rehydrate"]["max_repetitions"] == 3
    assert manifest["rehydrate"]["without_weights"] == ["eng_Latn"]
    assert manifest["language"] is None
    assert manifest["languages"] == {
        language: {"documents": len(sizes), "repeats": sum(copies - 1 for _, copies in sizes)}
        for language, sizes in CRAFTED.items()
    }
    copies = expected_copies()
    assert sum(info["num_docs"] for info in manifest["splits"].values()) == sum(copies.values())
    assert sum(info["text_bytes"] for info in manifest["splits"].values()) == sum(
        n * len(text.encode()) for text, n in copies.items())
    assert check_tokens(rehydrated)[0] == []


def test_copies_stay_in_the_original_s_split_and_come_in_rounds(rehydrated):
    ids = {r["text"]: r["id"] for rows in crafted_rows().values() for r in rows}
    copies = expected_copies()
    for split in ("train", "val"):
        first = [text for text in copies if is_val(ids[text], VAL_FRACTION) == (split == "val")]  # file order
        rounds = [text for r in (1, 2, 3) for text in first if copies[text] >= r]
        assert texts(rehydrated, split) == rounds
        assert any(copies[text] == 3 for text in first), "the crafted ids must put a 3-copy document in each split"


def test_rehydration_is_byte_identical_on_rerun_whatever_the_threads(run_dir, rehydrated, tmp_path):
    tokenize_shards(run_dir, tmp_path, val_fraction=VAL_FRACTION, shard_tokens=60, threads=1, rehydrate=3,
                    progress=False)
    assert dir_bytes(tmp_path) == dir_bytes(rehydrated)


def test_one_language_alone(run_dir, tmp_path):
    manifest = tokenize_shards(run_dir, tmp_path, val_fraction=0.0, language="fra_Latn", rehydrate=3, progress=False)
    fra = {text: n for text, n in expected_copies().items() if text.startswith("fra_Latn")}
    assert sorted(texts(tmp_path, "train")) == sorted(text for text, n in fra.items() for _ in range(n))
    assert manifest["language"] == "fra_Latn" and list(manifest["languages"]) == ["fra_Latn"]
    assert {s["path"].split("/")[1] for s in manifest["sources"]} == {"fra_Latn"}
    with pytest.raises(TokenizeError, match="languages present: deu_Latn, eng_Latn, fra_Latn$"):
        tokenize_shards(run_dir, tmp_path / "x", language="ita_Latn", progress=False)


def test_without_rehydrate_every_document_once(run_dir, tmp_path):
    manifest = tokenize_shards(run_dir, tmp_path, val_fraction=0.0, progress=False)
    assert sorted(texts(tmp_path, "train")) == sorted(expected_copies())
    assert manifest["rehydrate"] is None
    assert all(info["repeats"] == 0 for info in manifest["languages"].values())


# --- the command line: mistakes are one line, exit 2, before any work ---------------------------------

@pytest.fixture
def curate(monkeypatch):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["curate_cli.tokenize"])
    return cli.main


def test_cli_rehydrates_and_says_so(curate, run_dir, tmp_path, capsys):
    assert curate(["tokenize", "--input", str(run_dir), "--output", str(tmp_path / "t"), "--rehydrate", "3"]) == 0
    out = capsys.readouterr().out
    repeats = sum(n - 1 for n in expected_copies().values())
    assert f"rehydrated up to 3x: {len(expected_copies())} documents + {repeats} repeats" in out
    assert "without FineWeb-2 weights: eng_Latn" in out


def test_cli_refuses_rehydration_of_a_run_without_dedup(curate, tmp_path, capsys):
    no_dedup = write_run(tmp_path / "out", {"deu_Latn": [row("deu_Latn", k, None) for k in range(3)]})
    tok = tmp_path / "tok"
    assert curate(["tokenize", "--input", str(no_dedup), "--output", str(tok), "--rehydrate", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--rehydrate needs each document's minhash_cluster_size" in err
    assert not tok.exists()
    assert curate(["tokenize", "--input", str(no_dedup), "--output", str(tok)]) == 0  # fine without --rehydrate


def test_cli_refuses_rehydration_of_a_run_before_cluster_sizes(curate, tmp_path, capsys):
    old = tmp_path / "old"
    (old / "data").mkdir(parents=True)
    table = pa.Table.from_pylist([row("eng_Latn", 0, 1)], schema=SCHEMA).drop_columns(["minhash_cluster_size"])
    pq.write_table(table, old / "data" / "00000.parquet")
    assert curate(["tokenize", "--input", str(old), "--output", str(tmp_path / "tok"), "--rehydrate", "3"]) == 2
    assert "minhash_cluster_size" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["2", "11", "x"])
def test_cli_rehydrate_out_of_range_is_a_usage_error(curate, run_dir, tmp_path, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        curate(["tokenize", "--input", str(run_dir), "--output", str(tmp_path / "t"), "--rehydrate", value])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_unknown_language_lists_the_languages_present(curate, run_dir, tmp_path, capsys):
    assert curate(["tokenize", "--input", str(run_dir), "--output", str(tmp_path / "t"), "--language", "deu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "languages present: deu_Latn, eng_Latn, fra_Latn" in err
    assert not (tmp_path / "t").exists()
