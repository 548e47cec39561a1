"""Self-interrogation: ask the base model about its own pretraining text, closed book, and learn from the grades.

The article's first defence against made-up answers: find out what the model
knows by questioning it, and where it answers wrongly, train it to say so. The
questions are open_book's quote questions over sentences of the documents the
base run pretrained on (decoded from its token directory; sentences kept for the
hallucination eval's `known` questions are never asked). The base model is a
plain language model, so it is asked the way it can answer: the quote alone as a
document, continued greedily (PROBE_RULE). Right answers become conversations that
answer directly; wrong ones repeat the quote and say "I'm not sure." or, when SFT has a search
corpus, conversations that search first and answer from the results.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from pretrain.chat_format import Message, encode_text
from pretrain.open_book import Question, SearchConversations, askable_sentences, contains_answer, is_known_eval, \
    make_question, refusal, reply
from pretrain.sample import complete

NOT_SURE = "I'm not sure."
PROBE_EXTRA_TOKENS = 4  # tokens a probe may generate beyond the answer's own
MAX_PRETRAINING_DOCS = 50_000  # documents decoded for questions: bounds memory on a large token directory
PROBE_RULE = ("the quote alone as a document after <|endoftext|>, continued greedily for the answer's tokens + "
              f"{PROBE_EXTRA_TOKENS}; right when the continuation holds the answer's words in order (case and "
              "punctuation ignored)")


@dataclass(frozen=True)
class Probe:
    question: Question
    answer: str  # what the base model continued the quote with
    right: bool


def pretraining_texts(token_dir: str, max_docs: int = MAX_PRETRAINING_DOCS) -> list[str]:
    """The text of the first `max_docs` documents of the token directory's train split, decoded (questions need
    sentences, not the whole corpus)."""
    from pretrain.data import TokenData

    data = TokenData(token_dir, "train")
    tokenizer = data.load_tokenizer()
    count = min(max_docs, data.num_docs)
    return [tokenizer.decode(data.document(i)[1:].tolist(), errors="replace") for i in range(count)]


def pretraining_questions(texts: list[str], known_eval: bool) -> list[Question]:
    """One question per askable sentence of the texts, of one split: the eval's `known` sentences or the rest.
    Each is fixed by a seed from its place, so the same texts always give the same questions."""
    questions = []
    for d, text in enumerate(texts):
        for s, (words, points) in enumerate(askable_sentences(text)):
            if is_known_eval(words) == known_eval:
                questions.append(make_question(f"pretraining:{d}", words, points, random.Random(f"{d}\0{s}")))
    return questions


@torch.no_grad()
def probe(model, tokenizer, question: Question) -> Probe:
    """Ask the base model one question closed book, by PROBE_RULE."""
    budget = len(encode_text(tokenizer, " " + question.answer)) + PROBE_EXTRA_TOKENS
    continuation = "".join(complete(model, tokenizer, question.quote, budget, temperature=0.0))
    return Probe(question, continuation, contains_answer(continuation, question))


def interrogate(model, tokenizer, texts: list[str], n: int, seed: int) -> list[Probe]:
    """Probes on n questions (all there are, if fewer) drawn without replacement, seeded, from the texts'
    non-eval sentences."""
    pool = pretraining_questions(texts, known_eval=False)
    if n and not pool:
        raise ValueError("the pretraining text has no sentence to ask about")
    return [probe(model, tokenizer, q) for q in random.Random(seed).sample(pool, min(n, len(pool)))]


def probe_conversations(probes: list[Probe], search: SearchConversations | None, seed: int) -> list[list[Message]]:
    """Right probes answer directly; wrong ones repeat the quote and say NOT_SURE, or search first when `search`
    is given."""
    rng = random.Random(seed)
    conversations = []
    for p in probes:
        if p.right:
            conversations.append([Message("user", p.question.prompt), Message("assistant", reply(p.question))])
        elif search is not None:
            conversations.append(search.answered(p.question, rng))
        else:
            refused = Message("assistant", refusal(p.question, NOT_SURE))
            conversations.append([Message("user", p.question.prompt), refused])
    return conversations


def summary(probes: list[Probe], examples: int = 5) -> dict:
    """What interrogation.json records: the rule, the counts and a few probes."""
    right = sum(p.right for p in probes)
    return {"rule": PROBE_RULE, "probes": len(probes), "right": right, "wrong": len(probes) - right,
            "examples": [{"quote": p.question.quote, "answer": p.question.answer, "model": p.answer, "right": p.right}
                         for p in probes[:examples]]}
