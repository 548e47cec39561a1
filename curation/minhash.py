"""MinHash sketches for near-duplicate detection, with FineWeb's settings.

A document becomes: its normalized text (lowercase, accents and punctuation
stripped, digit runs -> "0", whitespace collapsed), the set of its word 5-grams
("shingles"), and a signature of 112 minimum hash values = 14 bands x 8 rows.
Two documents whose shingle sets have Jaccard similarity s share at least one
whole band with probability 1 - (1 - s^8)^14 (0.21 at s = 0.6, 0.57 at 0.7,
0.92 at 0.8, 0.99 at 0.85), which finds candidate pairs without comparing all pairs.

Words are the normalized text's space-separated runs for English, as in FineWeb;
other languages get theirs from FineWeb-2's word tokenizer of the language, as
FineWeb-2's dedup did (`curation.languages.shingle_words`, passed to
`Sketcher.sketch`): Chinese, Japanese or Thai have no spaces between words.

Hashing is vectorized numpy rather than `datasketch.MinHash.update` (measured
in bench/dedup_speed.py): normalization is one numpy pass over the code points,
all words are hashed at once with a polynomial hash, shingle hashes are combined
from word hashes, and the 112 permutations are applied to all shingles as one
matrix. The permutation step is datasketch's "affine64" scheme (MurmurHash3
fmix64 pre-mix, then a*h + b mod 2^64 with odd a): for the same shingle hashes
and permutations the signature is bit-identical to datasketch's, and
tests/test_minhash.py checks that, and that Jaccard estimates match datasketch's.

All hashes are stable across processes and machines (fixed constants, numpy
RandomState with a fixed seed, hashlib); Python's randomized `hash()` is never used.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from curation.document import Document

NGRAM = 5
NUM_BANDS = 14
ROWS_PER_BAND = 8
SEED = 1
KEY_BYTES = 16  # exact and record keys: 128 bits, so collisions stay negligible at 10^10 keys
BAND_KEY_BYTES = 8  # see band_keys

_U64 = np.uint64
_MASK64 = (1 << 64) - 1
_FMIX = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53))
_WORD_BASE = 0x100000001B3F1A2B  # odd, so invertible mod 2^64
_WORD_BASE_INVERSE = pow(_WORD_BASE, -1, 1 << 64)
_LENGTH_MIX = _U64(0x9E3779B97F4A7C15)
_SHINGLE_MIX = _U64(0xD6E8FEB86659FD93)
_SEGMENT_LENGTH = 1 << 16  # word hashing works on slices of this many code points, bounding temporary memory
_PERMUTE_CHUNK = 2048  # shingles per permutation matrix (112 x 2048 uint64 = 1.8 MB)
_SPACE_CODE = 0x20  # separates the words of a normalized text
_TOKEN_SEPARATOR = "\n"  # joins a tokenizer's words (which may hold spaces); whitespace, so never in a normalized text


# Character classes for normalization, looked up per code point with one numpy indexing.
_DELETE, _SPACE, _DIGIT, _KEEP, _UNKNOWN = 0, 1, 2, 3, 255


def _character_class(code_point: int) -> int:
    char = chr(code_point)
    category = unicodedata.category(char)
    if char.isspace():
        return _SPACE
    if category == "Nd":
        return _DIGIT
    # Punctuation, symbols, combining marks (accents after NFD), controls, format
    # characters, and lone surrogates (which would make UTF-8 encoding fail).
    if category[0] in "PS" or category in ("Mn", "Me", "Cc", "Cf", "Cs"):
        return _DELETE
    return _KEEP


class _ClassTable:
    """Class of every code point, filled on first sight so no process pays for scanning all of Unicode (1.1 MB)."""

    def __init__(self):
        self.table = np.full(0x110000, _UNKNOWN, dtype=np.uint8)
        self.table[:128] = [_character_class(cp) for cp in range(128)]

    def __call__(self, code_points: np.ndarray) -> np.ndarray:
        classes = self.table[code_points]
        unknown = classes == _UNKNOWN
        if unknown.any():
            for cp in np.unique(code_points[unknown]).tolist():
                self.table[cp] = _character_class(cp)
            classes = self.table[code_points]
        return classes


_CLASSES = _ClassTable()


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _normalized_code_points(text: str) -> np.ndarray:
    """`normalize` on a numpy array of code points: lowercase and NFD in C, then one vectorized pass."""
    code_points = _code_points(unicodedata.normalize("NFD", text.lower()))
    classes = _CLASSES(code_points)
    kept = classes != _DELETE
    code_points, classes = code_points[kept], classes[kept]
    if code_points.size == 0:
        return code_points
    # A space or digit right after one of its own class is dropped: runs collapse to one.
    previous = np.empty_like(classes)
    previous[0] = _SPACE  # so a leading space goes too
    previous[1:] = classes[:-1]
    first_of_run = (classes == _KEEP) | (classes != previous)
    code_points, classes = code_points[first_of_run], classes[first_of_run]
    code_points = np.where(classes == _DIGIT, np.uint32(ord("0")), code_points)
    code_points = np.where(classes == _SPACE, np.uint32(ord(" ")), code_points)
    if classes.size and classes[-1] == _SPACE:
        code_points = code_points[:-1]
    return code_points


def normalize(text: str) -> str:
    """FineWeb-style normalization so trivially different copies hash alike: lowercase, strip accents,
    delete punctuation and symbols, digit runs -> "0", whitespace runs -> one space, no leading/trailing space."""
    return _normalized_code_points(text).tobytes().decode("utf-32-le")


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: an avalanching bijection (uint64 arrays wrap, which is the intended mod 2^64)."""
    shift, m1, m2 = _FMIX
    h = h ^ (h >> shift)
    h = h * m1
    h = h ^ (h >> shift)
    h = h * m2
    return h ^ (h >> shift)


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """B^i and B^-i mod 2^64 for i < n (uint64 cumprod wraps, which is the intended mod 2^64)."""
    tables = []
    for base in (_WORD_BASE, _WORD_BASE_INVERSE):
        factors = np.full(n, base, dtype=_U64)
        factors[0] = 1
        tables.append(np.cumprod(factors, dtype=_U64))
    return tables[0], tables[1]


