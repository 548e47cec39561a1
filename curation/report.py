"""One self-contained HTML page that shows what a curation run kept, dropped, and why.

`write_report` is the entry point: `curation.report_data.gather` reads the
run, `curation.report_charts` draws the charts, and this module assembles the
page. Charts are embedded as PNG data URIs, so the page opens offline and
travels as one file. Every string that came from the web (URLs, page text,
hosts) is HTML-escaped and stripped of control and bidi-override characters:
pages are hostile.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from importlib.metadata import PackageNotFoundError, version

from curation.atomic import write_atomic
from curation.report_charts import distributions_chart, drops_chart, funnel_chart, languages_chart, signals_chart
from curation.report_data import (
    ReportData,
    Threshold,
    format_number,
    gather,
    language_funnel,
    reason_group,
    signal_thresholds,
)

__all__ = ["SECTIONS", "ReportData", "Threshold", "esc", "gather", "render", "signal_thresholds", "write_report"]

EXAMPLE_LINES = 6
EXAMPLE_LINE_CHARS = 200
URL_CHARS = 300

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


_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def esc(value) -> str:
    """Web text -> safe HTML text: escaped, with control and bidi-override characters shown as �."""
    return html.escape(_UNSAFE_CHARS.sub("\ufffd", str(value)), quote=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _img(png: bytes) -> str:
    """A chart as an <img> with a base64 data URI, so the page needs no files beside it."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


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
    return _section("funnel", f"<div class=side><div>{_img(funnel_chart(stats))}</div><div>{table}</div></div>", intro)


def _drops(data: ReportData) -> str:
    intro = ("Every record ends kept, dropped for one reason, or errored for one reason. "
             "<code>filter:why</code> reasons come from the quality filters.")
    chart = drops_chart(data.stats)
    return _section("drops", _img(chart) if chart else "<p class=note>Nothing was dropped.</p>", intro)


def _languages(data: ReportData) -> str:
    if not data.languages:
        return _section("languages", "<p class=note>No documents with text in this run.</p>")
    intro = (f"All {data.documents:,} documents that reached language identification "
             f"({'kept or written to removed/' if data.has_removed else 'removed/ was not written: kept only'}).")
    return _section("languages", _img(languages_chart(data.languages)) + _language_funnel(data), intro)


def _language_funnel(data: ReportData) -> str:
    """stats.json's funnel per language (output name, as the data/ folders), when the run recorded one."""
    rows = [
        [esc(row.language), f"{row.documents:,}", f"{row.kept:,}",
         f"{100 * row.kept / row.documents:.1f}%" if row.documents else "–", f"{row.dropped:,}",
         esc(f"{row.top_reason} ({row.top_count:,})") if row.top_reason else "–"]
        for row in language_funnel(data.stats)
    ]
    if not rows:
        return ""
    table = _table(["language", "documents", "kept", "kept %", "dropped", "top drop reason"], rows, {1, 2, 3, 4})
    return f"<h3>Funnel per language</h3>{table}"


def _distributions(data: ReportData) -> str:
    min_score = data.stats.get("config", {}).get("min_lang_score")
    intro = "The dashed line is the language score threshold" + (
        f" (drop if ≤ {format_number(min_score)})." if min_score is not None else ".")
    chart = distributions_chart(data)
    body = _img(chart) if chart else "<p class=note>No documents with text in this run.</p>"
    return _section("distributions", body, intro + _sample_note(data))


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
            parts.append(f"<h3>{esc(f.name)}</h3>{_img(chart)}")
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
    chips = [f"{esc(name.removeprefix(group + '_'))}={format_number(v)}" for name, v in sorted(signals.items())
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
    write_atomic(path, page.encode("utf-8", errors="replace"))
    return path
