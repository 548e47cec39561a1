"""The report's charts: matplotlib Figures rendered to PNG bytes, one function per chart.

Figures are built without pyplot (no global backend or state) and saved at a
fixed dpi with no time-dependent metadata, so the same data gives the same
bytes. A chart with nothing to draw returns None and the page says why.
"""

from __future__ import annotations

import io
import math

from curation.report_data import ReportData, Threshold, reason_group

TOP_LANGUAGES = 15
KEPT_COLOR, DROPPED_COLOR, OTHER_COLOR, ERROR_COLOR = "#2f9e44", "#e03131", "#adb5bd", "#f08c00"


def _png(fig) -> bytes:
    """A matplotlib Figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def _figure(width: float, height: float):
    """A Figure without pyplot: no global backend or state, safe to build anywhere."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _plain_counts():
    """Tick labels 1, 10, 1,000 instead of 10⁰, 10¹, 10³ on log-scaled counts."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def _style(ax) -> None:
    """No top or right frame, small tick labels: the look every chart shares."""
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


def funnel_chart(stats: dict) -> bytes:
    """Documents left after each step, with the share of records read and the count each step dropped."""
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


def drops_chart(stats: dict) -> bytes | None:
    """Records per drop and error reason, largest on top, coloured by filter; None when nothing was dropped."""
    items = [(f"{r}", n, False) for r, n in stats["dropped"].items()]
    items += [(f"error: {r}", n, True) for r, n in stats["errors"].items()]
    if not items:
        return None
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


def languages_chart(languages: list[tuple[str, int, int]]) -> bytes:
    """Kept and removed documents per language, the long tail folded into one bar."""
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


def _stem(reason: str | None) -> str | None:
    """A drop reason without the rule that set its threshold ("language_score@deu_Latn" -> "language_score")."""
    return None if reason is None else reason.partition("@")[0]


def distributions_chart(data: ReportData) -> bytes | None:
    """Language score by outcome beside kept token counts; None when no document reached language ID."""
    config = data.stats.get("config", {})
    min_score = config.get("min_lang_score")
    scored = [row for row in data.sample if row["language_score"] is not None]
    tokens = [row["token_count"] for row in data.sample if row["filter_reason"] is None and row["token_count"] is not None]
    if not scored:
        return None
    fig = _figure(12, 3)
    ax_score, ax_tokens = fig.subplots(1, 2)

    def scores(pred) -> list[float]:
        return [row["language_score"] for row in scored if pred(row["filter_reason"])]

    series = [
        ("kept", KEPT_COLOR, scores(lambda r: r is None)),
        ("dropped: language", "#845ef7", scores(lambda r: r == "language")),
        ("dropped: language_score", DROPPED_COLOR, scores(lambda r: _stem(r) == "language_score")),
        ("dropped later", OTHER_COLOR, scores(lambda r: _stem(r) not in (None, "language", "language_score"))),
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


def signals_chart(data: ReportData, text_filter) -> bytes | None:
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
