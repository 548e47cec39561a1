"""Chat with an SFT run: streamed replies that end at <|im_end|>, multi-turn over one KV cache.

The session keeps every token of the conversation in the cache, so a new turn costs
a forward pass over the new user message only, not over the whole history. When the
history outgrows the model's window the cache restarts on its most recent half
(the system prompt may then fall out; a tiny model's window is short).

A turn with search results gets a search block before the user message, cut to
the room the window has beside the system prompt, the user turn and
ANSWER_RESERVE tokens for the reply; when the conversation so far leaves less
than that, the cache restarts on the system prompt alone.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

import torch

from pretrain.chat_format import (
    ANSWER_RESERVE,
    ChatTokens,
    Message,
    assistant_header,
    render_conversation,
    render_turn,
    search_message,
)
from pretrain.config import IDENTITY_NAME, default_system_prompt
from pretrain.model import GPT, KVCache
from pretrain.sample import sample_next


def read_chat_metadata(run_dir: str | Path) -> dict:
    """SFT_DIR/chat.json, or the defaults for a run that has none (a pretrained-only model)."""
    path = Path(run_dir)
    path = (path if path.is_dir() else path.parent) / "chat.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"system_prompt": default_system_prompt(), "identity_name": IDENTITY_NAME}


class ChatSession:
    """One conversation with a model; `reply(text)` streams the assistant's answer as text pieces."""

    def __init__(self, model: GPT, tokenizer, system_prompt: str | None, temperature: float = 0.0,
                 top_k: int | None = None, top_p: float | None = None, seed: int = 0):
        self.model, self.tokenizer = model, tokenizer
        self.chat = ChatTokens.of(tokenizer)
        self.sampling = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
        self.device = next(model.parameters()).device
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.window = model.config.seq_len
        self.messages: list[Message] = [Message("system", system_prompt)] if system_prompt else []
        self.history: list[int] = []  # every token fed to the model so far
        self.cache = KVCache(model.config, batch_size=1, max_len=self.window, device=self.device)
        self.logits: torch.Tensor | None = None
        self.ended_at_end_of_turn = False  # whether the last reply ended with <|im_end|> (not max_new_tokens)
        self.start = render_conversation(tokenizer, self.messages)[0]  # <|endoftext|> and the system turn
        self._feed(self.start)

    @torch.no_grad()
    def _feed(self, ids: list[int]) -> None:
        """Append ids to the cache (restarting it on the recent half of the history when full)."""
        self.history += ids
        if self.cache.pos + len(ids) > self.window:
            self.cache = KVCache(self.model.config, batch_size=1, max_len=self.window, device=self.device)
            ids = self.history[-(self.window // 2):]
        logits = self.model(torch.tensor([ids], device=self.device), kv_cache=self.cache)
        self.logits = logits[:, -1, :self.model.config.vocab_size]

    def _restart(self) -> None:
        """Forget the conversation's tokens but the system prompt (the messages stay on record)."""
        self.history = []
        self.cache = KVCache(self.model.config, batch_size=1, max_len=self.window, device=self.device)
        self._feed(self.start)

    def search_block(self, passages: list[tuple[str, int]], question: str, max_new_tokens: int) -> Message:
        """The search message for this question: passages cut to what the window leaves beside the turn."""
        return search_message(self.tokenizer, passages, question, self.start, self.window,
                              min(max_new_tokens, ANSWER_RESERVE))

    def reply(self, text: str, max_new_tokens: int = 256, search: Message | None = None) -> Iterator[str]:
        """Stream the answer to a user message; the answer (cut at <|im_end|>) joins the history.

        `search` (from `search_block`) is placed right before the user message.
        """
        user = Message("user", text)
        turn_ids = render_turn(self.tokenizer, user, self.chat)[0] + assistant_header(self.tokenizer)
        if search is not None:
            block_ids = render_turn(self.tokenizer, search, self.chat)[0]
            if self.cache.pos + len(block_ids) + len(turn_ids) + min(max_new_tokens, ANSWER_RESERVE) > self.window:
                self._restart()
            self.messages.append(search)
            turn_ids = block_ids + turn_ids
        self.messages.append(user)
        self._feed(turn_ids)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        answer: list[str] = []
        ended = False
        for _ in range(max_new_tokens):
            token = int(sample_next(self.logits, generator=self.generator, **self.sampling))
            if token in (self.chat.im_end, self.chat.bos):
                ended = True
                break
            self._feed([token])
            piece = decoder.decode(self.tokenizer.decode_single_token_bytes(token))
            if piece:
                answer.append(piece)
                yield piece
        tail = decoder.decode(b"", final=True)
        if tail:
            answer.append(tail)
            yield tail
        self._feed([self.chat.im_end])  # a reply cut by max_new_tokens is closed too, so the next turn is well-formed
        self.messages.append(Message("assistant", "".join(answer)))
        self.ended_at_end_of_turn = ended
