"""`curate tokenize`: curated Parquet shards -> memory-mapped token arrays for pretraining."""

from __future__ import annotations

import argparse

from curation.errors import UsageError
from curation.flags import curated_dir, existing_file, fraction, integer, output_dir


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "tokenize",
        help="encode OUT_DIR/data/<language>/*.parquet into token shards (.bin/.idx) with a manifest",
        description="Encode curated Parquet shards into little-endian token arrays: one <|endoftext|> before "
                    "each document, a train/val split by a hash of the document id, and manifest.json.",
    )
    p.add_argument("--input", required=True, metavar="OUT_DIR",
                   help="output folder of `curate run` (reads OUT_DIR/data/<language>/*.parquet)")
    p.add_argument("--output", required=True, metavar="TOK_DIR", help="folder for the token shards and manifest.json (created if missing)")
    p.add_argument("--tokenizer", default="cl100k_base", metavar="cl100k_base|PATH",
                   help="cl100k_base (GPT-4's, bundled offline; uint32 tokens) or a .tiktoken file from "
                        "`curate tokenizer train` (uint16 tokens up to 65,536 ids); default: %(default)s")
    p.add_argument("--val-fraction", type=fraction(), default=0.005,
                   help="share of documents in the val split, in [0, 1), chosen by a hash of their id; default: %(default)s")
    p.add_argument("--threads", type=integer(1), default=None, help="encoding threads; default: every CPU this process may use")
    p.add_argument("--shard-tokens", type=integer(1), default=None, help="start a new shard after this many tokens; default: 100,000,000")
    p.add_argument("--language", metavar="NAME", default=None,
                   help="tokenize one language folder, e.g. deu_Latn (OUT_DIR/data/NAME/); default: every language")
    p.add_argument("--rehydrate", type=integer(3, 10), default=None, metavar="N",
                   help="FineWeb-2 rehydration: write each document up to N times (3..10) by its language's weight "
                        "for its minhash_cluster_size (needs a run with dedup); languages without weights: once each")
    p.set_defaults(func=run)


def checked_tokenizer(flag: str, value: str) -> str:
    """`value` as a --tokenizer: cl100k_base, or a .tiktoken file that exists."""
    from curation.tokenizer import CL100K_ALIASES

    if value not in CL100K_ALIASES:
        existing_file(flag, value, "use cl100k_base or the path of a .tiktoken file from `curate tokenizer train`")
    return value


def run(args: argparse.Namespace) -> int:
    curated_dir("--input", args.input)
    output_dir("--output", args.output)
    checked_tokenizer("--tokenizer", args.tokenizer)
    from curation.tokenize import DEFAULT_SHARD_TOKENS, TokenizeError, tokenize_shards

    try:
        manifest = tokenize_shards(
            args.input,
            args.output,
            tokenizer=args.tokenizer,
            val_fraction=args.val_fraction,
            threads=args.threads,
            shard_tokens=args.shard_tokens or DEFAULT_SHARD_TOKENS,
            language=args.language,
            rehydrate=args.rehydrate,
        )
    except (TokenizeError, ValueError) as e:
        raise UsageError(str(e)) from None
    for split, info in manifest["splits"].items():
        print(f"{split}: {info['num_docs']} docs, {info['num_tokens']} tokens, {len(info['shards'])} shard(s)")
    if manifest["rehydrate"]:
        documents = sum(info["documents"] for info in manifest["languages"].values())
        repeats = sum(info["repeats"] for info in manifest["languages"].values())
        once = manifest["rehydrate"]["without_weights"]
        print(f"rehydrated up to {args.rehydrate}x: {documents} documents + {repeats} repeats"
              + (f"; once each, without FineWeb-2 weights: {', '.join(once)}" if once else ""))
    print(f"wrote {args.output}/manifest.json ({manifest['tokenizer']['name']}, {manifest['dtype']})")
    return 0
