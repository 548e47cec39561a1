"""`curate sft`: fine-tune a pretrained run into a chat model on conversations.

Trains on the assistant's tokens only (the loss mask), with the pretrainer's optimizers,
checkpoints, metrics.jsonl and loss_curve.png. Settings are layered like `curate pretrain`:
SFTConfig's defaults, then (with --resume) the run's saved config.json, then the flags given.
"""

from __future__ import annotations

import argparse
import json

from curation.commands.checkpoints import checked_run
from curation.commands.index import open_searcher
from curation.commands.pretrain import add_optimizer_flags, add_threads_flag, check_new_run, flag_adder
from curation.errors import UsageError
from curation.flags import existing_file, fraction, integer, seed

# SFTConfig's defaults, for the help text only (tests check that the two agree).
DEFAULTS = {
    "batch_size": 16, "device_batch_size": 16, "epochs": 1, "optimizer": "adamw", "lr": 1e-3, "matrix_lr": 0.01,
    "weight_decay": 0.0, "warmup_steps": 5, "final_lr_frac": 0.0, "grad_clip": 1.0, "eval_every": 50,
    "save_every": 200, "seed": 1337, "device": "auto", "val_fraction": 0.05, "idk_examples": 0, "identity_examples": 0,
    "search_examples": 0,
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
    add("--identity-examples", type=integer(0), help="template conversations ('Who are you?' -> 'I am NAME, ...') to mix in; "
                                             "a tiny model needs hundreds to answer with its name")
    add("--idk-examples", type=integer(0), help="'I don't know' conversations about made-up people and words to mix in")
    add("--search-examples", type=integer(0), help="conversations that answer a quote question from a search block over "
                                           "--search-corpus, or say 'I don't know' when the block lacks the answer")
    p.add_argument("--search-corpus", metavar="OUT_DIR", default=argparse.SUPPRESS,
                   help="a `curate run` output folder indexed with `curate index`, for --search-examples")
    add("--val-fraction", type=fraction(), help="share of conversations held out for the val assistant loss, in [0, 1)")
    add("--batch-size", type=integer(1), help="packed rows (of the model's seq_len) per optimizer step")
    add("--device-batch-size", type=integer(1), help="rows per forward pass; the rest is gradient accumulation")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--max-steps", type=integer(1), default=argparse.SUPPRESS, help="optimizer steps to train for")
    length.add_argument("--epochs", type=integer(1), default=argparse.SUPPRESS,
                        help=f"passes over the packed rows (default: {DEFAULTS['epochs']})")
    add("--warmup-steps", type=integer(0), help="linear learning-rate warmup, then linear decay")
    add_optimizer_flags(add)
    add("--seed", type=seed(), help="seed of the data order, val split and 'I don't know' names")
    add_threads_flag(p)
    p.add_argument("--resume", action="store_true", help="continue the run in SFT_DIR from its checkpoint")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=argparse.SUPPRESS,
                   help="no progress bar or val lines")
    p.set_defaults(func=run)


# Settings of the command line that are not SFTConfig fields.
NOT_CONFIG = {"command", "func", "extra", "accepts_extra", "out", "resume"}


def run(args: argparse.Namespace) -> int:
    out = check_new_run("--out", args.out, args.resume)
    explicit = {k: v for k, v in vars(args).items() if k not in NOT_CONFIG}
    values: dict = {}
    if args.resume and (out / "config.json").exists():
        values.update(json.loads((out / "config.json").read_text(encoding="utf-8")))
    if "max_steps" in explicit or "epochs" in explicit:
        values.pop("max_steps", None)
    values.update(explicit)
    values.update(out=str(out), resume=args.resume)
    if "init" not in values:
        raise UsageError("--init is required (the `curate pretrain` run to fine-tune)")
    checked_run("--init", values["init"], "train one with `curate pretrain`", file_ok=False)
    if not any(values.get(k) for k in ("data", "idk_examples", "identity_examples", "search_examples")):
        raise UsageError("--data is required (a conversation file), or --identity-examples/--idk-examples/"
                         "--search-examples N")
    for path in values.get("data", []):
        existing_file("--data", path)
    if values.get("search_examples"):
        if not values.get("search_corpus"):
            raise UsageError("--search-examples needs --search-corpus OUT_DIR (an indexed `curate run` output)")
        open_searcher(values["search_corpus"], "--search-corpus")
    from pretrain.checkpoint import TokenizerMismatch
    from pretrain.sft import SFTConfig, sft
    from pretrain.train import ConfigError

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
