"""Training throughput of pretrain.model.GPT against a plain GPT-2 of the same size, in the same run.

Baseline: GPT-2 as published (learned positions, LayerNorm and biases, GELU MLP,
tied input/output embeddings), using the same SDPA attention kernel, with as many
layers as brings its parameter count closest to ours at the same width and
sequence length. Both train on the same random token batches with AdamW; the two
models' steps are interleaved so load from other processes hits both alike.
Prints median tokens/s of each and their ratio.

With a CUDA GPU it also measures our model at depth 12 (bf16 autocast, compiled)
and prints its MFU against the device's dense bf16 peak; without one it says so.

    python bench/train_speed.py [--depth 4 --seq-len 256 --vocab 2048 --batch 8 --steps 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pretrain.model import GPT, GPTConfig  # noqa: E402
from pretrain.optim import build_optimizers  # noqa: E402
from pretrain.runtime import peak_bf16_flops  # noqa: E402


class GPT2Block(nn.Module):
    def __init__(self, width: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.ln_1, self.ln_2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)
        self.fc = nn.Linear(width, 4 * width)
        self.fc_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.fc_proj(F.gelu(self.fc(self.ln_2(x))))


class GPT2(nn.Module):
    """The baseline: GPT-2's architecture at a given size."""

    def __init__(self, vocab: int, width: int, n_head: int, n_layer: int, seq_len: int):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(seq_len, width)
        self.blocks = nn.ModuleList(GPT2Block(width, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(width)
        for p in self.parameters():
            if p.ndim == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1), device=idx.device))
        for block in self.blocks:
            x = block(x)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # tied: the output layer reuses the embedding
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1))


def gpt2_params(vocab: int, width: int, n_layer: int, seq_len: int) -> int:
    """Token and position tables, per layer 12*w^2 weights + 13*w biases and norm gains, a final LayerNorm."""
    return vocab * width + seq_len * width + n_layer * (12 * width * width + 13 * width) + 2 * width


def matched_baseline(config: GPTConfig, ours: int) -> GPT2:
    """The GPT-2 at our width and seq_len whose layer count gives the parameter count closest to ours."""
    n_layer = min(range(1, 3 * config.n_layer + 2), key=lambda n: abs(
        gpt2_params(config.padded_vocab_size, config.n_embd, n, config.seq_len) - ours))
    torch.manual_seed(0)
    return GPT2(config.padded_vocab_size, config.n_embd, config.n_head, n_layer, config.seq_len)


def timed_steps(runs: dict, batch: int, seq_len: int, vocab: int, steps: int, device, autocast) -> dict:
    """Median seconds per training step of each (model, optimizers), in alternation after two warmup steps."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    gen = torch.Generator().manual_seed(0)
    for i in range(steps + 2):
        x = torch.randint(0, vocab, (batch, seq_len + 1), generator=gen).to(device)
        for name, (model, optimizers) in runs.items():
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            with autocast:
                loss = model(x[:, :-1], x[:, 1:])
            loss.backward()
            for opt in optimizers:
                opt.step()
            model.zero_grad(set_to_none=True)
            loss.item()  # waits for the device
            if i >= 2:
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def cpu_comparison(args) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPTConfig.from_depth(args.depth, args.vocab, args.seq_len)
    ours = GPT(config)
    n_ours = ours.num_params()
    baseline = matched_baseline(config, n_ours)
    n_base = sum(p.numel() for p in baseline.parameters())
    assert n_base == gpt2_params(config.padded_vocab_size, config.n_embd, len(baseline.blocks), config.seq_len)
    print(f"CPU, {torch.get_num_threads()} threads; batch {args.batch} x seq_len {args.seq_len}, vocab {args.vocab}, "
          f"{args.steps} timed steps each (fwd + bwd + AdamW), interleaved")
    print(f"  ours:     depth {config.n_layer}, width {config.n_embd}, {n_ours / 1e6:.2f}M params")
    print(f"  baseline: GPT-2, {len(baseline.blocks)} layers, width {config.n_embd}, {n_base / 1e6:.2f}M params "
          f"({n_base / n_ours:.2f}x ours)")
    runs = {"ours": (ours, build_optimizers(ours, 1e-3, 0.1)),
            "gpt2": (baseline, [torch.optim.AdamW(baseline.parameters(), lr=1e-3, weight_decay=0.1)])}
    seconds = timed_steps(runs, args.batch, args.seq_len, args.vocab, args.steps,
                          torch.device("cpu"), torch.autocast("cpu", enabled=False))
    tokens = args.batch * args.seq_len
    for name, s in seconds.items():
        print(f"  {name:8s}  median {s * 1000:8.1f} ms/step  {tokens / s:10,.0f} tokens/s")
    print(f"  ratio ours / baseline tokens/s: {seconds['gpt2'] / seconds['ours']:.2f}")


def gpu_mfu(args) -> None:
    if not torch.cuda.is_available():
        print(f"no GPU: MFU at depth {args.gpu_depth} skipped")
        return
    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = True
    name = torch.cuda.get_device_name(device)
    peak = peak_bf16_flops(device)
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_depth(args.gpu_depth, 100_277, args.gpu_seq_len)).to(device)
    compiled = torch.compile(model, dynamic=False)
    runs = {"ours": (compiled, build_optimizers(model, 1e-3, 0.1))}
    seconds = timed_steps(runs, args.gpu_batch, args.gpu_seq_len, 100_277, args.steps, device,
                          torch.autocast("cuda", dtype=torch.bfloat16))["ours"]
    tokens_per_s = args.gpu_batch * args.gpu_seq_len / seconds
    mfu = f"MFU {model.flops_per_token() * tokens_per_s / peak:.1%} of {peak / 1e12:.0f} TFLOP/s bf16" if peak else \
        "MFU unknown (no peak on file for this GPU)"
    print(f"{name}: depth {args.gpu_depth} ({model.num_params() / 1e6:.0f}M params), batch {args.gpu_batch} x "
          f"{args.gpu_seq_len}, bf16, compiled: {tokens_per_s:,.0f} tokens/s, {mfu}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--depth", type=int, default=4, help="our model's depth on CPU (default: %(default)s)")
    p.add_argument("--seq-len", type=int, default=256, help="default: %(default)s")
    p.add_argument("--vocab", type=int, default=2048, help="vocabulary size, e.g. a trained BPE (default: %(default)s)")
    p.add_argument("--batch", type=int, default=8, help="sequences per step (default: %(default)s)")
    p.add_argument("--steps", type=int, default=10, help="timed steps per model (default: %(default)s)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--gpu-depth", type=int, default=12, help="default: %(default)s")
    p.add_argument("--gpu-seq-len", type=int, default=2048, help="default: %(default)s")
    p.add_argument("--gpu-batch", type=int, default=8, help="default: %(default)s")
    args = p.parse_args()
    cpu_comparison(args)
    gpu_mfu(args)


if __name__ == "__main__":
    main()
