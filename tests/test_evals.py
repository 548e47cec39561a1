"""Evals: HellaSwag scoring equals an unbatched log-likelihood, GSM8K answer matching, bpb of a fresh model."""

from __future__ import annotations

import gzip
import json
import math

import pytest
import torch

from curation.tokenizer import BOS, load_tokenizer
from pretrain.chat_format import assistant_header, encode_text
from pretrain.evals import ending_logprobs, final_number, gsm8k, hellaswag, val_bpb
from pretrain.model import GPT, GPTConfig
from tests.test_sft import ScriptedModel

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def cl100k():
    return load_tokenizer("cl100k_base")


def tiny_gpt(vocab_size: int, seq_len: int = 64) -> GPT:
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_depth(1, vocab_size, seq_len)).eval()
    with torch.no_grad():
        model.lm_head.weight.normal_(std=0.5)  # a fresh head predicts near-uniform; make the endings differ
    return model


def test_batched_ending_scores_equal_one_at_a_time_log_likelihood(cl100k):
    model = tiny_gpt(cl100k.n_vocab)
    ctx, endings = "A man sits on a roof. He", ["climbs down.", "is ripping level tiles off the old house.", "x"]
    scores = ending_logprobs(model, cl100k, ctx, endings, "cpu")
    context = [cl100k.encode_single_token(BOS), *encode_text(cl100k, ctx)]
    for ending, (score, n) in zip(endings, scores):
        ending_ids = encode_text(cl100k, " " + ending)
        ids = torch.tensor([context + ending_ids])
        with torch.no_grad():
            logprobs = model(ids[:, :-1]).log_softmax(-1)[0]
        expected = sum(float(logprobs[len(context) - 1 + i, tok]) for i, tok in enumerate(ending_ids))
        assert n == len(ending_ids)
        assert score == pytest.approx(expected, abs=1e-3)


def test_hellaswag_counts_and_labels(cl100k, tmp_path):
    rows = [{"ctx": "The cat", "endings": ["sat.", "ran away quickly.", "slept.", "ate."], "label": i} for i in range(4)]
    path = tmp_path / "hs.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))
    result = hellaswag(tiny_gpt(cl100k.n_vocab), cl100k, path, limit=3)
    # the same four endings every row, so the model picks the same one each time: exactly one of labels 0, 1, 2
    # matches when it picks one of those three, none when it picks ending 3
    assert result["examples"] == 3 and result["correct"] <= 1 and result["correct_norm"] <= 1
    assert result["acc"] == result["correct"] / 3


def test_hellaswag_scores_clean_and_contaminated_rows_apart(cl100k, tmp_path):
    rows = [{"ctx": "The cat", "endings": ["sat.", "ran away quickly.", "slept.", "ate."], "label": i} for i in range(4)]
    path = tmp_path / "hs.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))
    model = tiny_gpt(cl100k.n_vocab)
    whole = hellaswag(model, cl100k, path)
    picked = next(r["label"] for r in rows if hellaswag(model, cl100k, path, dirty=[i == r["label"] for i in range(4)])
                  ["contaminated"]["acc"] == 1.0)  # the one row whose label the model picks
    split = hellaswag(model, cl100k, path, dirty=[False, True, True, False])
    assert "clean" not in whole and whole["correct"] == 1
    assert (split["clean"]["examples"], split["contaminated"]["examples"]) == (2, 2)
    assert split["contaminated"]["acc"] == (0.5 if picked in (1, 2) else 0.0)
    assert split["clean"]["acc"] == (0.5 if picked in (0, 3) else 0.0)
    assert math.isnan(hellaswag(model, cl100k, path, dirty=[False] * 4)["contaminated"]["acc"])


def test_final_number_prefers_the_marked_answer():
    assert final_number("so 3 + 4 = 7\n#### 1,200") == "1200"
    assert final_number("It costs $18.0 in total") == "18"
    assert final_number("no digits") is None


def test_gsm8k_exact_match_with_a_scripted_reply(cl100k, tmp_path):
    path = tmp_path / "gsm.jsonl"
    path.write_text(json.dumps({"question": "2+16?", "answer": "2+16=18\n#### 18"}) + "\n"
                    + json.dumps({"question": "3+3?", "answer": "#### 6"}) + "\n")
    reply = encode_text(cl100k, "#### 18")
    script = {assistant_header(cl100k)[-1]: reply[0], **dict(zip(reply, reply[1:])),
              reply[-1]: cl100k.encode_single_token("<|im_end|>")}
    result = gsm8k(ScriptedModel(cl100k.n_vocab, script), cl100k, path, system_prompt=None, max_new_tokens=8)
    assert (result["examples"], result["correct"]) == (2, 1)


def test_bpb_of_a_fresh_model_is_that_of_uniform_guessing(tmp_path):
    from curation.tokens import read_manifest
    from tests.test_pretrain import make_token_dir

    token_dir = make_token_dir(tmp_path, vocab_size=300)
    vocab = read_manifest(token_dir)["tokenizer"]["n_vocab"]
    model = GPT(GPTConfig.from_depth(1, vocab, 32)).eval()
    checkpoint = {"tokenizer_hash": read_manifest(token_dir)["tokenizer"]["hash"]}
    result = val_bpb(model, checkpoint, str(token_dir), limit=4)
    assert result["val_loss"] == pytest.approx(math.log(model.config.padded_vocab_size), abs=0.05)
    assert 0 < result["val_bpb"] < result["val_loss"] / math.log(2)  # tokens are longer than one byte


def test_idk_eval_names_are_unseen_in_training(tmp_path):
    from pretrain.evals import unseen_names
    from pretrain.sft_data import idk_conversations

    (tmp_path / "config.json").write_text(json.dumps({"idk_examples": 300, "seed": 7}))
    names = unseen_names(tmp_path, 40)
    seen = " ".join(c[0].content for c in idk_conversations(300, 7))
    assert len(set(names)) == 40 and not any(name in seen for name in names)
