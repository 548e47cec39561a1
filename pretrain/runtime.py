"""Processes and devices: the distributed setup, seeds, torch.compile and the GPU's peak for MFU.

Shared by the pretrainer and SFT. Under torchrun (RANK set) one process per GPU joins a
process group; otherwise one process runs on CUDA or the CPU.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch
import torch.distributed as dist

from pretrain.config import ConfigError

# Dense bf16 tensor-core peaks (FLOP/s) for MFU: the first device-name substring that matches wins.
PEAK_BF16_FLOPS = (("H100 PCIe", 756e12), ("H100", 989e12), ("H200", 989e12), ("A100", 312e12))


def setup_distributed(device_flag: str) -> tuple[int, int, torch.device]:
    """(rank, world size, device). Under torchrun (RANK set) one process per GPU joins a process group."""
    if device_flag not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"device must be auto, cpu or cuda, not {device_flag!r}")
    cuda = device_flag == "cuda" or (device_flag == "auto" and torch.cuda.is_available())
    if cuda and not torch.cuda.is_available():
        raise ConfigError("device cuda, but torch sees no CUDA device")
    if "RANK" not in os.environ or int(os.environ.get("WORLD_SIZE", "1")) == 1:
        return 0, 1, torch.device("cuda" if cuda else "cpu")
    local_rank = int(os.environ["LOCAL_RANK"])
    if cuda:
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    return dist.get_rank(), dist.get_world_size(), device


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def use_compile(flag: str, cuda: bool) -> bool:
    if flag not in ("auto", "on", "off"):
        raise ConfigError(f"compile must be auto, on or off, not {flag!r}")
    return flag == "on" or (flag == "auto" and cuda)


def peak_bf16_flops(device: torch.device) -> float | None:
    """The device's dense bf16 peak, for MFU; None on CPU or unknown GPUs (then no MFU is logged)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((flops for key, flops in PEAK_BF16_FLOPS if key in name), None)
