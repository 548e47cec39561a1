"""Token directories: the on-disk format, opening shards safely, and `curate tokens check|show`.

A token directory holds, per split (train, val), shards `<split>_NNNNNN.bin`
(raw little-endian token ids, dtype named in the manifest) with `.idx` files
(uint64 document offsets: num_docs + 1 fenceposts, from 0 to num_tokens), and
`manifest.json`, the only index readers trust. Every document starts with one
boundary token (`BOS`) and ordinary tokens otherwise, so a boundary id inside a
document means corruption. Sizes are checked against the manifest before any
file is mapped, so a truncated shard fails loudly at open, not as garbage later.

The manifest also says what went in: "sources" (the Parquet files), "language"
(the one language folder tokenized, or null for all), "languages" (per language
folder: "documents" tokenized and "repeats", the copies rehydration added beyond
the first) and "rehydrate" (null, or its maximum repetitions, rule, and the
languages written once each for lack of FineWeb-2 weights).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from curation.manifest import read_manifest_file

MANIFEST = "manifest.json"
FORMAT = "curation-tokens/1"
SPLITS = ("train", "val")
TRAINED_TOKENIZER_FILE = "tokenizer.tiktoken"  # a trained BPE is copied next to its tokens
OFFSET_DTYPE = np.dtype("<u8")
_CHECK_CHUNK = 1 << 24  # tokens scanned at a time, so checking never loads a whole shard


class TokenDataError(ValueError):
    """A token directory that does not match its manifest (missing, truncated or corrupted files)."""


def read_manifest(tok_dir: str | os.PathLike) -> dict:
    return read_manifest_file(Path(tok_dir) / MANIFEST, format=FORMAT, error=TokenDataError,
                              hint=f"is {tok_dir} the output of `curate tokenize`?")


def manifest_dtype(manifest: dict) -> np.dtype:
    return np.dtype(manifest["dtype"]).newbyteorder("<")


def split_info(manifest: dict, split: str) -> dict:
    if split not in manifest["splits"]:
        raise TokenDataError(f"no split {split!r}; the manifest has {sorted(manifest['splits'])}")
    return manifest["splits"][split]


def shard_size_problems(tok_dir: str | os.PathLike, shard: dict, dtype: np.dtype) -> list[str]:
    """File sizes a shard's counts imply, versus the files on disk."""
    problems = []
    expected = {
        shard["bin"]: (shard["num_tokens"] * dtype.itemsize, f"{shard['num_tokens']} tokens of {dtype.name}"),
        shard["idx"]: ((shard["num_docs"] + 1) * OFFSET_DTYPE.itemsize, f"{shard['num_docs'] + 1} uint64 offsets"),
    }
    for name, (size, what) in expected.items():
        try:
            actual = os.path.getsize(Path(tok_dir) / name)
        except OSError:
            problems.append(f"{name}: missing")
            continue
        if actual != size:
            problems.append(f"{name}: {actual} bytes, expected {size} ({what}); truncated or wrong file")
    return problems


