"""The chat format: conversations as token ids plus a loss mask.

A conversation renders as ChatML with special tokens pretraining never saw:

    <|endoftext|> <|im_start|>system\\n{prompt}<|im_end|> <|im_start|>user\\n{text}<|im_end|>
    <|im_start|>assistant\\n{reply}<|im_end|> ...

The role header ("assistant\\n") is encoded on its own, so the tokens a prompt ends
with at generation time are exactly the tokens training saw before each reply. The
mask is 1 on the assistant's reply tokens and its closing <|im_end|> and 0 elsewhere:
the model learns to answer and to end its turn, never to imitate the user. Message
text is encoded as plain text, so a message that spells "<|im_end|>" cannot forge a
turn boundary.

An assistant that is unsure asks for a search inside its own turn, as nanochat's
model calls its calculator; the chat puts the results back, and the reply follows:

    <|im_start|>assistant\\n<|query_start|>{query}<|query_end|><|search_start|>[1] {passage}\\n[2] {passage}<|search_end|>{reply}<|im_end|>

The request (<|query_start|> to <|query_end|>) is trained on, so the model learns
when to ask and what; the results are not (the search engine writes them). Passages
are plain text like any message, so a page that spells "<|search_end|>" or
"<|im_start|>" cannot close the block or open a turn. `fit_search_block` cuts
passages around their matches so the block fits the room the model's window leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from curation.tokenizer import BOS, IM_END, IM_START, QUERY_END, QUERY_START, SEARCH_END, SEARCH_START

ROLES = ("system", "user", "assistant")
MIN_PASSAGE_WORDS = 4  # a passage cut shorter than this is left out of the block
ANSWER_RESERVE = 32  # tokens a search turn keeps free for the reply
MAX_QUERY_TOKENS = 64  # a search request longer than this is cut there


@dataclass(frozen=True)
class Message:
    role: str
    content: str
    searches: tuple[tuple[str, str], ...] = ()  # assistant only: (query, results block) of each search it asked for


class ChatFormatError(ValueError):
    """A conversation that cannot be rendered (unknown role, misplaced system message, no text)."""


@dataclass(frozen=True)
class ChatTokens:
    """Special token ids of one tokenizer."""

    bos: int
    im_start: int
    im_end: int
    search_start: int
    search_end: int
    query_start: int
    query_end: int

    @classmethod
    def of(cls, tokenizer) -> "ChatTokens":
        names = (BOS, IM_START, IM_END, SEARCH_START, SEARCH_END, QUERY_START, QUERY_END)
        return cls(*(tokenizer.encode_single_token(t) for t in names))


def encode_text(tokenizer, text: str) -> list[int]:
    """Plain text to ids; special-token spellings inside the text stay ordinary text."""
    return tokenizer.encode(text, allowed_special=set(), disallowed_special=())


def validate(messages: list[Message]) -> None:
    for i, m in enumerate(messages):
        if m.role not in ROLES:
            raise ChatFormatError(f"message {i}: unknown role {m.role!r}")
        if m.role == "system" and i != 0:
            raise ChatFormatError(f"message {i}: a system message may only come first")
        if m.searches and m.role != "assistant":
            raise ChatFormatError(f"message {i}: only the assistant asks for a search")


def with_system(messages: list[Message], system_prompt: str | None) -> list[Message]:
    """Prepend `system_prompt` unless the conversation brings its own (None or '': leave as is, as chat does)."""
    if not system_prompt or (messages and messages[0].role == "system"):
        return list(messages)
    return [Message("system", system_prompt), *messages]


def query_ids(tokenizer, query: str, chat: ChatTokens) -> list[int]:
    """<|query_start|> query <|query_end|>, the query cut to MAX_QUERY_TOKENS."""
    return [chat.query_start, *encode_text(tokenizer, query)[:MAX_QUERY_TOKENS], chat.query_end]


def results_ids(tokenizer, results: str, chat: ChatTokens) -> list[int]:
    return [chat.search_start, *encode_text(tokenizer, results), chat.search_end]


def render_turn(tokenizer, message: Message, chat: ChatTokens) -> tuple[list[int], list[int]]:
    """One turn's ids and mask: header and search results masked out; an assistant's query, reply and
    <|im_end|> trained on."""
    header = [chat.im_start, *encode_text(tokenizer, f"{message.role}\n")]
    trained = 1 if message.role == "assistant" else 0
    ids, mask = header, [0] * len(header)
    for query, results in message.searches:
        asked, found = query_ids(tokenizer, query, chat), results_ids(tokenizer, results, chat)
        ids, mask = ids + asked + found, mask + [1] * len(asked) + [0] * len(found)
    body = [*encode_text(tokenizer, message.content), chat.im_end]
    return ids + body, mask + [trained] * len(body)


def render_conversation(tokenizer, messages: list[Message]) -> tuple[list[int], list[int]]:
    """(ids, mask) of a whole conversation, starting with the document boundary token."""
    validate(messages)
    chat = ChatTokens.of(tokenizer)
    ids, mask = [chat.bos], [0]
    for message in messages:
        turn_ids, turn_mask = render_turn(tokenizer, message, chat)
        ids += turn_ids
        mask += turn_mask
    return ids, mask


def assistant_header(tokenizer) -> list[int]:
    """What a prompt ends with to ask for the assistant's reply."""
    return [tokenizer.encode_single_token(IM_START), *encode_text(tokenizer, "assistant\n")]


