"""A compact decoder-only GPT whose whole shape follows from one dial, `depth`.

Modern choices over GPT-2, each for a reason: rotary positions (no learned table,
relative by construction), parameter-free RMSNorm (cheaper, no biases to decay),
RMS-normalised queries and keys (keeps attention logits bounded, so higher learning
rates stay stable), ReLU^2 MLP (sparse and cheap, trains as well as GELU at this
scale), untied input/output embeddings, and a tanh soft-cap on the logits.

Optionally (`prev_token`) each position's input also holds the previous token's
embedding through a learned linear map. Copying from the context (an induction
head: find the earlier place where the current token occurred, predict what
followed it) then takes one attention layer instead of a previous-token head feeding a second one, which a small model on
a small corpus did not learn within its CPU budget (the token shift of RWKV and
modded-nanogpt's "smear", in its simplest form).

Optionally (`copy_head`) the next token may also be copied from the context through a
pointer head (pretrain/copy_head.py); the model then returns log-probabilities of the
mixture, which every consumer of logits (softmax, sampling, cross-entropy) reads alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from pretrain.copy_head import COPY_DIM, NGRAM, CopyHead

WIDTH_PER_LAYER = 64
HEAD_DIMS = (128, 96, 64)  # preferred head sizes, largest first
VOCAB_MULTIPLE = 64  # pad the embedding tables so matmul shapes tile well
ROPE_BASE = 10_000.0


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int  # tokens the tokenizer can emit; the tables are padded beyond it
    n_layer: int
    n_embd: int
    n_head: int
    seq_len: int
    softcap: float = 15.0
    prev_token: bool = False  # add the previous token's embedding, linearly mapped, to each position's input
    copy_head: bool = False  # let the next token be copied from the context (pointer head)
    first_special: int | None = None  # ids from here on are special tokens, never copied (None: no special tokens)

    @classmethod
    def from_depth(cls, depth: int, vocab_size: int, seq_len: int, prev_token: bool = False,
                   copy_head: bool = False, first_special: int | None = None) -> "GPTConfig":
        """Width 64*depth, and the largest head size in 128/96/64 that divides it."""
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        width = WIDTH_PER_LAYER * depth
        head_dim = next(d for d in HEAD_DIMS if width % d == 0)
        return cls(vocab_size=vocab_size, n_layer=depth, n_embd=width, n_head=width // head_dim, seq_len=seq_len,
                   prev_token=prev_token, copy_head=copy_head, first_special=first_special)

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @property
    def padded_vocab_size(self) -> int:
        return -(-self.vocab_size // VOCAB_MULTIPLE) * VOCAB_MULTIPLE

    def to_dict(self) -> dict:
        return asdict(self)


def rms_norm(x: torch.Tensor) -> torch.Tensor:
    return F.rms_norm(x, (x.size(-1),))


def rotary_tables(seq_len: int, head_dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin of shape [1, 1, seq_len, head_dim/2], broadcast over batch and heads."""
    inv_freq = 1.0 / (ROPE_BASE ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq_len, dtype=torch.float32), inv_freq)
    return angles.cos()[None, None], angles.sin()[None, None]


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs (first half, second half) of each head's channels by position-dependent angles."""
    half = x.size(-1) // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((x1 * cos + x2 * sin, x2 * cos - x1 * sin), dim=-1).to(x.dtype)


class KVCache:
    """Keys and values of all layers for incremental decoding; `pos` is the number of cached tokens.

    With a copy head it also holds the head's keys and the token ids, the places it copies from.
    """

    def __init__(self, config: GPTConfig, batch_size: int, max_len: int, device, dtype=torch.float32):
        shape = (config.n_layer, batch_size, config.n_head, max_len, config.head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.pos = 0
        self.last_token: torch.Tensor | None = None  # [B] ids of the last cached position (for prev_token)
        if config.copy_head:
            self.copy_k = torch.zeros(batch_size, max_len, COPY_DIM, device=device, dtype=dtype)
            self.ids = torch.zeros(batch_size, max_len, device=device, dtype=torch.long)

    @property
    def max_len(self) -> int:
        return self.k.size(3)

    def store(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Write this step's keys/values for `layer` and return everything cached so far."""
        end = self.pos + k.size(2)
        if end > self.max_len:
            raise ValueError(f"KV cache overflow: {end} > {self.max_len}")
        self.k[layer, :, :, self.pos : end] = k
        self.v[layer, :, :, self.pos : end] = v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer: int):
        super().__init__()
        self.layer = layer
        self.n_head, self.head_dim = config.n_head, config.head_dim
        self.q = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.k = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.v = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=False)

    def _heads(self, t: torch.Tensor) -> torch.Tensor:
        """[B, T, C] -> [B, n_head, T, head_dim], the layout attention works in."""
        B, T, _ = t.shape
        return t.view(B, T, self.n_head, self.head_dim).transpose(1, 2)

    def forward(self, x, cos, sin, kv_cache: KVCache | None = None):
        B, T, C = x.shape
        q = apply_rotary(rms_norm(self._heads(self.q(x))), cos, sin)
        k = apply_rotary(rms_norm(self._heads(self.k(x))), cos, sin)
        v = self._heads(self.v(x))
        if kv_cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            k, v = kv_cache.store(self.layer, k, v)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=_prefix_causal_mask(T, k.size(2), x.device))
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


def _prefix_causal_mask(q_len: int, k_len: int, device) -> torch.Tensor | None:
    """Queries are the last q_len of k_len positions: each sees the cached prefix and itself."""
    if q_len == 1:
        return None
    offset = k_len - q_len
    rows = torch.arange(q_len, device=device)[:, None] + offset
    return torch.arange(k_len, device=device)[None, :] <= rows


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=False)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=False)

    def forward(self, x):
        return self.proj(F.relu(self.fc(x)).square())


