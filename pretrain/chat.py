"""Chat with an SFT run: streamed replies that end at <|im_end|>, multi-turn over one KV cache.

The session keeps every token of the conversation in the cache, so a new turn costs
a forward pass over the new user message only, not over the whole history. When the
history outgrows the model's window the cache restarts on its most recent half
(the system prompt may then fall out; a tiny model's window is short).

Search, given a search function, works in one of three modes:
- auto: the model decides. When it writes <|query_start|>, the session takes what
  it writes up to <|query_end|> (at most MAX_QUERY_TOKENS) as the query, runs the
  search and feeds the results between <|search_start|> and <|search_end|>; the
  model then answers. At most `max_searches` searches a turn: past that, and
  without a search function, <|query_start|> cannot be sampled.
- always: the session asks on the model's behalf, with the user's message as the query.
- never: <|query_start|> cannot be sampled.
The model can never write <|search_start|> or <|search_end|> itself: results come
from the search alone. A turn that may search starts on a fresh cache (the system
prompt alone) when the conversation so far leaves too little room for results.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from pretrain.chat_format import (
    ANSWER_RESERVE,
    MAX_QUERY_TOKENS,
    ChatTokens,
    Message,
    assistant_header,
    fit_search_block,
    query_ids,
    render_conversation,
    render_turn,
    results_ids,
)
from pretrain.config import IDENTITY_NAME, default_system_prompt
from pretrain.model import GPT, KVCache
from pretrain.sample import sample_next

SEARCH_MODES = ("auto", "always", "never")
MIN_RESULTS_ROOM = 48  # tokens of results a turn that may search keeps room for (else the cache restarts)
Search = Callable[[str], list[tuple[str, int]]]  # query -> passages (text, focus word), best first


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
                 top_k: int | None = None, top_p: float | None = None, seed: int = 0, search: Search | None = None,
                 mode: str = "auto", max_searches: int = 1,
                 on_search: Callable[[str, str], None] | None = None):
        if mode not in SEARCH_MODES:
            raise ValueError(f"search mode must be one of {', '.join(SEARCH_MODES)}, not {mode!r}")
        self.model, self.tokenizer = model, tokenizer
        self.chat = ChatTokens.of(tokenizer)
        self.sampling = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
        self.search, self.mode, self.max_searches, self.on_search = search, mode, max_searches, on_search
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

    def _next(self, allowed_query: bool, in_query: bool) -> int:
        """Sample the next token; the search block's tokens never, a query's only where one may start or end."""
        logits = self.logits.clone()
        banned = [self.chat.search_start, self.chat.search_end, self.chat.query_start, self.chat.query_end]
        if in_query:
            banned.remove(self.chat.query_end)
        elif allowed_query:
            banned.remove(self.chat.query_start)
        logits[:, banned] = float("-inf")
        return int(sample_next(logits, generator=self.generator, **self.sampling))

    def _run_search(self, query: str, reserve: int) -> str:
        """Search `query`, feed the results block cut to the room left in the window; return the block's text."""
        room = self.window - self.cache.pos - reserve - 2  # 2: <|search_start|>, <|search_end|>
        block = fit_search_block(self.tokenizer, self.search(query), room) if room > 0 else ""
        self._feed(results_ids(self.tokenizer, block, self.chat))
        if self.on_search is not None:
            self.on_search(query, block)
        return block

    def reply(self, text: str, max_new_tokens: int = 256) -> Iterator[str]:
        """Stream the answer to a user message; the answer (cut at <|im_end|>) and its searches join the history."""
        user = Message("user", text)
        turn_ids = render_turn(self.tokenizer, user, self.chat)[0] + assistant_header(self.tokenizer)
        reserve = min(max_new_tokens, ANSWER_RESERVE)
        can_search = self.search is not None and self.mode != "never" and self.max_searches > 0
        needed = len(turn_ids) + reserve + (MAX_QUERY_TOKENS + MIN_RESULTS_ROOM if can_search else 0)
        if self.cache.pos + needed > self.window:
            self._restart()
        self.messages.append(user)
        self._feed(turn_ids)
        searches: list[tuple[str, str]] = []
        if can_search and self.mode == "always":
            self._feed(query_ids(self.tokenizer, text, self.chat))
            searches.append((text, self._run_search(text, reserve)))
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        answer: list[str] = []
        ended = False
        for _ in range(max_new_tokens):
            may_ask = can_search and self.mode == "auto" and len(searches) < self.max_searches and not answer
            token = self._next(may_ask, in_query=False)
            if token in (self.chat.im_end, self.chat.bos):
                ended = True
                break
            if token == self.chat.query_start:
                query = self._write_query()
                searches.append((query, self._run_search(query, reserve)))
                continue
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
        self.messages.append(Message("assistant", "".join(answer), tuple(searches)))
        self.ended_at_end_of_turn = ended

    def _write_query(self) -> str:
        """The model's query after its <|query_start|>: tokens up to <|query_end|>, at most MAX_QUERY_TOKENS."""
        self._feed([self.chat.query_start])
        ids: list[int] = []
        while len(ids) < MAX_QUERY_TOKENS:
            token = self._next(False, in_query=True)
            if token in (self.chat.query_end, self.chat.im_end, self.chat.bos):
                break
            ids.append(token)
            self._feed([token])
        self._feed([self.chat.query_end])
        return self.tokenizer.decode(ids, errors="replace")

    @property
    def searched(self) -> bool:
        """Whether the last reply asked for a search."""
        return bool(self.messages and self.messages[-1].searches)
