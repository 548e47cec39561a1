"""The `curate` command line: one subcommand per stage of the path from WARC to chat model.

Each subcommand lives in its own module that exposes `register(subparsers)`;
registering must stay cheap (no torch/beam imports) so `curate --help` is instant.
Errors a user can fix are raised as `UsageError` and printed as one line.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from curation.errors import UsageError
from curation.flags import OneLineParser

# Modules that define subcommands, in the order `curate --help` lists them.
COMMAND_MODULES = [
    "curate_cli.run",
    "curate_cli.cc_paths",
    "curate_cli.query",
    "curate_cli.index",
    "curate_cli.search",
    "curate_cli.stats",
    "curate_cli.report",
    "curate_cli.contamination",
    "curate_cli.dedup",
    "curate_cli.quality",
    "curate_cli.tokenize",
    "curate_cli.tokenizer",
    "curate_cli.tokens",
    "curate_cli.pretrain",
    "curate_cli.sample",
    "curate_cli.demo",
    "curate_cli.ablate",
    "curate_cli.sft",
    "curate_cli.chat",
    "curate_cli.eval",
]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="curate",
        description="Curate Common Crawl archives into FineWeb-schema Parquet, tokenize, and train a small GPT.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from curation import logs

    logs.configure()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        action = getattr(args, f"{args.command}_command", None)  # `curate tokens check`: the whole command's name
        print(f"curate {args.command}{f' {action}' if action else ''}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
