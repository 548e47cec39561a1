"""A learned quality score (the FineWeb-Edu / DCLM idea): hashed n-gram logistic regression in numpy.

DCLM showed that a bag-of-n-grams linear classifier trained on reference text
(positives) against random crawl text (negatives) is a strong, cheap quality
filter. The installed `fasttext` module only predicts, so this is the same model
class built on numpy: features are hashed into one weight table, each feature
group (byte 5-grams by default, words, word bigrams) contributes the mean of its
weights, and `score = sigmoid(bias + sum of group means)`, like fastText's
averaged embeddings with dimension 1.

Speed comes from never touching single tokens in Python: the ASCII-folded UTF-8
bytes are viewed as overlapping little-endian uint64 windows (one view, stride
1), so an n-gram's key is a window masked to n bytes and a word's key is built
from the windows at its first and last bytes. Keys become bucket indices by
multiplicative hashing. Everything is stable across processes and platforms
(no Python `hash`), so a model trained here scores identically on any worker.

A model file is an `.npz` holding only numeric arrays plus a JSON header stored
as bytes; it is read with `allow_pickle=False`, so a hostile file cannot run code.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import asdict, dataclass
from typing import BinaryIO, Sequence

import numpy as np

from curation.atomic import write_atomic

FORMAT = "curation-quality-model"
VERSION = 1

# Odd 64-bit multipliers: distinct per n-gram order, so equal keys of different groups land in unrelated buckets.
_MULT_CHAR = [np.uint64(0x9E3779B97F4A7C15 + 2 * n) for n in range(9)]  # by n-gram order
_MULT_WORD = np.uint64(0x165667B19E3779F9)
_MULT_PAIR = np.uint64(0xFF51AFD7ED558CCD)
_MULT_LONG = np.uint64(0xC4CEB9FE1A85EC53)
_PAD = b"\0" * 8
_TAIL = b" " + _PAD
_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _fold_table() -> bytes:
    """ASCII letters to lower case, digits to '0' (numbers rarely say anything about quality), whitespace to a space."""
    table = bytearray(range(256))
    for c in range(ord("A"), ord("Z") + 1):
        table[c] = c + 32
    for c in range(ord("0"), ord("9") + 1):
        table[c] = ord("0")
    for c in b"\t\n\r\x0b\x0c":
        table[c] = ord(" ")
    return bytes(table)


def _word_table(fold: bytes) -> bytes:
    """Folded bytes that are not word bytes become spaces; word bytes are a-z, '0', and all of UTF-8's non-ASCII bytes."""
    table = bytearray(fold)
    for c in range(256):  # the zero padding becomes spaces too
        folded = fold[c]
        if not (ord("a") <= folded <= ord("z") or folded == ord("0") or folded >= 0x80):
            table[c] = ord(" ")
    return bytes(table)


_FOLD = _fold_table()
_WORDS = _word_table(_FOLD)


def _windows(buf: bytes, count: int) -> np.ndarray:
    """`count` overlapping little-endian uint64 values, one starting at each byte of `buf` (which must have 7 more bytes)."""
    return np.ndarray(shape=(count,), dtype="<u8", buffer=buf, strides=(1,))


@dataclass(frozen=True)
class Features:
    """How text becomes hashed feature groups; stored in the model header so scoring always matches training."""

    bits: int = 18  # 2**bits weights: 1 MB of float32 stays in a core's cache (Vowpal Wabbit's default size, too)
    char_ngrams: tuple[int, ...] = (5,)  # byte n-gram orders over the folded text, each its own group
    max_chars: int = 10_000  # only a document's beginning is scored (FineWeb-Edu: 512 tokens), which bounds the cost

    def __post_init__(self):
        if not 8 <= self.bits <= 28:
            raise ValueError(f"bits must be in 8..28, not {self.bits}")
        if not self.char_ngrams or not all(1 <= n <= 8 for n in self.char_ngrams):
            raise ValueError(f"char_ngrams must be orders in 1..8, not {self.char_ngrams}")
        if self.max_chars < 1:
            raise ValueError("max_chars must be positive")

    def groups(self, text: str) -> list[np.ndarray]:
        """Bucket indices (uint64) of the feature groups: one per char n-gram order, then words, then word bigrams."""
        shift = np.uint64(64 - self.bits)
        # One buffer, one copy: a space on each side of the text (so the first and last words have edges), then
        # zero bytes so the uint64 window at every position stays inside it.
        buf = b"".join((b" ", text[: self.max_chars].encode("utf-8", "replace"), _TAIL)).translate(_FOLD)
        size = len(buf) - len(_PAD)
        windows = _windows(buf, size)
        groups = []
        for n in self.char_ngrams:
            keys = windows[: max(0, size - n + 1)] & _LOW_BYTES[n]
            keys *= _MULT_CHAR[n]
            keys >>= shift
            groups.append(keys)
        words = _word_keys(buf.translate(_WORDS), size)
        bigrams = words[:-1] * _MULT_PAIR
        bigrams ^= words[1:]
        bigrams >>= shift
        return groups + [words >> shift, bigrams]


