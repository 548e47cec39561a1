"""Pretrain the GPT on a token directory: `train(TrainConfig(...)) -> summary`.

Reads top to bottom like the loop it runs: processes and devices, data, model,
optimizers, then `while True: evaluate, checkpoint, stop?, one optimizer step`.
The same code runs on a 2-core CPU (fp32, eager) and on CUDA GPUs (bf16 autocast,
torch.compile, DDP when started by torchrun). Only rank 0 writes anything.

Each optimizer step consumes exactly one batch of `batch_tokens` from the data
iterator, split across ranks and gradient-accumulation micro-batches, so the data
position is the step count and a resumed run sees the very batches it would have.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from curation.tokenizer import CL100K, mergeable_ranks, save_tiktoken
from pretrain.checkpoint import (
    check_tokenizer,
    checkpoint_path,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)
from pretrain.data import TokenData
from pretrain.metrics import METRICS_NAME, PLOT_NAME, MetricsLog, plot_losses
from pretrain.model import GPT, GPTConfig
from pretrain.optim import build_optimizers, lr_multiplier, set_lr

TOKENIZER_NAME = "tokenizer.tiktoken"  # a trained BPE is copied into the run so `curate sample` needs only RUN_DIR
TOKENS_PER_PARAM = 20  # Chinchilla's compute-optimal ratio: the default training length
# Dense bf16 tensor-core peaks (FLOP/s) for MFU: the first device-name substring that matches wins.
PEAK_BF16_FLOPS = (("H100 PCIe", 756e12), ("H100", 989e12), ("H200", 989e12), ("A100", 312e12))


class ConfigError(ValueError):
    """Settings that cannot work together (batch sizes that do not divide, a resume that changes the model)."""


@dataclass
class TrainConfig:
    data: str  # token directory (output of `curate tokenize`)
    out: str  # run directory: checkpoint, metrics, plot, tokenizer
    depth: int = 4
    seq_len: int = 256
    batch_tokens: int = 8192  # tokens per optimizer step, over all ranks and micro-batches
    device_batch_size: int = 16  # rows per forward/backward; the rest is gradient accumulation
    max_steps: int | None = None  # total optimizer steps; else from target_tokens
    target_tokens: int | None = None  # else TOKENS_PER_PARAM * parameters
    optimizer: str = "adamw"  # or "muon": Muon for block matrices, AdamW for the tables
    lr: float = 3e-3  # AdamW peak learning rate
    matrix_lr: float = 0.02  # Muon peak learning rate
    weight_decay: float = 0.1
    warmup_steps: int = 20
    schedule: str = "cosine"  # or "linear": flat, then linear warmdown
    warmdown_frac: float = 0.4
    final_lr_frac: float = 0.1
    grad_clip: float = 1.0  # 0 disables clipping
    eval_every: int = 100
    eval_tokens: int = 65536
    save_every: int = 500  # and always at the end
    seed: int = 1337
    device: str = "auto"  # auto|cpu|cuda
    compile: str = "auto"  # auto (on for CUDA)|on|off
    resume: bool = False
    stop_after: int | None = None  # checkpoint and exit after this step (a preemptible slice of a longer run)
    init_from: str | None = None  # start from another run's weights with a fresh optimizer
    progress: bool = True  # tqdm bar and printed val lines on rank 0
    threads: int | None = None  # torch CPU threads; None leaves torch's default

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


# Named starting points for TrainConfig; explicit settings override them.
PRESETS = {
    # For `curate demo` on sample_warcs/ (~18k train tokens with a 2048-token BPE): a few minutes on 2 shared CPU
    # cores, stopping near the lowest val loss, before the model starts to memorise the tiny corpus.
    "cpu-demo": {"depth": 2, "seq_len": 128, "batch_tokens": 2048, "device_batch_size": 16, "max_steps": 50,
                 "optimizer": "muon", "warmup_steps": 5, "eval_every": 10, "eval_tokens": 16384, "save_every": 25},
}


def train(config: TrainConfig) -> dict:
    """Train (or resume) one run; returns a summary of the final state."""
    # ---- processes and devices ----------------------------------------------------------------
    check_config(config)
    rank, world, device = setup_distributed(config.device)
    master = rank == 0
    if config.threads:
        torch.set_num_threads(config.threads)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else nullcontext()
    seed_everything(config.seed)
    run_dir = Path(config.out)
    if master:
        run_dir.mkdir(parents=True, exist_ok=True)

    # ---- data ---------------------------------------------------------------------------------
    train_data = TokenData(config.data, "train")
    val_data = TokenData(config.data, "val")
    if val_data.num_tokens <= config.seq_len:
        val_data = None  # too small for one window: the run reports train loss only
    tokenizer = train_data.load_tokenizer()
    step_rows, micro_steps = batch_geometry(config, world)
    if (train_data.num_tokens - 1) // config.seq_len < step_rows:
        raise ConfigError(f"the train split has {train_data.num_tokens} tokens, fewer than one batch of "
                          f"{config.batch_tokens}; lower --batch-tokens or --seq-len")

    # ---- model (fresh, resumed or initialised from another run) -------------------------------
    resume_state = None
    if config.resume and checkpoint_path(run_dir).exists():
        resume_state = load_checkpoint(run_dir)
        check_tokenizer(resume_state, train_data.tokenizer_hash)
        model_config = GPTConfig(**resume_state["model_config"])
        if (model_config.n_layer, model_config.seq_len) != (config.depth, config.seq_len):
            raise ConfigError(f"checkpoint has depth {model_config.n_layer} and seq_len {model_config.seq_len}; "
                             f"the config asks for {config.depth} and {config.seq_len}")
    else:
        model_config = GPTConfig.from_depth(config.depth, train_data.vocab_size, config.seq_len)
    raw_model = GPT(model_config).to(device)
    if resume_state is not None:
        raw_model.load_state_dict(resume_state["model"])
    elif config.init_from:
        init_state = load_checkpoint(config.init_from)
        check_tokenizer(init_state, train_data.tokenizer_hash)
        raw_model.load_state_dict(init_state["model"])
    num_params = raw_model.num_params()
    flops_per_token = raw_model.flops_per_token()
    total_steps = training_steps(config, num_params)
    model = raw_model
    if use_compile(config.compile, cuda):
        model = torch.compile(model, dynamic=False)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if cuda else None)

    # ---- optimizers, state to resume, logs ----------------------------------------------------
    optimizers = build_optimizers(raw_model, config.lr, config.weight_decay, muon=config.optimizer == "muon",
                                  matrix_lr=config.matrix_lr)
    start_step, data_position, elapsed = 0, 0, 0.0
    if resume_state is not None:
        for opt, state in zip(optimizers, resume_state["optimizers"], strict=True):
            opt.load_state_dict(state)
        start_step, data_position = resume_state["step"], resume_state["data_position"]
        elapsed = resume_state["elapsed_s"]
        restore_rng_state(resume_state["rng"])
    del resume_state
    resumed_elapsed = elapsed
    metrics = MetricsLog(run_dir / METRICS_NAME, keep_through_step=start_step) if master else None
    if master:
        copy_tokenizer(tokenizer, train_data.manifest, run_dir)
        (run_dir / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
    token_bytes = token_byte_lengths(tokenizer, model_config.padded_vocab_size).to(device)
    peak_flops = peak_bf16_flops(device)
    batches = train_data.iter_batches(step_rows, config.seq_len, seed=config.seed, start=data_position)
    bar = tqdm(total=total_steps, initial=start_step, unit="step", dynamic_ncols=True,
               disable=not (master and config.progress))
    say = bar.write if master and config.progress else (lambda _msg: None)
    say(f"model: depth {model_config.n_layer}, width {model_config.n_embd}, {model_config.n_head} heads, "
        f"{num_params / 1e6:.2f}M params, vocab {model_config.vocab_size} (padded {model_config.padded_vocab_size}); "
        f"{total_steps} steps of {config.batch_tokens} tokens ({micro_steps} micro-batches x {world} ranks) on {device}")
    if val_data is None:
        say(f"the val split of {config.data} is shorter than one window of {config.seq_len}: no val loss")

    # ---- the loop ----------------------------------------------------------------------------
    step, train_loss, val = start_step, float("nan"), {}
    stop_at = min(total_steps, config.stop_after) if config.stop_after is not None else total_steps
    while True:
        last = step >= stop_at
        if val_data is not None and (step % config.eval_every == 0 or step == total_steps) and not (
                step == start_step and start_step > 0):
            val = evaluate(model, val_data, token_bytes, config, rank, world, device, autocast)
            if master:
                metrics.write({"kind": "val", "step": step, **val})
                say(f"step {step}: val loss {val['val_loss']:.4f}, val bpb {val['val_bpb']:.4f}")
        if master and step > start_step and (last or step % config.save_every == 0):
            save_checkpoint(run_dir, {
                "step": step, "elapsed_s": elapsed, "data_position": data_position,
                "model": raw_model.state_dict(), "optimizers": [opt.state_dict() for opt in optimizers],
                "model_config": model_config.to_dict(), "train_config": asdict(config),
                "tokenizer_hash": train_data.tokenizer_hash,
            })
            plot_losses(run_dir / METRICS_NAME, run_dir / PLOT_NAME)
        if world > 1:
            dist.barrier()
        if last:
            break

        # one optimizer step: micro-batches of this rank's rows, gradients averaged over all of them
        t0 = time.perf_counter()
        data_position, x, y = next(batches)
        x, y = rank_rows(x, rank, world), rank_rows(y, rank, world)
        model.train()
        loss_sum = torch.zeros((), device=device)
        for micro in range(micro_steps):
            rows = slice(micro * config.device_batch_size, (micro + 1) * config.device_batch_size)
            xb = torch.from_numpy(x[rows]).to(device, non_blocking=True)
            yb = torch.from_numpy(y[rows]).to(device, non_blocking=True)
            if world > 1:
                model.require_backward_grad_sync = micro == micro_steps - 1
            with autocast:
                loss = model(xb, yb)
            (loss / micro_steps).backward()
            loss_sum += loss.detach()
        grad_norm = clip_gradients(raw_model, config.grad_clip)
        multiplier = lr_multiplier(step, total_steps, config.warmup_steps, config.schedule,
                                   config.warmdown_frac, config.final_lr_frac)
        set_lr(optimizers, multiplier)
        for opt in optimizers:
            opt.step()
        raw_model.zero_grad(set_to_none=True)
        if world > 1:
            dist.all_reduce(loss_sum)  # a sum: gloo (CPU) has no average
        train_loss = loss_sum.item() / (micro_steps * world)  # .item() waits for the device: the timing is real
        dt = time.perf_counter() - t0
        elapsed += dt
        step += 1

        tokens_per_s = config.batch_tokens / dt
        record = {"kind": "train", "step": step, "loss": train_loss, "lr": config.lr * multiplier,
                  "grad_norm": grad_norm, "tokens": step * config.batch_tokens,
                  "tokens_per_s": tokens_per_s, "elapsed_s": elapsed}
        if peak_flops:
            record["mfu"] = flops_per_token * tokens_per_s / (peak_flops * world)
        if master:
            metrics.write(record)
        bar.update(1)
        bar.set_postfix(loss=f"{train_loss:.3f}", tok_s=f"{tokens_per_s:,.0f}",
                        **({"mfu": f"{record['mfu']:.1%}"} if peak_flops else {}))
    bar.close()
    if world > 1:
        dist.destroy_process_group()
    session_s = elapsed - resumed_elapsed
    return {"step": step, "total_steps": total_steps, "trained_steps": step - start_step, "train_loss": train_loss, **val,
            "params": num_params, "tokens": step * config.batch_tokens, "elapsed_s": elapsed,
            "tokens_per_s": (step - start_step) * config.batch_tokens / session_s if session_s else float("nan"),
            "run_dir": str(run_dir)}


# ---- helpers, in the order the loop uses them ---------------------------------------------------

def check_config(config: TrainConfig) -> None:
    if config.optimizer not in ("adamw", "muon"):
        raise ConfigError(f"optimizer must be adamw or muon, not {config.optimizer!r}")
    if config.schedule not in ("cosine", "linear"):
        raise ConfigError(f"schedule must be cosine or linear, not {config.schedule!r}")
    positive = ("depth", "seq_len", "batch_tokens", "device_batch_size", "eval_every", "eval_tokens", "save_every")
    optional_positive = ("max_steps", "target_tokens", "stop_after", "threads")
    for name in positive + optional_positive:
        value = getattr(config, name)
        if (value is not None or name in positive) and value < 1:
            raise ConfigError(f"{name} must be at least 1, got {value}")


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


def batch_geometry(config: TrainConfig, world: int) -> tuple[int, int]:
    """(rows per optimizer step, micro-batches per rank), refusing batch sizes that do not divide."""
    rows, leftover = divmod(config.batch_tokens, config.seq_len)
    per_micro_round = config.device_batch_size * world
    if leftover or rows % per_micro_round:
        raise ConfigError(f"batch_tokens {config.batch_tokens} must be a multiple of seq_len x device_batch_size x "
                         f"ranks = {config.seq_len} x {config.device_batch_size} x {world}")
    return rows, rows // per_micro_round


def training_steps(config: TrainConfig, num_params: int) -> int:
    if config.max_steps is not None:
        return config.max_steps
    target = config.target_tokens if config.target_tokens is not None else TOKENS_PER_PARAM * num_params
    return max(1, math.ceil(target / config.batch_tokens))


def use_compile(flag: str, cuda: bool) -> bool:
    if flag not in ("auto", "on", "off"):
        raise ConfigError(f"compile must be auto, on or off, not {flag!r}")
    return flag == "on" or (flag == "auto" and cuda)


def copy_tokenizer(tokenizer, manifest: dict, run_dir: Path) -> None:
    """Record the tokenizer in the run: a trained BPE is copied, cl100k_base is named."""
    source = manifest["tokenizer"]["source"]
    if source != CL100K:
        save_tiktoken(tokenizer, run_dir / TOKENIZER_NAME)
        source = TOKENIZER_NAME
    (run_dir / "tokenizer.json").write_text(json.dumps({"source": source, "hash": manifest["tokenizer"]["hash"]}) + "\n",
                                            encoding="utf-8")


def token_byte_lengths(tokenizer, padded_vocab: int) -> torch.Tensor:
    """UTF-8 bytes each token id stands for; special and padding ids count 0 and drop out of bits-per-byte."""
    lengths = torch.zeros(padded_vocab, dtype=torch.int64)
    for token, rank in mergeable_ranks(tokenizer).items():
        lengths[rank] = len(token)
    return lengths


def peak_bf16_flops(device: torch.device) -> float | None:
    """The device's dense bf16 peak, for MFU; None on CPU or unknown GPUs (then no MFU is logged)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((flops for key, flops in PEAK_BF16_FLOPS if key in name), None)


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


def rank_rows(a: np.ndarray, rank: int, world: int) -> np.ndarray:
    per_rank = len(a) // world
    return a[rank * per_rank:(rank + 1) * per_rank]


def clip_gradients(model: GPT, max_norm: float) -> float:
    """Clip the global gradient norm (when max_norm > 0) and return the norm before clipping."""
    params = [p for p in model.parameters() if p.grad is not None]
    if max_norm > 0:
        return float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    return float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))
