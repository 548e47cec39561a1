"""`curate query SQL`: duckdb over the shards, with views `docs` (kept) and `removed`; `--language` for one language."""

from __future__ import annotations

import argparse
import json
import sys

from curation.errors import UsageError
from curation.flags import curated_dir


def _print_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> None:
    def cell(v) -> str:
        s = "NULL" if v is None else str(v).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _run(args: argparse.Namespace) -> int:
    curated_dir("--output", args.output)
    import duckdb

    from curation.views import connect

    con = connect(args.output, args.language)
    try:
        result = con.execute(args.sql)
    except duckdb.Error as e:
        raise UsageError(str(e).splitlines()[0]) from e
    columns = [d[0] for d in result.description] if result.description else []
    rows = result.fetchall()
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")  # as duckdb's CLI; csv's "\r\n" makes `| tail -1` 40\r
        writer.writerow(columns)
        writer.writerows(rows)
    elif args.format == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str))
    else:
        _print_table(columns, rows)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("query", help="run SQL over the shards with duckdb", description=__doc__)
    parser.add_argument("sql", help='SQL over the views docs and removed, e.g. "SELECT language, count(*) FROM docs GROUP BY 1"')
    parser.add_argument("--output", default="out", help="curated output directory (default: out)")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format (default: table)")
    parser.add_argument("--language", metavar="NAME", default=None,
                        help="only this language folder's shards, e.g. deu_Latn (default: every language)")
    parser.set_defaults(func=_run)
