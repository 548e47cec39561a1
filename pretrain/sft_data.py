"""SFT data: three conversation formats in, packed (inputs, masked targets) rows out.

Readers accept, per file: OpenAI-style JSONL (`{"messages": [{"role", "content"}]}`),
ShareGPT JSON or JSONL (`{"conversations": [{"from": "human"|"gpt"|"system", "value"}]}`)
and GSM8K JSONL (`{"question", "answer"}`, calculator annotations `<<...>>` removed).
Records that do not fit are counted and skipped, never fatal: the data is as hostile
as any web text. FastChat's identity set names Vicuna and LMSYS; an `Identity`
rewrites those names so the model learns who *it* is.

"I don't know" examples pair questions about made-up people and words with refusals,
the usual mitigation against a small model inventing facts: names are built from
random syllables, so no name can be known, and held-out names for measuring the
effect come from a disjoint seed.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pretrain.chat_format import ChatFormatError, Message, render_conversation, with_system
from pretrain.config import IDENTITY_MAKER, IDENTITY_NAME

SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}
CALCULATOR_NOTE = re.compile(r"<<[^<>]*>>")
# FastChat's identity data names its model and makers; Identity.rewrite swaps in ours.
FASTCHAT_NAMES = (("Large Model Systems Organization (LMSYS)", "maker"), ("LMSYS", "maker"), ("Vicuna", "name"))


@dataclass(frozen=True)
class Identity:
    name: str = IDENTITY_NAME
    maker: str = IDENTITY_MAKER

    def rewrite(self, text: str) -> str:
        for old, attr in FASTCHAT_NAMES:
            text = text.replace(old, getattr(self, attr))
        return text


@dataclass
class LoadedData:
    conversations: list[list[Message]] = field(default_factory=list)
    skipped: int = 0  # records that were not a usable conversation


def read_conversations(path: str | os.PathLike, identity: Identity | None = None) -> LoadedData:
    """All conversations in one file (.json: a list of records; anything else: one record per line)."""
    path = Path(path)
    loaded = LoadedData()
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e})") from None
        if not isinstance(records, list):
            raise ValueError(f"{path}: expected a JSON list of conversations")
    else:
        records = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    records.append(None)
    for record in records:
        messages = parse_record(record, identity)
        if messages is None:
            loaded.skipped += 1
        else:
            loaded.conversations.append(messages)
    return loaded


def parse_record(record, identity: Identity | None = None) -> list[Message] | None:
    """One record in any of the three formats as messages; None when it is not a trainable conversation."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("messages"), list):
        messages = _messages(record["messages"], "role", "content", {r: r for r in ("system", "user", "assistant")})
    elif isinstance(record.get("conversations"), list):
        messages = _messages(record["conversations"], "from", "value", SHAREGPT_ROLES)
    elif isinstance(record.get("question"), str) and isinstance(record.get("answer"), str):
        messages = [Message("user", record["question"].strip()),
                    Message("assistant", CALCULATOR_NOTE.sub("", record["answer"]).strip())]
    else:
        return None
    if not messages or not any(m.role == "assistant" and m.content for m in messages):
        return None
    if any(m.role == "system" for m in messages[1:]):
        return None
    if identity is not None:
        messages = [Message(m.role, identity.rewrite(m.content)) for m in messages]
    return messages


def _messages(turns: list, role_key: str, text_key: str, roles: dict[str, str]) -> list[Message] | None:
    messages = []
    for turn in turns:
        if not isinstance(turn, dict) or not isinstance(turn.get(text_key), str) or turn.get(role_key) not in roles:
            return None
        messages.append(Message(roles[turn[role_key]], turn[text_key]))
    return messages


# ---- identity examples ---------------------------------------------------------------------------

TRAIN_SEED, HELDOUT_SEED = 0, 1_000_003  # generated examples for training, and held-out ones for measuring
IDENTITY_QUESTIONS = ("Who are you?", "What is your name?", "What are you?", "Introduce yourself.",
                      "Tell me about yourself.", "Who made you?", "Hi! Who am I talking to?", "Are you ChatGPT?")
IDENTITY_ANSWERS = ("I am {name}, a small language model trained by {maker}.",
                    "My name is {name}. I am a small language model made by {maker}.",
                    "I'm {name}, a language model trained by {maker} on curated web text.")


