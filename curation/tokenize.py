"""Curated Parquet shards -> memory-mapped token arrays (`curate tokenize`).

Documents are read in file-name then row order, encoded in chunks on a thread
pool (tiktoken releases the GIL while it encodes) with a bounded number of chunks
in flight, and written in that same order as they come back, so memory stays
flat and output bytes do not depend on thread timing. Each document becomes one
boundary token followed by its text's ordinary tokens: text that spells a special
token is encoded as plain text, so web pages cannot forge boundaries. A document
goes to the val split when a hash of its id falls below the val fraction, which
keeps every document's split fixed as the corpus grows. Every file is written
under a temporary name and renamed into place; the manifest comes last.

`language` tokenizes one language folder (OUT/data/<language>/). `rehydrate` N
writes each document as many times as FineWeb-2's weights say
(`curation.rehydrate`), in rounds: first every document once, then, per split,
round r copies again from the first round's shards every document with at least
r copies, in the same order. Training reads random windows across document
borders, so copies a round apart never share a window; a copy is in its
original's split (the split depends on the id only); and the output depends on
the input alone. Rehydration keeps 9 bytes per document in memory (its copies
and text bytes) until its rounds are written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from curation.atomic import TMP_MARK, atomic_write, write_atomic
from curation.rehydrate import MAX_REPS, MIN_REPS, batch_copies, lacks_cluster_sizes, language_weights, manifest_info
from curation.run_output import run_languages, run_shards
from curation.schema import CLUSTER_SIZE
from curation.tokenizer import (
    BOS,
    CL100K,
    CL100K_ALIASES,
    load_tokenizer,
    save_tiktoken,
    special_tokens,
    token_dtype,
    tokenizer_hash,
)
from curation.tokens import FORMAT, MANIFEST, OFFSET_DTYPE, SPLITS, TRAINED_TOKENIZER_FILE, open_shard

DEFAULT_SHARD_TOKENS = 100_000_000
_CHUNK_DOCS = 256  # documents per task: large enough to amortise scheduling, small enough to stream


class TokenizeError(ValueError):
    """Input that cannot be tokenized (no shards, an unreadable Parquet file): one line for the user."""


def is_val(doc_id: str | None, val_fraction: float) -> bool:
    """True for the val split: blake2b-64 of the id, as a fraction of 2**64, below `val_fraction`."""
    digest = hashlib.blake2b((doc_id or "").encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") < val_fraction * 2**64


def parquet_files(input_dir: str | os.PathLike, language: str | None = None) -> list[Path]:
    """The run's data shards: every language's, or one language folder's (an unknown one names those present)."""
    if language is not None and language not in (present := run_languages(input_dir)):
        raise TokenizeError(f"--language {language!r}: no such language in {Path(input_dir) / 'data'}; "
                            f"languages present: {', '.join(present) or 'none'}")
    files = [Path(path) for path in run_shards(input_dir, language=language)]
    if not files:
        raise TokenizeError(f"no Parquet shards in {Path(input_dir) / 'data'}; pass the --output folder of `curate run`")
    return files


def shard_language(input_dir: str | os.PathLike, path: Path) -> str | None:
    """The language folder of a data shard; None for a shard directly in OUT/data (a run before language folders)."""
    return None if path.parent == Path(input_dir) / "data" else path.parent.name


