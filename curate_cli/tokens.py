"""`curate tokens check|show`: verify a token directory against its manifest, or decode one document."""

from __future__ import annotations

import argparse
import sys

from curation.errors import UsageError
from curation.flags import existing_dir, integer

TOK_DIR_HINT = "pass the --output folder of `curate tokenize`"


def register(subparsers) -> None:
    p = subparsers.add_parser("tokens", help="check or inspect the output of `curate tokenize`")
    actions = p.add_subparsers(dest="tokens_command", metavar="ACTION")
    actions.required = True
    check = actions.add_parser(
        "check",
        help="verify sizes, dtype and vocabulary range, boundary tokens and counts against manifest.json",
        description="Exit 0 if TOK_DIR matches its manifest; otherwise list every mismatch and exit 1.",
    )
    check.add_argument("tok_dir", metavar="TOK_DIR", help="output folder of `curate tokenize`")
    check.set_defaults(func=run_check)
    show = actions.add_parser("show", help="decode one document back to text")
    show.add_argument("tok_dir", metavar="TOK_DIR", help="output folder of `curate tokenize`")
    show.add_argument("--doc", type=integer(0), required=True, metavar="N", help="document number within the split, from 0")
    show.add_argument("--split", choices=("train", "val"), default="train", help="which split; default: %(default)s")
    show.set_defaults(func=run_show)


def run_check(args: argparse.Namespace) -> int:
    existing_dir("TOK_DIR", args.tok_dir, TOK_DIR_HINT)
    from curation.tokens import check_tokens

    problems, summary = check_tokens(args.tok_dir)
    for line in summary:
        print(line)
    for problem in problems:
        print(f"curate tokens check: {problem}", file=sys.stderr)
    if problems:
        print(f"{args.tok_dir}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.tok_dir}: ok")
    return 0


def run_show(args: argparse.Namespace) -> int:
    existing_dir("TOK_DIR", args.tok_dir, TOK_DIR_HINT)
    from curation.tokens import show_document

    try:
        text = show_document(args.tok_dir, args.split, args.doc)
    except IndexError as e:
        raise UsageError(str(e)) from None
    except (ValueError, KeyError) as e:  # TokenDataError is a ValueError
        print(f"curate tokens show: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
