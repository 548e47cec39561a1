"""`curate stats OUT`: the funnel of a run, per stage, per reason and per language, from OUT/stats.json."""

from __future__ import annotations

import argparse
import os

from curation.errors import UsageError
from curation.flags import curated_dir
from curation.report_data import language_funnel


def format_stats(stats: dict) -> str:
    lines = []
    read = stats["records_read"]

    def pct(n: int) -> str:
        return f"{100 * n / read:6.2f}%" if read else "      -"

    lines.append(f"records read {read:>10}")
    lines.append("")
    lines.append(f"{'stage':<20}{'in':>10}{'out':>10}{'seconds':>10}{'docs/s':>10}")
    for st in stats["stages"]:
        rate = f"{st['in'] / st['seconds']:.0f}" if st["seconds"] > 0 else "-"
        lines.append(f"{st['name']:<20}{st['in']:>10}{st['out']:>10}{st['seconds']:>10.2f}{rate:>10}")
    for title, key in (("dropped", "dropped"), ("errors", "errors")):
        if stats[key]:
            lines.append("")
            lines.append(f"{title + ' by reason':<40}{'count':>10}{'of read':>10}")
            for reason, n in sorted(stats[key].items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {reason:<38}{n:>10}{pct(n):>10}")
    lines.append("")
    lines.append(f"{'kept':<40}{stats['kept']:>10}{pct(stats['kept']):>10}")
    total = stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())
    lines.append(f"accounting: read {read} = kept + dropped + errors = {total} ({'ok' if total == read else 'MISMATCH'})")
    funnel = language_funnel(stats)
    if funnel:
        lines.append("")
        lines.append("by language, from language identification on:")
        lines.append(f"{'language':<14}{'documents':>10}{'kept':>10}{'kept %':>8}{'dropped':>10}  top drop reason")
        for row in funnel:
            share = f"{100 * row.kept / row.documents:7.1f}%" if row.documents else "       -"
            top = f"{row.top_reason} ({row.top_count})" if row.top_reason else "-"
            lines.append(f"{row.language:<14}{row.documents:>10}{row.kept:>10}{share}{row.dropped:>10}  {top}")
    if stats["file_errors"]:
        lines.append("")
        lines.append("files not read to the end:")
        for path, message in stats["file_errors"].items():
            lines.append(f"  {path}: {message.splitlines()[0] if message else ''}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from curation.stats import load_stats

    path = os.path.join(curated_dir("OUT_DIR", args.output, "stats.json"), "stats.json")
    if not os.path.exists(path):
        raise UsageError(f"no stats.json in {args.output!r}")
    print(format_stats(load_stats(path)))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("stats", help="show a run's funnel per stage, drop reason and language", description=__doc__)
    parser.add_argument("output", nargs="?", default="out", metavar="OUT_DIR", help="curated output directory (default: out)")
    parser.set_defaults(func=_run)
