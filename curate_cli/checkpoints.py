"""Opening a run's checkpoint for a command (`sample`, `chat`, `eval`, `sft`), with one-line errors for user mistakes.

`checked_run` needs no torch, so a command checks its --ckpt before importing or loading anything heavy."""

from __future__ import annotations

from pathlib import Path

from curation.errors import UsageError
from curation.flags import existing_dir, existing_path

CHECKPOINT_NAME = "checkpoint.pt"  # pretrain.checkpoint's, repeated so that checking a path needs no torch (tested)
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save writes a zip archive


def checked_run(flag: str, path: str, hint: str = "", file_ok: bool = True) -> Path:
    """`path` as a run folder holding a checkpoint or, when `file_ok`, a checkpoint file; else a UsageError."""
    (existing_path if file_ok else existing_dir)(flag, path, hint)
    run = Path(path)
    if run.is_dir():
        if not (run / CHECKPOINT_NAME).is_file():
            raise UsageError(f"{flag} {path!r}: no {CHECKPOINT_NAME} there" + (f"; {hint}" if hint else ""))
        return run
    with open(run, "rb") as f:
        if f.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
            raise UsageError(f"{flag} {path!r} is a file but not a checkpoint: pass the run folder or its "
                             f"{CHECKPOINT_NAME}")
    return run


def load_for_command(ckpt: Path, device_arg: str):
    """(model, tokenizer, checkpoint dict) of a `checked_run` on the chosen device ("auto" prefers CUDA)."""
    import torch

    from pretrain.sample import load_run

    if device_arg == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda, but torch sees no CUDA device")
    device = "cuda" if device_arg == "cuda" or (device_arg == "auto" and torch.cuda.is_available()) else "cpu"
    try:
        model, tokenizer, checkpoint = load_run(ckpt, device)
    except (ValueError, FileNotFoundError) as e:  # TokenizerMismatch is a ValueError
        raise UsageError(str(e)) from None
    return model, tokenizer, checkpoint
