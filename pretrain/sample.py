"""Generate text from a trained run with a KV cache.

Each new token costs one single-position forward pass over cached keys and
values instead of re-reading the whole context. When the context reaches the
model's seq_len the cache restarts on the most recent half, so generation can
run past the training window without positions the model never saw.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from pathlib import Path

import torch

from curation.tokenizer import BOS, tokenizer_hash
from pretrain.checkpoint import TokenizerMismatch, check_tokenizer, load_checkpoint
from pretrain.model import GPT, GPTConfig, KVCache
from pretrain.run_tokenizer import load_run_tokenizer


def load_run(ckpt: str | os.PathLike, device: str | torch.device = "cpu"):
    """(model in eval mode, tokenizer, checkpoint dict) from a run directory or its checkpoint file."""
    path = Path(ckpt)
    run_dir = path if path.is_dir() else path.parent
    checkpoint = load_checkpoint(path, map_location=device)
    tokenizer = load_run_tokenizer(run_dir)
    try:
        check_tokenizer(checkpoint, tokenizer_hash(tokenizer))
    except TokenizerMismatch as e:
        raise TokenizerMismatch(f"{run_dir}: the run's tokenizer file does not match its checkpoint ({e})") from None
    model = GPT(GPTConfig(**checkpoint["model_config"]))
    model.load_state_dict(checkpoint["model"])
    return model.to(device).eval(), tokenizer, checkpoint


def sample_next(logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None,
                generator: torch.Generator) -> torch.Tensor:
    """One token id per row of logits [B, V]: greedy at temperature 0, else from the top-k / nucleus-filtered softmax."""
    if temperature <= 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k:
        kth = torch.topk(logits, min(top_k, logits.size(-1)), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        probs = sorted_logits.softmax(dim=-1)
        # drop a token when the tokens ranked above it already hold top_p of the mass
        drop_sorted = probs.cumsum(dim=-1) - probs >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return torch.multinomial(logits.softmax(dim=-1), 1, generator=generator).squeeze(-1)


@torch.no_grad()
def generate(model: GPT, prompt_ids: list[int], max_new_tokens: int, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None, seed: int = 0,
             stop_ids: frozenset[int] = frozenset()) -> Iterator[int]:
    """Yield up to max_new_tokens ids after prompt_ids (stopping after any id in stop_ids)."""
    if not prompt_ids:
        raise ValueError("generation needs at least one prompt token")
    config = model.config
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    window = config.seq_len
    context = list(prompt_ids)[-window:]

    def prefill(ids: list[int]) -> tuple[KVCache, torch.Tensor]:
        cache = KVCache(config, batch_size=1, max_len=window, device=device)
        logits = model(torch.tensor([ids], device=device), kv_cache=cache)
        return cache, logits[:, -1]

    cache, logits = prefill(context)
    for _ in range(max_new_tokens):
        next_id = int(sample_next(logits[:, :config.vocab_size], temperature, top_k, top_p, generator))
        yield next_id
        if next_id in stop_ids:
            return
        context.append(next_id)
        if cache.pos == window:
            cache, logits = prefill(context[-(window // 2):])
        else:
            logits = model(torch.tensor([[next_id]], device=device), kv_cache=cache)[:, -1]


def complete(model: GPT, tokenizer, prompt: str, max_new_tokens: int, **sampling) -> Iterator[str]:
    """Text pieces continuing `prompt` as a fresh document; stops at the next document boundary.

    Pieces are whole UTF-8 characters even when a character spans several tokens.
    """
    bos = tokenizer.encode_single_token(BOS)
    prompt_ids = [bos] + tokenizer.encode(prompt, allowed_special=set(), disallowed_special=())
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for token in generate(model, prompt_ids, max_new_tokens, stop_ids=frozenset({bos}), **sampling):
        if token == bos:
            break
        piece = decoder.decode(tokenizer.decode_single_token_bytes(token))
        if piece:
            yield piece
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail
