"""`curate sft`: fine-tune a pretrained run into a chat model on conversations.

Trains on the assistant's tokens only (the loss mask), with the pretrainer's optimizers,
checkpoints, metrics.jsonl and loss_curve.png. Settings are layered like `curate pretrain`:
SFTConfig's defaults, then (with --resume) the run's saved config.json, then the flags given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from curation.commands.pretrain import add_optimizer_flags, flag_adder
from curation.errors import UsageError

# SFTConfig's defaults, for the help text only (tests check that the two agree).
DEFAULTS = {
    "batch_size": 16, "device_batch_size": 16, "epochs": 1, "optimizer": "adamw", "lr": 1e-3, "matrix_lr": 0.01,
    "weight_decay": 0.0, "warmup_steps": 5, "final_lr_frac": 0.0, "grad_clip": 1.0, "eval_every": 50,
    "save_every": 200, "seed": 1337, "device": "auto", "val_fraction": 0.05, "idk_examples": 0, "identity_examples": 0,
    "identity_name": "Curie", "identity_maker": "the curation project",
}


def register(subparsers) -> None:
    p = subparsers.add_parser("sft", help="fine-tune a pretrained run into a chat model (loss on assistant tokens only)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)

    add = flag_adder(p, DEFAULTS)

    p.add_argument("--init", metavar="RUN_DIR", default=argparse.SUPPRESS,
                   help="the `curate pretrain` run to start from (with --resume: default the run's)")
    p.add_argument("--data", action="append", metavar="FILE", default=argparse.SUPPRESS,
                   help="conversations: OpenAI JSONL {messages:[{role,content}]}, ShareGPT JSON "
                        "{conversations:[{from,value}]} or GSM8K JSONL {question,answer}; repeat for several files")
    p.add_argument("--out", required=True, metavar="SFT_DIR",
                   help="output run: checkpoint.pt, metrics.jsonl, loss_curve.png, config.json, chat.json, tokenizer")
    add("--identity-name", help="the model's name: in the default system prompt, and replacing 'Vicuna' in FastChat's "
                                "identity conversations")
    add("--identity-maker", help="who made it: replaces 'Large Model Systems Organization (LMSYS)'")
    p.add_argument("--no-identity-rewrite", dest="rewrite_identity", action="store_false", default=argparse.SUPPRESS,
                   help="keep names in the data as they are")
    p.add_argument("--system", dest="system_prompt", default=argparse.SUPPRESS,
                   help="system prompt added to conversations without one (default: 'You are NAME, a small language "
                        "model trained by MAKER on curated Common Crawl text.'); '' for none")
    add("--identity-examples", type=int, help="template conversations ('Who are you?' -> 'I am NAME, ...') to mix in; "
                                             "a tiny model needs hundreds to answer with its name")
    add("--idk-examples", type=int, help="'I don't know' conversations about made-up people and words to mix in")
    add("--val-fraction", type=float, help="share of conversations held out for the val assistant loss")
    add("--batch-size", type=int, help="packed rows (of the model's seq_len) per optimizer step")
    add("--device-batch-size", type=int, help="rows per forward pass; the rest is gradient accumulation")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--max-steps", type=int, default=argparse.SUPPRESS, help="optimizer steps to train for")
    length.add_argument("--epochs", type=int, default=argparse.SUPPRESS,
                        help=f"passes over the packed rows (default: {DEFAULTS['epochs']})")
    add("--warmup-steps", type=int, help="linear learning-rate warmup, then linear decay")
    add_optimizer_flags(add)
    add("--seed", type=int, help="seed of the data order, val split and 'I don't know' names")
    p.add_argument("--threads", type=int, default=argparse.SUPPRESS, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--resume", action="store_true", help="continue the run in SFT_DIR from its checkpoint")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=argparse.SUPPRESS,
                   help="no progress bar or val lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from pretrain.checkpoint import TokenizerMismatch, checkpoint_path
    from pretrain.sft import SFTConfig, sft
    from pretrain.train import ConfigError

    settable = {f.name for f in fields(SFTConfig)} - {"out", "resume"}
    explicit = {k: v for k, v in vars(args).items() if k in settable}
    out = Path(args.out)
    if checkpoint_path(out).exists() and not args.resume:
        raise UsageError(f"{out} already holds a checkpoint: pass --resume to continue it, or choose another --out")
    values: dict = {}
    if args.resume and (out / "config.json").exists():
        values.update(json.loads((out / "config.json").read_text(encoding="utf-8")))
    if "max_steps" in explicit or "epochs" in explicit:
        values.pop("max_steps", None)
    values.update(explicit)
    values.update(out=str(out), resume=args.resume)
    if "init" not in values:
        raise UsageError("--init is required (the `curate pretrain` run to fine-tune)")
    if not checkpoint_path(values["init"]).exists():
        raise UsageError(f"--init {values['init']}: no checkpoint.pt there; train one with `curate pretrain`")
    if not values.get("data") and not values.get("idk_examples") and not values.get("identity_examples"):
        raise UsageError("--data is required (a conversation file), or --identity-examples/--idk-examples N")
    for path in values.get("data", []):
        if not Path(path).is_file():
            raise UsageError(f"--data {path}: no such file")
    config = SFTConfig.from_dict(values)
    try:
        summary = sft(config)
    except (ConfigError, TokenizerMismatch, ValueError) as e:
        raise UsageError(str(e)) from None
    if summary["trained_steps"] == 0:
        print(f"{out} is already at step {summary['step']} of {summary['total_steps']}: nothing to train")
        return 0
    print(f"step {summary['step']}/{summary['total_steps']}: train loss {summary['train_loss']:.4f}, "
          f"val assistant loss {summary['val_loss']:.4f}; wrote {out}/checkpoint.pt, chat.json, metrics.jsonl, "
          f"loss_curve.png")
    return 0