def identity_conversations(n: int, identity: Identity, seed: int = TRAIN_SEED) -> list[list[Message]]:
    """n questions about the model itself, each answered with its name and maker.

    A model of a few million parameters only learns to condition on the question when
    the answer is repeated this often; FastChat's set alone teaches it mostly small talk.
    """
    rng = random.Random(seed)
    return [[Message("user", rng.choice(IDENTITY_QUESTIONS)),
             Message("assistant", rng.choice(IDENTITY_ANSWERS).format(name=identity.name, maker=identity.maker))]
            for _ in range(n)]


# ---- "I don't know" examples ---------------------------------------------------------------------

ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kl", "st", "tr")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
NAME_QUESTIONS = (
    ("Who is {x}?", "I don't know who {x} is."),
    ("Tell me about {x}.", "I don't know anything about {x}."),
    ("What is {x} famous for?", "I don't know who {x} is, so I can't say."),
)
WORD_QUESTIONS = (
    ("What does the word \"{x}\" mean?", "I don't know the word \"{x}\"."),
    ("Define {x}.", "I don't know what {x} means."),
)


def made_up_word(rng: random.Random, syllables: tuple[int, int] = (2, 4)) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.randint(*syllables)))


def made_up_name(rng: random.Random) -> str:
    return f"{made_up_word(rng, (2, 3)).capitalize()} {made_up_word(rng, (2, 3)).capitalize()}"


def idk_conversations(n: int, seed: int = TRAIN_SEED, search=None) -> list[list[Message]]:
    """n questions about made-up people (two thirds) and words, each answered with a refusal; with `search`
    (question -> results block) the assistant searches the question first, and finds nothing."""
    rng = random.Random(seed)
    conversations = []
    for i in range(n):
        if i % 3 < 2:
            question, answer = rng.choice(NAME_QUESTIONS)
            x = made_up_name(rng)
        else:
            question, answer = rng.choice(WORD_QUESTIONS)
            x = made_up_word(rng)
        question = question.format(x=x)
        searches = ((question, search(question)),) if search is not None else ()
        conversations.append([Message("user", question), Message("assistant", answer.format(x=x), searches)])
    return conversations


def heldout_names(n: int, exclude: set[str], seed: int = HELDOUT_SEED) -> list[str]:
    """Made-up names from another seed that training never saw."""
    rng = random.Random(seed)
    names: list[str] = []
    while len(names) < n:
        name = made_up_name(rng)
        if name not in exclude and name not in names:
            names.append(name)
    return names


# ---- packing -------------------------------------------------------------------------------------

def render_all(tokenizer, conversations: list[list[Message]], system_prompt: str | None) -> list[tuple[list[int], list[int]]]:
    """Every conversation as (ids, mask), the system prompt added where a conversation has none."""
    rendered = []
    for messages in conversations:
        try:
            rendered.append(render_conversation(tokenizer, with_system(messages, system_prompt)))
        except ChatFormatError:
            continue
    return rendered


def pack(rendered: list[tuple[list[int], list[int]]], seq_len: int, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Conversations laid end to end in rows of seq_len + 1 tokens -> (x, y) int64 [rows, seq_len].

    A conversation that does not fit in what is left of a row starts the next one; one
    longer than a row is cut, and a row left with no reply is dropped. Targets outside the loss mask (and the padding) are -1,
    which the model's loss ignores.
    """
    width = seq_len + 1
    rows: list[tuple[list[int], list[int]]] = []
    ids: list[int] = []
    mask: list[int] = []
    for conv_ids, conv_mask in rendered:
        if len(ids) + min(len(conv_ids), width) > width:
            rows.append((ids, mask))
            ids, mask = [], []
        ids += conv_ids[:width]
        mask += conv_mask[:width]
    if ids:
        rows.append((ids, mask))
    tokens = np.full((len(rows), width), pad_id, dtype=np.int64)
    trained = np.zeros((len(rows), width), dtype=bool)
    for r, (row_ids, row_mask) in enumerate(rows):
        tokens[r, :len(row_ids)] = row_ids
        trained[r, :len(row_mask)] = row_mask
    y = np.where(trained[:, 1:], tokens[:, 1:], -1)
    keep = (y != -1).any(axis=1)  # a row whose replies were all cut off would make a 0/0 loss
    return np.ascontiguousarray(tokens[keep, :-1]), y[keep]


def split_val(conversations: list, fraction: float, seed: int) -> tuple[list, list]:
    """(train, val) after a seeded shuffle; val gets round(fraction * n) conversations, at least 1 when fraction > 0."""
    order = list(range(len(conversations)))
    random.Random(seed).shuffle(order)
    n_val = max(1, round(fraction * len(order))) if fraction > 0 and len(order) > 1 else 0
    val = [conversations[i] for i in order[:n_val]]
    train = [conversations[i] for i in order[n_val:]]
    return train, val
