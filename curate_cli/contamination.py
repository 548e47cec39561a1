"""`curate contamination OUT_DIR --against NAME=PATH`: which benchmark rows a curated output's kept documents quote.

For each benchmark: its rows that share a word 13-gram with a kept document (texts of 8 to 12 words: the whole
text), as a count and a share, and the documents involved, with examples. The output is read, never rewritten;
`curate run --decontaminate NAME=PATH` is what keeps such documents out.
"""

from __future__ import annotations

import argparse
import json

from curation.errors import UsageError
from curation.flags import curated_dir, integer


def format_report(result: dict, out_dir: str) -> str:
    lines = [f"{result['documents']} kept documents of {out_dir} against "
             f"{len(result['benchmarks'])} benchmark(s) (word 13-grams; texts of 8-12 words whole)", "",
             f"{'benchmark':<16}{'rows':>8}{'contaminated':>14}{'share':>9}{'documents':>11}"]
    for name, b in result["benchmarks"].items():
        lines.append(f"{name:<16}{b['rows']:>8}{b['contaminated_rows']:>14}{b['share']:>9.2%}{b['documents']:>11}")
    for name, b in result["benchmarks"].items():
        if b["examples"]:
            lines += ["", f"{name}: first {len(b['examples'])} of {b['documents']} documents"]
            lines += [f"  row {e['row']:>6}  {e['url'] or e['id']}\n              \"{e['ngram']}\"" for e in b["examples"]]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from curation.contamination import load_index, report
    from curation.run_output import run_shards

    out_dir = curated_dir("OUT_DIR", args.output)
    shards = run_shards(out_dir)
    if not shards:
        raise UsageError(f"no kept documents in {out_dir!r} (no data/*/*.parquet)")
    index = load_index(args.against, "--against")
    result = report(index, shards, examples=args.examples)
    print(json.dumps(result) if args.json else format_report(result, out_dir))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("contamination", help="which benchmark rows a curated output quotes (13-gram overlap)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("output", metavar="OUT_DIR", help="a `curate run` output")
    p.add_argument("--against", action="append", required=True, metavar="NAME=PATH",
                   help="a benchmark file: JSONL, JSON or Parquet, optionally gzipped; every string of a row is its "
                        "text (repeatable)")
    p.add_argument("--examples", type=integer(0), default=10, help="example documents listed per benchmark (default: 10)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=_run)
