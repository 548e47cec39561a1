"""Self-interrogation and the hallucination eval: probes graded on the base model's own pretraining text, the
conversations they become, `curate sft --interrogate`, and eval questions that SFT never asks."""

from __future__ import annotations

import contextlib
import io
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import pretrain.sft
from curate_cli.main import main as curate
from curation.search import Searcher
from curation.tokenize import is_val, tokenize_shards
from curation.tokenizer import BOS, load_tokenizer
from pretrain.chat_format import Message, encode_text
from pretrain.config import SFTConfig
from pretrain.evals import unseen_names
from pretrain.hallucination import Asked, eval_questions, grade, unknown_questions
from pretrain.interrogate import NOT_SURE, PROBE_EXTRA_TOKENS, PROBE_RULE, Probe, interrogate, pretraining_questions, \
    pretraining_texts, probe, probe_conversations, summary
from pretrain.open_book import TEMPLATE, Question, SearchConversations, askable_sentences, corpus_documents, \
    heldout_questions, is_heldout, is_known_eval, make_question, reply
from pretrain.run_tokenizer import TOKENIZER_NAME
from pretrain.sample import load_run
from tests.test_evals import tiny_gpt
from tests.test_search import sample_index  # noqa: F401 (a fixture: the sample's shards, indexed)
from tests.test_sft import ScriptedModel, make_init_run

torch.set_num_threads(1)
VAL_FRACTION = 0.5  # of the sample's documents, so that some held-out ones are never pretrained on
SFT_FLAGS = ["--identity-examples", "20", "--idk-examples", "40", "--interrogate", "8", "--search-examples", "40",
             "--batch-size", "4", "--device-batch-size", "4", "--max-steps", "1", "--device", "cpu", "--no-progress"]


@pytest.fixture(scope="module")
def cl100k():
    return load_tokenizer("cl100k_base")


@pytest.fixture(scope="module")
def base_run(sample_index, tmp_path_factory) -> Path:
    """A tiny 'pretrained' run whose config.json names a token directory of the search corpus itself."""
    root = tmp_path_factory.mktemp("interrogate")
    base = make_init_run(root / "base", seq_len=256)
    tokens = root / "tokens"
    tokenize_shards(sample_index, tokens, str(base / TOKENIZER_NAME), val_fraction=VAL_FRACTION, threads=1,
                    progress=False)
    (base / "config.json").write_text(json.dumps({"data": str(tokens)}))
    return base


@pytest.fixture(scope="module")
def texts(base_run) -> list[str]:
    return pretraining_texts(json.loads((base_run / "config.json").read_text())["data"])


