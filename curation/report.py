"""One self-contained HTML page that shows what a curation run kept, dropped, and why.

Sources: OUT/stats.json (the funnel), OUT/run.json when present (wall time,
versions), and duckdb over the Parquet shards (languages, domains, signals,
examples). Charts are matplotlib PNGs embedded as data URIs, so the page opens
offline and travels as one file. Every string that came from the web (URLs,
page text, hosts) is HTML-escaped and stripped of control and bidi-override
characters: pages are hostile. Histograms use a seeded sample of at most
`SAMPLE_ROWS` documents so the report stays cheap on a large run; every count
in a table is exact.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from curation.errors import UsageError

SAMPLE_ROWS = 200_000
TOP_DOMAINS = 15
TOP_LANGUAGES = 15
EXAMPLE_LINES = 6
EXAMPLE_LINE_CHARS = 200
URL_CHARS = 300

KEPT_COLOR, DROPPED_COLOR, OTHER_COLOR, ERROR_COLOR = "#2f9e44", "#e03131", "#adb5bd", "#f08c00"

SECTIONS = (
    ("summary", "Summary"),
    ("funnel", "Funnel"),
    ("drops", "Drops by reason"),
    ("languages", "Languages"),
    ("distributions", "Language score and tokens"),
    ("signals", "Filter signals"),
    ("domains", "Top domains"),
    ("examples", "Dropped examples"),
    ("run", "Run metadata"),
)


# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Threshold:
    """A filter limit on one signal; `drops` is the comparison that drops a document (">", ">=", "<", "<=")."""

    value: float
    drops: str

    @property
    def rule(self) -> str:
        return f"drop if {self.drops.replace('>=', '≥').replace('<=', '≤')} {_number(self.value)}"


def signal_thresholds(text_filters: list) -> dict[str, list[Threshold]]:
    """signal name -> its limits, read from filter instances (so a re-tuned filter draws its own lines).

    Maps each filter's constructor attributes to the signal it bounds and the
    comparison that drops; limits set to None (check off) are left out.
    """
    limits: dict[str, list[tuple[float | None, str]]] = {}

    def add(signal: str, value: float | None, drops: str) -> None:
        limits.setdefault(signal, []).append((value, drops))

    for f in text_filters:
        p = f"{f.name}_"
        if f.name == "gopher_repetition":
            for attr in ("dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac"):
                add(p + attr, getattr(f, attr), ">")
            for n, value in f.top_n_grams:
                add(f"{p}top_{n}_gram_char_frac", value, ">")
            for n, value in f.dup_n_grams:
                add(f"{p}dup_{n}_gram_char_frac", value, ">")
        elif f.name == "gopher_quality":
            add(p + "words", f.min_doc_words, "<")
            add(p + "words", f.max_doc_words, ">")
            add(p + "mean_word_length", f.min_avg_word_length, "<")
            add(p + "mean_word_length", f.max_avg_word_length, ">")
            add(p + "hash_ratio", f.max_symbol_word_ratio, ">")
            add(p + "ellipsis_ratio", f.max_symbol_word_ratio, ">")
            add(p + "bullet_lines_ratio", f.max_bullet_lines_ratio, ">")
            add(p + "ellipsis_lines_ratio", f.max_ellipsis_lines_ratio, ">")
            add(p + "alpha_words_ratio", f.min_alpha_words_ratio, "<")
            add(p + "stop_words", f.min_stop_words, "<")
        elif f.name == "c4":
            add(p + "sentences", f.min_num_sentences, "<")
        elif f.name == "fineweb":
            add(p + "line_punct_ratio", f.line_punct_thr, "<=")
            add(p + "short_line_ratio", f.short_line_thr, ">=")
            add(p + "char_dup_ratio", f.char_duplicates_ratio, ">=")
            add(p + "newline_ratio", f.new_line_ratio, ">")
    return {s: [Threshold(float(v), d) for v, d in pairs if v is not None] for s, pairs in limits.items()}


# ---------------------------------------------------------------- data


@dataclass
class ReportData:
    """Everything the page shows, gathered once so rendering does no I/O."""

    output_dir: str
    stats: dict
    run_info: dict | None
    text_filters: list  # filter instances of the run's recipe, for signal names and thresholds
    kept_tokens: int
    languages: list[tuple[str, int, int]]  # language, kept, removed
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
    from curation.commands.query import connect
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

    languages = con.execute(
        "SELECT coalesce(language, ''), count(*) FILTER (WHERE filter_reason IS NULL), "
        "count(*) FILTER (WHERE filter_reason IS NOT NULL) FROM everything GROUP BY 1 ORDER BY count(*) DESC, 1"
    ).fetchall()
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


# ---------------------------------------------------------------- charts


def _png(fig) -> str:
    """A matplotlib Figure as an <img> with a base64 data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