_POWERS = _power_tables(_SEGMENT_LENGTH + 1)  # 1 MB, enough for every segment but one holding a giant word


def _word_hashes(code_points: np.ndarray, separator: int = _SPACE_CODE) -> np.ndarray:
    """One 64-bit hash per word of normalized code points (words joined by single `separator`s), all at once.

    Polynomial hash of each word's code points via prefix sums (sum c_i * B^i mod 2^64,
    shifted to the word's start with B^-start), plus its length, then fmix64. Work goes
    segment by segment so temporary arrays stay small whatever the text's size.
    """
    if code_points.size == 0:
        return np.empty(0, dtype=_U64)
    spaces = np.flatnonzero(code_points == separator)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [code_points.size]))
    out = np.empty(starts.size, dtype=_U64)
    first = 0
    while first < starts.size:
        offset = int(starts[first])
        # Every word that ends inside this segment; at least one, however long it is.
        last = max(int(np.searchsorted(ends, offset + _SEGMENT_LENGTH, side="right")), first + 1)
        segment = code_points[offset : int(ends[last - 1])]
        powers, inverse_powers = _POWERS if segment.size < _POWERS[0].size else _power_tables(segment.size + 1)
        prefix = np.zeros(segment.size + 1, dtype=_U64)
        np.cumsum(segment.astype(_U64) * powers[: segment.size], dtype=_U64, out=prefix[1:])
        s = starts[first:last] - offset
        e = ends[first:last] - offset
        poly = (prefix[e] - prefix[s]) * inverse_powers[s]
        out[first:last] = _fmix64(poly + (e - s).astype(_U64) * _LENGTH_MIX)
        first = last
    return out


def shingle_chain(words: np.ndarray, ngram: int) -> Iterator[np.ndarray]:
    """The hashes of every word n-gram for n = 1, 2, ... `ngram` (fewer when there are fewer words), each from the
    one before: entry i of the n-th array hashes words i .. i+n-1."""
    h = words
    for n in range(1, min(ngram, words.size) + 1):
        if n > 1:
            h = _fmix64(h[:-1] * _SHINGLE_MIX + words[n - 1 :])
        yield h


