"""Read a `curate tokenize` directory for training: random windows, resumable epochs, whole documents.

numpy only (the trainer converts to torch). Shards are memory-mapped on first use
and only the requested slices are read, so a split of any size costs no RAM; the
file sizes are checked against the manifest at construction, so a truncated or
swapped `.bin` fails there with a clear message. A split's shards are read as one
stream of tokens in manifest order; windows may cross document and shard borders.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from curation.tokens import (
    TokenDataError,
    load_manifest_tokenizer,
    manifest_dtype,
    open_shard,
    read_manifest,
    shard_size_problems,
    split_info,
)


class TokenData:
    """One split (train or val) of a token directory."""

    def __init__(self, tok_dir: str | os.PathLike, split: str = "train"):
        self.tok_dir = tok_dir
        self.split = split
        self.manifest = read_manifest(tok_dir)
        self.dtype = manifest_dtype(self.manifest)
        self.vocab_size: int = self.manifest["tokenizer"]["n_vocab"]
        self.bos_id: int = self.manifest["boundary"]["id"]
        self.tokenizer_hash: str = self.manifest["tokenizer"]["hash"]
        self._shards = split_info(self.manifest, split)["shards"]
        problems = [p for shard in self._shards for p in shard_size_problems(tok_dir, shard, self.dtype)]
        if problems:
            raise TokenDataError(f"{tok_dir} ({split}): " + "; ".join(problems))
        # Where each shard starts in the split's token stream and document numbering.
        self._token_starts = np.cumsum([0] + [s["num_tokens"] for s in self._shards])
        self._doc_starts = np.cumsum([0] + [s["num_docs"] for s in self._shards])
        self.num_tokens = int(self._token_starts[-1])
        self.num_docs = int(self._doc_starts[-1])
        self._maps: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(self._shards)

    def load_tokenizer(self):
        """The `tiktoken.Encoding` these tokens were made with (refused if its hash differs)."""
        return load_manifest_tokenizer(self.tok_dir, self.manifest)

    def get_batch(self, batch_size: int, seq_len: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """`batch_size` windows of seq_len + 1 tokens at random starts -> inputs x and next-token targets y, int64 [B, T]."""
        self._require_window(seq_len)
        starts = rng.integers(0, self.num_tokens - seq_len, size=batch_size)
        return self._batch(starts, seq_len)

    def batches_per_epoch(self, batch_size: int, seq_len: int) -> int:
        """Batches of non-overlapping windows in one epoch (a final partial batch is dropped)."""
        self._require_window(seq_len)
        return ((self.num_tokens - 1) // seq_len) // batch_size

    def iter_batches(self, batch_size: int, seq_len: int, seed: int, start: int = 0) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Endless epochs over non-overlapping windows, each epoch in its own seeded shuffle.

        Yields (position, x, y): position counts the batches consumed including this
        one, so `iter_batches(..., start=position)` continues with the next batch;
        the same (batch_size, seq_len, seed) always gives the same sequence.
        Window k holds tokens [k*T, k*T + T], so consecutive windows share one token.
        """
        per_epoch = self.batches_per_epoch(batch_size, seq_len)
        if per_epoch == 0:
            raise ValueError(f"{self.split} has {self.num_tokens} tokens: not one batch of {batch_size}x{seq_len + 1}")
        windows = (self.num_tokens - 1) // seq_len
        position = start
        order, order_epoch = None, -1
        while True:
            epoch, batch = divmod(position, per_epoch)
            if epoch != order_epoch:
                order, order_epoch = np.random.default_rng([seed, epoch]).permutation(windows), epoch
            picked = order[batch * batch_size:(batch + 1) * batch_size]
            x, y = self._batch(picked * seq_len, seq_len)
            position += 1
            yield position, x, y

    def document(self, i: int) -> np.ndarray:
        """Tokens of document i of this split, its leading boundary token included (a view into the file)."""
        if not 0 <= i < self.num_docs:
            raise IndexError(f"document {i} out of range: {self.split} has {self.num_docs}")
        shard = int(np.searchsorted(self._doc_starts, i, side="right")) - 1
        tokens, offsets = self._shard(shard)
        local = i - int(self._doc_starts[shard])
        return tokens[int(offsets[local]):int(offsets[local + 1])]

    def _require_window(self, seq_len: int) -> None:
        if seq_len < 1 or self.num_tokens < seq_len + 1:
            raise ValueError(f"{self.split} has {self.num_tokens} tokens: too few for one window of {seq_len + 1}")

    def _batch(self, starts: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
        windows = np.stack([self._read(int(s), seq_len + 1) for s in starts]).astype(np.int64)
        return windows[:, :-1], windows[:, 1:]

    def _read(self, start: int, length: int) -> np.ndarray:
        """Tokens [start, start + length) of the split's stream, joined across shard borders."""
        pieces = []
        shard = int(np.searchsorted(self._token_starts, start, side="right")) - 1
        while length > 0:
            tokens, _ = self._shard(shard)
            local = start - int(self._token_starts[shard])
            piece = tokens[local:local + length]
            pieces.append(piece)
            start, length, shard = start + len(piece), length - len(piece), shard + 1
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _shard(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._maps[k] is None:
            self._maps[k] = open_shard(self.tok_dir, self._shards[k], self.dtype)
        return self._maps[k]


COPY_SEGMENT = (8, 32)  # tokens of the random segment a copy-structured row repeats, at least and at most


def copy_structured(x: np.ndarray, y: np.ndarray, fraction: float, seed: int, position: int) -> tuple[np.ndarray, np.ndarray]:
    """The batch with a seeded `fraction` of its rows made copy-structured: a segment of COPY_SEGMENT tokens
    drawn at random from the row's own tokens, repeated to fill the row, every token a target.

    After its first occurrence the segment can only be predicted by finding the current
    token earlier in the row and copying what followed it (an induction head), the
    skill a chat model needs to answer from search results, and one a small model on a
    small corpus does not form from plain text (measured: open book 0/79 after SFT).
    What the rows must avoid, measured on the `cpu-chat` model: a copy the model can
    recite from memory (it memorises the demo corpus within a few hundred steps), and a
    copy at a fixed distance (the first half of the window again, 129 tokens back: the
    model learned to copy by position, 80% right at that distance and 4% at others, and
    copied 9% of a chat reply's tokens). Random tokens at varying lengths leave content
    as the only cue: after 500 steps the base model, never fine-tuned, predicted 33% of
    a quote reply's tokens and 25% of its answer's from the search results.
    """
    if fraction <= 0:
        return x, y
    rng = np.random.default_rng([seed, position, 0x636F7079])
    rows = np.flatnonzero(rng.random(len(x)) < fraction)
    if not len(rows):
        return x, y
    x, y = x.copy(), y.copy()
    width = x.shape[1] + 1
    for r in rows:
        tokens = np.append(x[r], y[r, -1])
        segment = rng.choice(tokens, size=int(rng.integers(COPY_SEGMENT[0], COPY_SEGMENT[1] + 1)))
        row = np.resize(segment, width)
        x[r], y[r] = row[:-1], row[1:]
    return x, y
