"""`curate sample`: continue a prompt with a trained run's model (KV-cached generation)."""

from __future__ import annotations

import argparse
import sys

from curate_cli.checkpoints import checked_run, load_for_command
from curation.flags import integer, number, seed


def register(subparsers) -> None:
    p = subparsers.add_parser("sample", help="generate text from a pretrained run",
                              description="Continue --prompt as the start of a new document, printing as it generates.")
    p.add_argument("--ckpt", required=True, metavar="RUN_DIR", help="a `curate pretrain` run directory or its checkpoint.pt")
    p.add_argument("--prompt", default="", help="text to continue (default: empty, a document from scratch)")
    add_generation_flags(p, max_new_tokens=200, temperature=0.8, top_k=50)
    p.add_argument("--top-p", type=number(0, 1, low_open=True), default=0.95,
                   help="sample among the likeliest tokens holding this much probability, in (0, 1]; 1: all "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=seed(), default=0, help="sampling seed: same seed, same text (default: %(default)s)")
    p.add_argument("--num-samples", type=integer(1), default=1, help="independent samples, seeds seed..seed+n-1 (default: %(default)s)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: %(default)s (CUDA when available)")
    p.set_defaults(func=run)


def add_generation_flags(p: argparse.ArgumentParser, max_new_tokens: int, temperature: float, top_k: int) -> None:
    """--max-new-tokens, --temperature and --top-k, as `curate sample` and `curate chat` share them."""
    p.add_argument("--max-new-tokens", type=integer(1), default=max_new_tokens,
                   help="tokens to generate at most (default: %(default)s)")
    p.add_argument("--temperature", type=number(0), default=temperature,
                   help="softmax temperature, 0 or more; 0 is greedy (default: %(default)s)")
    p.add_argument("--top-k", type=integer(0), default=top_k,
                   help="sample among the k likeliest tokens; 0: all (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    ckpt = checked_run("--ckpt", args.ckpt, "train one with `curate pretrain`")
    from pretrain.sample import complete

    model, tokenizer, _ = load_for_command(ckpt, args.device)
    for i in range(args.num_samples):
        if args.num_samples > 1:
            print(f"--- sample {i + 1} (seed {args.seed + i})")
        sys.stdout.write(args.prompt)
        for piece in complete(model, tokenizer, args.prompt, args.max_new_tokens, temperature=args.temperature,
                              top_k=args.top_k or None, top_p=args.top_p, seed=args.seed + i):
            sys.stdout.write(piece)
            sys.stdout.flush()
        sys.stdout.write("\n")
    return 0