def iter_chunks(files: list[Path], chunk_docs: int = _CHUNK_DOCS,
                columns: tuple[str, ...] = ("id", "text")) -> Iterator:
    """Record batches of `columns` of up to `chunk_docs` documents, file by file; a bad file names itself.

    Batches stay Arrow arrays so that turning them into Python strings happens in the encoding threads.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    for path in files:
        try:
            yield from pq.ParquetFile(path).iter_batches(batch_size=chunk_docs, columns=list(columns))
        except (OSError, pa.ArrowException, KeyError, ValueError) as e:
            raise TokenizeError(f"{path}: cannot read {' and '.join(columns)} columns ({e})") from None


def training_texts(input_dir: str | os.PathLike, val_fraction: float, max_chars: int) -> Iterator[str]:
    """Texts of train-split documents, in file order, until `max_chars` characters: what a BPE learns from.

    Val documents are left out so bytes/token measured on val is not flattered.
    """
    remaining = max_chars
    for batch in iter_chunks(parquet_files(input_dir)):
        for doc_id, text in zip(batch.column("id").to_pylist(), batch.column("text").to_pylist()):
            if remaining <= 0:
                return
            if text and not is_val(doc_id, val_fraction):
                text = text[:remaining]
                remaining -= len(text)
                yield text


@dataclass
class _Encoded:
    """One chunk's documents of one split: tokens end to end; per document, its length (boundary included),
    UTF-8 bytes, and how many times rehydration writes it."""

    tokens: list[np.ndarray] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    text_bytes: list[int] = field(default_factory=list)
    copies: list[int] = field(default_factory=list)


def _encode_chunk(enc, bos: int, dtype: np.dtype, val_fraction: float, batch, copies: list[int]) -> tuple[dict, int]:
    import pyarrow.compute as pc

    out = {split: _Encoded() for split in SPLITS}
    boundary = np.array([bos], dtype)
    skipped = 0
    texts = batch.column("text")
    rows = zip(batch.column("id").to_pylist(), texts.to_pylist(), pc.binary_length(texts).to_pylist(), copies)
    for doc_id, text, n_bytes, n_copies in rows:
        if not text:
            skipped += 1
            continue
        part = out["val" if is_val(doc_id, val_fraction) else "train"]
        tokens = enc.encode_to_numpy(text, allowed_special=set(), disallowed_special=())
        part.tokens += [boundary, tokens.astype(dtype, copy=False)]
        part.lengths.append(len(tokens) + 1)
        part.text_bytes.append(n_bytes)
        part.copies.append(n_copies)
    return out, skipped


class _SplitWriter:
    """Appends one split's documents to shards of about `shard_tokens` tokens; a document never spans two."""

    def __init__(self, tok_dir: Path, split: str, dtype: np.dtype, shard_tokens: int):
        self.tok_dir, self.split, self.dtype, self.shard_tokens = tok_dir, split, dtype, shard_tokens
        self.shards: list[dict] = []
        self._shard = None  # the atomic write of the open shard's .bin
        self._file = None
        self._offsets: list[int] = []
        self._text_bytes = 0

    def add(self, part: _Encoded) -> None:
        if not part.lengths:
            return
        tokens = np.concatenate(part.tokens)
        ends = np.cumsum(part.lengths)
        done = 0  # documents of this chunk already written
        while done < len(ends):
            if self._file is None:
                self._open()
            room = self.shard_tokens - self._offsets[-1]
            base = ends[done - 1] if done else 0
            # Documents that fit, and at least one so a huge document still lands somewhere.
            take = max(1, int(np.searchsorted(ends[done:] - base, room, side="right")))
            stop = done + take
            self._file.write(memoryview(tokens[base:ends[stop - 1]]))
            self._offsets += (self._offsets[-1] + ends[done:stop] - base).tolist()
            self._text_bytes += sum(part.text_bytes[done:stop])
            done = stop
            if self._offsets[-1] >= self.shard_tokens:
                self._finish_shard()

    def close(self) -> list[dict]:
        if self._file is not None:
            self._finish_shard()
        return self.shards

    def repeat(self, copies: np.ndarray, text_bytes: np.ndarray) -> None:
        """Rehydration's rounds 2, 3, ...: every document written so far (the first round, in order; `copies` and
        `text_bytes` per document) again, read back from its shard, while it has copies left."""
        first_round = list(self.close())
        for round_ in range(2, int(copies.max(initial=1)) + 1):
            start = 0
            for shard in first_round:
                chosen = np.flatnonzero(copies[start:start + shard["num_docs"]] >= round_)
                if chosen.size:
                    tokens, offsets = open_shard(self.tok_dir, shard, self.dtype)
                    for lo in range(0, chosen.size, _CHUNK_DOCS):
                        docs = chosen[lo:lo + _CHUNK_DOCS]
                        self.add(_Encoded(
                            tokens=[tokens[offsets[i]:offsets[i + 1]] for i in docs],
                            lengths=(offsets[docs + 1] - offsets[docs]).tolist(),
                            text_bytes=text_bytes[start + docs].tolist(),
                        ))
                start += shard["num_docs"]

    def abort(self, error: BaseException) -> None:
        """Delete the shard being written, for `error` that stops the run."""
        shard, self._shard, self._file = self._shard, None, None
        if shard is not None:
            shard.__exit__(type(error), error, error.__traceback__)

    def _open(self) -> None:
        self._shard = atomic_write(self.tok_dir / f"{self.split}_{len(self.shards):06d}.bin")
        self._file = self._shard.__enter__()
        self._offsets = [0]

    def _finish_shard(self) -> None:
        bin_name = f"{self.split}_{len(self.shards):06d}.bin"
        idx_name = bin_name[:-4] + ".idx"
        write_atomic(self.tok_dir / idx_name, np.asarray(self._offsets, OFFSET_DTYPE).tobytes())
        shard, self._shard, self._file = self._shard, None, None
        shard.__exit__(None, None, None)
        self.shards.append({
            "bin": bin_name,
            "idx": idx_name,
            "num_tokens": self._offsets[-1],
            "num_docs": len(self._offsets) - 1,
            "text_bytes": self._text_bytes,
        })
        self._text_bytes = 0