def _figure(width: float, height: float):
    """A Figure without pyplot: no global backend or state, safe to build anywhere."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _plain_counts():
    """Tick labels 1, 10, 1,000 instead of 10⁰, 10¹, 10³ on log-scaled counts."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def funnel_steps(stats: dict) -> list[tuple[str, int]]:
    """(label, documents left) from records read to kept; trailing stages that drop nothing are left out."""
    stages = stats.get("stages", [])
    last_dropping = max((i for i, st in enumerate(stages) if st["in"] != st["out"] and st["name"] != "read"), default=0)
    steps = [("records read", stats["records_read"])]
    for i, st in enumerate(stages[: last_dropping + 1]):
        label = "HTML responses" if st["name"] == "read" else f"after {st['name']}"
        steps.append((label, st["out"]))
    steps.append(("kept", stats["kept"]))
    return steps


def funnel_chart(stats: dict) -> str:
    steps = funnel_steps(stats)
    total = max(stats["records_read"], 1)
    fig = _figure(7.5, 0.34 * len(steps) + 0.6)
    ax = fig.subplots()
    labels = [label for label, _ in steps][::-1]
    values = [n for _, n in steps][::-1]
    colors = [KEPT_COLOR if label == "kept" else "#4c6ef5" for label in labels]
    bars = ax.barh(labels, values, color=colors)
    previous = [None] + [n for _, n in steps][:-1]
    notes = []
    for (label, n), before in zip(steps, previous):
        lost = f"   −{before - n:,}" if before is not None and before > n else ""
        notes.append(f" {n:,} ({100 * n / total:.1f}%){lost}")
    for bar, note in zip(bars, notes[::-1]):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, note, va="center", fontsize=8)
    ax.set_xlim(0, total * 1.25)
    ax.set_xlabel("documents (share of records read; − dropped at that step)", fontsize=8)
    _style(ax)
    return _png(fig)


def reason_group(reason: str) -> str:
    return reason.split(":", 1)[0]


def drops_chart(stats: dict) -> str:
    items = [(f"{r}", n, False) for r, n in stats["dropped"].items()]
    items += [(f"error: {r}", n, True) for r, n in stats["errors"].items()]
    if not items:
        return "<p class=note>Nothing was dropped.</p>"
    items.sort(key=lambda t: (-t[1], t[0]))
    items.reverse()  # barh draws the first item at the bottom: largest on top, ties in name order
    filter_groups = sorted({reason_group(r) for r, _, err in items if not err and ":" in r})
    palette = ["#7048e8", "#1098ad", "#d6336c", "#5c940d", "#ae3ec9", "#1c7ed6", "#0ca678"]
    color = {g: palette[i % len(palette)] for i, g in enumerate(filter_groups)}

    def bar_color(reason: str, error: bool) -> str:
        if error:
            return ERROR_COLOR
        return color[reason_group(reason)] if ":" in reason else "#748ffc"

    fig = _figure(9, 0.27 * len(items) + 0.8)
    ax = fig.subplots()
    counts = [n for _, n, _ in items]
    bars = ax.barh([r for r, _, _ in items], counts,
                   color=[bar_color(r, err) for r, _, err in items])
    total = max(stats["records_read"], 1)
    for bar, n in zip(bars, counts):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {n:,} ({100 * n / total:.1f}%)",
                va="center", fontsize=8)
    if max(counts) / max(min(counts), 1) > 50:
        ax.set_xscale("log")
        ax.set_xlim(0.8, max(counts) * 6)
        ax.xaxis.set_major_formatter(_plain_counts())
        ax.set_xlabel("records or documents (log scale)", fontsize=8)
    else:
        ax.set_xlim(0, max(counts) * 1.25)
        ax.set_xlabel("records or documents", fontsize=8)
    ax.margins(y=0.01)
    _style(ax)
    return _png(fig)


