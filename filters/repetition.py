"""Counting helpers shared by the Gopher repetition and FineWeb filters.

They reproduce datatrove's definitions exactly but keep the per-element work in
C (set, dict, zip, map) instead of Python loops, since they run on every
document. N-grams are represented by the position of their first occurrence:
equal ids mean equal n-grams, with no hashing of long tuples and no collisions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import compress
from operator import itemgetter, ne


def duplicates(items: list[str]) -> tuple[int, int]:
    """(number of items equal to an earlier item, total length of those items)."""
    unique = set(items)
    return len(items) - len(unique), sum(map(len, items)) - sum(map(len, unique))


def ngram_ids(words: tuple[str, ...]) -> Iterator[tuple[int, list[int]]]:
    """Yield (n, ids) for n = 1, 2, ... while n-grams exist; ids[i] is the first position of the n-gram at i.

    An n-gram can only repeat where its (n-1)-gram repeats, so once repeats are
    rare only those positions are looked up; the rest keep their own position.
    """
    unigrams = list(map({}.setdefault, words, range(len(words))))
    ids, n = unigrams, 1
    while ids:
        yield n, ids
        n += 1
        total = len(words) - n + 1
        repeats = list(compress(range(total), map(ne, ids, range(total))))
        if 4 * len(repeats) > total:
            ids = list(map({}.setdefault, zip(ids, unigrams[n - 1 :]), range(total)))
            continue
        first_at: dict[tuple[int, int], int] = {}
        ids_before, ids = ids, list(range(total))
        for i in sorted(set(repeats).union(map(ids_before.__getitem__, repeats))):
            ids[i] = first_at.setdefault((ids_before[i], unigrams[i + n - 1]), i)


def top_ngram_chars(ids: list[int], n: int, word_ends: list[int]) -> int:
    """Characters covered by the most frequent n-gram: its space-joined length times its count.

    Ties go to the n-gram seen first, as with datatrove's `Counter.most_common(1)`.
    `word_ends[i]` is the total length of the first i words.
    """
    if not ids:
        return 0
    first, count = max(Counter(ids).items(), key=itemgetter(1))
    return (word_ends[first + n] - word_ends[first] + n - 1) * count


def duplicate_ngram_chars(ids: list[int], n: int, word_ends: list[int]) -> int:
    """Gopher's "duplicate n-gram character fraction" numerator, exactly as datatrove computes it.

    Datatrove walks the n-grams left to right; an n-gram already seen adds its
    characters (words joined without spaces) and the walk jumps n words ahead,
    so overlapping repeats count once and skipped n-grams are never marked
    seen. Only positions whose n-gram occurred earlier can be repeats, so this
    visits those few positions and bulk-adds the n-grams in between.
    """
    total = len(ids)
    seen: set[int] = set()
    repeated_chars = 0
    position = 0  # the next position the walk visits
    for candidate in compress(range(total), map(ne, ids, range(total))):
        if candidate < position:
            continue  # inside a counted repeat: skipped, never marked seen
        seen.update(ids[position:candidate])
        if ids[candidate] in seen:
            repeated_chars += word_ends[candidate + n] - word_ends[candidate]
            position = candidate + n
        else:
            seen.add(ids[candidate])
            position = candidate + 1
    return repeated_chars