def tokenize_shards(
    input_dir: str | os.PathLike,
    tok_dir: str | os.PathLike,
    tokenizer: str = "cl100k_base",
    val_fraction: float = 0.005,
    threads: int | None = None,
    shard_tokens: int = DEFAULT_SHARD_TOKENS,
    progress: bool = True,
    language: str | None = None,
    rehydrate: int | None = None,
) -> dict:
    """Tokenize OUT_DIR/data/**.parquet (every language, or `language`'s) into `tok_dir`, each document
    written as often as rehydration up to `rehydrate` repetitions says; returns the manifest it wrote."""
    from curation.progress import Progress

    if not 0 <= val_fraction < 1:
        raise TokenizeError(f"val fraction {val_fraction} must be in [0, 1)")
    if shard_tokens < 1:
        raise TokenizeError(f"shard size {shard_tokens} must be at least one token")
    if rehydrate is not None and not MIN_REPS <= rehydrate <= MAX_REPS:
        raise TokenizeError(f"--rehydrate {rehydrate}: FineWeb-2's weights are for {MIN_REPS} to {MAX_REPS} repetitions")
    files = parquet_files(input_dir, language)
    sources = _sources(input_dir, files, rehydrate is not None)
    enc = load_tokenizer(tokenizer)
    tok_dir = Path(tok_dir)
    tok_dir.mkdir(parents=True, exist_ok=True)
    dtype = np.dtype(token_dtype(enc)).newbyteorder("<")
    bos = enc.encode_single_token(BOS)
    languages = {path: shard_language(input_dir, path) for path in files}
    weights = {name: language_weights(name, rehydrate) for name in set(languages.values())} if rehydrate else {}
    columns = ("id", "text", CLUSTER_SIZE) if rehydrate else ("id", "text")

    writers = {split: _SplitWriter(tok_dir, split, dtype, shard_tokens) for split in SPLITS}
    first_round: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {split: [] for split in SPLITS}  # copies, bytes
    per_language: dict[str | None, list[int]] = {}  # language -> [documents, repeats]
    skipped = 0
    threads = threads or _usable_cpus()
    bar = Progress("tokenize", total=sum(s["rows"] for s in sources), unit="docs") if progress else None
    done = 0
    try:
        with ThreadPoolExecutor(threads) as pool:
            pending: deque[tuple[Future, int, str | None]] = deque()

            def drain_one() -> None:
                nonlocal skipped, done
                future, n_docs, name = pending.popleft()
                parts, n_skipped = future.result()
                tally = per_language.setdefault(name, [0, 0])
                for split in SPLITS:
                    part = parts[split]
                    writers[split].add(part)
                    tally[0] += len(part.copies)
                    tally[1] += sum(part.copies) - len(part.copies)
                    if rehydrate:
                        first_round[split].append((np.array(part.copies, np.uint8),
                                                   np.array(part.text_bytes, np.int64)))
                skipped += n_skipped
                done += n_docs
                if bar is not None:
                    bar.update(done)

            for path in files:
                for batch in iter_chunks([path], columns=columns):
                    copies = batch_copies(batch, weights.get(languages[path]))
                    future = pool.submit(_encode_chunk, enc, bos, dtype, val_fraction, batch, copies)
                    pending.append((future, batch.num_rows, languages[path]))
                    if len(pending) >= 2 * threads:
                        drain_one()
            while pending:
                drain_one()
        if rehydrate:
            for split, chunks in first_round.items():
                copies, text_bytes = zip(*chunks) if chunks else ((), ())
                writers[split].repeat(np.concatenate([np.zeros(0, np.uint8), *copies]),
                                      np.concatenate([np.zeros(0, np.int64), *text_bytes]))
        shards = {split: writer.close() for split, writer in writers.items()}
    except BaseException as error:
        for writer in writers.values():
            writer.abort(error)
        raise
    finally:
        if bar is not None:
            bar.close(done)

    if tokenizer in CL100K_ALIASES:
        source = CL100K
    else:
        save_tiktoken(enc, tok_dir / TRAINED_TOKENIZER_FILE)
        source = TRAINED_TOKENIZER_FILE
    manifest = {
        "format": FORMAT,
        "tokenizer": {
            "name": enc.name,
            "source": source,
            "hash": tokenizer_hash(enc),
            "n_vocab": enc.n_vocab,
            "special_tokens": special_tokens(enc),
        },
        "dtype": dtype.name,
        "byte_order": "little",
        "boundary": {"token": BOS, "id": bos, "policy": f"one {BOS} before each document; none inside or after"},
        "split": {"val_fraction": val_fraction, "rule": "val if blake2b-64(utf-8 id) / 2**64 < val_fraction"},
        "language": language,
        "rehydrate": manifest_info(rehydrate, weights),
        "languages": {name: {"documents": documents, "repeats": repeats}
                      for name, (documents, repeats) in sorted(per_language.items()) if name is not None},
        "splits": {
            split: {
                "num_tokens": sum(s["num_tokens"] for s in split_shards),
                "num_docs": sum(s["num_docs"] for s in split_shards),
                "text_bytes": sum(s["text_bytes"] for s in split_shards),
                "shards": split_shards,
            }
            for split, split_shards in shards.items()
        },
        "skipped_empty_docs": skipped,
        "sources": sources,
    }
    write_atomic(tok_dir / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    _remove_stale_shards(tok_dir, manifest)
    return manifest


def _sources(input_dir: str | os.PathLike, files: list[Path], rehydrate: bool) -> list[dict]:
    """Each input file's path, size and rows, checked readable (and with cluster sizes, to rehydrate) before work."""
    import pyarrow.parquet as pq

    sources = []
    for path in files:
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except Exception as e:  # pyarrow raises several types for a damaged footer
            raise TokenizeError(f"{path}: not a readable Parquet file ({e})") from None
        if rehydrate and lacks_cluster_sizes(path):
            raise TokenizeError(f"--rehydrate needs each document's {CLUSTER_SIZE}, which {path} lacks: the run was "
                                f"curated without dedup; tokenize without --rehydrate, or curate with dedup")
        sources.append({"path": path.relative_to(input_dir).as_posix(), "bytes": path.stat().st_size, "rows": rows})
    return sources


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _remove_stale_shards(tok_dir: Path, manifest: dict) -> None:
    """Shards a previous, larger run left behind (the new manifest no longer lists them), and the temporary
    files of a run that was killed (this run has renamed all of its own)."""
    listed = {s[key] for info in manifest["splits"].values() for s in info["shards"] for key in ("bin", "idx")}
    for split in SPLITS:
        for path in tok_dir.glob(f"{split}_[0-9][0-9][0-9][0-9][0-9][0-9].*"):
            if path.suffix in (".bin", ".idx") and path.name not in listed:
                path.unlink()
    for prefix in [f"{split}_" for split in SPLITS] + [MANIFEST, TRAINED_TOKENIZER_FILE]:
        for path in tok_dir.glob(f".{prefix}*{TMP_MARK}*"):
            path.unlink()
    if manifest["tokenizer"]["source"] != TRAINED_TOKENIZER_FILE:
        (tok_dir / TRAINED_TOKENIZER_FILE).unlink(missing_ok=True)
