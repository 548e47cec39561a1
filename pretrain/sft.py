"""Supervised fine-tuning: a pretrained run learns the chat format on conversations.

The loop is the pretrainer's (its optimizers, schedule, gradient clipping, atomic
checkpoints, metrics.jsonl and loss plot) over a different batch source: packed
conversations whose targets outside the assistant's turns are -1, so the loss is
the assistant-token loss only. Rows are shuffled per epoch with a seeded order and
the data position is the step, so `resume` sees the very batches it would have.
The output directory is a run like any other (`curate sample`, `curate eval` load
it) plus chat.json, which tells `curate chat` the format and the default system prompt.
"""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from curation.atomic import write_atomic
from pretrain.chat_format import ChatTokens, chat_metadata
from pretrain.checkpoint import check_tokenizer, checkpoint_path, load_checkpoint, restore_rng_state, save_checkpoint
from pretrain.config import ConfigError, SFTConfig
from pretrain.metrics import METRICS_NAME, PLOT_NAME, MetricsLog, plot_losses
from pretrain.optim import build_optimizers, clip_gradients, lr_multiplier, set_lr
from pretrain.run_tokenizer import copy_tokenizer_files
from pretrain.runtime import seed_everything, setup_distributed
from pretrain.sample import load_run
from pretrain.sft_data import Identity, identity_conversations, idk_conversations, pack, read_conversations, render_all, split_val

CHAT_NAME = "chat.json"
INTERROGATION_NAME = "interrogation.json"  # the self-interrogation's rule, counts and examples


@dataclass
class SFTData:
    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    conversations: int
    skipped: int
    interrogation: dict | None  # interrogate.summary of the probes, when there were any


def build_data(config: SFTConfig, model, tokenizer, seq_len: int) -> SFTData:
    """Read, render and pack every file; the same config always gives the same rows (the self-interrogation
    probes included: greedy answers of the base model, `model`)."""
    identity = Identity(config.identity_name, config.identity_maker)
    rewrite = identity if config.rewrite_identity else None
    conversations, skipped = [], 0
    for path in config.data:
        loaded = read_conversations(path, rewrite)
        conversations += loaded.conversations
        skipped += loaded.skipped
    search = None
    if config.search_corpus:
        from curation.search import Searcher
        from pretrain.open_book import SearchConversations

        search = SearchConversations(Searcher(config.search_corpus), config.search_corpus, tokenizer, seq_len,
                                     config.resolved_system_prompt)
    conversations += identity_conversations(config.identity_examples, identity, seed=config.seed)
    conversations += idk_conversations(config.idk_examples, config.seed, search.block if search else None)
    interrogation = None
    if config.interrogate:
        from pretrain import interrogate
        from pretrain.evals import token_dir_of

        token_dir = token_dir_of(Path(config.init))
        if token_dir is None:
            raise ConfigError(f"{config.init}: no token directory recorded; self-interrogation needs the pretraining text")
        probes = interrogate.interrogate(model, tokenizer, interrogate.pretraining_texts(token_dir),
                                         config.interrogate, config.seed)
        conversations += interrogate.probe_conversations(probes, search, config.seed)
        interrogation = interrogate.summary(probes)
    if config.search_examples:
        conversations += search.conversations(config.search_examples, config.seed)
    if not conversations:
        raise ConfigError(f"no usable conversations in {', '.join(config.data) or 'no --data'} "
                          f"({skipped} records skipped)")
    train_convs, val_convs = split_val(conversations, config.val_fraction, config.seed)
    pad = ChatTokens.of(tokenizer).bos
    system = config.resolved_system_prompt
    train_x, train_y = pack(render_all(tokenizer, train_convs, system), seq_len, pad)
    val_x, val_y = pack(render_all(tokenizer, val_convs, system), seq_len, pad)
    return SFTData(train_x, train_y, val_x, val_y, len(conversations), skipped, interrogation)


