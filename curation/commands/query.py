"""`curate query SQL`: duckdb over the shards, with views `docs` (kept) and `removed`."""

from __future__ import annotations

import argparse
import json
import os
import sys

from curation.errors import UsageError


def connect(output_dir: str):
    """A duckdb connection with views `docs` and `removed` over OUT/data and OUT/removed (empty if absent)."""
    import duckdb

    if not os.path.isdir(output_dir):
        raise UsageError(f"no curated output at {output_dir!r} (run `curate run --output {output_dir}` first)")
    con = duckdb.connect()
    shards = {kind: _shards(os.path.join(output_dir, kind)) for kind in ("data", "removed")}
    for view, kind in (("docs", "data"), ("removed", "removed")):
        if shards[kind]:
            pattern = os.path.join(output_dir, kind, "*.parquet")
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{_quote(pattern)}', union_by_name=true)")
        else:  # an empty view with the columns this run wrote, so queries still run
            con.register(f"_{view}_empty", _empty_schema(kind == "removed", shards).empty_table())
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM _{view}_empty")
    return con


def _shards(path: str) -> list[str]:
    names = os.listdir(path) if os.path.isdir(path) else []
    return sorted(os.path.join(path, n) for n in names if n.endswith(".parquet") and not n.startswith("."))


def _empty_schema(removed: bool, shards: dict[str, list[str]]):
    """The schema of the kind that has no shards: the other kind's extra columns (quality score, signals) included."""
    import pyarrow.parquet as pq

    from curation.schema import SIGNALS_COLUMN, schema_for

    other = shards["data" if removed else "removed"]
    if not other:
        return schema_for(removed, None)
    written = pq.read_schema(other[0])
    names = written.names
    signals = [f.name for f in written.field(SIGNALS_COLUMN).type] if SIGNALS_COLUMN in names else None
    return schema_for(removed, signals, quality="score" in names)


def _quote(s: str) -> str:
    return s.replace("'", "''")


def _print_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> None:
    def cell(v) -> str:
        s = "NULL" if v is None else str(v).replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _run(args: argparse.Namespace) -> int:
    import duckdb

    con = connect(args.output)
    try:
        result = con.execute(args.sql)
    except duckdb.Error as e:
        raise UsageError(str(e).splitlines()[0]) from e
    columns = [d[0] for d in result.description] if result.description else []
    rows = result.fetchall()
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
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
    parser.set_defaults(func=_run)