class Block(nn.Module):
    def __init__(self, config: GPTConfig, layer: int):
        super().__init__()
        self.attn = CausalSelfAttention(config, layer)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, kv_cache=None):
        x = x + self.attn(rms_norm(x), cos, sin, kv_cache)
        return x + self.mlp(rms_norm(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.padded_vocab_size, config.n_embd)
        self.prev_proj = nn.Linear(config.n_embd, config.n_embd, bias=False) if config.prev_token else None
        self.blocks = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.lm_head = nn.Linear(config.n_embd, config.padded_vocab_size, bias=False)
        copyable = config.vocab_size if config.first_special is None else config.first_special
        self.copy = CopyHead(config.n_embd, copyable) if config.copy_head else None
        cos, sin = rotary_tables(config.seq_len, config.head_dim)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Unit-scale embeddings (they are normalised next), fan-in scaled inputs, zero residual outputs.

        Zero output projections make every block start as the identity, so depth does not
        change the initial loss; a tiny lm_head starts predictions near uniform.
        """
        nn.init.normal_(self.wte.weight, std=1.0)
        if self.prev_proj is not None:
            nn.init.normal_(self.prev_proj.weight, std=self.config.n_embd**-0.5)
        nn.init.normal_(self.lm_head.weight, std=0.001)
        for block in self.blocks:
            for lin in (block.attn.q, block.attn.k, block.attn.v, block.mlp.fc):
                nn.init.normal_(lin.weight, std=lin.in_features**-0.5)
            nn.init.zeros_(block.attn.proj.weight)
            nn.init.zeros_(block.mlp.proj.weight)
        if self.copy is not None:
            self.copy.reset_parameters()

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def flops_per_token(self) -> float:
        """Training FLOPs per token: 6 per matmul weight (forward + backward) plus attention scores.

        The embedding lookup is a gather, not a matmul, so its weights are left out.
        """
        c = self.config
        matmul_params = self.num_params() - self.wte.weight.numel()
        copy_scores = 6 * COPY_DIM * c.seq_len if c.copy_head else 0
        return 6 * matmul_params + 12 * c.n_layer * c.n_embd * c.seq_len + copy_scores

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        kv_cache: KVCache | None = None,
        reduction: str = "mean",
    ) -> torch.Tensor:
        """Logits [B, T, padded_vocab] without targets (log-probabilities with a copy head); otherwise the loss
        (targets of -1 are ignored)."""
        T = idx.size(1)
        start = kv_cache.pos if kv_cache is not None else 0
        if start + T > self.cos.size(2):
            raise ValueError(f"sequence of {start + T} tokens exceeds the model's {self.cos.size(2)}")
        cos, sin = self.cos[:, :, start : start + T], self.sin[:, :, start : start + T]
        x = self.wte(idx)
        if self.prev_proj is not None:
            x = x + self.prev_proj(self._previous(x, kv_cache))
        x = rms_norm(x)
        for block in self.blocks:
            x = block(x, cos, sin, kv_cache)
        h = rms_norm(x)
        logits = self.lm_head(h).float()
        logits = self.config.softcap * torch.tanh(logits / self.config.softcap)
        if self.copy is not None:
            h = torch.cat([h, self._recent_embeddings(idx, start, kv_cache)], dim=-1)
            if targets is None:
                logits = self._copy_log_probs(h, logits, idx, start, kv_cache)
        if kv_cache is not None:
            kv_cache.pos += T
            kv_cache.last_token = idx[:, -1]
        if targets is None:
            return logits
        if self.copy is not None:
            losses = -self.copy.target_log_probs(h, logits, idx, targets)
            if reduction == "none":
                return losses
            return losses.sum() / (targets >= 0).sum().clamp(min=1)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1, reduction=reduction)
        return loss if reduction != "none" else loss.view(targets.shape)

    def _copy_log_probs(self, h, logits, idx, start: int, kv_cache: KVCache | None) -> torch.Tensor:
        if kv_cache is None:
            return self.copy.log_probs(h, logits, self.copy.keys(h), idx, start)
        end = start + idx.size(1)
        kv_cache.copy_k[:, start:end] = self.copy.keys(h)
        kv_cache.ids[:, start:end] = idx
        return self.copy.log_probs(h, logits, kv_cache.copy_k[:, :end], kv_cache.ids[:, :end], start)

    def _recent_embeddings(self, idx: torch.Tensor, start: int, kv_cache: KVCache | None) -> torch.Tensor:
        """[B, T, NGRAM * C]: the normalised embeddings of each position's token and the NGRAM-1 before it (the
        cache holds the earlier ids), zero before the first."""
        before = kv_cache.ids[:, max(0, start - NGRAM + 1):start] if kv_cache is not None else idx[:, :0]
        emb = rms_norm(self.wte(torch.cat([before, idx], dim=1)))
        emb = F.pad(emb, (0, 0, NGRAM - 1 - before.size(1), 0))
        T = idx.size(1)
        return torch.cat([emb[:, NGRAM - 1 - k : NGRAM - 1 - k + T] for k in range(NGRAM)], dim=-1)

    def _previous(self, emb: torch.Tensor, kv_cache: KVCache | None) -> torch.Tensor:
        """The previous token's embedding at each position (`emb` shifted by one); zero where there is none (a
        sequence's first token, as a training window's first token, whose predecessor the window does not hold)."""
        if kv_cache is not None and kv_cache.last_token is not None and kv_cache.pos > 0:
            first = self.wte(kv_cache.last_token).unsqueeze(1)
        else:
            first = torch.zeros_like(emb[:, :1])
        return torch.cat([first, emb[:, :-1]], dim=1)

