"""Evaluations of a run: HellaSwag (multiple choice by log-likelihood), GSM8K (exact match) and val bits per byte.

HellaSwag asks which of four endings continues a context. The model reads
`<|endoftext|>` + ctx + " " + ending once per ending; acc picks the ending with the
highest summed log-probability of its tokens, acc_norm the highest per *character*
of the ending (as lm-evaluation-harness), which stops short endings from winning by
having fewer tokens to pay for. Chance is 25%.

GSM8K asks the question as a user turn, generates greedily until <|im_end|>, and
compares the final number of the reply ("#### N" when present, else its last
number) with the reference's "#### N".

"I don't know" asks about made-up people the SFT data never named and counts refusals.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path

import torch

from curation.tokenizer import BOS
from pretrain.chat import ChatSession
from pretrain.chat_format import encode_text

NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?")
FINAL_ANSWER = re.compile(r"####\s*(-?\$?\d[\d,]*(?:\.\d+)?)")


# ---- HellaSwag -----------------------------------------------------------------------------------

def hellaswag_rows(path: str | os.PathLike, limit: int | None = None) -> Iterator[dict]:
    """Rows {ctx, endings[4], label} in file order, the first `limit` of them."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


@torch.no_grad()
def ending_logprobs(model, tokenizer, ctx: str, endings: list[str], device) -> list[tuple[float, int]]:
    """(summed log-prob of the ending's tokens given the context, tokens) for each ending, in one batch."""
    bos = tokenizer.encode_single_token(BOS)
    context = [bos, *encode_text(tokenizer, ctx)]
    window = model.config.seq_len + 1
    rows, targets = [], []
    for ending in endings:
        ending_ids = encode_text(tokenizer, " " + ending)
        ids = (context + ending_ids)[-window:]  # a context too long for the model loses its start
        rows.append(ids)
        targets.append(min(len(ending_ids), len(ids) - 1))
    width = max(len(r) for r in rows)
    x = torch.full((len(rows), width - 1), bos, dtype=torch.long)
    y = torch.full((len(rows), width - 1), -1, dtype=torch.long)
    for r, (ids, n) in enumerate(zip(rows, targets)):
        x[r, :len(ids) - 1] = torch.tensor(ids[:-1])
        y[r, len(ids) - 1 - n:len(ids) - 1] = torch.tensor(ids[-n:])
    losses = model(x.to(device), y.to(device), reduction="none")  # 0 where the target is -1
    return [(-float(losses[r].sum()), n) for r, n in enumerate(targets)]


def hellaswag(model, tokenizer, path: str | os.PathLike, limit: int | None = None, device="cpu",
              dirty: Sequence[bool] | None = None) -> dict:
    """acc and acc_norm (per character of the ending) over the first `limit` rows; with `dirty` (a flag per row
    of the file: a training document quotes it), also over the clean and the contaminated rows apart."""
    acc, acc_norm = [], []
    for row in hellaswag_rows(path, limit):
        scores = ending_logprobs(model, tokenizer, row["ctx"], row["endings"], device)
        sums = [s for s, _ in scores]
        normed = [s / max(1, len(ending)) for (s, _), ending in zip(scores, row["endings"])]
        label = int(row["label"])
        acc.append(max(range(len(sums)), key=sums.__getitem__) == label)
        acc_norm.append(max(range(len(normed)), key=normed.__getitem__) == label)
    n, correct, correct_norm = len(acc), sum(acc), sum(acc_norm)
    return {"task": "hellaswag", "examples": n, "acc": correct / n if n else math.nan,
            "acc_norm": correct_norm / n if n else math.nan, "correct": correct, "correct_norm": correct_norm,
            **by_contamination(dirty, acc=acc, acc_norm=acc_norm)}


def by_contamination(dirty: Sequence[bool] | None, **outcomes: list[bool]) -> dict:
    """GPT-3's clean vs contaminated comparison: each outcome's mean over the rows that no training document
    quotes ("clean") and over those some document does ("contaminated"); nothing without `dirty`."""
    if dirty is None:
        return {}
    n = len(next(iter(outcomes.values())))
    split = {}
    for part, wanted in (("clean", False), ("contaminated", True)):
        rows = [i for i in range(n) if bool(dirty[i]) == wanted]
        split[part] = {"examples": len(rows),
                       **{name: sum(v[i] for i in rows) / len(rows) if rows else math.nan for name, v in outcomes.items()}}
    return split


