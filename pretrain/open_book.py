"""Open-book questions from the curated corpus: SFT conversations that answer from search results, and their eval.

A question quotes the start of a sentence of a document and asks how it goes on;
the reply repeats the quote and completes it:

    user:      Complete the quote:
               the last keepers left behind a shelf of logbooks
    assistant: the last keepers left behind a shelf of logbooks covering more than a century.

The answer is the rest of the sentence (2 to 6 words), so it is a span of the page
and a model can only know it by recall (closed book) or by copying it from a search
block that holds the page (open book). The format is made for copying by a model
that matches one token at a time (an induction head): every reply token follows a
token that occurs before in the context (the quote, on a line of its own, follows a
newline as the reply does), and the quote ends on a word that occurs once in the
document, so where the quote stops only the passage says how it goes on. SFT conversations put the block that
`curate chat --search` would retrieve for the question before it; when the block
does not hold the quote and its answer (the page was not retrieved, was cut off,
or was left out on purpose: every fourth conversation excludes its own page), the
answer is "I don't know." instead. The model thus learns both to copy from the
block and not to answer from a block that says nothing.

A tiny model would rather memorise the few hundred training sentences than learn
to copy (measured: it then answered the training questions and none of the
held-out ones), so every other answerable conversation swaps the answer's words,
in the block and in the reply, for random words of the corpus: memory cannot
give those, only the block can (counterfactual passages, as in Longpre et al.
2021, "Entity-Based Knowledge Conflicts in Question Answering").

Documents whose id hashes into HELDOUT_FRACTION are never used for SFT, neither
as questions nor as passages; the open-book eval asks about them only.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from dataclasses import dataclass

from curation.run_output import run_shards
from curation.search import Hit, Searcher, word_terms
from pretrain.chat import ChatSession
from pretrain.chat_format import Message, render_conversation, search_message, with_system

HELDOUT_FRACTION = 0.2
SEARCH_K = 3  # passages retrieved for a question (those that fit go into the block)
PREFIX_WORDS = (5, 10)  # words of the quoted start of a sentence
ANSWER_WORDS = (2, 6)  # words of the rest of the sentence that answers it
SENTENCE_WORDS = (PREFIX_WORDS[0] + ANSWER_WORDS[0], 40)
CONTEXT_WORDS = 3  # words of the quote that must precede the answer in the block for it to count as there
TEMPLATE = "Complete the quote:\n{}"
IDK_ANSWER = "I don't know."
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_PLAIN_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Question:
    doc_id: str
    prompt: str  # the user message, also the search query
    quote: str  # the start of the sentence that the prompt quotes
    answer: str  # the rest of the sentence


def is_heldout(doc_id: str) -> bool:
    """Whether a document belongs to the eval's held-out split (a salted blake2b-64 of the id)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8, person=b"open-book").digest()
    return int.from_bytes(digest, "big") < HELDOUT_FRACTION * 2**64


def sentences(text: str) -> list[list[str]]:
    """The sentences of a text (within each line, ending at . ! ?) of SENTENCE_WORDS words, as word lists."""
    found: list[list[str]] = []
    for line in text.splitlines():
        words: list[str] = []
        for word in line.split():
            words.append(word)
            if _SENTENCE_END.search(word):
                found.append(words)
                words = []
        found.append(words)
    return [s for s in found if SENTENCE_WORDS[0] <= len(s) <= SENTENCE_WORDS[1]]


def askable_sentences(text: str) -> list[tuple[list[str], list[int]]]:
    """(words, split points) of each sentence that can be asked about: a split leaves 2-6 answer words and
    follows a plain word (letters and digits) that occurs once in the text."""
    counts = Counter(_PLAIN_WORD.findall(text))
    found = []
    for words in sentences(text):
        n = len(words)
        points = [s for s in range(max(PREFIX_WORDS[0], n - ANSWER_WORDS[1]), n - ANSWER_WORDS[0] + 1)
                  if _PLAIN_WORD.fullmatch(words[s - 1]) and counts[words[s - 1]] == 1]
        if points:
            found.append((words, points))
    return found


def make_question(doc_id: str, words: list[str], points: list[int], rng: random.Random) -> Question:
    """A question on one sentence, split at one of its points: a quote of 5-10 words, the rest is the answer."""
    split = rng.choice(points)
    quote = " ".join(words[max(0, split - rng.randint(*PREFIX_WORDS)):split])
    return Question(doc_id, TEMPLATE.format(quote), quote, " ".join(words[split:]))


def reply(question: Question) -> str:
    """The reply that training teaches: the quote, completed."""
    return f"{question.quote} {question.answer}"


def normalized(text: str) -> str:
    """Lower-cased terms joined by single spaces, padded, so containment means a whole-word match."""
    return " " + " ".join(t for w in text.split() for t in word_terms(w)) + " "


