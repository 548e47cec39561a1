"""Optimizers and the learning-rate schedule.

AdamW by default. With Muon, the 2-D weight matrices inside the transformer blocks
are trained with torch's Muon (orthogonalised momentum, which tolerates much larger
steps) while the embedding and output tables stay on AdamW, as Muon intends.
Every param group remembers its `base_lr` so the schedule is a single multiplier.
"""

from __future__ import annotations

import math

import torch

from pretrain.model import GPT

EMBEDDING_LR_SCALE = 100.0  # rows are RMS-normalised after lookup, so only their direction matters: move it fast


def build_optimizers(
    model: GPT,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.95),
    muon: bool = False,
    matrix_lr: float = 0.02,
) -> list[torch.optim.Optimizer]:
    """AdamW over all parameters, or Muon for block matrices plus AdamW for the tables and heads."""
    matrices = [p for p in model.blocks.parameters() if p.ndim == 2]
    embedding = [model.wte.weight]
    head = [model.lm_head.weight] + ([model.prev_proj.weight] if model.prev_proj is not None else [])
    adam_groups = [
        {"params": embedding, "lr": lr * EMBEDDING_LR_SCALE, "weight_decay": 0.0},
        {"params": head, "lr": lr, "weight_decay": weight_decay},
    ]
    if model.copy is not None:  # the copy head's projections decay; its "generate" logit is a bias, which does not
        head += [model.copy.q.weight, model.copy.k.weight]
        adam_groups.append({"params": list(model.copy.sink.parameters()), "lr": lr, "weight_decay": 0.0})
    optimizers: list[torch.optim.Optimizer] = []
    if muon:
        muon_opt = torch.optim.Muon(matrices, lr=matrix_lr, weight_decay=weight_decay, adjust_lr_fn="original")
        optimizers.append(muon_opt)
    else:
        adam_groups.append({"params": matrices, "lr": lr, "weight_decay": weight_decay})
    optimizers.insert(0, torch.optim.AdamW(adam_groups, betas=betas, eps=1e-8, fused=_fused_ok(model)))
    covered = sum(len(g["params"]) for opt in optimizers for g in opt.param_groups)
    if covered != len(list(model.parameters())):
        raise RuntimeError("optimizer groups do not cover every parameter exactly once")
    for opt in optimizers:
        for group in opt.param_groups:
            group["base_lr"] = group["lr"]
    return optimizers


def _fused_ok(model: GPT) -> bool:
    """The fused AdamW kernel is a CUDA speed-up; CPU keeps the default implementation."""
    return next(model.parameters()).is_cuda


def set_lr(optimizers: list[torch.optim.Optimizer], multiplier: float) -> None:
    for opt in optimizers:
        for group in opt.param_groups:
            group["lr"] = group["base_lr"] * multiplier


def lr_multiplier(
    step: int,
    total_steps: int,
    warmup_steps: int,
    schedule: str = "cosine",
    warmdown_frac: float = 0.4,
    final_frac: float = 0.1,
) -> float:
    """Linear warmup to 1, then either a cosine to `final_frac` or (schedule="linear")
    a flat stretch followed by a linear warmdown over the last `warmdown_frac` of training.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "cosine":
        span = max(1, total_steps - warmup_steps)
        progress = min(1.0, (step - warmup_steps) / span)
        return final_frac + (1 - final_frac) * 0.5 * (1 + math.cos(math.pi * progress))
    if schedule == "linear":
        warmdown_steps = max(1, round(warmdown_frac * total_steps))
        steps_left = total_steps - step
        if steps_left >= warmdown_steps:
            return 1.0
        return final_frac + (1 - final_frac) * max(0.0, steps_left) / warmdown_steps
    raise ValueError(f"unknown schedule {schedule!r}: use 'cosine' or 'linear'")


def clip_gradients(model: GPT, max_norm: float) -> float:
    """Clip the global gradient norm (when max_norm > 0) and return the norm before clipping."""
    params = [p for p in model.parameters() if p.grad is not None]
    if max_norm > 0:
        return float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    return float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))
