"""A copy head: the next token may be taken from the context instead of generated (a pointer network).

A tiny model that must copy through ordinary attention has to learn an induction
circuit and then push the copied token through its small unembedding; at demo
scale on a CPU it copies a quote or a search result poorly (measured: 5.5% of
held-out open-book questions right; with this head 57.5%, docs/hallucination.md).
The copy head gives copying its own output path, as pointer-generator networks
(See et al. 2017) and the neural cache (Grave et al. 2017) do: at position i it
attends over the earlier positions j < i and a "generate" sink; position j
proposes the token that followed it, t[j+1], and the sink's share goes to the
ordinary vocabulary distribution:

    p(y | context) = a_sink * softmax(logits)[y] + sum of a_j over j < i with t[j+1] = y

Queries and keys come from the final hidden state and the embeddings of the last
NGRAM tokens, read straight from the input: the hidden state says where a place is
(a search result, the user's message), the embeddings say exactly which words
precede it, so "of your" and "or your" stay apart. Keys and queries start as the
same projection, so at initialisation a position attends to the earlier places
whose last tokens match its own and proposes what came next there: an induction
head from step one, that training sharpens (which context to trust: the search
block over the user's message).

Special tokens are structure, not content: a place followed by one (a user message
ends with <|im_end|>, a search request with <|query_end|>) proposes nothing, so the
end of a quote copies on from the search results, the only place it continues; the
generator still writes <|im_end|> where a reply ends.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

COPY_DIM = 64  # channels of the copy head's queries and keys
NGRAM = 3  # the copy head reads the embeddings of the current token and the two before it
SINK_BIAS = 8.0  # initial "generate" logit: an exact match at init scores sqrt(COPY_DIM) = 8


def _rms(x: torch.Tensor) -> torch.Tensor:
    return F.rms_norm(x, (x.size(-1),))


class CopyHead(nn.Module):
    """Its inputs `h` are [final hidden state, embeddings of the last NGRAM tokens] per position."""

    def __init__(self, n_embd: int, first_special: int, dim: int = COPY_DIM):
        super().__init__()
        self.dim, self.first_special = dim, first_special
        self.q = nn.Linear(n_embd * (1 + NGRAM), dim, bias=False)
        self.k = nn.Linear(n_embd * (1 + NGRAM), dim, bias=False)
        self.sink = nn.Linear(n_embd * (1 + NGRAM), 1)  # the "generate" logit, from the query position's inputs
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        nn.init.normal_(self.q.weight, std=self.q.in_features**-0.5)
        self.k.weight.copy_(self.q.weight)
        nn.init.zeros_(self.sink.weight)
        nn.init.constant_(self.sink.bias, SINK_BIAS)

    def keys(self, h: torch.Tensor) -> torch.Tensor:
        return _rms(self.k(h))

    def scores(self, h: torch.Tensor, keys: torch.Tensor, proposed: torch.Tensor,
               start: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(log share of the sink [B, T], log share of each key [B, T, K]) for queries at positions start..start+T-1
        over keys at positions 0..K-1 proposing `proposed` [B, K]; a query at position p sees keys j < p whose
        proposal is not a special token."""
        T, K = h.size(1), keys.size(1)
        s = (_rms(self.q(h)) @ keys.transpose(1, 2)).float() / math.sqrt(self.dim)
        earlier = torch.arange(K, device=h.device)[None, :] < torch.arange(start, start + T, device=h.device)[:, None]
        visible = earlier.unsqueeze(0) & (proposed < self.first_special).unsqueeze(1)
        s = s.masked_fill(~visible, float("-inf"))
        sink = self.sink(h).squeeze(-1).float()
        norm = torch.logsumexp(torch.cat([sink.unsqueeze(-1), s], dim=-1), dim=-1)
        return sink - norm, s - norm.unsqueeze(-1)

    @staticmethod
    def next_ids(ids: torch.Tensor) -> torch.Tensor:
        """t[j+1] at each position j ([B, K]); the last position, whose successor is unknown, gets 0 (never visible)."""
        return torch.cat([ids[:, 1:], torch.zeros_like(ids[:, :1])], dim=1)

    def target_log_probs(self, h: torch.Tensor, logits: torch.Tensor, idx: torch.Tensor,
                         targets: torch.Tensor) -> torch.Tensor:
        """log p(target) at each position of a whole window ([B, T]); ignored targets (-1) get 0."""
        proposed = self.next_ids(idx)
        log_sink, log_copy = self.scores(h, self.keys(h), proposed, 0)
        safe = targets.clamp(min=0)
        vocab = F.log_softmax(logits, dim=-1).gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        match = proposed.unsqueeze(1) == safe.unsqueeze(-1)  # [B, T, T]: key j proposes the target
        # a finite floor where nothing matches: logsumexp's gradient over an all -inf row is NaN
        copied = torch.logsumexp(log_copy.masked_fill(~match, torch.finfo(log_copy.dtype).min), dim=-1)
        return torch.logaddexp(log_sink + vocab, copied).masked_fill(targets < 0, 0.0)

    def log_probs(self, h: torch.Tensor, logits: torch.Tensor, keys: torch.Tensor, ids: torch.Tensor,
                  start: int) -> torch.Tensor:
        """log p over the vocabulary ([B, T, V]) for queries at start..start+T-1, given the keys and token ids of
        positions 0..K-1 (K >= start+T)."""
        proposed = self.next_ids(ids)
        log_sink, log_copy = self.scores(h, keys, proposed, start)
        copied = torch.zeros_like(logits).scatter_add_(-1, proposed.unsqueeze(1).expand(-1, h.size(1), -1),
                                                       log_copy.exp())
        return torch.logaddexp(log_sink.unsqueeze(-1) + F.log_softmax(logits, dim=-1), copied.log())