def _shingle_hashes(code_points: np.ndarray, ngram: int, separator: int = _SPACE_CODE) -> np.ndarray:
    h = words = _word_hashes(code_points, separator)
    for h in shingle_chain(words, ngram):
        pass
    return h


def word_hashes(normalized: str) -> np.ndarray:
    """One 64-bit hash per word of a `normalize`d text."""
    return _word_hashes(_code_points(normalized))


def shingle_hashes(normalized: str, ngram: int = NGRAM) -> np.ndarray:
    """One 64-bit hash per word n-gram of a `normalize`d text; fewer than n words make one shingle, no words none."""
    return _shingle_hashes(_code_points(normalized), ngram)


class MinHasher:
    """Signatures of `num_perm` affine permutations, generated exactly as datasketch's "affine64" scheme from `seed`."""

    def __init__(self, num_perm: int = NUM_BANDS * ROWS_PER_BAND, seed: int = SEED):
        if num_perm < 1:
            raise ValueError("num_perm must be positive")
        gen = np.random.RandomState(seed)
        self.a = gen.randint(0, 1 << 63, num_perm, dtype=_U64) * _U64(2) + _U64(1)
        self.b = gen.randint(0, 1 << 64, num_perm, dtype=_U64)
        self.num_perm = num_perm

    @property
    def permutations(self) -> np.ndarray:
        """(a, b) as datasketch's `MinHash(permutations=..., scheme="affine64")` takes them."""
        return np.array([self.a, self.b])

    def signature_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Minimum of a*fmix64(h)+b over the hashes, per permutation; all 2^64-1 when there are none."""
        signature = np.full(self.num_perm, _MASK64, dtype=_U64)
        mixed = _fmix64(np.asarray(hashes, dtype=_U64))
        for start in range(0, mixed.size, _PERMUTE_CHUNK):
            permuted = np.multiply.outer(self.a, mixed[start : start + _PERMUTE_CHUNK])
            permuted += self.b[:, None]
            np.minimum(signature, permuted.min(axis=1), out=signature)
        return signature

    def signature(self, text: str, ngram: int = NGRAM) -> np.ndarray | None:
        """The signature of a raw text's normalized shingles; None when it has no words."""
        return self._signature(_normalized_code_points(text), _SPACE_CODE, ngram)

    def _signature(self, normalized: np.ndarray, separator: int, ngram: int) -> np.ndarray | None:
        hashes = _shingle_hashes(normalized, ngram, separator)
        return self.signature_of_hashes(hashes) if hashes.size else None


def _length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # hostile text may hold lone surrogates


def band_keys(signature: np.ndarray, num_bands: int = NUM_BANDS, rows_per_band: int = ROWS_PER_BAND) -> np.ndarray:
    """One 64-bit key per band: a hash of (band index, the band's rows). Equal key = candidate pair.

    64 bits suffice: a false candidate needs two unrelated bands to collide, about
    num_bands * N^2 / 2^65 pairs in N documents (0.4 at 10^9), far below MinHash's own false positives.
    """
    if signature.size < num_bands * rows_per_band:
        raise ValueError(f"signature has {signature.size} values, bands need {num_bands * rows_per_band}")
    rows = signature.astype("<u8", copy=False)
    keys = np.empty(num_bands, dtype=_U64)
    for band in range(num_bands):
        h = hashlib.blake2b(band.to_bytes(4, "little"), digest_size=BAND_KEY_BYTES)
        h.update(rows[band * rows_per_band : (band + 1) * rows_per_band].tobytes())
        keys[band] = int.from_bytes(h.digest(), "little")
    return keys


def exact_key(text: str) -> bytes:
    """128-bit hash of the normalized text, so copies differing only in case/punctuation/digits match."""
    return _exact_key(_normalized_code_points(text), text)


def _exact_key(normalized: np.ndarray, text: str) -> bytes:
    # A text that normalizes to nothing (only punctuation or symbols) is keyed by its raw
    # text instead, so that different symbol-only documents are not called copies.
    h = hashlib.blake2b(digest_size=KEY_BYTES)
    h.update(b"N" + normalized.astype("<u4", copy=False).tobytes() if normalized.size else b"R" + _utf8(text))
    return h.digest()