def _word_keys(buf: bytes, size: int) -> np.ndarray:
    """One uint64 key per word (a run of non-space bytes): its first 8 bytes mixed with its last 8 and its length.

    `buf` starts with a space and has spaces from `size` on, so word edges alternate start, end, start, ...
    """
    is_word = np.frombuffer(buf, dtype=np.uint8) != ord(" ")
    edges = (is_word[1:] != is_word[:-1]).nonzero()[0]  # 4x faster than flatnonzero(diff(...)) on int8
    starts = edges[0::2] + 1
    ends = edges[1::2] + 1  # exclusive
    lengths = ends - starts
    windows = _windows(buf, size)
    low_bytes = _LOW_BYTES[np.minimum(lengths, 8)]
    heads = windows[starts] & low_bytes
    tails = windows[np.maximum(ends - 8, starts)] & low_bytes  # the word's last 8 bytes; for short words the word again
    tails += lengths.view(np.uint64)
    tails *= _MULT_LONG
    heads ^= tails
    heads *= _MULT_WORD  # mixes the head's bytes into the high bits, which become bucket indices
    return heads


@dataclass
class QualityModel:
    """Weights over hashed features; `score(text)` is a probability that text looks like the positives."""

    features: Features
    weights: np.ndarray  # float32, 2**bits
    bias: float
    info: dict  # training data counts, hyperparameters and held-out metrics, for the record

    def score(self, text: str) -> float:
        return _sigmoid(_logit(self.weights, self.bias, self.features.groups(text)))

    def save(self, path: str) -> None:
        """Write the model atomically (temporary file, then rename)."""
        header = {"format": FORMAT, "version": VERSION, "features": asdict(self.features), "bias": self.bias, "info": self.info}
        buf = io.BytesIO()
        np.savez_compressed(buf, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), weights=self.weights)
        write_atomic(path, buf.getvalue())


def int_score(score: float) -> int:
    """FineWeb-Edu's 0..5 integer score, for a 0..1 probability: round(5 * score)."""
    return int(round(5 * min(max(score, 0.0), 1.0)))


def load_model(source: str | BinaryIO) -> QualityModel:
    """Read a model written by `QualityModel.save`; raises ValueError for anything that is not one (never unpickles)."""
    try:
        with np.load(source, allow_pickle=False) as npz:
            header = json.loads(bytes(npz["header"]).decode())
            weights = npz["weights"]
    except (OSError, KeyError, ValueError, EOFError, RecursionError, zipfile.BadZipFile) as e:
        raise ValueError(f"not a quality model file: {type(e).__name__}: {e}") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("not a quality model file (wrong format tag)")
    if header.get("version") != VERSION:
        raise ValueError(f"quality model version {header.get('version')} is not supported (this code reads {VERSION})")
    try:
        spec = header["features"]
        features = Features(bits=int(spec["bits"]), char_ngrams=tuple(int(n) for n in spec["char_ngrams"]),
                            max_chars=int(spec["max_chars"]))
        bias = float(header["bias"])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"quality model header is invalid: {e}") from e
    if weights.dtype != np.float32 or weights.shape != (1 << features.bits,):
        raise ValueError(f"quality model weights must be float32 of shape ({1 << features.bits},), "
                         f"not {weights.dtype} {weights.shape}")
    if not (np.isfinite(weights).all() and math.isfinite(bias)):
        raise ValueError("quality model has non-finite weights")
    return QualityModel(features, weights, bias, header.get("info", {}))


