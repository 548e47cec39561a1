"""Opening a run's checkpoint for a command (`sample`, `chat`, `eval`), with one-line errors for user mistakes."""

from __future__ import annotations

from pathlib import Path

from curation.errors import UsageError


def load_for_command(ckpt_arg: str, device_arg: str, hint: str = ""):
    """(checkpoint path, model, tokenizer, checkpoint dict) on the chosen device ("auto" prefers CUDA)."""
    import torch

    from pretrain.checkpoint import CHECKPOINT_NAME, TokenizerMismatch
    from pretrain.sample import load_run

    ckpt = Path(ckpt_arg)
    if not (ckpt.is_file() or (ckpt / CHECKPOINT_NAME).is_file()):
        raise UsageError(f"--ckpt {ckpt}: no {CHECKPOINT_NAME} there" + (f"; {hint}" if hint else ""))
    if device_arg == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda, but torch sees no CUDA device")
    device = "cuda" if device_arg == "cuda" or (device_arg == "auto" and torch.cuda.is_available()) else "cpu"
    try:
        model, tokenizer, checkpoint = load_run(ckpt, device)
    except (TokenizerMismatch, ValueError, FileNotFoundError) as e:
        raise UsageError(str(e)) from None
    return ckpt, model, tokenizer, checkpoint
