"""Benchmark decontamination: which benchmark rows a document quotes, by shared word n-grams.

A benchmark is a file of rows (JSONL, JSON or Parquet, optionally gzipped); every string in a row, inside lists
and nested objects too, is benchmark text. A document is contaminated by a row when they share a word 13-gram,
GPT-3's measure. A text of 8 to 12 words counts only whole; a shorter one (a label, an id, a split name) is not
matched, since a few words are no evidence of a copy (GPT-3's n never went below 8).

Words are dedup's (`curation.minhash.dedup_words`): lower-cased, accents, punctuation and symbols deleted, digit
runs folded to "0", whitespace folded. In languages written without spaces between words (Chinese, Japanese,
Korean, Thai, ...) the language's word tokenizer splits them, on both sides: a document by its identified
language, a benchmark text by its own (lid.176 on that text). Elsewhere words are what spaces separate.

The index holds, per benchmark n-gram, its 64-bit hash and the row it came from, sorted by hash, and a bit filter
of 2 bytes per n-gram that rules out most of a document's n-grams before a binary search.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache

import numpy as np

from curation.languages import output_language, shingle_words
from curation.minhash import dedup_words, shingle_chain

NGRAM = 13
MIN_WORDS = 8
REASON = "contamination"
_BATCH_CHARS = 4 << 20  # benchmark texts are normalized this many characters at a time
_MARK = "\ue000"  # private use: stands between benchmark texts joined for normalization
_UNSPACED_SCRIPTS = frozenset({"Hani", "Hans", "Hant", "Jpan", "Hang", "Kore", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})
_UNSPACED_CHARS = re.compile("[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                             "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def parse_specs(specs: list[str]) -> list[tuple[str, str]]:
    """"NAME=PATH" flags -> (NAME, PATH) in order; ValueError naming what is wrong (a name given twice too)."""
    found: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not path:
            raise ValueError(f"{spec!r} is not NAME=PATH")
        if not _NAME.fullmatch(name):
            raise ValueError(f"benchmark name {name!r}: use letters, digits, '_', '.', '-' (it becomes the drop reason)")
        if name in found:
            raise ValueError(f"benchmark name {name!r} given twice")
        found[name] = path
    return list(found.items())


@lru_cache(maxsize=None)
def words_of(lid_code: str) -> Callable[[str], Sequence[str]] | None:
    """The word tokenizer decontamination uses for a language: its own where words are not spaced, else None."""
    if output_language(lid_code).rpartition("_")[2] not in _UNSPACED_SCRIPTS:
        return None
    return shingle_words(lid_code)


# ---- benchmark files -------------------------------------------------------------------------------

def read_rows(data: bytes, path: str) -> Iterator[list[str]]:
    """The strings of each row of a benchmark file's bytes, in file order; ValueError for a file that is none."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    name = path.lower().removesuffix(".gz")
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(io.BytesIO(data)).iter_batches():
            for row in batch.to_pylist():
                yield list(_strings(row))
    elif name.endswith(".json"):
        rows = _json(data.decode("utf-8", errors="replace"), path)
        for row in rows if isinstance(rows, list) else [rows]:
            yield list(_strings(row))
    else:
        for number, line in enumerate(io.StringIO(data.decode("utf-8", errors="replace")), 1):
            if line.strip():
                yield list(_strings(_json(line, f"{path} line {number}")))


def _json(text: str, where: str):
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{where}: not JSON ({e})"[:300]) from None


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# ---- the index -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Benchmark:
    """What was loaded of one benchmark file."""

    name: str
    rows: int
    texts: int  # strings matched (MIN_WORDS words or more)
    short: int  # strings too short to match


@dataclasses.dataclass(frozen=True)
class Match:
    benchmark: str
    row: int
    ngram: str  # the document's matched words, space-separated
    position: int  # of the first matched word among the document's words


