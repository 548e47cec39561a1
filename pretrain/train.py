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
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from curation.tokenizer import special_tokens
from pretrain.checkpoint import (
    check_tokenizer,
    checkpoint_path,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)
from pretrain.config import ConfigError, TrainConfig, batch_geometry, check_config, training_steps
from pretrain.data import TokenData, copy_structured
from pretrain.metrics import METRICS_NAME, PLOT_NAME, MetricsLog, plot_losses
from pretrain.model import GPT, GPTConfig
from pretrain.optim import build_optimizers, clip_gradients, lr_multiplier, set_lr
from pretrain.run_tokenizer import copy_tokenizer
from pretrain.runtime import peak_bf16_flops, seed_everything, setup_distributed, use_compile
from pretrain.val_loss import evaluate, token_byte_lengths


def train(config: TrainConfig, on_checkpoint: Callable[[int, Path], None] | None = None) -> dict:
    """Train (or resume) one run; returns a summary of the final state.

    `on_checkpoint(step, path)` is called on rank 0 after each checkpoint is written
    (bench/gpu_check.py keeps one to prove that a resume continues exactly).
    """
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
        model_config = GPTConfig.from_depth(config.depth, train_data.vocab_size, config.seq_len, config.prev_token,
                                            config.copy_head, min(special_tokens(tokenizer).values(), default=None))
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
        last = step >= stop_at or out_of_time(config, elapsed - resumed_elapsed, world, device)
        if val_data is not None and (step % config.eval_every == 0 or step == total_steps) and not (
                step == start_step and start_step > 0):
            val = evaluate(model, val_data, token_bytes, config, rank, world, device, autocast)
            if master:
                metrics.write({"kind": "val", "step": step, **val})
                say(f"step {step}: val loss {val['val_loss']:.4f}, val bpb {val['val_bpb']:.4f}")
        if master and step > start_step and (last or step % config.save_every == 0):
            saved = save_checkpoint(run_dir, {
                "step": step, "elapsed_s": elapsed, "data_position": data_position,
                "model": raw_model.state_dict(), "optimizers": [opt.state_dict() for opt in optimizers],
                "model_config": model_config.to_dict(), "train_config": asdict(config),
                "tokenizer_hash": train_data.tokenizer_hash,
            })
            plot_losses(run_dir / METRICS_NAME, run_dir / PLOT_NAME)
            if on_checkpoint is not None:
                on_checkpoint(step, saved)
        if world > 1:
            dist.barrier()
        if last:
            break

        # one optimizer step: micro-batches of this rank's rows, gradients averaged over all of them
        t0 = time.perf_counter()
        data_position, x, y = next(batches)
        x, y = copy_structured(x, y, config.copy_fraction, config.seed, data_position)
        x, y = rank_rows(x, rank, world), rank_rows(y, rank, world)
        model.train()
        loss_sum = torch.zeros((), device=device)
        for micro in range(micro_steps):
            rows = slice(micro * config.device_batch_size, (micro + 1) * config.device_batch_size)
            xb, yb = torch.from_numpy(x[rows]), torch.from_numpy(y[rows])
            if cuda:  # pinned host memory: the copy to the GPU overlaps the step instead of stalling it
                xb, yb = xb.pin_memory(), yb.pin_memory()
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
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
            "params": num_params, "flops_per_token": flops_per_token, "tokens": step * config.batch_tokens,
            "elapsed_s": elapsed,
            "tokens_per_s": (step - start_step) * config.batch_tokens / session_s if session_s else float("nan"),
            "peak_memory_bytes": torch.cuda.max_memory_allocated(device) if cuda else None, "run_dir": str(run_dir)}


def out_of_time(config: TrainConfig, session_s: float, world: int, device: torch.device) -> bool:
    """Whether this session has spent config.max_seconds; rank 0's clock decides, so every rank stops at one step."""
    if config.max_seconds is None:
        return False
    if world == 1:
        return session_s >= config.max_seconds
    spent = torch.tensor(float(session_s >= config.max_seconds), device=device)
    dist.broadcast(spent, 0)
    return bool(spent.item())


def rank_rows(a: np.ndarray, rank: int, world: int) -> np.ndarray:
    per_rank = len(a) // world
    return a[rank * per_rank:(rank + 1) * per_rank]
