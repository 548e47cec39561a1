"""The chat format: conversations as token ids plus a loss mask, and the model's identity.

A conversation renders as ChatML with special tokens pretraining never saw:

    <|endoftext|> <|im_start|>system\\n{prompt}<|im_end|> <|im_start|>user\\n{text}<|im_end|>
    <|im_start|>assistant\\n{reply}<|im_end|> ...

The role header ("assistant\\n") is encoded on its own, so the tokens a prompt ends
with at generation time are exactly the tokens training saw before each reply. The
mask is 1 on the assistant's reply tokens and its closing <|im_end|> and 0 elsewhere:
the model learns to answer and to end its turn, never to imitate the user. Message
text is encoded as plain text, so a message that spells "<|im_end|>" cannot forge a
turn boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from curation.tokenizer import BOS, IM_END, IM_START

IDENTITY_NAME = "Curie"
IDENTITY_MAKER = "the curation project"
ROLES = ("system", "user", "assistant")


def default_system_prompt(name: str = IDENTITY_NAME, maker: str = IDENTITY_MAKER) -> str:
    """The identity ("knowledge of self") a chat starts with unless told otherwise."""
    return f"You are {name}, a small language model trained by {maker} on curated Common Crawl text."


@dataclass(frozen=True)
class Message:
    role: str
    content: str


class ChatFormatError(ValueError):
    """A conversation that cannot be rendered (unknown role, misplaced system message, no text)."""


@dataclass(frozen=True)
class ChatTokens:
    """Special token ids of one tokenizer."""

    bos: int
    im_start: int
    im_end: int

    @classmethod
    def of(cls, tokenizer) -> "ChatTokens":
        return cls(*(tokenizer.encode_single_token(t) for t in (BOS, IM_START, IM_END)))


def encode_text(tokenizer, text: str) -> list[int]:
    """Plain text to ids; special-token spellings inside the text stay ordinary text."""
    return tokenizer.encode(text, allowed_special=set(), disallowed_special=())


def validate(messages: list[Message]) -> None:
    for i, m in enumerate(messages):
        if m.role not in ROLES:
            raise ChatFormatError(f"message {i}: unknown role {m.role!r}")
        if m.role == "system" and i != 0:
            raise ChatFormatError(f"message {i}: a system message may only come first")


def with_system(messages: list[Message], system_prompt: str | None) -> list[Message]:
    """Prepend `system_prompt` unless the conversation brings its own (None: leave as is)."""
    if system_prompt is None or (messages and messages[0].role == "system"):
        return list(messages)
    return [Message("system", system_prompt), *messages]


def render_turn(tokenizer, message: Message, chat: ChatTokens) -> tuple[list[int], list[int]]:
    """One turn's ids and mask: header masked out, an assistant's content and <|im_end|> trained on."""
    header = [chat.im_start, *encode_text(tokenizer, f"{message.role}\n")]
    body = [*encode_text(tokenizer, message.content), chat.im_end]
    trained = 1 if message.role == "assistant" else 0
    return header + body, [0] * len(header) + [trained] * len(body)


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
            "system_prompt": system_prompt, "identity_name": identity_name}
