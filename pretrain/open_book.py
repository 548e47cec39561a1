"""Open-book questions from the curated corpus: SFT conversations that answer from search results, and their eval.

A question quotes the start of a sentence of a document and asks how it goes on;
the reply repeats the quote and completes it:

    user:      Complete the quote:
               the last keepers left behind a shelf of logbooks
    assistant: <|query_start|>Complete the quote: ...<|query_end|><|search_start|>[1] ...<|search_end|>
               the last keepers left behind a shelf of logbooks covering more than a century.

The answer is the rest of the sentence (2 to 6 words), so it is a span of the page
and a model can only know it by recall (closed book) or by copying it from a search
block that holds the page (open book). The format is made for copying by a model
that matches one token at a time (an induction head): every reply token follows a
token that occurs before in the context (the quote, on a line of its own, follows a
newline as the reply does), and the quote ends on a word that occurs once in the
document, so where the quote stops only the passage says how it goes on. In SFT
conversations the assistant searches the question (the request is trained on) and
gets the block `curate chat --search` would retrieve; when the block does not hold
the quote and its answer (the page was not retrieved, was cut off, or was left out
on purpose: every fourth conversation excludes its own page), the reply repeats the
quote and says "I don't know." instead. The model thus learns both to copy from the
block and not to answer from a block that says nothing, and it decides where the
quote ends: there a model with a copy head either finds the quote's continuation in
the block or finds nothing to copy and refuses (measured on the demo model: deciding
at the reply's first token instead, before the quote, refused 37 of 158 questions
whose answer the block held).

A tiny model would rather memorise the few hundred training sentences than learn
to copy (measured: it then answered the training questions and none of the
held-out ones), so answerable conversations swap the answer's words (all of them
by default), in the block and in the reply, for random words of the corpus: memory
cannot give those, only the block can (counterfactual passages, as in Longpre et
al. 2021, "Entity-Based Knowledge Conflicts in Question Answering"), and with a
fresh draw per conversation no two conversations teach the same answer.

Two splits keep the evals' questions out of training: documents whose id hashes
into HELDOUT_FRACTION are never used for SFT, neither as questions nor as passages
(the open-book eval asks about them only), and sentences whose text hashes into
KNOWN_EVAL_FRACTION are never asked in SFT (the hallucination eval's `known`
questions come from them).
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
from pretrain.chat_format import Message, render_conversation, search_turn, with_system

HELDOUT_FRACTION = 0.2
KNOWN_EVAL_FRACTION = 0.2  # sentences kept for the hallucination eval's `known` questions
SWAP_FRACTION = 1.0  # answerable search conversations whose answer words are swapped for random ones
SEARCH_K = 3  # passages retrieved for a question (those that fit go into the block)
PREFIX_WORDS = (5, 10)  # words of the quoted start of a sentence
ANSWER_WORDS = (2, 6)  # words of the rest of the sentence that answers it
SENTENCE_WORDS = (PREFIX_WORDS[0] + ANSWER_WORDS[0], 40)
CONTEXT_WORDS = 3  # words of the quote that must precede the answer in the block for it to count as there
TEMPLATE = "Complete the quote:\n{}"
IDK_ANSWER = "I don't know."
REFUSAL = "{quote} — {refusal}"  # a quote question's refusal: the quote, then the refusal
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_PLAIN_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Question:
    doc_id: str
    prompt: str  # the user message, also the search query
    quote: str  # the start of the sentence that the prompt quotes
    answer: str  # the rest of the sentence


def _salted_share(text: str, salt: bytes) -> float:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=salt).digest(), "big") / 2**64


def is_heldout(doc_id: str) -> bool:
    """Whether a document belongs to the eval's held-out split (a salted blake2b-64 of the id)."""
    return _salted_share(doc_id, b"open-book") < HELDOUT_FRACTION


def is_known_eval(words: list[str]) -> bool:
    """Whether a sentence is kept for the `known` questions (a salted blake2b-64 of its words)."""
    return _salted_share(" ".join(words), b"known-eval") < KNOWN_EVAL_FRACTION


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


def refusal(question: Question, words: str = IDK_ANSWER) -> str:
    """The reply that refuses a quote question: the quote, then `words`."""
    return REFUSAL.format(quote=question.quote, refusal=words)


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


def swap_answer(block: str, question: Question, vocabulary: list[str], rng: random.Random) -> tuple[str, Question]:
    """The block and question with the answer's words (where the block holds them verbatim after the quote)
    replaced by random words of `vocabulary`, each keeping its punctuation."""
    context = " ".join(question.quote.split()[-CONTEXT_WORDS:])
    at = block.find(f"{context} {question.answer}")
    if at < 0:
        return block, question
    answer = " ".join(_PLAIN_WORD.sub(lambda _: rng.choice(vocabulary), w, count=1) for w in question.answer.split())
    start = at + len(context) + 1
    content = block[:start] + answer + block[start + len(question.answer):]
    return content, Question(question.doc_id, question.prompt, question.quote, answer)