def languages_chart(languages: list[tuple[str, int, int]]) -> str:
    top = languages[:TOP_LANGUAGES]
    rest = languages[TOP_LANGUAGES:]
    if rest:
        top = top + [(f"{len(rest)} others", sum(k for _, k, _ in rest), sum(r for _, _, r in rest))]
    top = top[::-1]
    fig = _figure(9, 0.3 * len(top) + 0.9)
    ax = fig.subplots()
    labels = [(lang or "(none)").replace("$", r"\$") for lang, _, _ in top]  # a custom model's label is not mathtext
    kept = [k for _, k, _ in top]
    removed = [r for _, _, r in top]
    ax.barh(labels, kept, color=KEPT_COLOR, label="kept")
    ax.barh(labels, removed, left=kept, color=OTHER_COLOR, label="removed (any reason)")
    for i, (k, r) in enumerate(zip(kept, removed)):
        ax.text(k + r, i, f" {k + r:,}", va="center", fontsize=8)
    ax.set_xlim(0, max(k + r for k, r in zip(kept, removed)) * 1.15)
    ax.set_xlabel("documents by fastText language", fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    return _png(fig)


def _bins(values: list[float], extra: list[float], log: bool = False):
    import numpy as np

    lo, hi = min(values + extra), max(values + extra)
    if log:
        lo = max(lo, 1)
        return np.geomspace(lo, max(hi, lo * 2), 31)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, 31)


def _visible_limits(values: list[float], limits: list[Threshold]) -> tuple[list[Threshold], list[Threshold]]:
    """Limits near the data are drawn; far ones (e.g. 100,000 words) would squash the histogram and are named."""
    lo, hi = min(values), max(values)
    span = max(hi - lo, abs(hi), abs(lo))
    near = [t for t in limits if span == 0 or lo - 4 * span <= t.value <= hi + 4 * span]
    return near, [t for t in limits if t not in near]


def _stacked_hist(ax, series: list[tuple[str, str, list[float]]], limits: list[Threshold], log: bool = False,
                  log_counts: bool = False) -> None:
    """Stacked histogram of (label, color, values) with each limit drawn as a dashed vertical line.

    `log_counts` puts counts on a log scale, so a handful of dropped documents stay visible beside thousands kept.
    """
    values = [v for _, _, vs in series for v in vs]
    near, far = _visible_limits(values, limits)
    bins = _bins(values, [t.value for t in near], log)
    present = [(label, color, vs) for label, color, vs in series if vs]
    ax.hist([vs for _, _, vs in present], bins=bins, stacked=True, color=[c for _, c, _ in present],
            label=[label for label, _, _ in present])
    if log:
        ax.set_xscale("log")
    if log_counts:
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.7)
        ax.yaxis.set_major_formatter(_plain_counts())
    for t in near:
        ax.axvline(t.value, color="black", linestyle="--", linewidth=1)
        ax.annotate(t.rule.removeprefix("drop if "), xy=(t.value, 1), xycoords=("data", "axes fraction"),
                    xytext=(2, -2), textcoords="offset points", va="top", fontsize=7)
    if far:
        ax.set_xlabel("off chart: " + ", ".join(t.rule for t in far), fontsize=7)
    _style(ax)