class Sketcher:
    """A document's dedup keys in one pass: its exact key and its LSH band keys (None for a text without words)."""

    def __init__(self, num_bands: int = NUM_BANDS, rows_per_band: int = ROWS_PER_BAND, ngram: int = NGRAM, seed: int = SEED):
        if min(num_bands, rows_per_band, ngram) < 1:
            raise ValueError("num_bands, rows_per_band and ngram must be positive")
        self.hasher = MinHasher(num_bands * rows_per_band, seed)
        self.num_bands, self.rows_per_band, self.ngram = num_bands, rows_per_band, ngram

    def sketch(self, text: str, words: Callable[[str], Sequence[str]] | None = None) -> tuple[bytes, np.ndarray | None]:
        """(exact key, band keys); `words` splits the normalized text into words (a language's word tokenizer),
        None splits it at spaces."""
        normalized = _normalized_code_points(text)
        signature = self.hasher._signature(*_split(normalized, words), self.ngram)
        bands = None if signature is None else band_keys(signature, self.num_bands, self.rows_per_band)
        return _exact_key(normalized, text), bands


def _split(normalized: np.ndarray, words: Callable[[str], Sequence[str]] | None) -> tuple[np.ndarray, int]:
    """Normalized code points -> (code points of the words, the code point between words)."""
    if words is None:
        return normalized, _SPACE_CODE
    tokens = words(normalized.tobytes().decode("utf-32-le"))
    return _code_points(_TOKEN_SEPARATOR.join(tokens)), ord(_TOKEN_SEPARATOR)


def dedup_words(text: str, words: Callable[[str], Sequence[str]] | None = None) -> tuple[list[str], np.ndarray]:
    """A raw text's words as dedup sees them (`normalize`, then `words`, a language's word tokenizer, or spaces)
    and one 64-bit hash per word: what `shingle_chain` takes."""
    code_points, separator = _split(_normalized_code_points(text), words)
    if code_points.size == 0:
        return [], np.empty(0, dtype=_U64)
    return code_points.tobytes().decode("utf-32-le").split(chr(separator)), _word_hashes(code_points, separator)


def record_key(doc: Document) -> bytes:
    """128-bit hash of every field of a document (duplicate_of excepted): its identity in dedup.

    Records with the same id but any other difference get different keys (ids can collide
    in hostile archives); equal keys mean records that are identical in every field.
    """
    h = hashlib.blake2b(digest_size=KEY_BYTES)
    fields = (doc.id, doc.url, doc.date, doc.dump, doc.file_path, doc.text, doc.language,
              repr(doc.language_score), repr(doc.token_count), repr(sorted(doc.signals.items())))
    for value in fields:
        h.update(_length_prefixed(_utf8(value)))
    return h.digest()


def scope_salt(dump: str) -> bytes:
    """16 bytes that dedup XORs into a document's exact and band keys to confine its clusters to one dump.

    Applied at dedup time, not when sketching, so one staged sketch serves every scope. Keys are
    uniform hashes, so XOR with a per-dump constant keeps equal keys equal within a dump and makes
    keys of different dumps collide no more often than any two unrelated keys.
    """
    return hashlib.blake2b(_utf8(dump), digest_size=KEY_BYTES).digest()


def estimate_jaccard(signature_a: np.ndarray, signature_b: np.ndarray) -> float:
    """The fraction of equal minimum hashes: an unbiased estimate of the shingle sets' Jaccard similarity."""
    return float(np.mean(signature_a == signature_b))


def jaccard(a: set, b: set) -> float:
    """Exact Jaccard similarity of two sets (1.0 for two empty sets)."""
    return len(a & b) / len(a | b) if a or b else 1.0


def candidate_probability(similarity: float, num_bands: int = NUM_BANDS, rows_per_band: int = ROWS_PER_BAND) -> float:
    """Theoretical probability that two documents of this Jaccard similarity share a band: 1-(1-s^r)^b."""
    return 1.0 - (1.0 - similarity**rows_per_band) ** num_bands
