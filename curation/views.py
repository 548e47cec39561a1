"""duckdb over a curated output: views `docs` (OUT/data, kept) and `removed` (OUT/removed), for `curate query` and the report.

The views read the shards `run_shards` lists (every language folder, or one), not a glob of their own.
"""

from __future__ import annotations

import os

from curation.errors import UsageError
from curation.run_output import run_languages, run_shards


def connect(output_dir: str, language: str | None = None):
    """A duckdb connection with views `docs` and `removed` over OUT/data and OUT/removed (empty if absent),
    of every language or only of the language folder `language` (an unknown one names those present)."""
    import duckdb

    if not os.path.isdir(output_dir):
        raise UsageError(f"no curated output at {output_dir!r} (run `curate run --output {output_dir}` first)")
    if language is not None:
        present = sorted(set(run_languages(output_dir, "data")) | set(run_languages(output_dir, "removed")))
        if language not in present:
            raise UsageError(f"--language {language!r}: no such language in {output_dir!r}; "
                             f"languages present: {', '.join(present) or 'none'}")
    con = duckdb.connect()
    shards = {kind: run_shards(output_dir, kind, language) for kind in ("data", "removed")}
    for view, kind in (("docs", "data"), ("removed", "removed")):
        if shards[kind]:
            files = ", ".join(f"'{_quote(path)}'" for path in shards[kind])
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{files}], union_by_name=true)")
        else:  # an empty view with the columns this run wrote, so queries still run
            con.register(f"_{view}_empty", _empty_schema(kind == "removed", shards).empty_table())
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM _{view}_empty")
    return con


def _empty_schema(removed: bool, shards: dict[str, list[str]]):
    """The schema of the kind that has no shards: the other kind's extra columns (quality score, signals) included."""
    import pyarrow.parquet as pq

    from curation.schema import CONTAMINATION_COLUMN, SIGNALS_COLUMN, schema_for

    other = shards["data" if removed else "removed"]
    if not other:
        return schema_for(removed, None)
    written = pq.read_schema(other[0])
    names = written.names
    signals = [f.name for f in written.field(SIGNALS_COLUMN).type] if SIGNALS_COLUMN in names else None
    return schema_for(removed, signals, quality="score" in names, contamination=CONTAMINATION_COLUMN in names)


def _quote(s: str) -> str:
    return s.replace("'", "''")
