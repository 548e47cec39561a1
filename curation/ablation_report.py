"""What `curate ablate` writes: DIR/ablation.json, the table it prints, ablation.png (held-out bits per byte
against train tokens, every arm) and ablation.html, one self-contained page in the style of `curate report`.

`summarize` adds each arm's mean and spread over seeds and, for every pair of
arms, the paired t-test of curation/ablation_stats.py; the table, chart and page
are drawn from that one dict, so they always agree with the JSON.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

from curation.ablation_stats import ALPHA, paired_test, summary
from curation.atomic import write_atomic
from curation.report import CSS, _img, _table, esc
from curation.report_charts import _figure, _png, _style

METRICS = {"eval_bpb": "held-out bits per byte", "hellaswag_acc_norm": "HellaSwag acc_norm"}


def summarize(ablation: dict) -> dict:
    """Per arm, `summary` of each metric over seeds; `comparisons`: each pair of arms, b - a per seed."""
    for arm in ablation["arms"]:
        arm["summary"] = {m: summary([r[m] for r in arm["results"]]) for m in METRICS if m in arm["results"][0]}
    ablation["comparisons"] = [
        {"a": a["name"], "b": b["name"], "metric": m,
         **paired_test([r[m] for r in a["results"]], [r[m] for r in b["results"]])}
        for a, b in combinations(ablation["arms"], 2) for m in METRICS if m in a["summary"]]
    return ablation


def _spread(s: dict, digits: int = 4) -> str:
    return f"{s['mean']:.{digits}f}" + (f" ± {s['std']:.{digits}f}" if s["std"] is not None else "")


def _verdict(c: dict) -> str:
    if c["p"] is None:
        return "one seed: no test"
    t = "no spread" if c["t"] is None else f"t = {c['t']:.2f}"
    word = "larger than the seed noise" if c["significant"] else "within the seed noise"
    return f"{t}, p = {c['p']:.3f}: {word}"


def table(ablation: dict) -> str:
    """The comparison as text: one row per arm, the shared settings, then the gaps and their test."""
    train, seeds = ablation["train"], ablation["train"]["seeds"]
    rows = [f"{'arm':<18}{'docs':>7}{'train tokens':>14}{'unique tokens':>15}{'repeats':>9}{'bytes/token':>13}  "
            f"{'held-out bpb':<18}{'per seed':<{8 * len(seeds)}}  HellaSwag acc_norm"]
    for arm in ablation["arms"]:
        bpb = arm["summary"]["eval_bpb"]
        swag = arm["summary"].get("hellaswag_acc_norm")
        per_seed = " ".join(f"{r['eval_bpb']:.4f}" for r in arm["results"])
        rows.append(f"{arm['name']:<18}{arm['documents']:>7,}{arm['train_tokens']:>14,}{arm['unique_tokens']:>15,}"
                    f"{arm['repeats']:>9.2f}"
                    f"{arm['bytes_per_token']:>13.3f}  {_spread(bpb):<18}{per_seed:<{8 * len(seeds)}}  "
                    f"{_spread(swag) if swag else '-'}")
    held = ablation["heldout"]
    lines = rows + [
        "",
        f"every arm: {train['train_tokens']:,} train tokens ({train['steps']} steps of {train['batch_tokens']:,}), "
        f"depth {train['depth']} ({train['params'] / 1e6:.2f}M parameters), seeds {' '.join(map(str, seeds))}",
        f"held-out text: {held['documents']} documents, {held['tokens']:,} tokens; {held['seen_in_training']} quoted by "
        f"training data (13-gram)" + (f"; HellaSwag: first {ablation['hellaswag']['rows']} rows, "
                                      f"{ablation['hellaswag'].get('seen_in_training', 0)} quoted" if ablation["hellaswag"] else ""),
        "",
        f"gaps, b - a (paired t-test over {len(seeds)} seeds, two-sided, p < {ALPHA} counts):",
    ]
    lines += [f"  {c['b']} - {c['a']}, {METRICS[c['metric']]}: {c['mean_difference']:+.4f}: {_verdict(c)}"
              for c in ablation["comparisons"]]
    return "\n".join(lines)


def curve_png(ablation: dict) -> bytes:
    """Held-out bits per byte against train tokens: each seed thin, the mean over seeds thick, one colour per arm."""
    fig = _figure(7.5, 4.4)
    ax = fig.add_subplot()
    for i, arm in enumerate(ablation["arms"]):
        color = f"C{i % 10}"
        curves = [r["curve"] for r in arm["results"]]
        for curve in curves:
            ax.plot([p["tokens"] for p in curve], [p["eval_bpb"] for p in curve], color=color, alpha=0.3, linewidth=0.8)
        tokens = [p["tokens"] for p in curves[0]]
        mean = [sum(c[k]["eval_bpb"] for c in curves) / len(curves) for k in range(len(tokens))]
        ax.plot(tokens, mean, "o-", color=color, linewidth=2, markersize=3.5,
                label=f"{arm['name']} ({mean[-1]:.3f}, {arm['repeats']:.2f} epochs)")
    ax.set_xlabel("train tokens")
    ax.set_ylabel("held-out bits per byte")
    seeds = len(ablation["train"]["seeds"])
    ax.set_title(f"{seeds} seed{'s' if seeds > 1 else ''} per arm (thin), their mean (thick)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    _style(ax)
    return _png(fig)


def html_page(ablation: dict, png: bytes) -> str:
    """The page: summary, results, gaps, the curve and the setup; every string escaped, nothing external."""
    train = ablation["train"]
    tiles = [("arms", len(ablation["arms"])), ("seeds per arm", len(train["seeds"])),
             ("train tokens per run", f"{train['train_tokens']:,}"), ("parameters", f"{train['params'] / 1e6:.2f}M"),
             ("held-out documents", ablation["heldout"]["documents"])]
    summary_html = "<div class=tiles>" + "".join(
        f"<div class=tile><div class=v>{esc(v)}</div><div class=k>{esc(k)}</div></div>" for k, v in tiles) + "</div>"
    result_rows = [[esc(a["name"]), f"{a['documents']:,}", f"{a['train_tokens']:,}", f"{a['unique_tokens']:,}",
                    f"{a['repeats']:.2f}",
                    f"{a['bytes_per_token']:.3f}", esc(_spread(a["summary"]["eval_bpb"])),
                    esc(" ".join(f"{r['eval_bpb']:.4f}" for r in a["results"])),
                    esc(_spread(a["summary"]["hellaswag_acc_norm"]) if "hellaswag_acc_norm" in a["summary"] else "–")]
                   for a in ablation["arms"]]
    results = _table(["arm", "documents", "train tokens", "unique tokens", "repeats", "bytes/token",
                      "held-out bpb (mean ± sd)", "per seed", "HellaSwag acc_norm"], result_rows, {1, 2, 3, 4, 5})
    gap_rows = [[esc(f"{c['b']} - {c['a']}"), esc(METRICS[c["metric"]]), f"{c['mean_difference']:+.4f}",
                 esc(_verdict(c))] for c in ablation["comparisons"]]
    gaps = _table(["gap", "metric", "mean difference", "paired t-test over seeds"], gap_rows, {2})
    setup_rows = [[esc(k), f"<code>{esc(json.dumps(v))}</code>"] for k, v in
                  (("inputs", ablation["inputs"]), ("tokenizer", ablation["tokenizer"]),
                   ("quality model", ablation["quality_model"]), ("held-out text", ablation["heldout"]),
                   ("HellaSwag", ablation["hellaswag"]), ("training", train))]
    arm_rows = [[esc(a["name"]), f"<code>{esc(' '.join(a['curate_flags']) or '(defaults)')}</code>",
                 esc(f"{a['curation']['processed']} curated, {a['curation']['reused']} reused")] for a in ablation["arms"]]
    sections = [
        ("Summary", summary_html),
        ("Results", "<p class=intro>Every arm trains on the same tokens with the same model and seeds; bits per byte "
                    "on the held-out text, which no arm trained on (lower is better).</p>" + results),
        ("Gaps", gaps),
        ("Held-out bits per byte during training", _img(png)),
        ("Arms", _table(["arm", "curate run flags", "input files"], arm_rows)),
        ("Setup", f"<pre>{esc(ablation['command'])}</pre>" + _table(["setting", "value"], setup_rows)),
    ]
    body = "".join(f"<section><h2>{esc(title)}</h2>{html}</section>" for title, html in sections)
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            f"<title>Ablation: {esc(', '.join(a['name'] for a in ablation['arms']))}</title><style>{CSS}"
            "pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}</style></head><body>"
            f"<header><h1>Curation ablation</h1><div class=sub>{esc(ablation['command'])}</div></header>"
            f"<main>{body}</main></body></html>\n")


def write_outputs(out: Path, ablation: dict) -> str:
    """Summarize, then write ablation.json, .png and .html atomically; returns the table and where they are."""
    summarize(ablation)
    png = curve_png(ablation)
    write_atomic(out / "ablation.json", (json.dumps(ablation, indent=2) + "\n").encode())
    write_atomic(out / "ablation.png", png)
    write_atomic(out / "ablation.html", html_page(ablation, png).encode("utf-8"))
    return f"{table(ablation)}\n\n$ {ablation['command']}\nwrote {out}/ablation.json, ablation.png, ablation.html"