def passages(hits: list[Hit]) -> list[tuple[str, int]]:
    return [(hit.passage, hit.focus) for hit in hits]


def searcher_function(searcher: Searcher, k: int = SEARCH_K):
    """The search a ChatSession calls: query -> the k best passages of the index."""
    return lambda query: passages(searcher.search(query, k))


class SearchConversations:
    """SFT conversations over the SFT split of a corpus: the assistant searches, then answers from the block.

    Result blocks are cached by (question, excluded page), since a question recurs across
    thousands of conversations; each conversation draws its own swapped answer.
    """

    def __init__(self, searcher: Searcher, out_dir: str, tokenizer, window: int, system_prompt: str | None):
        docs = corpus_documents(out_dir)
        self.searcher, self.tokenizer, self.window = searcher, tokenizer, window
        self.heldout = frozenset(doc_id for doc_id, _ in docs if is_heldout(doc_id))
        self.pool = [(doc_id, words, points) for doc_id, text in docs if doc_id not in self.heldout
                     for words, points in askable_sentences(text) if not is_known_eval(words)]
        self.vocabulary = sorted({w for doc_id, text in docs if doc_id not in self.heldout
                                  for w in _PLAIN_WORD.findall(text)})
        self.start = render_conversation(tokenizer, with_system([], system_prompt))[0]
        self._blocks: dict[tuple[str, str | None], str] = {}

    def block(self, question: str, exclude_doc: str | None = None) -> str:
        """The results block the assistant gets when it searches `question` (one page left out, if given)."""
        key = (question, exclude_doc)
        if key not in self._blocks:
            excluded = self.heldout | {exclude_doc} if exclude_doc else self.heldout
            found = passages(self.searcher.search(question, SEARCH_K, excluded))
            self._blocks[key] = search_turn(self.tokenizer, found, question, question, self.start, self.window)
        return self._blocks[key]

    def answered(self, question: Question, rng: random.Random, exclude_own: bool = False) -> list[Message]:
        """[user, assistant] where the assistant searches the question and copies the answer from the block
        (swapped for random words in SWAP_FRACTION of them), or refuses when the block lacks it."""
        block = self.block(question.prompt, question.doc_id if exclude_own else None)
        found = contains_answer(block, question, CONTEXT_WORDS)
        if found and rng.random() < SWAP_FRACTION:
            block, question = swap_answer(block, question, self.vocabulary, rng)
        answer = reply(question) if found else refusal(question)
        return [Message("user", question.prompt), Message("assistant", answer, ((question.prompt, block),))]

    def conversations(self, n: int, seed: int) -> list[list[Message]]:
        """n conversations on random questions; every fourth leaves its own page out of the search.

        A question is one per (sentence, split point), its quote length fixed by a seed from
        both, so searches repeat across conversations (and hit the cache); the swapped
        answer is drawn afresh for each conversation.
        """
        if n and not self.pool:
            raise ValueError(f"no sentence of {SENTENCE_WORDS[0]}-{SENTENCE_WORDS[1]} words in the documents "
                             f"outside the held-out split, nothing to ask about")
        questions = [make_question(doc_id, words, [point], random.Random(f"{seed}\0{doc_id}\0{i}\0{point}"))
                     for i, (doc_id, words, points) in enumerate(self.pool) for point in points]
        rng = random.Random(seed)
        return [self.answered(rng.choice(questions), rng, exclude_own=i % 4 == 3) for i in range(n)]


def open_book_eval(model, tokenizer, searcher: Searcher, questions: list[Question], system_prompt: str | None,
                   k: int = SEARCH_K, max_new_tokens: int = 32) -> dict:
    """Each question closed book (search mode never) and open book (always: the block `curate chat --search`
    builds), greedy.

    A reply is correct when it holds the answer's words in order; `answer_in_block`
    counts the blocks that held the quote's end and the answer (retrieval and cut).
    """
    closed = opened = in_block = 0
    search = searcher_function(searcher, k)
    for question in questions:
        session = ChatSession(model, tokenizer, system_prompt, temperature=0.0, mode="never")
        closed += contains_answer("".join(session.reply(question.prompt, max_new_tokens)), question)
        session = ChatSession(model, tokenizer, system_prompt, temperature=0.0, search=search, mode="always")
        opened += contains_answer("".join(session.reply(question.prompt, max_new_tokens)), question)
        in_block += contains_answer(session.messages[-1].searches[0][1], question, CONTEXT_WORDS)
    n = len(questions)
    return {"task": "open-book", "examples": n, "closed_book": closed / n if n else math.nan, "closed_correct": closed,
            "open_book": opened / n if n else math.nan, "open_correct": opened,
            "answer_in_block": in_block / n if n else math.nan, "in_block": in_block}