def open_shard(tok_dir: str | os.PathLike, shard: dict, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Memory-map a shard's tokens and offsets after checking their sizes; nothing is read into memory."""
    problems = shard_size_problems(tok_dir, shard, dtype)
    if problems:
        raise TokenDataError("; ".join(problems))
    tokens = _map(Path(tok_dir) / shard["bin"], dtype)
    offsets = _map(Path(tok_dir) / shard["idx"], OFFSET_DTYPE)
    return tokens, offsets


def _map(path: Path, dtype: np.dtype) -> np.ndarray:
    # np.memmap refuses empty files; an empty array reads the same.
    if os.path.getsize(path) == 0:
        return np.empty(0, dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def load_manifest_tokenizer(tok_dir: str | os.PathLike, manifest: dict):
    """The tokenizer the tokens were made with, refused if its hash differs from the manifest's."""
    from curation.tokenizer import load_tokenizer, tokenizer_hash

    source = manifest["tokenizer"]["source"]
    if source == TRAINED_TOKENIZER_FILE:
        source = str(Path(tok_dir) / source)
    enc = load_tokenizer(source)
    if tokenizer_hash(enc) != manifest["tokenizer"]["hash"]:
        raise TokenDataError(f"tokenizer {source!r} does not hash to the manifest's {manifest['tokenizer']['hash']}")
    return enc


def check_tokens(tok_dir: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Everything that disagrees with the manifest, and a per-split summary.

    Checks the tokenizer hash, the dtype against the vocabulary, file sizes, the
    offsets (0, increasing, ending at num_tokens), a boundary token at every
    document start and nowhere else, every id a real rank, and per-shard and
    per-split counts.
    """
    try:
        return _check_tokens(tok_dir)
    except (KeyError, TypeError, IndexError) as e:
        return [f"{MANIFEST}: malformed ({type(e).__name__}: {e})"], []


def _check_tokens(tok_dir: str | os.PathLike) -> tuple[list[str], list[str]]:
    from curation.tokenizer import mergeable_ranks, token_dtype

    try:
        manifest = read_manifest(tok_dir)
        enc = load_manifest_tokenizer(tok_dir, manifest)
    except ValueError as e:  # includes TokenDataError
        return [str(e)], []
    problems: list[str] = []
    if manifest["dtype"] != token_dtype(enc):
        problems.append(f"dtype {manifest['dtype']} but the tokenizer has {enc.n_vocab} ids ({token_dtype(enc)})")
        return problems, []
    dtype = manifest_dtype(manifest)
    bos = manifest["boundary"]["id"]
    if enc.encode_single_token(manifest["boundary"]["token"]) != bos:
        problems.append(f"boundary token {manifest['boundary']['token']} is not id {bos} in the tokenizer")
    num_ordinary = len(mergeable_ranks(enc))
    summary = []
    for split, info in manifest["splits"].items():
        tokens = docs = 0
        for shard in info["shards"]:
            problems += _check_shard(tok_dir, shard, dtype, bos, num_ordinary)
            tokens += shard["num_tokens"]
            docs += shard["num_docs"]
        if (tokens, docs) != (info["num_tokens"], info["num_docs"]):
            problems.append(f"{split}: shards add up to {tokens} tokens / {docs} docs, manifest says "
                            f"{info['num_tokens']} / {info['num_docs']}")
        ordinary = info["num_tokens"] - info["num_docs"]
        bytes_per_token = f"{info['text_bytes'] / ordinary:.3f}" if ordinary else "n/a"
        summary.append(f"{split}: {info['num_docs']} docs, {info['num_tokens']} tokens in {len(info['shards'])} "
                       f"shard(s), {bytes_per_token} text bytes/token")
    return problems, summary


def _check_shard(tok_dir, shard: dict, dtype: np.dtype, bos: int, num_ordinary: int) -> list[str]:
    problems = shard_size_problems(tok_dir, shard, dtype)
    if problems:
        return problems
    tokens, offsets = open_shard(tok_dir, shard, dtype)
    name = shard["bin"]
    if offsets[0] != 0 or offsets[-1] != len(tokens) or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        return [f"{shard['idx']}: offsets must rise from 0 to {len(tokens)}, each document at least one token"]
    starts = offsets[:-1]
    missing = int(np.count_nonzero(tokens[starts] != bos))
    if missing:
        problems.append(f"{name}: {missing} of {len(starts)} documents do not start with the boundary token {bos}")
    boundaries = invalid = 0
    for lo in range(0, len(tokens), _CHECK_CHUNK):
        chunk = tokens[lo:lo + _CHECK_CHUNK]
        is_bos = chunk == bos
        boundaries += int(np.count_nonzero(is_bos))
        invalid += int(np.count_nonzero((chunk >= num_ordinary) & ~is_bos))
    if invalid:
        problems.append(f"{name}: {invalid} token ids are neither a rank (< {num_ordinary}) nor the boundary token")
    if boundaries != len(starts):
        problems.append(f"{name}: {boundaries} boundary tokens for {len(starts)} documents")
    return problems


def show_document(tok_dir: str | os.PathLike, split: str, doc: int) -> str:
    """The text of one document, decoded from its tokens (without the boundary token); IndexError if out of range."""
    manifest = read_manifest(tok_dir)
    info = split_info(manifest, split)
    if not 0 <= doc < info["num_docs"]:
        raise IndexError(f"--doc {doc} out of range: {split} has {info['num_docs']} documents")
    dtype = manifest_dtype(manifest)
    for shard in info["shards"]:
        if doc < shard["num_docs"]:
            tokens, offsets = open_shard(tok_dir, shard, dtype)
            ids = tokens[offsets[doc] + 1:offsets[doc + 1]]
            return load_manifest_tokenizer(tok_dir, manifest).decode(ids.tolist())
        doc -= shard["num_docs"]
    raise TokenDataError(f"{split}: shards hold fewer documents than the manifest says")