def contains_answer(text: str, question: Question, context_words: int = 0) -> bool:
    """Whether `text` holds the answer (preceded by the quote's last `context_words` words)."""
    context = " ".join(question.quote.split()[-context_words:]) if context_words else ""
    return normalized(f"{context} {question.answer}") in normalized(text)


def corpus_documents(out_dir: str) -> list[tuple[str, str]]:
    """(id, text) of every kept document, in id order."""
    import duckdb

    files = ", ".join("'" + p.replace("'", "''") + "'" for p in run_shards(out_dir))
    return duckdb.sql(f"SELECT id, text FROM read_parquet([{files}]) WHERE text IS NOT NULL ORDER BY id, text").fetchall()


def heldout_questions(out_dir: str, limit: int | None = None) -> list[Question]:
    """One question per askable sentence of each held-out document, in id order; each fixed by a seed from its document."""
    questions = []
    for doc_id, text in corpus_documents(out_dir):
        if is_heldout(doc_id):
            for i, (words, points) in enumerate(askable_sentences(text)):
                questions.append(make_question(doc_id, words, points, random.Random(f"{doc_id}\0{i}")))
    return questions[:limit]


def swap_answer(block: Message, question: Question, vocabulary: list[str],
                rng: random.Random) -> tuple[Message, Question]:
    """The block and question with the answer's words (where the block holds them verbatim after the quote)
    replaced by random words of `vocabulary`, each keeping its punctuation."""
    context = " ".join(question.quote.split()[-CONTEXT_WORDS:])
    at = block.content.find(f"{context} {question.answer}")
    if at < 0:
        return block, question
    answer = " ".join(_PLAIN_WORD.sub(lambda _: rng.choice(vocabulary), w, count=1) for w in question.answer.split())
    start = at + len(context) + 1
    content = block.content[:start] + answer + block.content[start + len(question.answer):]
    return Message("search", content), Question(question.doc_id, question.prompt, question.quote, answer)


def passages(hits: list[Hit]) -> list[tuple[str, int]]:
    return [(hit.passage, hit.focus) for hit in hits]


def search_conversations(searcher: Searcher, out_dir: str, n: int, tokenizer, window: int,
                         system_prompt: str | None, seed: int) -> list[list[Message]]:
    """n conversations [search, user, assistant] over the SFT split's sentences, blocks cut to `window` tokens."""
    docs = corpus_documents(out_dir)
    heldout = frozenset(doc_id for doc_id, _ in docs if is_heldout(doc_id))
    pool = [(doc_id, *sentence) for doc_id, text in docs if doc_id not in heldout for sentence in askable_sentences(text)]
    vocabulary = sorted({w for doc_id, text in docs if doc_id not in heldout for w in _PLAIN_WORD.findall(text)})
    if n and not pool:
        raise ValueError(f"{out_dir}: no sentence of {SENTENCE_WORDS[0]}-{SENTENCE_WORDS[1]} words in the "
                         f"documents outside the held-out split, nothing to ask about")
    start = render_conversation(tokenizer, with_system([], system_prompt))[0]
    rng = random.Random(seed)
    conversations = []
    for i in range(n):
        doc_id, words, points = rng.choice(pool)
        question = make_question(doc_id, words, points, rng)
        excluded = heldout | {doc_id} if i % 4 == 3 else heldout
        block = search_message(tokenizer, passages(searcher.search(question.prompt, SEARCH_K, excluded)),
                               question.prompt, start, window)
        found = contains_answer(block.content, question, CONTEXT_WORDS)
        if found and i % 2 == 0:
            block, question = swap_answer(block, question, vocabulary, rng)
        answer = reply(question) if found else IDK_ANSWER
        conversations.append([block, Message("user", question.prompt), Message("assistant", answer)])
    return conversations


def open_book_eval(model, tokenizer, searcher: Searcher, questions: list[Question], system_prompt: str | None,
                   k: int = SEARCH_K, max_new_tokens: int = 32) -> dict:
    """Each question closed book (no block) and open book (the block `curate chat --search` builds), greedy.

    A reply is correct when it holds the answer's words in order; `answer_in_block`
    counts the blocks that held the quote's end and the answer (retrieval and cut).
    """
    closed = opened = in_block = 0
    for question in questions:
        session = ChatSession(model, tokenizer, system_prompt, temperature=0.0)
        closed += contains_answer("".join(session.reply(question.prompt, max_new_tokens)), question)
        session = ChatSession(model, tokenizer, system_prompt, temperature=0.0)
        block = session.search_block(passages(searcher.search(question.prompt, k)), question.prompt, max_new_tokens)
        in_block += contains_answer(block.content, question, CONTEXT_WORDS)
        opened += contains_answer("".join(session.reply(question.prompt, max_new_tokens, search=block)), question)
    n = len(questions)
    return {"task": "open-book", "examples": n, "closed_book": closed / n if n else math.nan, "closed_correct": closed,
            "open_book": opened / n if n else math.nan, "open_correct": opened,
            "answer_in_block": in_block / n if n else math.nan, "in_block": in_block}
