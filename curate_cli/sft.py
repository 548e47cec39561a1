"""`curate sft`: fine-tune a pretrained run into a chat model on conversations.

Trains on the assistant's tokens only (the loss mask), with the pretrainer's optimizers,
checkpoints, metrics.jsonl and loss_curve.png. Settings are layered like `curate pretrain`:
SFTConfig's defaults, then (with --resume) the run's saved config.json, then the flags given.
"""

from __future__ import annotations

import argparse
import json

from curate_cli.checkpoints import checked_run
from curate_cli.index import open_searcher
from curate_cli.pretrain import add_optimizer_flags, check_new_run, flag_adder
from curation.errors import UsageError
from curation.flags import existing_file, fraction, integer, seed
from pretrain.config import ConfigError, SFTConfig


def register(subparsers) -> None:
    p = subparsers.add_parser("sft", help="fine-tune a pretrained run into a chat model (loss on assistant tokens only)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = flag_adder(p, SFTConfig)
    p.add_argument("--init", metavar="RUN_DIR", default=argparse.SUPPRESS,
                   help="the `curate pretrain` run to start from (with --resume: default the run's)")
    p.add_argument("--data", action="append", metavar="FILE", default=argparse.SUPPRESS,
                   help="conversations: OpenAI JSONL {messages:[{role,content}]}, ShareGPT JSON "
                        "{conversations:[{from,value}]} or GSM8K JSONL {question,answer}; repeat for several files")
    p.add_argument("--out", required=True, metavar="SFT_DIR",
                   help="output run: checkpoint.pt, metrics.jsonl, loss_curve.png, config.json, chat.json, tokenizer")
    add("--identity-name")
    add("--identity-maker")
    add("--no-identity-rewrite", dest="rewrite_identity", action="store_false")
    add("--system", dest="system_prompt")
    add("--identity-examples", type=integer(0))
    add("--idk-examples", type=integer(0))
    add("--interrogate", metavar="N", type=integer(0))
    add("--search-examples", type=integer(0))
    add("--search-corpus", metavar="OUT_DIR")
    add("--val-fraction", type=fraction())
    add("--batch-size", type=integer(1))
    add("--device-batch-size", type=integer(1))
    length = p.add_mutually_exclusive_group()
    add("--max-steps", to=length, type=integer(1))
    add("--epochs", to=length, type=integer(1))
    add("--warmup-steps", type=integer(0))
    add_optimizer_flags(add)
    add("--seed", type=seed())
    add("--threads", type=integer(1))
    add("--resume", action="store_true", default=False)
    add("--no-progress", dest="progress", action="store_false")
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
    if not any(values.get(k) for k in ("data", "idk_examples", "identity_examples", "search_examples", "interrogate")):
        raise UsageError("--data is required (a conversation file), or --identity-examples/--idk-examples/"
                         "--interrogate/--search-examples N")
    for path in values.get("data", []):
        existing_file("--data", path)
    if values.get("search_examples") and not values.get("search_corpus"):
        raise UsageError("--search-examples needs --search-corpus OUT_DIR (an indexed `curate run` output)")
    if values.get("search_corpus"):
        open_searcher(values["search_corpus"], "--search-corpus")
    if values.get("interrogate"):
        from pathlib import Path

        from pretrain.evals import token_dir_of

        token_dir = token_dir_of(Path(values["init"]))
        if token_dir is None or not Path(token_dir, "manifest.json").is_file():
            raise UsageError(f"--interrogate: the token directory {values['init']} pretrained on "
                             f"({token_dir or 'not recorded'}) is gone; self-interrogation asks about that text")
    from pretrain.checkpoint import TokenizerMismatch
    from pretrain.sft import sft

    config = SFTConfig.from_dict(values)
    try:
        summary = sft(config)
    except (ConfigError, TokenizerMismatch, ValueError) as e:
        raise UsageError(str(e)) from None
    probes = summary["interrogation"]
    if probes is not None:
        print(f"self-interrogation: {probes['probes']} closed-book questions on the base run's pretraining text, "
              f"{probes['right']} answered right, {probes['wrong']} wrong; wrote {out}/interrogation.json")
    if summary["trained_steps"] == 0:
        print(f"{out} is already at step {summary['step']} of {summary['total_steps']}: nothing to train")
        return 0
    print(f"step {summary['step']}/{summary['total_steps']}: train loss {summary['train_loss']:.4f}, "
          f"val assistant loss {summary['val_loss']:.4f}; wrote {out}/checkpoint.pt, chat.json, metrics.jsonl, "
          f"loss_curve.png")
    return 0
