"""MinHash core: normalization, shingles, signatures (validated against datasketch), band/exact/record keys."""

from __future__ import annotations

import random
import re
import unicodedata

import datasketch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.document import Document
from curation.minhash import (
    MinHasher,
    Sketcher,
    band_keys,
    candidate_probability,
    estimate_jaccard,
    exact_key,
    jaccard,
    normalize,
    record_key,
    scope_salt,
    shingle_hashes,
    word_hashes,
)


def reference_normalize(text: str) -> str:
    """The same rules written plainly with str methods, one character at a time."""
    kept = []
    for char in unicodedata.normalize("NFD", text.lower()):
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category[0] in "PS" or category in ("Mn", "Me", "Cc", "Cf", "Cs"):
            continue
        else:
            kept.append(char)
    return " ".join(re.sub(r"\d+", "0", "".join(kept)).split())


def random_words(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(n)]


def shingle_strings(text: str, n: int = 5) -> set[str]:
    words = normalize(text).split()
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


# ---------------------------------------------------------------- normalization


def test_normalize_follows_fineweb_rules():
    assert normalize("  Héllo,\tWORLD!!  Ça   va?\n") == "hello world ca va"
    assert normalize("Call 555-1234 or 2024 — now: 3.14") == "call 0 or 0 now 0"
    assert normalize("don't stop") == "dont stop"
    assert normalize("emoji 😀 and © symbols ►") == "emoji and symbols"
    assert normalize("") == "" and normalize(" \n\t ") == "" and normalize("!!!") == ""


def test_normalize_survives_hostile_characters():
    assert normalize("a\x00b\u200bc\ud800d\udfffe \x1f f") == "abcde f"


ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included
FREQUENT = st.sampled_from(" \t\n0123456789.,-'ÉéA")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(ANY_CHARACTER, FREQUENT), max_size=60))
def test_vectorized_normalize_equals_plain_rules(text):
    assert normalize(text) == reference_normalize(text)


# ---------------------------------------------------------------- shingles


def test_word_hashes_depend_only_on_the_word():
    h = word_hashes("apple pie apple tart pie")
    assert h[0] == h[2] and h[1] == h[4]
    assert len(set(h.tolist())) == 3
    words = random_words(1, 5000)
    assert len(set(word_hashes(" ".join(words)).tolist())) == len(set(words))


def test_word_hashes_are_the_same_across_segment_boundaries():
    """Long texts are hashed in segments; a word's hash must not depend on where it falls."""
    words = random_words(2, 40_000)  # ~240k code points: several segments
    long_hashes = word_hashes(" ".join(words))
    sample = range(0, len(words), 997)
    assert [long_hashes[i] for i in sample] == [word_hashes(words[i])[0] for i in sample]


def test_shingles_are_word_5_grams():
    text = " ".join(random_words(3, 12))
    assert shingle_hashes(text).size == 8
    assert shingle_hashes("one two three").size == 1  # shorter than 5 words: one shingle
    assert shingle_hashes("").size == 0
    words = text.split()
    assert shingle_hashes(" ".join(words[2:7]))[0] == shingle_hashes(text)[2]
    assert shingle_hashes("a b c d e")[0] != shingle_hashes("a b c e d")[0]


def test_a_single_enormous_word_is_one_shingle():
    assert shingle_hashes("x" * 300_000).size == 1


# ---------------------------------------------------------------- signatures against datasketch


def test_permutations_and_signatures_are_datasketch_affine64_bit_for_bit():
    hasher = MinHasher(112, seed=1)
    reference = datasketch.MinHash(num_perm=112, seed=1, scheme="affine64")
    assert np.array_equal(hasher.permutations, reference.permutations)
    text = " ".join(random_words(4, 3000))  # more shingles than one permutation chunk
    hashes = shingle_hashes(normalize(text))
    reference.hashfunc = int  # feed datasketch our shingle hashes: only the permutation step is compared
    reference.update_batch(hashes.tolist())
    assert np.array_equal(hasher.signature(text), reference.hashvalues)


def test_jaccard_estimates_match_datasketch():
    """On pairs of controlled similarity, our estimates are as close to the truth as datasketch's own hashing."""
    hasher = MinHasher(112, seed=1)
    ours, theirs = [], []
    for pair in range(40):
        words = random_words(100 + pair, 400)
        shared = 20 + pair * 9
        a = " ".join(words[:200])
        b = " ".join(words[:shared] + words[200 + shared :][: 200 - shared])
        truth = jaccard(shingle_strings(a), shingle_strings(b))
        signatures = []
        for text in (a, b):
            m = datasketch.MinHash(num_perm=112, seed=7, scheme="affine64")
            m.update_batch([s.encode() for s in shingle_strings(text)])
            signatures.append(m)
        theirs.append(abs(signatures[0].jaccard(signatures[1]) - truth))
        ours.append(abs(estimate_jaccard(hasher.signature(a), hasher.signature(b)) - truth))
    assert max(ours) < 0.15
    assert np.mean(ours) < 0.05
    assert np.mean(ours) < np.mean(theirs) + 0.015


def test_text_without_words_has_no_signature():
    assert MinHasher().signature("  ... !!! ") is None
    assert Sketcher().sketch("?!")[1] is None


# ---------------------------------------------------------------- keys


def test_band_keys():
    signature = MinHasher().signature(" ".join(random_words(5, 100)))
    keys = band_keys(signature)
    assert keys.dtype == np.uint64 and keys.shape == (14,) and len(set(keys.tolist())) == 14
    changed = signature.copy()
    changed[8 * 3 + 2] ^= np.uint64(1)  # a row of band 3
    assert (keys == band_keys(changed)).tolist() == [i != 3 for i in range(14)]
    same_rows_other_band = signature.copy()
    same_rows_other_band[8:16] = signature[:8]  # band 1 now holds band 0's rows: the band index keeps them apart
    assert band_keys(same_rows_other_band)[1] != keys[0]
    with pytest.raises(ValueError):
        band_keys(signature[:100])


def test_exact_key_ignores_what_normalization_removes():
    assert exact_key("Hello, World! 2024") == exact_key("hello world 1999")
    assert exact_key("hello world") != exact_key("hello there")
    assert exact_key("!!!") != exact_key("???")  # symbol-only texts fall back to the raw text
    assert len(scope_salt("D1")) == 16 and scope_salt("D1") != scope_salt("D2")
    assert Sketcher().sketch("Hello, World!")[0] == exact_key("hello world")


def test_record_key_covers_every_field():
    doc = Document(id="x", url="u", date="d", dump="D", file_path="f", text="t", token_count=3, signals={"a": 1.0})
    assert record_key(doc) == record_key(Document(**vars(doc)))
    for change in ({"id": "y"}, {"text": "t2"}, {"url": "v"}, {"dump": "E"}, {"token_count": 4}, {"signals": {"a": 2.0}}):
        assert record_key(Document(**{**vars(doc), **change})) != record_key(doc), change
    assert record_key(Document(**{**vars(doc), "duplicate_of": "z"})) == record_key(doc)


def test_candidate_probability_is_the_lsh_s_curve():
    assert candidate_probability(0.0) == 0.0 and candidate_probability(1.0) == 1.0
    assert candidate_probability(0.6) < 0.25 < 0.5 < candidate_probability(0.75) < candidate_probability(0.85)
    assert abs(candidate_probability((1 / 14) ** (1 / 8)) - (1 - (13 / 14) ** 14)) < 1e-12
