"""`curate demo --chat` end to end on tiny settings: every step runs, the chat model lands in DIR/chat, a rerun resumes."""

from __future__ import annotations

import json
import shutil

import pytest

from curation.tokenizer import TRAINED_SPECIALS, load_tokenizer
from pretrain.config import CHAT_DEMO_SFT
from pretrain.checkpoint import load_checkpoint
from tests.test_pretrain import curate


@pytest.fixture
def small_chat_sft(monkeypatch):
    for field, value in {"identity_examples": 20, "idk_examples": 10, "interrogate": 6, "search_examples": 24}.items():
        monkeypatch.setitem(CHAT_DEMO_SFT, field, value)


def test_chat_demo_runs_the_chain_and_resumes(sample_run, tmp_path, capsys, small_chat_sft):
    out = tmp_path / "demo"
    shutil.copytree(sample_run / "data", out / "curated" / "data")  # the sample curated once, as `curate run` would
    (out / "curated" / "stats.json").write_text("{}")
    argv = ["demo", "--out", str(out), "--chat", "--vocab-size", "300", "--max-steps", "2", "--device", "cpu"]
    assert curate(*argv) == 0
    printed = capsys.readouterr()
    for command in ("tokenizer train", "tokenize", "index", "pretrain", "sft", "chat"):
        assert f"$ curate {command} " in printed.out
    assert "--preset cpu-chat" in printed.out and "--search-mode" not in printed.out  # auto: the model decides
    assert "search: " in printed.err  # --show-search says whether and what it searched
    assert load_checkpoint(out / "base")["step"] == 2 and load_checkpoint(out / "chat")["step"] == 2
    probes = json.loads((out / "chat" / "interrogation.json").read_text())
    assert probes["probes"] == 6 and probes["right"] + probes["wrong"] == 6
    assert json.loads((out / "base" / "config.json").read_text())["copy_fraction"] == 0.5
    model_config = load_checkpoint(out / "chat")["model_config"]
    assert model_config["copy_head"] and model_config["prev_token"]
    bpe = load_tokenizer(str(out / "bpe.tiktoken"))
    assert model_config["first_special"] == bpe.n_vocab - len(TRAINED_SPECIALS)  # the specials follow the ranks
    assert curate(*argv) == 0  # a rerun finds every step done
    again = capsys.readouterr().out
    assert "$ curate tokenize " not in again and "nothing to train" in again