def distributions_chart(data: ReportData) -> str:
    config = data.stats.get("config", {})
    min_score = config.get("min_lang_score")
    scored = [row for row in data.sample if row["language_score"] is not None]
    tokens = [row["token_count"] for row in data.sample if row["filter_reason"] is None and row["token_count"] is not None]
    if not scored:
        return "<p class=note>No documents with text in this run.</p>"
    fig = _figure(12, 3)
    ax_score, ax_tokens = fig.subplots(1, 2)

    def scores(pred) -> list[float]:
        return [row["language_score"] for row in scored if pred(row["filter_reason"])]

    series = [
        ("kept", KEPT_COLOR, scores(lambda r: r is None)),
        ("dropped: language", "#845ef7", scores(lambda r: r == "language")),
        ("dropped: language_score", DROPPED_COLOR, scores(lambda r: r == "language_score")),
        ("dropped later", OTHER_COLOR, scores(lambda r: r not in (None, "language", "language_score"))),
    ]
    limits = [Threshold(float(min_score), "<=")] if min_score is not None else []
    _stacked_hist(ax_score, series, limits)
    ax_score.set_title("language_score (fastText top-1 probability)", fontsize=9)
    ax_score.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=4)
    if tokens:
        wide = min(tokens) > 0 and max(tokens) / max(min(tokens), 1) > 100
        _stacked_hist(ax_tokens, [("kept", KEPT_COLOR, [float(t) for t in tokens])], [], log=wide)
        ax_tokens.set_title(f"token_count of kept documents (cl100k_base{', log scale' if wide else ''})", fontsize=9)
    else:
        ax_tokens.set_axis_off()
        ax_tokens.set_title("no kept documents", fontsize=9)
    return _png(fig)


def signals_chart(data: ReportData, text_filter) -> str | None:
    """One figure per filter: every signal, split into documents it passed and documents it dropped."""
    names = [n for n in text_filter.signal_names if n in data.signal_columns]
    reached = [row for row in data.sample if any(row[n] is not None for n in names)]
    if not names or not reached:
        return None
    ncols = 4
    nrows = math.ceil(len(names) / ncols)
    fig = _figure(12, 2.2 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    prefix = f"{text_filter.name}:"
    for ax, name in zip(axes, names):
        rows = [row for row in reached if row[name] is not None]
        dropped = [row[name] for row in rows if (row["filter_reason"] or "").startswith(prefix)]
        passed = [row[name] for row in rows if not (row["filter_reason"] or "").startswith(prefix)]
        _stacked_hist(ax, [(f"passed {text_filter.name}", KEPT_COLOR, passed),
                           (f"dropped by {text_filter.name}", DROPPED_COLOR, dropped)],
                      data.thresholds.get(name, []), log_counts=True)
        ax.set_title(name.removeprefix(f"{text_filter.name}_"), fontsize=9)
    for ax in axes[len(names):]:
        ax.set_axis_off()
    from matplotlib.patches import Patch

    handles = [Patch(color=KEPT_COLOR, label=f"passed {text_filter.name}"),
               Patch(color=DROPPED_COLOR, label=f"dropped by {text_filter.name}")]
    fig.legend(handles=handles, loc="upper center", ncols=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (2.2 * nrows + 0.4)))
    return _png(fig)


# ---------------------------------------------------------------- HTML

_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def esc(value) -> str:
    """Web text -> safe HTML text: escaped, with control and bidi-override characters shown as �."""
    return html.escape(_UNSAFE_CHARS.sub("\ufffd", str(value)), quote=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.3g}"


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """An HTML table; cells are already-safe HTML."""
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(key: str, body: str, intro: str = "") -> str:
    title = dict(SECTIONS)[key]
    intro_html = f"<p class=intro>{intro}</p>" if intro else ""
    return f'<section id="{key}"><h2>{esc(title)}</h2>{intro_html}{body}</section>'


