"""The learned quality score: features, model files, training, metrics and the `curate quality` CLI.

`curate run --quality-model` and `--quality-keep-top` are in test_quality_run.py."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SAMPLE_WARCS, shared_path
from curate_cli.main import main as curate
from curation.quality import Features, QualityModel, TrainConfig, in_holdout, int_score, load_model, roc_auc, train
from curation.training_text import read_texts

FEATURES = Features()


def _random_model(features: Features = FEATURES, seed: int = 0) -> QualityModel:
    weights = np.random.default_rng(seed).normal(size=1 << features.bits).astype(np.float32)
    return QualityModel(features, weights, 0.1, {})


def _synthetic_corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Two styles of text that share half their vocabulary: a task a bag-of-n-grams model can learn, but not trivially."""
    rng = np.random.default_rng(seed)
    shared = "the of and to in is that for it as with was on be by this are".split()
    formal = "analysis theorem evidence furthermore consequently hypothesis demonstrate rigorous method results".split()
    casual = "lol click here free deal wow amazing buy now subscribe cheap omg best".split()

    def doc(style: list[str]) -> str:
        words = rng.choice(shared + style, size=int(rng.integers(40, 120)))
        return " ".join(words) + "."

    return [doc(formal) for _ in range(n)], [doc(casual) for _ in range(n)]


# ---------------------------------------------------------------- features


def test_feature_groups_cover_every_byte_ngram_and_word():
    text = "The cat sat on the mat, twice."
    char5, words, bigrams = FEATURES.groups(text)
    assert len(char5) == len(text) + 2 - 5 + 1  # the text with a space on each side
    assert len(words) == 7 and len(bigrams) == 6
    for group in (char5, words, bigrams):
        assert group.dtype == np.uint64 and int(group.max()) < 2**FEATURES.bits


def _reference_groups(text: str, features: Features) -> list[list[int]]:
    """The feature definition spelled out one token at a time in plain Python, to check the vectorized version."""
    mask, shift = 2**64 - 1, 64 - features.bits
    table = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t\n\r\x0b\x0c", b"abcdefghijklmnopqrstuvwxyz0000000000     ")
    region = b" " + text[: features.max_chars].encode("utf-8", "replace").translate(table) + b" "
    groups = []
    for n in features.char_ngrams:
        mult = 0x9E3779B97F4A7C15 + 2 * n
        groups.append([(int.from_bytes(region[p : p + n], "little") * mult & mask) >> shift
                       for p in range(len(region) - n + 1)])
    word_bytes = set(b"abcdefghijklmnopqrstuvwxyz0") | set(range(0x80, 0x100))
    words = bytes(c if c in word_bytes else 32 for c in region).split()
    keys = [(int.from_bytes(w[:8], "little") ^ ((int.from_bytes(w[-8:], "little") + len(w)) * 0xC4CEB9FE1A85EC53 & mask))
            * 0x165667B19E3779F9 & mask for w in words]
    groups.append([k >> shift for k in keys])
    groups.append([((a * 0xFF51AFD7ED558CCD & mask) ^ b) >> shift for a, b in zip(keys, keys[1:])])
    return groups


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([Features(), Features(bits=12, char_ngrams=(1, 3, 8), max_chars=50)]))
def test_vectorized_features_equal_the_token_by_token_definition(text, features):
    assert [g.tolist() for g in features.groups(text)] == _reference_groups(text, features)


def test_features_fold_case_digits_and_whitespace():
    a = FEATURES.groups("Hello World 2024\tagain")
    b = FEATURES.groups("hello world 1999 again")
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_equal_words_share_a_key_and_long_words_differ_past_eight_bytes():
    _, words, _ = FEATURES.groups("internationalization the internationalizatiom the")
    assert words[1] == words[3]
    assert words[0] != words[2]  # same first 8 bytes and length, different end


def test_a_document_is_scored_on_its_beginning_only():
    features = Features(max_chars=100)
    model = _random_model(features)
    head = "word " * 20
    assert model.score(head) == model.score(head + "completely different tail " * 1000)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_probability(text):
    score = _random_model().score(text)
    assert 0.0 <= score <= 1.0


