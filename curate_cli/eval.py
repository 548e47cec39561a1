"""`curate eval`: score a run on HellaSwag (acc, acc_norm), GSM8K (exact match), val bits per byte, "I don't know",
open-book answering or hallucination.

HellaSwag and GSM8K read ../shared/data by default; bpb reads the val split of the
token directory the run (or, for an SFT run, the run it started from) trained on.
open-book asks quote questions about the held-out documents of --search OUT_DIR
(pretrain/open_book.py), once without and once with search results in the context.
hallucination asks known, searchable and unknown questions (pretrain/hallucination.py)
and counts answers right, refused and wrong, searching OUT_DIR in --search-mode.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from curate_cli.checkpoints import checked_run, load_for_command
from curate_cli.index import open_searcher
from curation.errors import UsageError
from curation.flags import existing_dir, existing_file, integer

DEFAULT_HELLASWAG = "../shared/data/eval/hellaswag_val/hellaswag_val.jsonl.gz"
DEFAULT_GSM8K = "../shared/data/sft/gsm8k/test.jsonl"


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="HellaSwag / GSM8K / val bits-per-byte / \"I don't know\" rate of a run",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True, metavar="DIR", help="a `curate pretrain` or `curate sft` run directory")
    p.add_argument("--task", required=True, choices=["hellaswag", "gsm8k", "bpb", "idk", "open-book", "hallucination"],
                   help="what to measure; idk: share of questions about unseen made-up people answered "
                        "with \"I don't know\"; open-book: answer accuracy closed book vs with search results; "
                        "hallucination: right / refused / wrong on known, searchable and unknown questions")
    p.add_argument("--limit", type=integer(1), default=None,
                   help="first N examples (hellaswag, gsm8k, open-book), N val windows (bpb), N made-up names "
                        "(idk) or N questions of each kind (hallucination) (default: all; idk: 50; hallucination: 200)")
    p.add_argument("--data", default=None, metavar="PATH",
                   help=f"hellaswag .jsonl.gz (default: {DEFAULT_HELLASWAG}), gsm8k .jsonl (default: {DEFAULT_GSM8K}) "
                        "or, for bpb, a token directory (default: the one the run trained on)")
    p.add_argument("--search", metavar="OUT_DIR", help="open-book, hallucination: the indexed `curate run` output to "
                                                        "ask about and search (pass one the model never trained on)")
    p.add_argument("--search-mode", choices=["auto", "always", "never"], default="auto",
                   help="hallucination: when the model may search, as in `curate chat` (default: %(default)s)")
    p.add_argument("--corpus", metavar="OUT_DIR",
                   help="hellaswag, gsm8k: also score the rows that the kept documents of this `curate run` output "
                        "quote (13-gram overlap, `curate contamination`) apart from the clean rows, as GPT-3 did")
    p.add_argument("--max-new-tokens", type=integer(1), default=None,
                   help="gsm8k, open-book, hallucination: reply length at most (default: 256; open-book 32; "
                        "hallucination 64)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: %(default)s (CUDA when available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (args.task in ("open-book", "hallucination")) != (args.search is not None):
        raise UsageError("--search OUT_DIR goes with --task open-book or hallucination, and they need it")
    ckpt = checked_run("--ckpt", args.ckpt, "pass a `curate pretrain` or `curate sft` run folder")
    if args.task == "bpb" and args.data is not None:
        existing_dir("--data", args.data, "pass a token directory from `curate tokenize`")
    elif args.task in ("hellaswag", "gsm8k"):
        default = DEFAULT_HELLASWAG if args.task == "hellaswag" else DEFAULT_GSM8K
        path = Path(existing_file("--data", args.data or default, "pass --data PATH"))
    if args.corpus is not None and args.task not in ("hellaswag", "gsm8k"):
        raise UsageError("--corpus goes with --task hellaswag or gsm8k")
    dirty = _contaminated(args.task, path, args.corpus) if args.corpus is not None else None
    searcher = open_searcher(args.search, "--search") if args.search else None
    from curation.tokens import TokenDataError
    from pretrain.checkpoint import TokenizerMismatch
    from pretrain import evals, open_book
    from pretrain.chat import read_chat_metadata

    model, tokenizer, checkpoint = load_for_command(ckpt, args.device)
    device = next(model.parameters()).device
    run_dir = ckpt if ckpt.is_dir() else ckpt.parent
    if args.task == "bpb":
        token_dir = args.data or evals.token_dir_of(run_dir)
        if token_dir is None or not Path(token_dir).is_dir():
            raise UsageError(f"no token directory {token_dir or ''} for bpb: pass --data TOKEN_DIR")
        try:
            result = evals.val_bpb(model, checkpoint, token_dir, args.limit, device)
        except (TokenizerMismatch, TokenDataError, ValueError) as e:
            raise UsageError(str(e)) from None
        line = (f"bpb: {result['tokens']} val tokens of {token_dir}: loss {result['val_loss']:.4f} nats/token, "
                f"{result['val_bpb']:.4f} bits/byte")
    elif args.task == "open-book":
        questions = open_book.heldout_questions(args.search, args.limit)
        if not questions:
            raise UsageError(f"{args.search}: no held-out document has a sentence to ask about")
        result = open_book.open_book_eval(model, tokenizer, searcher, questions,
                                          read_chat_metadata(run_dir)["system_prompt"],
                                          max_new_tokens=args.max_new_tokens or 32)
        line = (f"open-book: {result['examples']} questions on held-out documents: closed book "
                f"{result['closed_book']:.1%} ({result['closed_correct']}), open book {result['open_book']:.1%} "
                f"({result['open_correct']}); the answer was in the search block for {result['in_block']}")
    elif args.task == "hallucination":
        result = _hallucination(model, tokenizer, run_dir, searcher, args)
        line = "hallucination (search " + args.search_mode + "):" + "".join(
            f"\n  {kind:<10} {r['n']:>4} questions: right {r['right']}, refused {r['refused']}, wrong {r['wrong']} "
            f"({r['wrong'] / r['n'] if r['n'] else 0:.0%} made up), searched {r['searched']}"
            for kind, r in result.items())
    elif args.task == "idk":
        names = evals.unseen_names(run_dir, args.limit or 50)
        result = evals.idk_rate(model, tokenizer, read_chat_metadata(run_dir)["system_prompt"], names)
        line = f"idk: {result['refused']} of {result['examples']} questions about unseen made-up people refused " \
               f"({result['idk_rate']:.0%})"
    else:
        if args.task == "hellaswag":
            result = evals.hellaswag(model, tokenizer, path, args.limit, device, dirty)
            line = (f"hellaswag: {result['examples']} examples, acc {result['acc']:.4f} ({result['correct']}), "
                    f"acc_norm {result['acc_norm']:.4f} ({result['correct_norm']}, per character of the ending); "
                    f"chance 0.25")
        else:
            system = read_chat_metadata(run_dir)["system_prompt"]
            result = evals.gsm8k(model, tokenizer, path, system, args.limit, args.max_new_tokens or 256, dirty)
            line = f"gsm8k: {result['examples']} problems, exact match {result['accuracy']:.4f} ({result['correct']})"
        if dirty is not None:
            metric = "acc_norm" if args.task == "hellaswag" else "accuracy"
            line += "".join(f"\n  {part} rows of {args.corpus}: {result[part]['examples']}, {metric} "
                            f"{result[part][metric]:.4f}" for part in ("clean", "contaminated"))
    print(json.dumps(result) if args.json else line)
    return 0


def _hallucination(model, tokenizer, run_dir, searcher, args) -> dict:
    from pretrain import evals, hallucination, interrogate, open_book
    from pretrain.chat import ChatSession, read_chat_metadata

    token_dir = evals.token_dir_of(run_dir)
    if token_dir is None or not (Path(token_dir) / "manifest.json").is_file():
        raise UsageError(f"{run_dir}: the token directory it pretrained on ({token_dir or 'not recorded'}) is gone; "
                         f"the known questions come from that text")
    limit = args.limit or 200
    texts = interrogate.pretraining_texts(token_dir)
    questions = hallucination.eval_questions(interrogate.pretraining_questions(texts, known_eval=True), args.search,
                                             "\n".join(texts), evals.unseen_names(run_dir, limit), limit)
    system = read_chat_metadata(run_dir)["system_prompt"]
    search = open_book.searcher_function(searcher)
    return hallucination.hallucination_eval(
        lambda: ChatSession(model, tokenizer, system, search=search, mode=args.search_mode), questions,
        args.max_new_tokens or hallucination.MAX_NEW_TOKENS)


def _contaminated(task: str, path, corpus: str):
    """A flag per row of the benchmark file: some kept document of `corpus` shares a word 13-gram with it."""
    from curation.contamination import contaminated_rows, load_index
    from curation.run_output import run_shards

    shards = run_shards(existing_dir("--corpus", corpus, "pass a `curate run` output"))
    if not shards:
        raise UsageError(f"--corpus {corpus}: no kept documents (no data/*/*.parquet)")
    index = load_index([f"{task}={path}"], "--data")
    return contaminated_rows(index, shards)