def _summary(data: ReportData) -> str:
    stats, info = data.stats, data.run_info or {}
    read = stats["records_read"]
    html_responses = next((st["out"] for st in stats.get("stages", []) if st["name"] == "read"), None)
    wall = info.get("wall_seconds")
    tiles = [
        ("records read", f"{read:,}"),
        ("HTML responses", f"{html_responses:,}" if html_responses is not None else "–"),
        ("kept", f"{stats['kept']:,}" + (f" ({100 * stats['kept'] / read:.1f}%)" if read else "")),
        ("kept tokens", f"{data.kept_tokens:,}"),
        ("wall time", f"{wall:,.1f} s" if isinstance(wall, (int, float)) else "–"),
        ("records/s", f"{read / wall:,.0f}" if isinstance(wall, (int, float)) and wall > 0 else "–"),
    ]
    total = stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())
    check = "ok" if total == read else "MISMATCH"
    body = "<div class=tiles>" + "".join(
        f"<div class=tile><div class=v>{esc(v)}</div><div class=k>{esc(k)}</div></div>" for k, v in tiles
    ) + "</div>"
    body += (f"<p class={'ok' if check == 'ok' else 'bad'}>Accounting: records read {read:,} = kept + dropped + "
             f"errors = {total:,} ({check}).</p>")
    if stats.get("file_errors"):
        items = "".join(f"<li><code>{esc(_cut(p, URL_CHARS))}</code>: {esc(_cut(str(m), 300))}</li>"
                        for p, m in stats["file_errors"].items())
        body += f"<p>Files not read to the end (records before the damage were kept):</p><ul>{items}</ul>"
    return _section("summary", body)


def _funnel(data: ReportData) -> str:
    stats = data.stats
    rows = []
    for st in stats.get("stages", []):
        rate = f"{st['in'] / st['seconds']:,.0f}" if st["seconds"] > 0 else "–"
        rows.append([esc(st["name"]), f"{st['in']:,}", f"{st['out']:,}", f"{st['seconds']:.2f}", rate])
    table = _table(["stage", "in", "out", "stage seconds", "in/s"], rows, {1, 2, 3, 4})
    intro = ("Documents left after each step. <code>read</code> turns files into records and keeps HTML "
             "responses. Stage seconds are summed over workers (CPU time in the stage, not wall time).")
    return _section("funnel", f"<div class=side><div>{funnel_chart(stats)}</div><div>{table}</div></div>", intro)


def _drops(data: ReportData) -> str:
    intro = ("Every record ends kept, dropped for one reason, or errored for one reason. "
             "<code>filter:why</code> reasons come from the quality filters.")
    return _section("drops", drops_chart(data.stats), intro)


def _languages(data: ReportData) -> str:
    if not data.languages:
        return _section("languages", "<p class=note>No documents with text in this run.</p>")
    intro = (f"All {data.documents:,} documents that reached language identification "
             f"({'kept or written to removed/' if data.has_removed else 'removed/ was not written: kept only'}).")
    return _section("languages", languages_chart(data.languages), intro)


def _distributions(data: ReportData) -> str:
    min_score = data.stats.get("config", {}).get("min_lang_score")
    intro = "The dashed line is the language score threshold" + (
        f" (drop if ≤ {_number(min_score)})." if min_score is not None else ".")
    return _section("distributions", distributions_chart(data), intro + _sample_note(data))


def _sample_note(data: ReportData) -> str:
    if data.documents > len(data.sample):
        return f" Histograms show a random sample of {len(data.sample):,} of {data.documents:,} documents."
    return ""


def _signals(data: ReportData) -> str:
    if not data.text_filters:
        return _section("signals", "<p class=note>The run used no text filters.</p>")
    if not data.signal_columns:
        return _section("signals", "<p class=note>This run stored no signals: run "
                        "<code>curate run --signals</code> to see each filter's signal histograms.</p>")
    parts = []
    for f in data.text_filters:
        chart = signals_chart(data, f)
        if chart:
            parts.append(f"<h3>{esc(f.name)}</h3>{chart}")
    intro = ("Every signal each quality filter computed, over the documents that reached the filter: green "
             "passed it, red were dropped by it for any of its checks, so red can sit on the passing side of one "
             "signal's line (counts on a log scale). Dashed lines are the filter's thresholds, read from the filter "
             "objects; the label gives the side that drops." + _sample_note(data))
    return _section("signals", "".join(parts), intro)