def render_prompt(tokenizer, messages: list[Message]) -> list[int]:
    """The conversation so far plus the assistant header: generation continues from here."""
    ids, _ = render_conversation(tokenizer, messages)
    return ids + assistant_header(tokenizer)


def chat_metadata(tokenizer, system_prompt: str, identity_name: str) -> dict:
    """What `curate chat` needs to speak the format: written to SFT_DIR/chat.json."""
    chat = ChatTokens.of(tokenizer)
    return {"format": "chatml", "bos": chat.bos, "im_start": chat.im_start, "im_end": chat.im_end,
            "search_start": chat.search_start, "search_end": chat.search_end, "query_start": chat.query_start,
            "query_end": chat.query_end, "system_prompt": system_prompt, "identity_name": identity_name}


def search_turn(tokenizer, passages: Sequence[tuple[str, int]], question: str, query: str, start: list[int],
                window: int, reserve: int = ANSWER_RESERVE) -> str:
    """The results block for a search asked for while answering `question`: passages cut to what a window of
    `window` tokens leaves beside `start` (<|endoftext|> and the system turn), the user turn, the query and
    `reserve` tokens for the reply."""
    chat = ChatTokens.of(tokenizer)
    used = (len(start) + len(render_turn(tokenizer, Message("user", question), chat)[0])
            + len(assistant_header(tokenizer)) + len(query_ids(tokenizer, query, chat)))
    budget = window - used - reserve - 2  # 2: <|search_start|>, <|search_end|>
    return fit_search_block(tokenizer, passages, budget) if budget > 0 else ""


def fit_search_block(tokenizer, passages: Sequence[tuple[str, int]], budget: int) -> str:
    """The text of a search block that encodes to at most `budget` tokens.

    `passages` are (text, focus) pairs, best first, focus being the word the
    matches centre on. Each passage gets "[n] " and as many of its words around
    the focus as still fit (a binary search over the word count); a passage that
    would keep fewer than MIN_PASSAGE_WORDS words ends the block.
    """
    block = ""
    for n, (text, focus) in enumerate(passages, 1):
        words = text.split()
        head = f"{block}\n[{n}] " if block else f"[{n}] "

        def cut(m: int) -> str:
            start = min(max(0, focus - m // 2), len(words) - m)
            return head + " ".join(words[start:start + m])

        lo, hi = 0, len(words)  # the largest m whose cut fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(encode_text(tokenizer, cut(mid))) <= budget:
                lo = mid
            else:
                hi = mid - 1
        if lo < min(MIN_PASSAGE_WORDS, len(words)) or lo == 0:
            break
        block = cut(lo)
    return block
