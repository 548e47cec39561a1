"""SFT and chat on tiny models: fine-tuning lowers the assistant-token loss, resume continues, chat stops at <|im_end|>."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from curation.errors import UsageError
from curation.tokenizer import IM_END, load_tokenizer, save_tiktoken, tokenizer_hash, train_bpe
from pretrain.chat import ChatSession
from pretrain.chat_format import Message, assistant_header, encode_text, render_conversation
from pretrain.checkpoint import save_checkpoint
from pretrain.config import SFTConfig
from pretrain.metrics import read_metrics
from pretrain.model import GPT, GPTConfig
from pretrain.run_tokenizer import TOKENIZER_NAME
from pretrain.sft import assistant_loss, build_data, sft
from pretrain.sft_data import Identity, identity_conversations, idk_conversations

torch.set_num_threads(1)


def make_init_run(run_dir: Path, seq_len: int = 64, seed: int = 0) -> Path:
    """A 'pretrained' run: a random depth-1 GPT and a small BPE trained on chat-like text."""
    texts = [m.content for conv in identity_conversations(200, Identity()) + idk_conversations(200) for m in conv]
    texts += ["system", "user", "assistant", "You are Curie, a small language model."]
    enc = train_bpe(texts * 3, vocab_size=400)
    run_dir.mkdir(parents=True)
    save_tiktoken(enc, run_dir / TOKENIZER_NAME)
    (run_dir / "tokenizer.json").write_text(json.dumps({"source": TOKENIZER_NAME, "hash": tokenizer_hash(enc)}))
    torch.manual_seed(seed)
    config = GPTConfig.from_depth(1, enc.n_vocab, seq_len)
    save_checkpoint(run_dir, {"step": 0, "model": GPT(config).state_dict(), "model_config": config.to_dict(),
                              "tokenizer_hash": tokenizer_hash(enc)})
    return run_dir


@pytest.fixture(scope="module")
def init_run(tmp_path_factory) -> Path:
    return make_init_run(tmp_path_factory.mktemp("sft") / "base")


def tiny_config(init_run: Path, out: Path, **overrides) -> SFTConfig:
    values = dict(init=str(init_run), out=str(out), identity_examples=150, idk_examples=60, batch_size=8,
                  device_batch_size=4, max_steps=30, lr=3e-3, eval_every=10, save_every=10, device="cpu",
                  progress=False)
    return SFTConfig(**{**values, **overrides})


def test_sft_lowers_assistant_token_loss(init_run, tmp_path):
    from pretrain.sample import load_run

    config = tiny_config(init_run, tmp_path / "sft")
    model, tokenizer, _ = load_run(init_run)
    data = build_data(config, model, tokenizer, model.config.seq_len)
    before = assistant_loss(model, data.train_x, data.train_y, 8, "cpu")
    summary = sft(config)
    tuned, _, _ = load_run(tmp_path / "sft")
    after = assistant_loss(tuned, data.train_x, data.train_y, 8, "cpu")
    assert summary["step"] == 30
    assert after < 0.7 * before, (before, after)
    out = tmp_path / "sft"
    assert {"checkpoint.pt", "metrics.jsonl", "loss_curve.png", "chat.json", TOKENIZER_NAME} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "chat.json").read_text())["identity_name"] == "Curie"


def test_resume_continues_from_the_checkpoint(init_run, tmp_path):
    out = tmp_path / "sft"
    sft(tiny_config(init_run, out, max_steps=10))
    summary = sft(tiny_config(init_run, out, max_steps=14, resume=True))
    assert (summary["step"], summary["trained_steps"]) == (14, 4)
    steps = [r["step"] for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "train"]
    assert steps == list(range(1, 15))


def test_sft_command_refuses_a_missing_init(tmp_path):
    from curate_cli import sft as sft_command

    parser = argparse.ArgumentParser()
    sft_command.register(parser.add_subparsers())
    args = parser.parse_args(["sft", "--init", str(tmp_path / "nope"), "--identity-examples", "5", "--out", str(tmp_path / "o")])
    with pytest.raises(UsageError, match="--init '.*nope': no such folder; train one with `curate pretrain`"):
        args.func(args)
    (tmp_path / "nope").mkdir()
    with pytest.raises(UsageError, match="no checkpoint.pt there"):
        args.func(args)


def test_every_sft_flag_is_a_config_field_or_named_as_not_one():
    """`curate sft` sorts its flags before importing torch, by the names that are not SFTConfig fields."""
    from dataclasses import fields

    from curate_cli import sft as sft_command

    parser = argparse.ArgumentParser()
    sft_command.register(parser.add_subparsers())
    sft_parser = parser._subparsers._group_actions[0].choices["sft"]
    dests = {action.dest for action in sft_parser._actions} - {"help"}
    assert dests - sft_command.NOT_CONFIG == {f.name for f in fields(SFTConfig)} - {"out", "resume"}


class ScriptedModel(nn.Module):
    """Predicts the token that follows the last input token in a fixed script, whatever came before."""

    def __init__(self, vocab_size: int, script: dict[int, int], seq_len: int = 128):
        super().__init__()
        self.config = GPTConfig(vocab_size=vocab_size, n_layer=1, n_embd=64, n_head=1, seq_len=seq_len)
        self.script = script
        self.anchor = nn.Parameter(torch.zeros(1))  # gives the session a device to read
        self.calls: list[int] = []  # tokens per forward pass

    def forward(self, idx, targets=None, kv_cache=None):
        self.calls.append(idx.size(1))
        if kv_cache is not None:
            kv_cache.pos += idx.size(1)
        logits = torch.zeros(*idx.shape, self.config.padded_vocab_size)
        for t in range(idx.size(1)):
            logits[0, t, self.script.get(int(idx[0, t]), 0)] = 10.0
        return logits


def test_chat_stops_at_end_of_turn_and_keeps_one_cache_across_turns():
    tok = load_tokenizer("cl100k_base")
    im_end = tok.encode_single_token(IM_END)
    hi, junk = encode_text(tok, "Hi"), encode_text(tok, " junk")
    header_end = assistant_header(tok)[-1]
    model = ScriptedModel(tok.n_vocab, {header_end: hi[0], hi[0]: im_end, im_end: junk[0]})
    session = ChatSession(model, tok, "Be brief.")
    assert "".join(session.reply("Hello", max_new_tokens=10)) == "Hi"
    assert session.ended_at_end_of_turn
    first_turn_calls = len(model.calls)
    assert "".join(session.reply("Again", max_new_tokens=10)) == "Hi"
    expected, _ = render_conversation(tok, session.messages)
    assert session.history == expected  # the cache holds exactly the rendered conversation
    assert session.cache.pos == len(expected)
    new_turn = render_conversation(tok, [Message("user", "Again")])[0][1:] + assistant_header(tok)
    assert model.calls[first_turn_calls] == len(new_turn)  # the second turn fed only its own tokens


def test_chat_reply_cut_by_max_new_tokens_is_closed():
    tok = load_tokenizer("cl100k_base")
    a = encode_text(tok, "a")[0]
    model = ScriptedModel(tok.n_vocab, {assistant_header(tok)[-1]: a, a: a})
    session = ChatSession(model, tok, None)
    assert "".join(session.reply("go", max_new_tokens=5)) == "aaaaa"
    assert not session.ended_at_end_of_turn
    assert session.history[-1] == tok.encode_single_token(IM_END)


def test_chat_and_eval_commands_open_an_sft_run(init_run, tmp_path, capsys):
    """The CLI path end to end on a tiny run: a one-shot chat reply streams and ends; the idk eval counts."""
    from curate_cli.main import main as curate

    sft(tiny_config(init_run, tmp_path / "sft", max_steps=2))
    assert curate(["chat", "--ckpt", str(tmp_path / "sft"), "--prompt", "Who are you?", "--max-new-tokens", "8",
                   "--device", "cpu"]) == 0
    assert capsys.readouterr().out.strip()
    assert curate(["eval", "--ckpt", str(tmp_path / "sft"), "--task", "idk", "--limit", "2", "--device", "cpu"]) == 0
    assert "idk: " in capsys.readouterr().out
    assert curate(["chat", "--ckpt", str(tmp_path / "missing"), "--prompt", "hi"]) == 2


def test_eval_with_a_corpus_scores_the_quoted_rows_apart(init_run, tmp_path, capsys):
    """`curate eval --corpus`: the HellaSwag rows a curated output quotes (13-gram) are scored apart from the rest."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    from curate_cli.main import main as curate

    contexts = ["The old miller walked down to the river every morning before the sun rose over the hills and",
                "A girl is sitting at a wooden table in the kitchen and slowly peeling a large orange while she",
                "Two men carry a heavy wooden ladder across the busy street towards the front of the bakery and"]
    rows = [{"ctx": ctx, "endings": ["sang.", "left.", "slept.", "ran."], "label": i} for i, ctx in enumerate(contexts)]
    data = tmp_path / "hs.jsonl.gz"
    with gzip.open(data, "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))
    shard = tmp_path / "corpus" / "data" / "eng_Latn" / "part-00000-of-00001.parquet"
    shard.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([{"id": "d", "url": "u", "language": "en",
                                          "text": "Yesterday's story: " + contexts[1].upper() + " laughed."}]), shard)
    assert curate(["eval", "--ckpt", str(init_run), "--task", "hellaswag", "--data", str(data),
                   "--corpus", str(tmp_path / "corpus"), "--json", "--device", "cpu"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["examples"] == 3
    assert (result["clean"]["examples"], result["contaminated"]["examples"]) == (2, 1)
    assert result["clean"]["acc"] * 2 + result["contaminated"]["acc"] == result["correct"]