@pytest.mark.parametrize("text", ["", " ", "\0\0\0", "\ud800 lone surrogate", "🙂" * 5000, "日本語のテキスト。" * 300, "a"])
def test_hostile_or_degenerate_text_does_not_crash(text):
    assert 0.0 <= _random_model().score(text) <= 1.0


def test_scores_are_identical_in_another_process(tmp_path):
    """No Python hash() anywhere: a model scores the same text to the same bits in every worker process."""
    path = tmp_path / "m.npz"
    model = _random_model()
    model.save(str(path))
    text = "Stable hashing means identical scores on every worker. Ünïcödé too."
    code = f"from curation.quality import load_model; print(load_model({str(path)!r}).score({text!r}).hex())"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == model.score(text).hex()


# ---------------------------------------------------------------- model files


def test_save_and_load_round_trip(tmp_path):
    model = _random_model()
    model.info = {"held_out": {"auc": 0.9}}
    path = tmp_path / "model.npz"
    model.save(str(path))
    loaded = load_model(str(path))
    assert loaded.features == model.features and loaded.bias == model.bias and loaded.info == model.info
    assert np.array_equal(loaded.weights, model.weights)
    assert not list(tmp_path.glob("*.tmp-*"))


def _npz(path: Path, **arrays) -> str:
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return str(path)


def _header(**changes) -> np.ndarray:
    header = {"format": "curation-quality-model", "version": 1,
              "features": {"bits": 8, "char_ngrams": [5], "max_chars": 100}, "bias": 0.0, "info": {}}
    header.update(changes)
    return np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


def test_load_rejects_anything_but_a_model(tmp_path):
    good_weights = np.zeros(256, dtype=np.float32)
    (tmp_path / "garbage.npz").write_bytes(b"PK\x03\x04 not really a zip")
    truncated = tmp_path / "truncated.npz"
    _random_model(Features(bits=8)).save(str(truncated))
    truncated.write_bytes(truncated.read_bytes()[:100])
    bad = {
        "missing": str(tmp_path / "absent.npz"),
        "garbage": str(tmp_path / "garbage.npz"),
        "truncated": str(truncated),
        "pickled": _npz(tmp_path / "pickled.npz", header=_header(), weights=np.array([object()], dtype=object)),
        "no header": _npz(tmp_path / "noheader.npz", weights=good_weights),
        "wrong tag": _npz(tmp_path / "tag.npz", header=_header(format="something-else"), weights=good_weights),
        "future version": _npz(tmp_path / "version.npz", header=_header(version=99), weights=good_weights),
        "wrong shape": _npz(tmp_path / "shape.npz", header=_header(), weights=np.zeros(255, dtype=np.float32)),
        "wrong dtype": _npz(tmp_path / "dtype.npz", header=_header(), weights=np.zeros(256)),
        "not finite": _npz(tmp_path / "nan.npz", header=_header(), weights=np.full(256, np.nan, dtype=np.float32)),
        "bad features": _npz(tmp_path / "feat.npz", header=_header(features={"bits": 99}), weights=good_weights),
    }
    assert load_model(_npz(tmp_path / "ok.npz", header=_header(), weights=good_weights)).features.bits == 8
    accepted = []
    for name, path in bad.items():
        try:
            load_model(path)
        except ValueError:
            continue
        accepted.append(name)
    assert accepted == []


# ---------------------------------------------------------------- metrics and training


def test_roc_auc_matches_pairwise_counting():
    rng = np.random.default_rng(3)
    scores = np.round(rng.random(60), 1)  # many ties
    labels = rng.random(60) < 0.4
    pos, neg = scores[labels], scores[~labels]
    pairwise = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert roc_auc(scores, labels) == pytest.approx(pairwise)
    assert roc_auc(np.array([0.9, 0.8, 0.1]), np.array([True, True, False])) == 1.0
    assert roc_auc(np.array([0.1, 0.2, 0.9]), np.array([True, True, False])) == 0.0
    assert roc_auc(np.full(4, 0.5), np.array([True, False, True, False])) == 0.5
    assert roc_auc(np.array([0.5]), np.array([True])) is None