def _domains(data: ReportData) -> str:
    kept = _table(["host", "docs", "tokens"],
                  [[esc(_cut(h or "(none)", 80)), f"{n:,}", f"{t:,}"] for h, n, t in data.kept_domains], {1, 2})
    removed = _table(
        ["host", "docs", "reasons"],
        [[esc(_cut(h or "(none)", 80)), f"{n:,}", esc(", ".join(f"{r} {c}" for r, c in reasons[:4]))]
         for h, n, reasons in data.removed_domains],
        {1},
    )
    body = (f"<div class=cols><div><h3>kept</h3>{kept if data.kept_domains else '<p class=note>none</p>'}</div>"
            f"<div><h3>removed</h3>{removed if data.removed_domains else '<p class=note>none</p>'}</div></div>")
    intro = ("Hosts with the most documents (<code>www.</code> stripped). Removed counts only documents that "
             "had text (dropped at language ID or later).")
    return _section("domains", body, intro)


def _example(item: dict) -> str:
    text = item.get("text") or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:EXAMPLE_LINES]
    shown = "\n".join(_cut(line, EXAMPLE_LINE_CHARS) for line in lines)
    meta = []
    if item.get("language"):
        meta.append(f"language {esc(item['language'])} {item['language_score']:.2f}")
    if item.get("duplicate_of"):
        meta.append(f"duplicate of <code>{esc(_cut(item['duplicate_of'], 120))}</code>")
    group = reason_group(item["filter_reason"] or "")
    signals = item.get("signals") or {}
    chips = [f"{esc(name.removeprefix(group + '_'))}={_number(v)}" for name, v in sorted(signals.items())
             if name.startswith(group + "_") and v is not None]
    if chips:
        meta.append(" · ".join(chips))
    return (f"<div class=example><div class=url>{esc(_cut(item.get('url') or '', URL_CHARS))}</div>"
            f"<div class=meta>{' | '.join(meta)}</div><pre>{esc(shown)}</pre></div>")


def _examples(data: ReportData) -> str:
    parts = []
    counts = data.stats["dropped"]
    for reason in sorted(data.examples, key=lambda r: (-counts.get(r, 0), r)):
        items = "".join(_example(item) for item in data.examples[reason])
        parts.append(f"<h3>{esc(reason)} <span class=count>{counts.get(reason, 0):,} dropped</span></h3>{items}")
    without = [(r, n) for r, n in counts.items() if r not in data.examples]
    if without:
        listed = ", ".join(f"<code>{esc(r)}</code> {n:,}" for r, n in sorted(without, key=lambda t: (-t[1], t[0])))
        parts.append(f"<p class=note>No text to show for: {listed} (dropped before extraction"
                     f"{'' if data.has_removed else ', or removed/ was not written'}).</p>")
    intro = ("The first lines of a few documents per drop reason, from <code>OUT/removed</code>, with the "
             "dropping filter's signals, so a person can judge the filter.")
    return _section("examples", "".join(parts) or "<p class=note>Nothing was dropped.</p>", intro)


def _value(v) -> str:
    if isinstance(v, (list, dict)):
        return esc(json.dumps(v, ensure_ascii=False)) if v else "–"
    return "–" if v is None or v == "" else esc(v)