def batch_rows(num_rows: int, batch_size: int, seed: int, position: int) -> np.ndarray:
    """Row indices of batch number `position`: each epoch a fresh seeded permutation, a partial tail dropped."""
    per_epoch = num_rows // batch_size
    epoch, batch = divmod(position, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(num_rows)
    return order[batch * batch_size:(batch + 1) * batch_size]


@torch.no_grad()
def assistant_loss(model, x: np.ndarray, y: np.ndarray, batch_size: int, device, autocast=nullcontext()) -> float:
    """Mean loss (nats) over the trained (assistant) targets of these rows."""
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb = torch.from_numpy(x[start:start + batch_size]).to(device)
        yb = torch.from_numpy(y[start:start + batch_size]).to(device)
        with autocast:
            losses = model(xb, yb, reduction="none")
        total += float(losses.double().sum())
        count += int((yb != -1).sum())
    return total / count if count else float("nan")


def sft(config: SFTConfig) -> dict:
    """Fine-tune (or resume) one SFT run; returns a summary of the final state."""
    if config.batch_size < 1 or config.device_batch_size < 1 or config.batch_size % config.device_batch_size:
        raise ConfigError(f"batch_size {config.batch_size} must be a positive multiple of "
                          f"device_batch_size {config.device_batch_size}")
    _, _, device = setup_distributed(config.device)
    if config.threads:
        torch.set_num_threads(config.threads)
    cuda = device.type == "cuda"
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else nullcontext()
    seed_everything(config.seed)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)

    model, tokenizer, init_state = load_run(config.init, device)
    token_hash = init_state["tokenizer_hash"]
    model_config = model.config
    data = build_data(config, model, tokenizer, model_config.seq_len)
    if len(data.train_x) < config.batch_size:
        raise ConfigError(f"{len(data.train_x)} packed rows of {model_config.seq_len} tokens, fewer than one batch "
                          f"of {config.batch_size}; lower --batch-size or add data")
    per_epoch = len(data.train_x) // config.batch_size
    total_steps = config.max_steps if config.max_steps is not None else max(1, config.epochs * per_epoch)

    optimizers = build_optimizers(model, config.lr, config.weight_decay, muon=config.optimizer == "muon",
                                  matrix_lr=config.matrix_lr)
    start_step, elapsed = 0, 0.0
    if config.resume and checkpoint_path(out).exists():
        state = load_checkpoint(out, map_location=device)
        check_tokenizer(state, token_hash)
        model.load_state_dict(state["model"])
        for opt, opt_state in zip(optimizers, state["optimizers"], strict=True):
            opt.load_state_dict(opt_state)
        start_step, elapsed = state["step"], state["elapsed_s"]
        restore_rng_state(state["rng"])
        del state
    metrics = MetricsLog(out / METRICS_NAME, keep_through_step=start_step)
    copy_tokenizer_files(Path(config.init), out)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
    if data.interrogation is not None:
        write_atomic(out / INTERROGATION_NAME, (json.dumps(data.interrogation, indent=2) + "\n").encode())
    (out / CHAT_NAME).write_text(json.dumps(
        chat_metadata(tokenizer, config.resolved_system_prompt, config.identity_name), indent=2) + "\n", encoding="utf-8")
    bar = tqdm(total=total_steps, initial=start_step, unit="step", dynamic_ncols=True, disable=not config.progress)
    say = bar.write if config.progress else (lambda _msg: None)
    trained_tokens = int((data.train_y != -1).sum())
    say(f"sft: {data.conversations} conversations ({data.skipped} records skipped) -> {len(data.train_x)} train rows "
        f"({trained_tokens} assistant tokens), {len(data.val_x)} val rows of {model_config.seq_len}; "
        f"{total_steps} steps of {config.batch_size} rows on {device}")

    step, train_loss, val_loss = start_step, float("nan"), float("nan")
    micro_steps = config.batch_size // config.device_batch_size
    while True:
        last = step >= total_steps
        if len(data.val_x) and (step % config.eval_every == 0 or last) and not (step == start_step and step > 0):
            val_loss = assistant_loss(model, data.val_x, data.val_y, config.device_batch_size, device, autocast)
            metrics.write({"kind": "val", "step": step, "val_loss": val_loss})
            say(f"step {step}: val assistant loss {val_loss:.4f}")
        if step > start_step and (last or step % config.save_every == 0):
            save_checkpoint(out, {
                "step": step, "elapsed_s": elapsed, "data_position": step, "model": model.state_dict(),
                "optimizers": [opt.state_dict() for opt in optimizers], "model_config": model_config.to_dict(),
                "train_config": asdict(config), "tokenizer_hash": token_hash,
            })
            plot_losses(out / METRICS_NAME, out / PLOT_NAME)
        if last:
            break
        t0 = time.perf_counter()
        rows = batch_rows(len(data.train_x), config.batch_size, config.seed, step)
        model.train()
        loss_sum = 0.0
        for micro in range(micro_steps):
            picked = rows[micro * config.device_batch_size:(micro + 1) * config.device_batch_size]
            xb = torch.from_numpy(data.train_x[picked]).to(device)
            yb = torch.from_numpy(data.train_y[picked]).to(device)
            with autocast:
                loss = model(xb, yb)
            (loss / micro_steps).backward()
            loss_sum += float(loss.detach())
        grad_norm = clip_gradients(model, config.grad_clip)
        multiplier = lr_multiplier(step, total_steps, config.warmup_steps, "linear", 1.0, config.final_lr_frac)
        set_lr(optimizers, multiplier)
        for opt in optimizers:
            opt.step()
        model.zero_grad(set_to_none=True)
        train_loss = loss_sum / micro_steps
        dt = time.perf_counter() - t0
        elapsed += dt
        step += 1
        metrics.write({"kind": "train", "step": step, "loss": train_loss, "lr": config.lr * multiplier,
                       "grad_norm": grad_norm, "elapsed_s": elapsed})
        bar.update(1)
        bar.set_postfix(loss=f"{train_loss:.3f}")
    bar.close()
    return {"step": step, "total_steps": total_steps, "trained_steps": step - start_step, "train_loss": train_loss,
            "val_loss": val_loss, "conversations": data.conversations, "skipped": data.skipped,
            "train_rows": len(data.train_x), "elapsed_s": elapsed, "run_dir": str(out),
            "interrogation": data.interrogation}