class BenchmarkIndex:
    """The n-grams of one or more benchmarks; `first_match` for a drop reason, `all_rows` for a report."""

    def __init__(self, benchmarks: list[Benchmark], hashes: np.ndarray, owners: np.ndarray, lengths: Sequence[int]):
        self.benchmarks = benchmarks
        self.hashes, self.owners = hashes, owners  # sorted by (hash, owner); owner = row number across benchmarks
        self.filter = _BitFilter(hashes)
        self.levels = frozenset(lengths)
        self.offsets = np.cumsum([0] + [b.rows for b in benchmarks])

    @property
    def nbytes(self) -> int:
        return self.hashes.nbytes + self.owners.nbytes + self.filter.bytes.nbytes

    @classmethod
    def build(cls, sources: Iterable[tuple[str, Iterable[list[str]]]],
              language_of: Callable[[str], str] | None = None) -> BenchmarkIndex:
        """From (name, rows of strings) per benchmark; `language_of` gives the lid code of a text in an unspaced
        script (without it such texts are split at spaces)."""
        builder = _Builder(language_of)
        benchmarks = [builder.add(name, rows) for name, rows in sources]
        hashes, owners = builder.finish()
        return cls(benchmarks, hashes, owners, builder.lengths)

    def locate(self, owner: int) -> tuple[str, int]:
        """(benchmark name, row within it) of a global row number."""
        k = int(np.searchsorted(self.offsets, owner, side="right")) - 1
        return self.benchmarks[k].name, owner - int(self.offsets[k])

    def _hits(self, text: str, lid_code: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The document's words, and for each of its n-grams found: n, its position, and the index entries
        [first, last) holding its hash. The filter rules out most n-grams before the binary search."""
        words, word_hashes = dedup_words(text, words_of(lid_code))
        if self.hashes.size == 0 or len(words) < min(self.levels):  # shorter than any n-gram of the index
            return words, *(np.empty(0, dtype=np.int64),) * 4
        levels = [(n, h) for n, h in enumerate(shingle_chain(word_hashes, NGRAM), 1) if n in self.levels]
        h = np.concatenate([h for _, h in levels])
        lengths = np.concatenate([np.full(h.size, n) for n, h in levels])
        positions = np.concatenate([np.arange(h.size) for _, h in levels])
        candidates = np.flatnonzero(self.filter.contains(h))
        first = np.searchsorted(self.hashes, h[candidates])
        found = first < self.hashes.size
        found[found] = self.hashes[first[found]] == h[candidates][found]
        hits, first = candidates[found], first[found]
        last = np.searchsorted(self.hashes, h[hits], side="right")
        return words, lengths[hits], positions[hits], first, last

    def matches(self, text: str, lid_code: str) -> Iterator[Match]:
        """Every (n-gram, row) the document shares with the benchmarks: by position in the document, then the
        longest n-gram there, then the first benchmark given and its first row."""
        words, lengths, positions, firsts, lasts = self._hits(text, lid_code)
        for k in np.lexsort((-lengths, positions)).tolist():
            position, n = int(positions[k]), int(lengths[k])
            for owner in self.owners[firsts[k]:lasts[k]].tolist():
                name, row = self.locate(owner)
                yield Match(name, row, " ".join(words[position:position + n]), position)

    def first_match(self, text: str, lid_code: str) -> Match | None:
        """The match that names a document's drop (the first of `matches`), or None for a clean document."""
        return next(self.matches(text, lid_code), None)

    def all_rows(self, text: str, lid_code: str) -> np.ndarray:
        """Every global row number the document shares an n-gram with, sorted."""
        _, _, _, firsts, lasts = self._hits(text, lid_code)
        spans = [self.owners[a:b] for a, b in zip(firsts.tolist(), lasts.tolist())]
        return np.unique(np.concatenate(spans)) if spans else np.empty(0, dtype=np.uint32)


class _BitFilter:
    """One bit per slot of the hashes' top bits, 16 slots per hash (2 bytes each): a lookup of a hash not in the
    index reads one bit and is ruled out 15 times in 16, where a binary search would read ~20 cache lines."""

    def __init__(self, hashes: np.ndarray):
        bits = max(10, int(np.ceil(np.log2(max(1, hashes.size) * 16))))
        self.shift = np.uint64(64 - bits)
        self.bytes = np.zeros(1 << (bits - 3), dtype=np.uint8)
        slots = hashes >> self.shift
        np.bitwise_or.at(self.bytes, (slots >> np.uint64(3)).astype(np.int64), self._bit(slots))

    @staticmethod
    def _bit(slots: np.ndarray) -> np.ndarray:
        return np.left_shift(np.uint8(1), (slots & np.uint64(7)).astype(np.uint8))

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """False where a hash is surely not in the index."""
        slots = hashes >> self.shift
        return (self.bytes[(slots >> np.uint64(3)).astype(np.int64)] & self._bit(slots)) != 0


class _Builder:
    """Hashes benchmark texts in batches (one normalization for many texts), keeping (n-gram hash, row) pairs."""

    def __init__(self, language_of: Callable[[str], str] | None):
        self.language_of = language_of
        self.rows = 0
        self.lengths = {NGRAM}
        self.hashes: list[np.ndarray] = []
        self.owners: list[np.ndarray] = []
        self.batch: list[tuple[str, int]] = []
        self.batch_chars = 0

    def add(self, name: str, rows: Iterable[list[str]]) -> Benchmark:
        first_row, self.texts, self.short = self.rows, 0, 0
        for strings in rows:
            for text in strings:
                if _UNSPACED_CHARS.search(text) and self.language_of is not None:
                    word_hashes = dedup_words(text, words_of(self.language_of(text)))[1]
                    self._select(word_hashes, np.array([0]), np.array([word_hashes.size]), np.array([self.rows]))
                else:
                    self.batch.append((text.replace(_MARK, " "), self.rows))
                    self.batch_chars += len(text)
                    if self.batch_chars > _BATCH_CHARS:
                        self._flush()
            self.rows += 1
        self._flush()
        return Benchmark(name, self.rows - first_row, self.texts, self.short)

    def _flush(self) -> None:
        if not self.batch:
            return
        words, word_hashes = dedup_words(f" {_MARK} ".join(text for text, _ in self.batch))
        marks = np.flatnonzero(np.array(words, dtype=object) == _MARK)
        starts = np.concatenate(([0], marks + 1))
        ends = np.concatenate((marks, [len(words)]))
        self._select(word_hashes, starts, ends, np.array([row for _, row in self.batch], dtype=np.uint32))
        self.batch, self.batch_chars = [], 0

    def _select(self, word_hashes: np.ndarray, starts: np.ndarray, ends: np.ndarray, rows: np.ndarray) -> None:
        """Keeps each text's 13-gram hashes, or its whole hash when it has 8 to 12 words; texts are the spans
        [starts, ends) of the words, from the rows `rows`."""
        lengths = ends - starts
        self.texts += int(np.count_nonzero(lengths >= MIN_WORDS))
        self.short += int(np.count_nonzero(lengths < MIN_WORDS))
        segment = np.zeros(word_hashes.size, dtype=np.int64)  # the text each word belongs to
        segment[starts[1:][starts[1:] < word_hashes.size]] = 1
        segment = np.cumsum(segment)
        for n, h in enumerate(shingle_chain(word_hashes, NGRAM), 1):
            if n == NGRAM:
                positions = np.flatnonzero(ends[segment[: h.size]] - np.arange(h.size) >= NGRAM)
                self._keep(h[positions], rows[segment[positions]])
            elif n >= MIN_WORDS:
                whole = np.flatnonzero(lengths == n)
                if whole.size:
                    self.lengths.add(n)
                    self._keep(h[starts[whole]], rows[whole])

    def _keep(self, hashes: np.ndarray, owners: np.ndarray) -> None:
        if hashes.size:
            self.hashes.append(hashes)
            self.owners.append(owners.astype(np.uint32))

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.hashes:
            return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint32)
        hashes, owners = np.concatenate(self.hashes), np.concatenate(self.owners)
        order = np.lexsort((owners, hashes))
        hashes, owners = hashes[order], owners[order]
        fresh = np.ones(hashes.size, dtype=bool)
        fresh[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
        return hashes[fresh], owners[fresh]
