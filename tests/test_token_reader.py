"""pretrain.data.TokenData: memory-mapped windows, resumable epochs, documents, and refusing bad files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curation.schema import FINEWEB_SCHEMA
from curation.tokenize import tokenize_shards
from curation.tokenizer import BOS, load_tokenizer, tokenizer_hash
from curation.tokens import TokenDataError, read_manifest
from pretrain.data import TokenData

TEXTS = [
    "Pretraining reads random windows of tokens from memory-mapped files.",
    "Ein Fenster darf über Dokument- und Shardgrenzen hinweg reichen.",
    "窗口可以跨越文档边界。😀",
    "Окна не перекрываются внутри одной эпохи.",
]


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reader")
    (root / "out" / "data").mkdir(parents=True)
    rows = [
        {"text": f"{i}: " + TEXTS[i % 4] * (1 + i % 3), "id": f"doc-{i}", "dump": "d", "url": "u", "date": "t",
         "file_path": "f", "language": "en", "language_score": 1.0, "token_count": 0}
        for i in range(150)
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=FINEWEB_SCHEMA), root / "out" / "data" / "00000.parquet")
    # Small shards, so windows and epochs cross shard borders.
    tokenize_shards(root / "out", root / "tok", val_fraction=0.1, shard_tokens=700, progress=False)
    return root / "tok"


def stream(tok_dir: Path, split: str) -> np.ndarray:
    """The split's tokens end to end, read plainly from the files."""
    m = read_manifest(tok_dir)
    return np.concatenate([np.fromfile(tok_dir / s["bin"], m["dtype"]) for s in m["splits"][split]["shards"]])


def test_metadata_comes_from_the_manifest(tok_dir):
    data = TokenData(tok_dir)
    m = read_manifest(tok_dir)
    assert len(m["splits"]["train"]["shards"]) > 3
    assert (data.num_tokens, data.num_docs) == (m["splits"]["train"]["num_tokens"], m["splits"]["train"]["num_docs"])
    assert data.dtype == np.dtype("<u4") and data.vocab_size == 100277 and data.bos_id == 100257
    assert data.tokenizer_hash == tokenizer_hash(load_tokenizer("cl100k_base"))
    assert tokenizer_hash(data.load_tokenizer()) == data.tokenizer_hash


def test_random_windows_are_real_and_shifted(tok_dir):
    data, tokens = TokenData(tok_dir), stream(tok_dir, "train")
    x, y = data.get_batch(16, 64, np.random.default_rng(0))
    assert x.shape == y.shape == (16, 64) and x.dtype == y.dtype == np.int64
    assert np.array_equal(x[:, 1:], y[:, :-1])
    windows = np.lib.stride_tricks.sliding_window_view(tokens, 65)
    for row_x, row_y in zip(x, y):
        window = np.append(row_x, row_y[-1])
        assert (windows == window).all(axis=1).any()
    x2, _ = data.get_batch(16, 64, np.random.default_rng(0))
    assert np.array_equal(x, x2)


def test_window_can_span_the_whole_split(tok_dir):
    data, tokens = TokenData(tok_dir), stream(tok_dir, "train")
    x, y = data.get_batch(3, data.num_tokens - 1, np.random.default_rng(1))
    assert all(np.array_equal(row, tokens[:-1]) for row in x) and np.array_equal(y[0], tokens[1:])
    with pytest.raises(ValueError, match="too few"):
        data.get_batch(1, data.num_tokens, np.random.default_rng(1))


def test_an_epoch_visits_each_window_once_in_a_seeded_order(tok_dir):
    data, tokens = TokenData(tok_dir), stream(tok_dir, "train")
    batch_size, seq_len = 4, 32
    per_epoch = data.batches_per_epoch(batch_size, seq_len)
    batches = data.iter_batches(batch_size, seq_len, seed=7)
    epoch = [next(batches) for _ in range(per_epoch)]
    assert [pos for pos, _, _ in epoch] == list(range(1, per_epoch + 1))
    # Window k is tokens [k*T, k*T + T]; an epoch uses each at most once (counted as a multiset,
    # since repeated text makes some windows equal).
    aligned = Counter(tuple(w) for w in np.lib.stride_tricks.sliding_window_view(tokens, seq_len + 1)[::seq_len])
    used = Counter(tuple(np.append(row_x, row_y[-1])) for _, x, y in epoch for row_x, row_y in zip(x, y))
    assert sum(used.values()) == per_epoch * batch_size and not used - aligned
    assert sum(aligned.values()) - sum(used.values()) < batch_size  # only the partial last batch is dropped
    second = [x for _, x, _ in (next(batches) for _ in range(per_epoch))]
    assert not all(np.array_equal(a, b) for a, b in zip(second, (x for _, x, _ in epoch)))  # reshuffled
    other_seed = next(data.iter_batches(batch_size, seq_len, seed=8))[1]
    assert not np.array_equal(other_seed, epoch[0][1])


def test_resuming_continues_exactly(tok_dir):
    data = TokenData(tok_dir)
    per_epoch = data.batches_per_epoch(2, 16)
    full = data.iter_batches(2, 16, seed=3)
    reference = [next(full) for _ in range(per_epoch + 5)]
    cursor = per_epoch - 2  # resume shortly before an epoch boundary
    resumed = data.iter_batches(2, 16, seed=3, start=cursor)
    for position, x, y in reference[cursor:]:
        got = next(resumed)
        assert got[0] == position and np.array_equal(got[1], x) and np.array_equal(got[2], y)


def test_documents_by_index(tok_dir):
    data = TokenData(tok_dir, "val")
    enc = data.load_tokenizer()
    texts = [enc.decode(data.document(i)[1:].tolist()) for i in range(data.num_docs)]
    assert all(data.document(i)[0] == enc.encode_single_token(BOS) for i in range(data.num_docs))
    assert all(t.split(": ", 1)[1] in {s * k for s in TEXTS for k in (1, 2, 3)} for t in texts)
    assert isinstance(data.document(0), np.memmap)  # a view into the file, not a copy
    with pytest.raises(IndexError):
        data.document(data.num_docs)


def test_val_split_reads_its_own_shards(tok_dir):
    val = TokenData(tok_dir, "val")
    assert np.array_equal(np.concatenate([val.document(i) for i in range(val.num_docs)]), stream(tok_dir, "val"))


@pytest.mark.parametrize("change", [lambda b: b[:-4], lambda b: b + b"\0\0\0\0", lambda b: b""])
def test_wrong_size_bin_is_refused_on_open(tok_dir, tmp_path, change):
    copy = tmp_path / "tok"
    copy.mkdir()
    for p in tok_dir.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    (copy / "train_000001.bin").write_bytes(change((copy / "train_000001.bin").read_bytes()))
    with pytest.raises(TokenDataError, match="train_000001.bin: .* bytes, expected"):
        TokenData(copy)


def test_unknown_split_and_missing_dir(tok_dir, tmp_path):
    with pytest.raises(TokenDataError, match="no split 'test'"):
        TokenData(tok_dir, "test")
    with pytest.raises(TokenDataError, match="not found"):
        TokenData(tmp_path)
