"""`curate sample`: continue a prompt with a trained run's model (KV-cached generation)."""

from __future__ import annotations

import argparse
import sys

from curation.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("sample", help="generate text from a pretrained run",
                              description="Continue --prompt as the start of a new document, printing as it generates.")
    p.add_argument("--ckpt", required=True, metavar="RUN_DIR", help="a `curate pretrain` run directory or its checkpoint.pt")
    p.add_argument("--prompt", default="", help="text to continue (default: empty, a document from scratch)")
    p.add_argument("--max-new-tokens", type=int, default=200, help="tokens to generate at most (default: %(default)s)")
    p.add_argument("--temperature", type=float, default=0.8, help="softmax temperature; 0 is greedy (default: %(default)s)")
    p.add_argument("--top-k", type=int, default=50, help="sample among the k likeliest tokens; 0: all (default: %(default)s)")
    p.add_argument("--top-p", type=float, default=0.95,
                   help="sample among the likeliest tokens holding this much probability; 1: all (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed: same seed, same text (default: %(default)s)")
    p.add_argument("--num-samples", type=int, default=1, help="independent samples, seeds seed..seed+n-1 (default: %(default)s)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: %(default)s (CUDA when available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from curation.commands.checkpoints import load_for_command
    from pretrain.sample import complete

    if args.max_new_tokens < 1 or args.num_samples < 1:
        raise UsageError("--max-new-tokens and --num-samples must be at least 1")
    if args.top_k < 0 or not 0 < args.top_p <= 1 or args.temperature < 0:
        raise UsageError("need --top-k >= 0, 0 < --top-p <= 1 and --temperature >= 0")
    _, model, tokenizer, _ = load_for_command(args.ckpt, args.device, "train one with `curate pretrain`")
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
