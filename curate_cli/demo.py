"""`curate demo`: the whole path on the sample archives, WARC to generated text, in one command.

It runs, and prints, the same commands a user would type:
curate run -> curate tokenizer train -> curate tokenize -> curate pretrain --preset cpu-demo -> curate sample.
With --chat it trains a chat model that searches when unsure instead, in DIR/chat:
curate run -> tokenizer -> tokenize -> curate index -> curate pretrain --preset cpu-chat (DIR/base) ->
curate sft (identity, "I don't know", self-interrogation and search conversations) -> curate chat --search.
A step whose output already exists is skipped and training resumes, so an
interrupted demo continues where it stopped.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import shlex
from pathlib import Path

from curate_cli.tokenizer import MIN_VOCAB_SIZE
from curation.errors import UsageError
from curation.flags import OneLineParser, integer, number, output_dir
from curation.run_output import run_shards
from pretrain.config import CHAT_DEMO_SFT

DEFAULT_INPUT = "sample_warcs/*.warc*"


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="sample WARCs -> shards -> tokenizer -> tokens -> model -> sample, in one go",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="demo", metavar="DIR", help="folder for every step's output (default: %(default)s)")
    p.add_argument("--input", default=DEFAULT_INPUT, metavar="GLOB", help="archives to curate (default: %(default)s)")
    p.add_argument("--vocab-size", type=integer(MIN_VOCAB_SIZE), default=2048,
                   help=f"size of the BPE trained on the shards, at least {MIN_VOCAB_SIZE} (default: %(default)s)")
    p.add_argument("--val-fraction", type=number(0, 1, low_open=True, high_open=True), default=0.1,
                   help="share of documents held out for val loss, above 0 and below 1 (default: %(default)s)")
    p.add_argument("--max-steps", type=integer(1), default=None, help="override the cpu-demo preset's step count")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: %(default)s")
    p.add_argument("--prompt", default="The", help="text the trained model continues (default: %(default)s)")
    p.add_argument("--chat", action="store_true",
                   help="train the chat model that searches when unsure (about 20 min on 2 CPU cores) instead")
    p.set_defaults(func=run)



def run(args: argparse.Namespace) -> int:
    out = Path(output_dir("--out", args.out))
    curated, bpe, tokens, run_dir = out / "curated", out / "bpe.tiktoken", out / "tokens", out / "run"
    val = str(args.val_fraction)
    needs_run = not (curated / "stats.json").exists()
    if needs_run and "://" not in args.input and not glob.glob(args.input):
        raise UsageError(f"--input {args.input!r}: no such file or folder, and no file matches it")
    out.mkdir(parents=True, exist_ok=True)
    if needs_run:
        step("run", ["--input", args.input, "--output", str(curated)])
    if not run_shards(curated):
        raise UsageError(f"curating {args.input} kept no documents; nothing to train on")
    if not bpe.exists():
        step("tokenizer", ["train", "--input", str(curated), "--output", str(bpe),
                           "--vocab-size", str(args.vocab_size), "--val-fraction", val])
    if not (tokens / "manifest.json").exists():
        step("tokenize", ["--input", str(curated), "--output", str(tokens), "--tokenizer", str(bpe), "--val-fraction", val])
    if args.chat:
        return chat_demo(args, out, curated, tokens)
    pretrain = ["--data", str(tokens), "--out", str(run_dir), "--preset", "cpu-demo", "--device", args.device, "--resume"]
    if args.max_steps is not None:
        pretrain += ["--max-steps", str(args.max_steps)]
    step("pretrain", pretrain)
    step("sample", ["--ckpt", str(run_dir), "--prompt", args.prompt, "--device", args.device, "--max-new-tokens", "100"])
    print(f"\nloss curve: {run_dir / 'loss_curve.png'}, metrics: {run_dir / 'metrics.jsonl'}")
    return 0


def chat_demo(args: argparse.Namespace, out: Path, curated: Path, tokens: Path) -> int:
    """Index -> pretrain (copy-structured windows mixed in) -> SFT with every defence -> one chat turn that searches."""
    base, chat = out / "base", out / "chat"
    if not (curated / "index" / "manifest.json").exists():
        step("index", [str(curated)])
    pretrain = ["--data", str(tokens), "--out", str(base), "--preset", "cpu-chat", "--device", args.device, "--resume"]
    if args.max_steps is not None:
        pretrain += ["--max-steps", str(args.max_steps)]
    step("pretrain", pretrain)
    sft = ["--init", str(base), "--out", str(chat), "--search-corpus", str(curated), "--device", args.device, "--resume"]
    for field, value in CHAT_DEMO_SFT.items():
        sft += ["--" + field.replace("_", "-"), str(args.max_steps if field == "max_steps" and args.max_steps else value)]
    step("sft", sft)
    from pretrain.open_book import heldout_questions

    question = heldout_questions(str(curated), limit=1)
    prompt = question[0].prompt if question else "Who are you?"
    step("chat", ["--ckpt", str(chat), "--search", str(curated), "--show-search", "--prompt", prompt,
                  "--device", args.device, "--max-new-tokens", "40"])
    print(f"\nchat model: {chat}; try `curate chat --ckpt {chat} --search {curated} --show-search`, and "
          f"`curate eval --ckpt {chat} --task hallucination --search OUT` on a corpus it never saw")
    return 0


def step(command: str, argv: list[str]) -> None:
    """Run one `curate` subcommand in-process, through its own parser; stop the demo if it fails."""
    print(f"\n$ curate {command} {shlex.join(argv)}", flush=True)
    parser = OneLineParser(prog="curate")
    subparsers = parser.add_subparsers(dest="command")
    importlib.import_module(f"curate_cli.{command}").register(subparsers)
    args = parser.parse_args([command, *argv])
    args.extra = []
    code = int(args.func(args) or 0)
    if code:
        raise UsageError(f"`curate {command}` failed with exit code {code}")