# ---- GSM8K ---------------------------------------------------------------------------------------

def final_number(text: str) -> str | None:
    """The answer a reply commits to: the number after "####", else its last number; normalised."""
    match = FINAL_ANSWER.search(text)
    found = match.group(1) if match else (NUMBER.findall(text) or [None])[-1]
    if found is None:
        return None
    value = found.replace(",", "").replace("$", "")
    return value[:-2] if value.endswith(".0") else value


def gsm8k(model, tokenizer, path: str | os.PathLike, system_prompt: str | None, limit: int | None = None,
          max_new_tokens: int = 256, dirty: Sequence[bool] | None = None) -> dict:
    """Exact match of the final number over the first `limit` problems, greedy decoding; `dirty` as for
    `hellaswag`."""
    right = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if limit is not None and len(right) >= limit:
                break
            row = json.loads(line)
            session = ChatSession(model, tokenizer, system_prompt, temperature=0.0)
            reply = "".join(session.reply(row["question"], max_new_tokens))
            right.append(final_number(reply) == final_number(row["answer"]))
    n, correct = len(right), sum(right)
    return {"task": "gsm8k", "examples": n, "accuracy": correct / n if n else math.nan, "correct": correct,
            **by_contamination(dirty, accuracy=right)}


# ---- "I don't know" -------------------------------------------------------------------------------

def idk_rate(model, tokenizer, system_prompt: str | None, names: list[str], max_new_tokens: int = 32) -> dict:
    """Share of "Who is NAME?" questions about made-up people answered with "I don't know" (greedy)."""
    refused = 0
    for name in names:
        session = ChatSession(model, tokenizer, system_prompt, temperature=0.0)
        refused += "don't know" in "".join(session.reply(f"Who is {name}?", max_new_tokens))
    return {"task": "idk", "examples": len(names), "idk_rate": refused / len(names) if names else math.nan,
            "refused": refused}


def unseen_names(run_dir: Path, n: int) -> list[str]:
    """n made-up names that the run's "I don't know" training examples (if any) never mentioned."""
    from pretrain.sft_data import heldout_names, idk_conversations

    config_path = run_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    seen = " ".join(c[0].content for c in idk_conversations(config.get("idk_examples", 0), config.get("seed", 0)))
    candidates = heldout_names(4 * n, exclude=set())
    return [name for name in candidates if name not in seen][:n]


# ---- bits per byte -------------------------------------------------------------------------------

def token_dir_of(run_dir: Path) -> str | None:
    """The token directory a run (or the pretrained run an SFT run started from) trained on."""
    config_path = run_dir / "config.json"
    if not config_path.exists():
        return None
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if "data" in config and isinstance(config["data"], str):
        return config["data"]
    if "init" in config:
        init = Path(config["init"])
        return token_dir_of(init if init.is_dir() else init.parent)
    return None


def val_bpb(model, checkpoint: dict, token_dir: str, limit: int | None = None, device="cpu", split: str = "val") -> dict:
    """The pretrainer's val loss and bits per byte, over `limit` windows of the model's seq_len (default: all).

    `split` "train" scores a token directory that holds only held-out text (tokenized with val fraction 0).
    """
    from pretrain.checkpoint import check_tokenizer
    from pretrain.data import TokenData
    from pretrain.config import TrainConfig
    from pretrain.val_loss import evaluate, token_byte_lengths

    val = TokenData(token_dir, split)
    check_tokenizer(checkpoint, val.tokenizer_hash)
    seq_len = model.config.seq_len
    windows = (val.num_tokens - 1) // seq_len
    if windows < 1:
        raise ValueError(f"{token_dir}: the {split} split has {val.num_tokens} tokens, not one window of {seq_len + 1}")
    use = min(windows, limit) if limit else windows
    batch = min(16, use)
    config = TrainConfig(data=token_dir, out="", seq_len=seq_len, device_batch_size=batch, eval_tokens=use * seq_len)
    token_bytes = token_byte_lengths(val.load_tokenizer(), model.config.padded_vocab_size).to(device)
    result = evaluate(model, val, token_bytes, config, 0, 1, torch.device(device), nullcontext())
    return {"task": "bpb", "windows": (use // batch) * batch, "tokens": (use // batch) * batch * seq_len, **result}