def _run(data: ReportData) -> str:
    config = data.stats.get("config", {})
    info = data.run_info
    recipe = _table(["setting", "value"], [[esc(k), _value(v)] for k, v in config.items()])
    limits = _table(
        ["signal", "threshold"],
        [[esc(signal), esc(", ".join(t.rule for t in limits))] for signal, limits in data.thresholds.items() if limits],
    )
    if info:
        run_rows = [[esc(k), _value(info.get(k))] for k in info if k != "versions"]
        versions = info.get("versions") if isinstance(info.get("versions"), dict) else {}
        run_table = _table(["run", "value"], run_rows)
        run_versions = _table(["package (run)", "version"], [[esc(k), esc(v)] for k, v in versions.items()])
    else:
        run_table = "<p class=note>No run.json in this output (wall time, argv and versions unknown).</p>"
        run_versions = ""
    report_versions = _table(["package (report)", "version"],
                             [[esc(name), esc(_installed(name))] for name in ("curation", "duckdb", "matplotlib")])
    body = (f"<div class=cols><div><h3>recipe</h3>{recipe}<h3>filter thresholds</h3>{limits}</div>"
            f"<div><h3>run</h3>{run_table}<h3>versions</h3>{run_versions}{report_versions}</div></div>")
    return _section("run", body, f"Output directory <code>{esc(data.output_dir)}</code>.")


def _installed(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f1f3f5;color:#212529;font-size:14px}
header{background:#212529;color:#f8f9fa;padding:14px 28px}
header h1{margin:0;font-size:20px} header .sub{color:#adb5bd;font-size:12px;margin-top:4px}
nav{position:sticky;top:0;background:#343a40;padding:6px 28px;z-index:1}
nav a{color:#dee2e6;margin-right:16px;text-decoration:none;font-size:13px}
main{max-width:1240px;margin:0 auto;padding:12px 20px 40px}
section{background:#fff;border-radius:8px;padding:14px 20px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 6px} h3{font-size:14px;margin:14px 0 6px}
.intro{color:#495057;margin:0 0 10px} .note{color:#868e96}
img{max-width:100%;height:auto;display:block}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{background:#f8f9fa;border-radius:6px;padding:10px 16px;min-width:140px}
.tile .v{font-size:22px;font-weight:600} .tile .k{color:#868e96;font-size:12px}
.ok{color:#2b8a3e} .bad{color:#c92a2a;font-weight:600}
table{border-collapse:collapse;font-size:12.5px;margin:4px 0 8px}
th,td{padding:3px 10px;border-bottom:1px solid #e9ecef;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{color:#495057;font-weight:600} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}
.side{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px;align-items:center}
.cols table{width:100%} td:first-child,th.num,td.num{white-space:nowrap}
.example{border-left:3px solid #e03131;background:#fff5f5;padding:6px 10px;margin:6px 0;border-radius:0 4px 4px 0}
.example .url{font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere;color:#1c7ed6}
.example .meta{color:#868e96;font-size:11.5px;margin-top:2px;overflow-wrap:anywhere}
.example pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0 0;font-size:12px;font-family:inherit;color:#343a40}
.count{color:#868e96;font-weight:normal;font-size:12px}
code{background:#f1f3f5;padding:0 3px;border-radius:3px;font-size:12px}
"""


def render(data: ReportData) -> str:
    """The whole page as one string; no external resources (no scripts, fonts, stylesheets or remote images)."""
    nav = "".join(f'<a href="#{key}">{esc(title)}</a>' for key, title in SECTIONS)
    info = data.run_info or {}
    started = f"started {esc(info['started'])} · " if info.get("started") else ""
    body = "".join(part(data) for part in (_summary, _funnel, _drops, _languages, _distributions, _signals,
                                            _domains, _examples, _run))
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
        f"<title>Curation report: {esc(data.output_dir)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Curation report</h1><div class=sub>{started}{esc(data.output_dir)}</div></header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )


def write_report(output_dir: str, path: str | None = None, examples: int = 3) -> str:
    """Build the report for one output directory; returns the path written (atomically)."""
    data = gather(output_dir, examples)
    page = render(data)
    path = path or os.path.join(output_dir, "report.html")
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", errors="replace") as f:
        f.write(page)
    os.replace(tmp, path)
    return path
