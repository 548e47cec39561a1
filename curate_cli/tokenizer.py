"""`curate tokenizer train`: learn a byte-level BPE on the curated shards, saved in tiktoken's format."""

from __future__ import annotations

import argparse

from curation.errors import UsageError
from curation.flags import curated_dir, fraction, integer, output_file

# The smallest --vocab-size: the 256 single bytes and curation.tokenizer.TRAINED_SPECIALS (tested), here so that
# registering the command does not import tiktoken.
MIN_VOCAB_SIZE = 256 + 7


def register(subparsers) -> None:
    p = subparsers.add_parser("tokenizer", help="train a BPE tokenizer on the curated shards")
    actions = p.add_subparsers(dest="tokenizer_command", metavar="ACTION")
    actions.required = True
    train = actions.add_parser(
        "train",
        help="train a byte-level BPE (rustbpe, GPT-4 split pattern) and save it as a .tiktoken file",
        description="Train a byte-level BPE on the train split of OUT_DIR/data/<lang_Script>/*.parquet. The vocabulary "
                    "size includes the special tokens <|endoftext|>, <|im_start|>, <|im_end|>, <|search_start|>, "
                    "<|search_end|>, appended after the merges.",
    )
    train.add_argument("--input", required=True, metavar="OUT_DIR", help="output folder of `curate run` (reads OUT_DIR/data/<lang_Script>/*.parquet)")
    train.add_argument("--output", required=True, metavar="PATH", help="where to write the .tiktoken rank file")
    train.add_argument("--vocab-size", type=integer(MIN_VOCAB_SIZE), default=8192,
                       help=f"total ids including the {MIN_VOCAB_SIZE - 256} special tokens, at least {MIN_VOCAB_SIZE}; "
                            f"default: %(default)s")
    train.add_argument("--val-fraction", type=fraction(), default=0.005,
                       help="leave out the documents `curate tokenize` would put in val (use the same value); default: %(default)s")
    train.add_argument("--max-chars", type=integer(1), default=2_000_000_000, help="train on at most this many characters; default: %(default)s")
    train.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    curated_dir("--input", args.input)
    output = Path(output_file("--output", args.output))
    from curation.tokenize import TokenizeError, training_texts
    from curation.tokenizer import save_tiktoken, tokenizer_hash, train_bpe

    try:
        enc = train_bpe(training_texts(args.input, args.val_fraction, args.max_chars), args.vocab_size, name=output.stem)
    except (TokenizeError, ValueError) as e:
        raise UsageError(str(e)) from None
    save_tiktoken(enc, output)
    note = "" if enc.n_vocab == args.vocab_size else f" (fewer than {args.vocab_size}: the text ran out of pairs to merge)"
    print(f"wrote {output}: {enc.n_vocab} ids{note}, hash {tokenizer_hash(enc)[:16]}")
    return 0
