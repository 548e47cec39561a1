"""Checkpoints that resume a run exactly, and that never execute what they load.

One file, `checkpoint.pt`, holds model and optimizer state, the data position,
every RNG state, the configs and the tokenizer hash. It is written to a temp file
and renamed, so a crash mid-save leaves the previous checkpoint intact. It is read
with `torch.load(weights_only=True)`: plain tensors, numbers, strings and
containers only, so a tampered file cannot run code.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from curation.atomic import atomic_write

CHECKPOINT_NAME = "checkpoint.pt"


class TokenizerMismatch(ValueError):
    """The token data was made with a different tokenizer than the checkpoint's model."""


def checkpoint_path(run_dir: str | os.PathLike) -> Path:
    return Path(run_dir) / CHECKPOINT_NAME


def save_checkpoint(run_dir: str | os.PathLike, state: dict) -> Path:
    """Atomically write `state` (plus the current RNG states) as RUN_DIR/checkpoint.pt."""
    path = checkpoint_path(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        torch.save({**state, "rng": capture_rng_state()}, f)
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint file, or RUN_DIR/checkpoint.pt when given a directory."""
    path = Path(path)
    if path.is_dir():
        path = checkpoint_path(path)
    return torch.load(path, map_location=map_location, weights_only=True)


def check_tokenizer(checkpoint: dict, tokenizer_hash: str) -> None:
    """Refuse token ids that would mean different strings to the checkpoint's model."""
    expected = checkpoint["tokenizer_hash"]
    if tokenizer_hash != expected:
        raise TokenizerMismatch(
            f"token data uses tokenizer {tokenizer_hash[:12]}, but the checkpoint was trained with {expected[:12]}"
        )


def capture_rng_state() -> dict:
    """Python, numpy (global), torch CPU and every CUDA device's generator state."""
    py_version, py_state, py_gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    return {
        "python": [py_version, list(py_state), py_gauss],
        "numpy": {"name": np_name, "keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": np_pos,
                  "has_gauss": np_has_gauss, "gauss": np_gauss},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(rng: dict) -> None:
    version, state, gauss = rng["python"]
    random.setstate((version, tuple(state), gauss))
    n = rng["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    torch.set_rng_state(rng["torch"])
    if rng["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
