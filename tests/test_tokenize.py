"""`curate tokenize` and `curate tokens check|show`: round trips, splits, determinism, corruption caught."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import curate_cli.main as cli
from curation.schema import FINEWEB_SCHEMA
from curation.tokenize import TokenizeError, is_val, tokenize_shards, training_texts
from curation.tokenizer import BOS, load_tokenizer, save_tiktoken, train_bpe
from curation.tokens import check_tokens, read_manifest, show_document

SENTENCES = [
    "The committee approved the budget on Tuesday, after a long debate about schools.",
    "Die Stadtverwaltung hat am Dienstag den Haushalt für 2025 beschlossen. Größe: 12 m².",
    "市议会周二批准了预算，经过了关于学校的长时间辩论。",
    "市議会は火曜日に予算を承認しました。学校についての長い議論の後でした。",
    "Городской совет утвердил бюджет во вторник после долгих дебатов.",
    "Emoji stay intact: 😀🎉👩‍👩‍👧‍👦 🇯🇵 — and so do “curly quotes” and tabs\there.",
    "A page that spells <|endoftext|> and <|im_start|>user in its text must not forge tokens.",
    "Line endings\r\nmixed\nand trailing spaces   \n\n",
]


def make_rows(n: int, start: int = 0) -> list[dict]:
    rows = []
    for i in range(start, start + n):
        text = f"Document {i}. " + " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 4))
        rows.append({
            "text": text, "id": f"<urn:uuid:{i:08d}>", "dump": "CC-MAIN-2024-22", "url": f"https://example.org/{i}",
            "date": "2024-05-20T00:00:00Z", "file_path": "s3://x.warc.gz", "language": "en",
            "language_score": 0.9, "token_count": 0,
        })
    return rows


def write_shards(out_dir: Path, rows: list[dict], per_file: int = 50) -> Path:
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    for k in range(0, len(rows), per_file):
        table = pa.Table.from_pylist(rows[k:k + per_file], schema=FINEWEB_SCHEMA)
        pq.write_table(table, out_dir / "data" / f"{k // per_file:05d}.parquet")
    return out_dir


def all_documents(tok_dir: Path, split: str) -> list[np.ndarray]:
    """Every document of a split straight from the files (independent of pretrain.data)."""
    manifest = read_manifest(tok_dir)
    docs = []
    for shard in manifest["splits"][split]["shards"]:
        tokens = np.fromfile(tok_dir / shard["bin"], dtype=manifest["dtype"])
        offsets = np.fromfile(tok_dir / shard["idx"], dtype="<u8")
        docs += [tokens[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    return docs


def dir_bytes(tok_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(tok_dir.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    rows = make_rows(240)
    rows[7]["text"] = ""  # empty documents are skipped, not written as a lone boundary
    return write_shards(tmp_path_factory.mktemp("out"), rows), rows


@pytest.fixture(scope="module")
def tokenized(corpus, tmp_path_factory) -> Path:
    out, _ = corpus
    tok_dir = tmp_path_factory.mktemp("tok")
    tokenize_shards(out, tok_dir, val_fraction=0.2, shard_tokens=3000, threads=2, progress=False)
    return tok_dir


def test_round_trip_in_order_with_one_boundary_per_document(corpus, tokenized):
    _, rows = corpus
    enc = load_tokenizer("cl100k_base")
    bos = enc.encode_single_token(BOS)
    kept = [r for r in rows if r["text"]]
    for split, fraction_check in (("train", False), ("val", True)):
        expected = [r["text"] for r in kept if is_val(r["id"], 0.2) == fraction_check]
        docs = all_documents(tokenized, split)
        assert [d[0] for d in docs] == [bos] * len(expected)
        assert all(bos not in d[1:] for d in docs)  # forged "<|endoftext|>" text stays ordinary tokens
        assert [enc.decode(d[1:].tolist()) for d in docs] == expected
    manifest = read_manifest(tokenized)
    assert manifest["skipped_empty_docs"] == 1
    assert manifest["splits"]["val"]["num_docs"] > 0 and len(manifest["splits"]["train"]["shards"]) > 1


def test_manifest_describes_the_data(corpus, tokenized):
    out, rows = corpus
    m = read_manifest(tokenized)
    assert m["dtype"] == "uint32" and m["byte_order"] == "little"
    assert m["boundary"] == {"token": BOS, "id": 100257, "policy": m["boundary"]["policy"]}
    assert m["tokenizer"]["special_tokens"]["<|im_start|>"] == 100264
    assert [s["path"] for s in m["sources"]] == sorted(p.relative_to(out).as_posix() for p in (out / "data").iterdir())
    assert sum(s["rows"] for s in m["sources"]) == len(rows)
    for split, info in m["splits"].items():
        texts = [r["text"] for r in rows if r["text"] and is_val(r["id"], 0.2) == (split == "val")]
        assert info["text_bytes"] == sum(len(t.encode()) for t in texts)
        assert info["num_tokens"] == sum(s["num_tokens"] for s in info["shards"])


def test_split_by_id_hash_is_stable_as_data_grows(tmp_path):
    small = write_shards(tmp_path / "small", make_rows(100))
    grown = write_shards(tmp_path / "grown", make_rows(100) + make_rows(300, start=100))
    for out in (small, grown):
        tokenize_shards(out, tmp_path / f"tok_{out.name}", val_fraction=0.1, progress=False)
    enc = load_tokenizer("cl100k_base")

    def val_texts(tok_dir):
        return {enc.decode(d[1:].tolist()) for d in all_documents(tok_dir, "val")}

    assert val_texts(tmp_path / "tok_small") <= val_texts(tmp_path / "tok_grown")
    assert 10 <= len(val_texts(tmp_path / "tok_grown")) <= 70  # ~10% of 400


def test_rerun_gives_identical_bytes_whatever_the_thread_count(corpus, tokenized, tmp_path):
    out, _ = corpus
    tokenize_shards(out, tmp_path, val_fraction=0.2, shard_tokens=3000, threads=5, progress=False)
    assert dir_bytes(tmp_path) == dir_bytes(tokenized)


def test_rerun_into_same_dir_replaces_everything(tmp_path):
    out = write_shards(tmp_path / "out", make_rows(120))
    tok_dir = tmp_path / "tok"
    tokenize_shards(out, tok_dir, shard_tokens=1000, progress=False)
    for p in (out / "data").glob("0000[12].parquet"):
        p.unlink()
    manifest = tokenize_shards(out, tok_dir, shard_tokens=1000, progress=False)
    listed = {s[k] for i in manifest["splits"].values() for s in i["shards"] for k in ("bin", "idx")}
    assert {p.name for p in tok_dir.iterdir()} == listed | {"manifest.json"}  # stale shards and temp files gone
    assert check_tokens(tok_dir)[0] == []


def test_trained_tokenizer_gives_uint16_and_travels_with_the_tokens(corpus, tmp_path):
    out, rows = corpus
    enc = train_bpe(training_texts(out, 0.2, 10**9), vocab_size=600, name="small")
    save_tiktoken(enc, tmp_path / "small.tiktoken")
    m = tokenize_shards(out, tmp_path / "tok", tokenizer=str(tmp_path / "small.tiktoken"), val_fraction=0.2, progress=False)
    assert m["dtype"] == "uint16" and m["tokenizer"]["source"] == "tokenizer.tiktoken"
    assert m["boundary"]["id"] == 593 and m["tokenizer"]["n_vocab"] == 600  # after the merges, then 6 chat tokens
    (tmp_path / "small.tiktoken").unlink()  # the token directory needs no outside file
    assert check_tokens(tmp_path / "tok")[0] == []
    first_train = next(r["text"] for r in rows if r["text"] and not is_val(r["id"], 0.2))
    assert show_document(tmp_path / "tok", "train", 0) == first_train


def test_training_texts_leave_out_val_and_stop_at_max_chars(corpus):
    out, rows = corpus
    train = [r["text"] for r in rows if r["text"] and not is_val(r["id"], 0.2)]
    assert list(training_texts(out, 0.2, 10**9)) == train
    capped = list(training_texts(out, 0.2, 500))
    assert "".join(capped) == "".join(train)[:500]


def test_unreadable_input_is_a_clear_error(tmp_path):
    with pytest.raises(TokenizeError, match="no Parquet shards"):
        tokenize_shards(tmp_path, tmp_path / "tok", progress=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "00000.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(TokenizeError, match="00000.parquet"):
        tokenize_shards(tmp_path, tmp_path / "tok", progress=False)


def test_hostile_text_round_trips(tmp_path):
    texts = ["\x00\x01 control", "\u202eRTL override", "a" * 20000, "<|endofprompt|><|fim_prefix|>", "\ufeffBOM", "🧪" * 500]
    rows = make_rows(len(texts))
    for row, text in zip(rows, texts):
        row["text"] = text
    out = write_shards(tmp_path / "out", rows)
    tokenize_shards(out, tmp_path / "tok", val_fraction=0.0, progress=False)
    enc = load_tokenizer("cl100k_base")
    assert [enc.decode(d[1:].tolist()) for d in all_documents(tmp_path / "tok", "train")] == texts
    assert check_tokens(tmp_path / "tok")[0] == []


# --- curate tokens check: each kind of damage is reported ---------------------------------------

def copy_dir(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for name, data in dir_bytes(src).items():
        (dst / name).write_bytes(data)
    return dst


def first_shard(tok_dir: Path) -> tuple[Path, Path]:
    shard = read_manifest(tok_dir)["splits"]["train"]["shards"][0]
    return tok_dir / shard["bin"], tok_dir / shard["idx"]


def truncate(tok_dir):
    bin_path, _ = first_shard(tok_dir)
    bin_path.write_bytes(bin_path.read_bytes()[:-6])


def boundary_inside_a_document(tok_dir):
    bin_path, _ = first_shard(tok_dir)
    tokens = np.fromfile(bin_path, "<u4")
    tokens[2] = 100257
    tokens.tofile(bin_path)


def missing_boundary(tok_dir):
    bin_path, _ = first_shard(tok_dir)
    tokens = np.fromfile(bin_path, "<u4")
    tokens[0] = 791
    tokens.tofile(bin_path)


def id_out_of_range(tok_dir):
    bin_path, _ = first_shard(tok_dir)
    tokens = np.fromfile(bin_path, "<u4")
    tokens[5] = 100300
    tokens.tofile(bin_path)


def shuffled_offsets(tok_dir):
    _, idx_path = first_shard(tok_dir)
    offsets = np.fromfile(idx_path, "<u8")
    offsets[1], offsets[2] = offsets[2], offsets[1]
    offsets.tofile(idx_path)


def wrong_count(tok_dir):
    path = tok_dir / "manifest.json"
    m = json.loads(path.read_text())
    m["splits"]["val"]["num_docs"] += 1
    path.write_text(json.dumps(m))


def missing_file(tok_dir):
    first_shard(tok_dir)[1].unlink()


def other_tokenizer(tok_dir):
    path = tok_dir / "manifest.json"
    m = json.loads(path.read_text())
    m["tokenizer"]["hash"] = "0" * 64
    path.write_text(json.dumps(m))


def malformed_manifest(tok_dir):
    path = tok_dir / "manifest.json"
    m = json.loads(path.read_text())
    del m["boundary"]
    path.write_text(json.dumps(m))


@pytest.mark.parametrize(
    "damage, message",
    [
        (truncate, "truncated"),
        (boundary_inside_a_document, "boundary tokens for"),
        (missing_boundary, "do not start with the boundary token"),
        (id_out_of_range, "neither a rank"),
        (shuffled_offsets, "offsets must rise"),
        (wrong_count, "manifest says"),
        (missing_file, "missing"),
        (other_tokenizer, "does not hash to"),
        (malformed_manifest, "malformed"),
    ],
)
def test_check_reports_damage(tokenized, tmp_path, damage, message):
    tok_dir = copy_dir(tokenized, tmp_path / "tok")
    assert check_tokens(tok_dir)[0] == []
    damage(tok_dir)
    problems, _ = check_tokens(tok_dir)
    assert any(message in p for p in problems), problems


# --- the command line ----------------------------------------------------------------------------

@pytest.fixture
def curate(monkeypatch):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["curate_cli.tokenize", "curate_cli.tokenizer", "curate_cli.tokens"])
    return cli.main


def test_cli_end_to_end(curate, corpus, tmp_path, capsys):
    out, rows = corpus
    bpe = tmp_path / "bpe.tiktoken"
    assert curate(["tokenizer", "train", "--input", str(out), "--output", str(bpe), "--vocab-size", "500"]) == 0
    assert curate(["tokenize", "--input", str(out), "--output", str(tmp_path / "tok"), "--tokenizer", str(bpe)]) == 0
    assert curate(["tokens", "check", str(tmp_path / "tok")]) == 0
    capsys.readouterr()
    assert curate(["tokens", "show", str(tmp_path / "tok"), "--doc", "1"]) == 0
    train = [r["text"] for r in rows if r["text"] and not is_val(r["id"], 0.005)]
    assert capsys.readouterr().out == train[1] + ("" if train[1].endswith("\n") else "\n")
    truncate(tmp_path / "tok")
    assert curate(["tokens", "check", str(tmp_path / "tok")]) == 1
    assert "truncated" in capsys.readouterr().err


def test_cli_user_mistakes_exit_2(curate, corpus, tokenized, tmp_path, capsys):
    out, _ = corpus
    assert curate(["tokenize", "--input", str(tmp_path), "--output", str(tmp_path / "t")]) == 2
    assert curate(["tokenize", "--input", str(out), "--output", str(tmp_path / "t"), "--tokenizer", "gpt2"]) == 2
    assert curate(["tokens", "show", str(tokenized), "--doc", "100000"]) == 2
    assert curate(["tokenizer", "train", "--input", str(tmp_path), "--output", str(tmp_path / "no" / "x.tiktoken")]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 4 and "Traceback" not in err
