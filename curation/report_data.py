"""What a curation report shows, read once from one output directory into plain Python values.

Sources: OUT/stats.json (the funnel), OUT/run.json when present (wall time,
versions), and duckdb over the Parquet shards (languages, domains, signals,
examples). Filter thresholds are read from the run's filter instances, so a
re-tuned filter reports its own limits. Histograms use a seeded sample of at
most `SAMPLE_ROWS` documents so the report stays cheap on a large run; every
count is exact. Nothing here draws or writes HTML: `curation.report_charts`
and `curation.report` do, without further I/O.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from curation.errors import UsageError
from curation.languages import output_language

SAMPLE_ROWS = 200_000
TOP_DOMAINS = 15


def format_number(value: float) -> str:
    """1,000 for whole numbers, three significant digits otherwise: how limits and signals read on the page."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.3g}"


def reason_group(reason: str) -> str:
    """The filter of a `filter:why` drop reason (a reason without a colon is its own group)."""
    return reason.split(":", 1)[0]


@dataclass(frozen=True)
class LanguageFunnel:
    """One language's documents from language identification on (stats.json's "languages")."""

    language: str
    documents: int
    kept: int
    dropped: int
    top_reason: str | None  # the most frequent drop reason (ties: first by name)
    top_count: int


def language_funnel(stats: dict) -> list[LanguageFunnel]:
    """stats.json's per-language funnel, most documents first; empty for a run written before it had one."""
    rows = []
    for name, counts in stats.get("languages", {}).items():
        dropped = counts.get("dropped", {})
        top = min(dropped.items(), key=lambda kv: (-kv[1], kv[0]), default=(None, 0))
        rows.append(LanguageFunnel(name, counts["documents"], counts["kept"], sum(dropped.values()), *top))
    return sorted(rows, key=lambda row: (-row.documents, row.language))


# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Threshold:
    """A filter limit on one signal; `drops` is the comparison that drops a document (">", ">=", "<", "<=")."""

    value: float
    drops: str

    @property
    def rule(self) -> str:
        return f"drop if {self.drops.replace('>=', '≥').replace('<=', '≤')} {format_number(self.value)}"


def signal_thresholds(text_filters: list) -> dict[str, list[Threshold]]:
    """signal name -> its limits, as each filter instance states them (`thresholds()`), so a re-tuned filter
    draws its own lines; limits set to None (check off) are left out."""
    limits: dict[str, list[Threshold]] = {}
    for f in text_filters:
        for signal, value, drops in f.thresholds():
            limits.setdefault(signal, [])
            if value is not None:
                limits[signal].append(Threshold(float(value), drops))
    return limits


# ---------------------------------------------------------------- data


@dataclass
class ReportData:
    """Everything the page shows, gathered once so rendering does no I/O."""

    output_dir: str
    stats: dict
    run_info: dict | None
    text_filters: list  # filter instances of the run's recipe, for signal names and thresholds
    kept_tokens: int
    languages: list[tuple[str, int, int]]  # language as outputs name it (deu_Latn), kept, removed
    sample: list[dict]  # filter_reason, language, language_score, token_count, signal columns
    signal_columns: list[str]
    kept_domains: list[tuple[str, int, int]]  # host, docs, tokens
    removed_domains: list[tuple[str, int, list[tuple[str, int]]]]  # host, docs, top reasons
    examples: dict[str, list[dict]]  # filter_reason -> rows
    has_removed: bool
    documents: int  # documents with text in data/ and removed/
    thresholds: dict[str, list[Threshold]]


_HOST_SQL = (
    "regexp_replace(lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)', 1)), "
    "'^www\\.', '')"
)


