"""Validation loss and bits per byte of a model on a token directory's split (the pretrainer's metric).

Bits per byte divide the loss by the UTF-8 bytes the targets stand for, so runs with
different tokenizers compare; `curate eval` scores runs with the same code.
"""

from __future__ import annotations

import math

import torch
import torch.distributed as dist

from curation.tokenizer import mergeable_ranks
from pretrain.config import TrainConfig
from pretrain.data import TokenData


def token_byte_lengths(tokenizer, padded_vocab: int) -> torch.Tensor:
    """UTF-8 bytes each token id stands for; special and padding ids count 0 and drop out of bits-per-byte."""
    lengths = torch.zeros(padded_vocab, dtype=torch.int64)
    for token, rank in mergeable_ranks(tokenizer).items():
        lengths[rank] = len(token)
    return lengths


@torch.no_grad()
def evaluate(model, val_data: TokenData, token_bytes: torch.Tensor, config: TrainConfig,
             rank: int, world: int, device: torch.device, autocast) -> dict:
    """Mean loss (nats/token) and bits per byte on a fixed slice of the val split.

    bpb = sum of losses in nats / (ln 2 * UTF-8 bytes of the targets), over targets
    that stand for text; unlike loss it compares across tokenizers.
    """
    windows = (val_data.num_tokens - 1) // config.seq_len
    batch_size = max(1, min(config.device_batch_size, windows))
    num_batches = max(1, min(config.eval_tokens // (config.seq_len * batch_size), windows // batch_size))
    model.eval()
    sums = torch.zeros(4, dtype=torch.float64, device=device)  # nats, tokens, nats over text targets, bytes
    batches = val_data.iter_batches(batch_size, config.seq_len, seed=0)
    for i in range(num_batches):
        _, x, y = next(batches)
        if i % world != rank:
            continue
        x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        with autocast:
            losses = model(x, y, reduction="none").double()
        nbytes = token_bytes[y]
        sums += torch.stack([losses.sum(), torch.tensor(float(y.numel()), device=device, dtype=torch.float64),
                             (losses * (nbytes > 0)).sum(), nbytes.sum().double()])
    if world > 1:
        dist.all_reduce(sums)
    nats, tokens, text_nats, nbytes = sums.tolist()
    return {"val_loss": nats / tokens, "val_bpb": text_nats / (math.log(2) * nbytes) if nbytes else float("nan")}