def _logit(weights: np.ndarray, bias: float, groups: list[np.ndarray]) -> float:
    """bias + the mean weight of each non-empty group (indices are in range by construction: clip skips the check)."""
    total = bias
    for group in groups:
        if len(group):
            total += float(np.add.reduce(weights.take(group, mode="clip"))) / len(group)
    return total


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    learning_rate: float = 0.5  # AdaGrad step size
    batch_size: int = 32
    holdout: float = 0.2  # fraction of documents (chosen by a hash of the text) kept out of training for the metrics
    seed: int = 0  # order in which training documents are visited


def in_holdout(text: str, fraction: float) -> bool:
    """A stable split by content: the same text is always on the same side, so exact duplicates cannot leak."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") < fraction * 2**64


def train(positives: Sequence[str], negatives: Sequence[str], features: Features = Features(),
          config: TrainConfig = TrainConfig()) -> QualityModel:
    """Logistic regression by minibatch AdaGrad, both classes weighted equally; held-out metrics go into `info`."""
    texts = list(positives) + list(negatives)
    labels = np.array([1.0] * len(positives) + [0.0] * len(negatives))
    held = np.array([in_holdout(t, config.holdout) for t in texts], dtype=bool)
    train_idx = np.flatnonzero(~held)
    n_pos = int(labels[train_idx].sum())
    if n_pos == 0 or n_pos == len(train_idx):
        raise ValueError("training needs at least one positive and one negative document outside the held-out split")
    # Each class contributes half of the loss, so a 10:1 imbalance does not just move the bias.
    example_weight = np.where(labels == 1, len(train_idx) / (2 * n_pos), len(train_idx) / (2 * (len(train_idx) - n_pos)))
    weights = np.zeros(1 << features.bits, dtype=np.float64)
    squares = np.zeros_like(weights)  # AdaGrad's per-weight sum of squared gradients
    bias, bias_square = 0.0, 0.0
    rng = np.random.default_rng(config.seed)
    for _ in range(config.epochs):
        order = rng.permutation(train_idx)
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            grad, bias_grad = _gradient(weights, bias, features, [texts[i] for i in batch],
                                        labels[batch], example_weight[batch] / len(batch))
            squares += grad * grad
            weights -= config.learning_rate * grad / np.sqrt(squares + 1e-12)  # untouched weights: 0 / eps = no change
            bias_square += bias_grad * bias_grad
            bias -= config.learning_rate * bias_grad / math.sqrt(bias_square + 1e-12)
    model = QualityModel(features, weights.astype(np.float32), float(bias), {})
    held_idx = np.flatnonzero(held)
    model.info = {
        "documents": {"positives": len(positives), "negatives": len(negatives),
                      "train": len(train_idx), "held_out": len(held_idx)},
        "train_config": asdict(config),
        "held_out": evaluate(model, [texts[i] for i in held_idx], labels[held_idx]),
    }
    return model


def _gradient(weights: np.ndarray, bias: float, features: Features, texts: list[str], labels: np.ndarray,
              example_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Gradient of the weighted log loss over a batch, for the dense weight table and the bias."""
    indices, values, bias_grad = [], [], 0.0
    for text, label, example_weight in zip(texts, labels, example_weights):
        groups = [g for g in features.groups(text) if len(g)]
        err = (_sigmoid(_logit(weights, bias, groups)) - label) * example_weight
        bias_grad += err
        for g in groups:
            indices.append(g)
            values.append(np.full(len(g), err / len(g)))
    if not indices:
        return np.zeros_like(weights), bias_grad
    grad = np.bincount(np.concatenate(indices).astype(np.intp), weights=np.concatenate(values), minlength=len(weights))
    return grad, bias_grad


def evaluate(model: QualityModel, texts: Sequence[str], labels: np.ndarray) -> dict:
    """Precision and recall of the positive class at score >= 0.5, and ROC AUC; None where a class is missing."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.array([model.score(t) for t in texts])
    predicted = scores >= 0.5
    true_positives = int((predicted & labels).sum())
    return {
        "positives": int(labels.sum()),
        "negatives": int((~labels).sum()),
        "precision": true_positives / int(predicted.sum()) if predicted.any() else None,
        "recall": true_positives / int(labels.sum()) if labels.any() else None,
        "auc": roc_auc(scores, labels),
    }


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """The probability that a random positive outscores a random negative (ties count half): Mann-Whitney U."""
    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    starts = np.cumsum(counts) - counts  # 0-based rank of each distinct score's first occurrence
    ranks = (starts + (counts + 1) / 2)[inverse]  # average 1-based rank over ties
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