@pytest.mark.parametrize("score, expected", [(0.0, 0), (0.05, 0), (0.31, 2), (0.72, 4), (1.0, 5), (-1.0, 0), (2.0, 5)])
def test_int_score_is_five_times_the_score_rounded(score, expected):
    assert int_score(score) == expected


def test_holdout_split_is_by_content():
    texts = [f"document number {i}" for i in range(2000)]
    held = [in_holdout(t, 0.2) for t in texts]
    assert 0.15 < sum(held) / len(held) < 0.25
    assert held == [in_holdout(t, 0.2) for t in texts]


def test_training_learns_a_style_and_reports_held_out_metrics():
    positives, negatives = _synthetic_corpus(300, seed=1)
    model = train(positives, negatives[:100], config=TrainConfig(epochs=3))  # imbalanced 3:1 on purpose
    held = model.info["held_out"]
    assert held["positives"] + held["negatives"] == model.info["documents"]["held_out"] > 50
    assert held["auc"] > 0.95 and held["precision"] > 0.9 and held["recall"] > 0.9
    fresh_pos, fresh_neg = _synthetic_corpus(20, seed=2)
    assert min(map(model.score, fresh_pos)) > max(map(model.score, fresh_neg))


def test_random_labels_give_chance_level_auc():
    """Held-out documents never leak into training: with labels that mean nothing, AUC stays near 0.5."""
    positives, negatives = _synthetic_corpus(250, seed=4)
    mixed = positives + negatives
    labels = np.random.default_rng(5).random(len(mixed)) < 0.5
    model = train([t for t, y in zip(mixed, labels) if y], [t for t, y in zip(mixed, labels) if not y])
    assert 0.3 < model.info["held_out"]["auc"] < 0.7


def test_training_needs_both_classes():
    with pytest.raises(ValueError, match="positive and one negative"):
        train(["only positives here"] * 5, [])


# ---------------------------------------------------------------- reading training text


def test_read_texts_from_every_supported_format(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"question": "Q1?", "answer": "A1."}\n'
        "not json at all\n"
        '{"other": "no text field"}\n'
        '["a", "list"]\n'
        '{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]}\n'
    )
    (tmp_path / "b.json").write_text(json.dumps([{"messages": [{"role": "user", "content": "Chat text"}]}]))
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as f:
        f.write('{"text": "Zipped."}\n')
    pq.write_table(pa.table({"text": ["From Parquet.", None]}), tmp_path / "d.parquet")
    (tmp_path / "e.txt").write_text("A whole text file.\n")
    (tmp_path / "ignored.csv").write_text("text\nnot read")
    fields = ["text", "question", "answer", "conversations", "messages"]
    assert list(read_texts(str(tmp_path), fields)) == [
        "Q1?\n\nA1.", "Hi\n\nHello!", "Chat text", "Zipped.", "From Parquet.", "A whole text file.",
    ]


def test_a_curate_output_directory_means_its_kept_documents(tmp_path):
    for kind, text in (("data", "kept"), ("removed", "dropped")):
        (tmp_path / kind).mkdir()
        pq.write_table(pa.table({"text": [text]}), tmp_path / kind / "part-00000-of-00001.parquet")
    assert list(read_texts(str(tmp_path))) == ["kept"]


def test_unreadable_inputs_name_the_file(tmp_path):
    (tmp_path / "bad.json").write_text("{ not json")
    with pytest.raises(ValueError, match="bad.json"):
        list(read_texts(str(tmp_path / "bad.json")))
    with pytest.raises(FileNotFoundError):
        list(read_texts(str(tmp_path / "absent")))


# ---------------------------------------------------------------- command line