def gather(output_dir: str, examples: int) -> ReportData:
    """Read stats.json, run.json and the shards of one output directory."""
    from curation.views import connect
    from curation.stats import load_stats
    from filters import build_text_filters

    stats_path = os.path.join(output_dir, "stats.json")
    if not os.path.exists(stats_path):
        raise UsageError(f"no stats.json in {output_dir!r} (run `curate run --output {output_dir}` first)")
    try:
        stats = load_stats(stats_path)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {stats_path}: {e}") from e
    if not isinstance(stats, dict) or not {"records_read", "kept", "dropped", "errors"} <= stats.keys():
        raise UsageError(f"{stats_path} is not a stats.json written by `curate run`")
    run_info = _read_run_info(os.path.join(output_dir, "run.json"))
    text_filters = build_text_filters(stats.get("config", {}).get("filters", []))

    con = connect(output_dir)
    docs_signals = _signal_fields(con, "docs")
    removed_signals = _signal_fields(con, "removed")
    wanted = [name for f in text_filters for name in f.signal_names]
    signal_columns = [name for name in wanted if name in docs_signals or name in removed_signals]
    base = "url, language, language_score, token_count"
    con.execute(
        f"CREATE TEMP VIEW everything AS "
        f"SELECT NULL::VARCHAR AS filter_reason, {base}{', signals' if docs_signals else ''} FROM docs "
        f"UNION ALL BY NAME "
        f"SELECT filter_reason, {base}{', signals' if removed_signals else ''} FROM removed"
    )
    signal_select = "".join(f", signals.{name} AS {name}" for name in signal_columns)
    rows = con.execute(
        f"SELECT filter_reason, language, language_score, token_count{signal_select} FROM everything "
        f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (0)"
    )
    names = [d[0] for d in rows.description]
    sample = [dict(zip(names, row)) for row in rows.fetchall()]

    by_code = con.execute(
        "SELECT coalesce(language, ''), count(*) FILTER (WHERE filter_reason IS NULL), "
        "count(*) FILTER (WHERE filter_reason IS NOT NULL) FROM everything GROUP BY 1"
    ).fetchall()
    by_name: dict[str, list[int]] = {}  # named as the output folders and the funnel table name them
    for code, kept, removed in by_code:
        counts = by_name.setdefault(output_language(code), [0, 0])
        counts[0] += kept
        counts[1] += removed
    languages = sorted(((name, k, r) for name, (k, r) in by_name.items()), key=lambda row: (-row[1] - row[2], row[0]))
    documents = sum(k + r for _, k, r in languages)
    kept_domains = con.execute(
        f"SELECT {_HOST_SQL} AS host, count(*), coalesce(sum(token_count), 0) FROM docs "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP_DOMAINS}"
    ).fetchall()
    removed_top = con.execute(
        f"SELECT {_HOST_SQL} AS host, count(*) FROM removed GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP_DOMAINS}"
    ).fetchall()
    reasons: dict[str, list[tuple[str, int]]] = {}
    if removed_top:
        con.execute("CREATE TEMP TABLE top_hosts (host VARCHAR)")
        con.executemany("INSERT INTO top_hosts VALUES (?)", [(h,) for h, _ in removed_top])
        for host, reason, n in con.execute(
            f"SELECT {_HOST_SQL} AS host, filter_reason, count(*) FROM removed "
            f"WHERE {_HOST_SQL} IN (SELECT host FROM top_hosts) GROUP BY 1, 2 ORDER BY 3 DESC, 2"
        ).fetchall():
            reasons.setdefault(host, []).append((reason, n))
    removed_domains = [(host, n, reasons.get(host, [])) for host, n in removed_top]

    example_rows = con.execute(
        f"SELECT filter_reason, url, left(text, 4000) AS text, language, language_score, duplicate_of"
        f"{', signals' if removed_signals else ''} FROM ("
        f"  SELECT *, row_number() OVER (PARTITION BY filter_reason ORDER BY id, url) AS k FROM removed"
        f") WHERE k <= ? ORDER BY filter_reason, k",
        [examples],
    )
    names = [d[0] for d in example_rows.description]
    by_reason: dict[str, list[dict]] = {}
    for row in example_rows.fetchall():
        item = dict(zip(names, row))
        by_reason.setdefault(item["filter_reason"], []).append(item)
    kept_tokens = con.execute("SELECT coalesce(sum(token_count), 0) FROM docs").fetchone()[0]
    has_removed = os.path.isdir(os.path.join(output_dir, "removed"))
    return ReportData(
        output_dir=output_dir, stats=stats, run_info=run_info, text_filters=text_filters,
        kept_tokens=int(kept_tokens), languages=languages, sample=sample, signal_columns=signal_columns,
        kept_domains=kept_domains, removed_domains=removed_domains, examples=by_reason,
        has_removed=has_removed, documents=documents, thresholds=signal_thresholds(text_filters),
    )


def _read_run_info(path: str) -> dict | None:
    """OUT/run.json, or None when absent or unreadable (older runs, remote runs)."""
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _signal_fields(con, view: str) -> set[str]:
    """Field names of a view's `signals` struct, empty when the run did not store signals."""
    columns = {d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description}
    if "signals" not in columns:
        return set()
    return {d[0] for d in con.execute(f"SELECT unnest(signals) FROM {view} LIMIT 0").description}