@pytest.fixture(scope="module")
def sft_run(base_run, sample_index, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("sft") / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert curate(["sft", "--init", str(base_run), "--out", str(out), "--search-corpus", str(sample_index),
                       *SFT_FLAGS]) == 0
    return out, printed.getvalue()


def test_pretraining_texts_are_the_token_directorys_train_documents(sample_index, texts, base_run):
    train = [text for doc_id, text in corpus_documents(str(sample_index)) if not is_val(doc_id, VAL_FRACTION)]
    assert 0 < len(train) < 40 and sorted(texts) == sorted(train)
    token_dir = json.loads((base_run / "config.json").read_text())["data"]
    assert pretraining_texts(token_dir, max_docs=2) == texts[:2]


def test_pretraining_questions_split_every_askable_sentence_into_known_and_the_rest(texts):
    known, rest = pretraining_questions(texts, known_eval=True), pretraining_questions(texts, known_eval=False)
    assert known and rest
    expected = {True: [], False: []}
    for d, text in enumerate(texts):
        for s, (words, points) in enumerate(askable_sentences(text)):
            expected[is_known_eval(words)].append(
                make_question(f"pretraining:{d}", words, points, random.Random(f"{d}\0{s}")))
    assert (known, rest) == (expected[True], expected[False])
    assert not {q.prompt for q in known} & {q.prompt for q in rest}


def continuing(tok, quote: str, text: str) -> ScriptedModel:
    """A base model that continues `quote` with `text`, then ends the document."""
    chain = [encode_text(tok, quote)[-1], *encode_text(tok, text), tok.encode_single_token(BOS)]
    assert len(set(chain)) == len(chain)
    return ScriptedModel(tok.n_vocab, dict(zip(chain, chain[1:])))


@pytest.mark.parametrize("filler, continuation, right", [
    (0, " every single night.", True),
    (0, " Every single night!", True),  # case and punctuation ignored
    (0, " every single day.", False),
    (4, " every single night.", True),  # PROBE_EXTRA_TOKENS tokens of filler leave room for the whole answer
    (5, " every single night.", True),  # one more cuts the final "." only: punctuation does not count
    (6, " every single night.", False),  # two more cut "night"
])
def test_probe_is_right_only_when_the_greedy_continuation_holds_the_answer(cl100k, filler, continuation, right):
    fillers = " alpha beta gamma delta epsilon theta".split()
    assert PROBE_EXTRA_TOKENS == 4 and len(encode_text(cl100k, " " + " ".join(fillers))) == len(fillers)
    continuation = "".join(f" {w}" for w in fillers[:filler]) + continuation
    quote = "the old keeper wrote in his logbook"
    question = Question("d", TEMPLATE.format(quote), quote, "every single night.")
    result = probe(continuing(cl100k, quote, continuation), cl100k, question)
    assert result.right is right and result.question == question
    assert continuation.startswith(result.answer) and len(result.answer) > 0


def test_interrogate_draws_seeded_questions_from_the_non_eval_split(cl100k, texts):
    model = tiny_gpt(cl100k.n_vocab, seq_len=128)
    pool = pretraining_questions(texts[:1], known_eval=False)
    probes = interrogate(model, cl100k, texts[:1], 3, seed=5)
    assert len(probes) == 3 and probes == interrogate(model, cl100k, texts[:1], 3, seed=5)
    assert all(p.question in pool for p in probes)
    assert len(interrogate(model, cl100k, texts[:1], 10 ** 6, seed=5)) == len(pool)  # all there are
    with pytest.raises(ValueError, match="no sentence to ask about"):
        interrogate(model, cl100k, ["Too short."], 1, seed=0)


def test_right_probes_answer_wrong_ones_are_not_sure_or_search(sample_index, cl100k):
    search = SearchConversations(Searcher(sample_index), str(sample_index), cl100k, 256, None)
    doc_id, words, points = search.pool[0]
    question = make_question(doc_id, words, points, random.Random(0))
    probes = [Probe(question, "a guess", True), Probe(question, "another guess", False)]
    user = Message("user", question.prompt)
    assert probe_conversations(probes, None, seed=0) == [[user, Message("assistant", reply(question))],
                                                         [user, Message("assistant", f"{question.quote} — {NOT_SURE}")]]
    searched = probe_conversations(probes, search, seed=0)
    assert searched[0] == [user, Message("assistant", reply(question))]  # a right answer needs no search
    assert searched[1] == search.answered(question, random.Random(0))
    assert [q for q, _ in searched[1][1].searches] == [question.prompt]
    assert summary(probes) == {"rule": PROBE_RULE, "probes": 2, "right": 1, "wrong": 1, "examples": [
        {"quote": question.quote, "answer": question.answer, "model": "a guess", "right": True},
        {"quote": question.quote, "answer": question.answer, "model": "another guess", "right": False}]}


def test_sft_command_interrogates_the_base_run_and_records_it(sft_run):
    out, printed = sft_run
    recorded = json.loads((out / "interrogation.json").read_text())
    assert recorded["rule"] == PROBE_RULE and recorded["probes"] == 8
    assert recorded["right"] + recorded["wrong"] == 8 and len(recorded["examples"]) == 5
    assert (f"self-interrogation: 8 closed-book questions on the base run's pretraining text, {recorded['right']} "
            f"answered right, {recorded['wrong']} wrong; wrote {out}/interrogation.json") in printed


def test_sft_interrogate_without_the_pretraining_tokens_is_a_one_line_error(tmp_path, capsys):
    base = make_init_run(tmp_path / "base")
    for config in (None, {"data": str(tmp_path / "gone")}):
        if config is not None:
            (base / "config.json").write_text(json.dumps(config))
        assert curate(["sft", "--init", str(base), "--out", str(tmp_path / "o"), "--interrogate", "3"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("curate sft: error: --interrogate: the token directory")
    assert not (tmp_path / "o" / "checkpoint.pt").exists()


def test_grade_right_refused_or_wrong():
    question = Question("d", TEMPLATE.format("a shelf of logbooks"), "a shelf of logbooks",
                        "covering more than a century.")
    known, unknown = Asked(question.prompt, question), Asked("Who is Brai Tuvo?", None)
    assert grade(known, "A shelf of logbooks, COVERING more than a century!") == "right"
    assert grade(known, "I'm not sure, but covering more than a century.") == "right"  # the answer counts first
    assert grade(known, "century more than a covering") == "wrong"  # words out of order
    assert grade(known, "covering more than a decade.") == "wrong"
    assert grade(known, "I don\u2019t know.") == "refused" and grade(known, "I'm NOT SURE.") == "refused"
    assert grade(unknown, "I don't know who Brai Tuvo is.") == "refused"
    assert grade(unknown, "Brai Tuvo is a painter.") == "wrong"  # nothing is right about a made-up person


def test_unknown_questions_alternate_made_up_names_and_made_up_quotes():
    asked = unknown_questions(["Brai Tuvo", "Kla Mou"], 6)
    assert asked == unknown_questions(["Brai Tuvo", "Kla Mou"], 6) and len(asked) == 6
    assert [a.prompt for a in asked[0:4:2]] == ["Who is Brai Tuvo?", "Who is Kla Mou?"]
    quotes = [a.prompt for a in asked if not a.prompt.startswith("Who is")]
    assert len(quotes) == 4 and len(set(quotes)) == 4  # the odd ones, and the fifth once the names ran out
    for prompt in quotes:
        instruction, quote = prompt.split("\n")
        assert instruction == "Complete the quote:" and 5 <= len(quote.split()) <= 8
        assert quote.replace(" ", "").isalpha()
    assert all(a.question is None for a in asked)


def test_eval_questions_drop_searchable_ones_the_model_pretrained_on(sample_index):
    heldout = heldout_questions(str(sample_index))
    doc_id = heldout[0].doc_id
    text = dict(corpus_documents(str(sample_index)))[doc_id]
    everything = eval_questions([], str(sample_index), "", [], limit=1000)
    assert [a.question for a in everything["searchable"]] == heldout
    dropped = eval_questions(heldout[:5], str(sample_index), text, ["Brai Tuvo"], limit=3)
    kept = [q for q in heldout if q.doc_id != doc_id]
    assert 0 < len(kept) < len(heldout)
    assert [a.question for a in dropped["searchable"]] == kept[:3]
    assert [a.question for a in dropped["known"]] == heldout[:3] and len(dropped["unknown"]) == 3
    assert dropped["unknown"][0].prompt == "Who is Brai Tuvo?"


def test_sft_never_asks_the_eval_questions(sft_run, base_run, sample_index, texts, monkeypatch):
    out, _ = sft_run
    rendered: list[list[Message]] = []
    real_render_all = pretrain.sft.render_all

    def spy(tokenizer, conversations, system_prompt):
        rendered.extend(conversations)
        return real_render_all(tokenizer, conversations, system_prompt)

    monkeypatch.setattr(pretrain.sft, "render_all", spy)
    config = replace(SFTConfig(**json.loads((out / "config.json").read_text())), interrogate=60)
    model, tokenizer, _ = load_run(base_run)
    data = pretrain.sft.build_data(config, model, tokenizer, model.config.seq_len)
    assert len(rendered) == data.conversations == 20 + 40 + 60 + 40 and data.interrogation["probes"] == 60
    asked = {m.content for conv in rendered for m in conv if m.role == "user"}
    asked |= {query for conv in rendered for m in conv for query, _ in m.searches}
    quotes = [text.split("\n", 1)[1] for text in asked if text.startswith(TEMPLATE.format(""))]
    assert len(quotes) > 60  # interrogation and search conversations ask quote questions

    questions = eval_questions(pretraining_questions(texts, known_eval=True), str(sample_index), "\n".join(texts),
                               unseen_names(out, 50), limit=1000)
    assert questions["known"] and questions["searchable"] and len(questions["unknown"]) == 1000
    assert not {a.prompt for kind in ("known", "searchable", "unknown") for a in questions[kind]} & asked
    known_sentences = [f" {' '.join(words)} " for text in texts for words, _ in askable_sentences(text)
                       if is_known_eval(words)]
    assert not [q for q in quotes for s in known_sentences if f" {q} " in s]  # no known sentence quoted at all
    unseen_docs = [f" {' '.join(text.split())} " for doc_id, text in corpus_documents(str(sample_index))
                   if is_heldout(doc_id) and is_val(doc_id, VAL_FRACTION)]  # where the searchable questions come from
    assert unseen_docs and {a.question.doc_id for a in questions["searchable"]} <= {
        doc_id for doc_id, _ in corpus_documents(str(sample_index)) if is_val(doc_id, VAL_FRACTION)}
    assert not [q for q in quotes for doc in unseen_docs if f" {q} " in doc]
    idk_prompts = " ".join(conv[0].content for conv in rendered if conv[-1].content.startswith("I don't know"))
    names = [a.prompt[len("Who is "):-1] for a in questions["unknown"] if a.prompt.startswith("Who is ")]
    assert len(names) == 50 and not [name for name in names if name in idk_prompts]


@pytest.mark.parametrize("mode", [None, "always"])
def test_hallucination_eval_command_counts_each_kind(sft_run, sample_index, capsys, mode):
    out, _ = sft_run
    argv = ["eval", "--ckpt", str(out), "--task", "hallucination", "--search", str(sample_index), "--json",
            "--limit", "3", "--max-new-tokens", "8", "--device", "cpu"]
    assert curate(argv + (["--search-mode", mode] if mode else [])) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"known", "searchable", "unknown"}
    for kind, counts in result.items():
        assert set(counts) == {"n", "right", "refused", "wrong", "searched"}
        assert counts["n"] == 3 and counts["n"] == counts["right"] + counts["refused"] + counts["wrong"]
        assert (counts["searched"] == 3) if mode == "always" else (0 <= counts["searched"] <= 3)
    assert result["unknown"]["right"] == 0


def test_hallucination_eval_needs_a_search_corpus_and_the_pretraining_tokens(sft_run, sample_index, tmp_path, capsys):
    out, _ = sft_run
    assert curate(["eval", "--ckpt", str(out), "--task", "hallucination", "--device", "cpu"]) == 2
    assert "--search OUT_DIR goes with --task open-book or hallucination" in capsys.readouterr().err
    orphan = make_init_run(tmp_path / "orphan")
    assert curate(["eval", "--ckpt", str(orphan), "--task", "hallucination", "--search", str(sample_index),
                   "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the token directory it pretrained on (not recorded) is gone" in err