def test_cli_trains_scores_and_reports(tmp_path, capsys):
    positives, negatives = _synthetic_corpus(150, seed=6)
    (tmp_path / "pos.jsonl").write_text("".join(json.dumps({"question": t}) + "\n" for t in positives))
    (tmp_path / "neg.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in negatives))
    model = tmp_path / "model.npz"
    assert curate(["quality", "train", "--positives", str(tmp_path / "pos.jsonl"), "--negatives", str(tmp_path / "neg.jsonl"),
                   "--text-field", "text,question", "--output", str(model), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "read 150 positive and 150 negative documents" in out and "AUC" in out
    assert load_model(str(model)).info["documents"]["positives"] == 150
    assert curate(["quality", "score", "--model", str(model), str(tmp_path / "neg.jsonl"), "--show", "1"]) == 0
    out = capsys.readouterr().out
    assert "150 documents" in out and "int_score  0:" in out and "highest:" in out and "lowest:" in out


def test_cli_usage_errors(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("some text")
    assert curate(["quality", "train", "--positives", str(tmp_path / "absent"), "--negatives", str(tmp_path / "x.txt"),
                   "--output", str(tmp_path / "m.npz")]) == 2
    with pytest.raises(SystemExit) as exit_:  # argparse: "argument --bits: must be at least 8 and at most 28, not 40"
        curate(["quality", "train", "--positives", str(tmp_path / "x.txt"), "--negatives", str(tmp_path / "x.txt"),
                "--output", str(tmp_path / "m.npz"), "--bits", "40"])
    assert exit_.value.code == 2
    assert curate(["quality", "score", "--model", str(tmp_path / "x.txt"), str(tmp_path / "x.txt")]) == 2
    sample = ["--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(tmp_path / "out")]
    assert curate(["run", *sample, "--min-quality", "0.5"]) == 2
    assert curate(["run", *sample, "--quality-model", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert f"--positives '{tmp_path / 'absent'}': no such file or folder" in err
    assert "--min-quality needs --quality-model" in err
    assert "cannot load quality model" in err


def _train_without_text_field(positives: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """`curate quality train` in a subprocess, negatives unreadable: an early failure must come from the positives,
    before the negatives are read."""
    (tmp_path / "negatives.json").write_text("not JSON")
    return subprocess.run(
        [sys.executable, "-m", "curate_cli.main", "quality", "train", "--positives", str(positives),
         "--negatives", str(tmp_path / "negatives.json"), "--output", str(tmp_path / "m.npz")],
        capture_output=True, text=True, cwd=REPO)


def _assert_names_the_fields_seen(result: subprocess.CompletedProcess, tmp_path: Path) -> None:
    assert result.returncode == 2 and result.stdout == "" and not (tmp_path / "m.npz").exists()
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("curate quality train: error: --positives: no document has text in its \"text\" field")
    assert "(fields seen: answer, question); try --text-field question,answer" in result.stderr


def test_train_without_the_text_field_fails_early_naming_the_fields_seen(tmp_path):
    rows = [{"question": f"What is {n} + {n}?", "answer": f"{n} + {n} = {2 * n}.\n#### {2 * n}"} for n in range(5)]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    _assert_names_the_fields_seen(_train_without_text_field(tmp_path / "qa.jsonl", tmp_path), tmp_path)


def test_train_on_gsm8k_without_text_field_names_its_fields(tmp_path):
    gsm8k = shared_path("sft", "gsm8k", "train.jsonl")
    _assert_names_the_fields_seen(_train_without_text_field(gsm8k, tmp_path), tmp_path)


def test_fields_that_hold_no_text_are_named_but_not_suggested(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text('{"text": "", "id": 7, "body": "Some words."}\n')
    _random_model().save(str(tmp_path / "m.npz"))
    assert curate(["quality", "score", "--model", str(tmp_path / "m.npz"), str(tmp_path / "a.jsonl"),
                   "--text-field", "text,title"]) == 2
    err = capsys.readouterr().err
    assert err.endswith('PATH: no document has text in its "text" or "title" field (fields seen: body, id, text); '
                        "try --text-field body\n")


# ---------------------------------------------------------------- the pipeline
