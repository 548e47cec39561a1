"""`curate report OUT_DIR`: OUT_DIR/report.html, one self-contained page (charts embedded, opens offline).

Funnel, drops by reason, languages, language score and token histograms, every
filter signal with its thresholds (needs `curate run --signals`), top domains
kept and removed, example documents per drop reason, and run metadata.
"""

from __future__ import annotations

import argparse

from curation.errors import UsageError
from curation.flags import curated_dir, integer, output_file


def _run(args: argparse.Namespace) -> int:
    if "://" in args.output_dir:
        raise UsageError(f"report needs a local output directory, not {args.output_dir!r} (copy it locally first)")
    curated_dir("OUT_DIR", args.output_dir)
    if args.output:
        output_file("--output", args.output)
    from curation.report import write_report

    path = write_report(args.output_dir, args.output, args.examples)
    print(f"wrote {path}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write a self-contained HTML report of a run (charts, drops, examples)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("output_dir", nargs="?", default="out", metavar="OUT_DIR",
                        help="curated output directory (default: out)")
    parser.add_argument("--examples", type=integer(0), default=3, metavar="N",
                        help="example documents shown per drop reason (default: 3)")
    parser.add_argument("--output", metavar="FILE", help="where to write the page (default: OUT_DIR/report.html)")
    parser.set_defaults(func=_run)
