"""Extraction quality on trafilatura's own evaluation set (../shared/data/extraction/trafilatura_eval).

For each of the 990 pages, `with` snippets must appear in the extracted text and `without` snippets
(boilerplate) must not; precision = found / (found + leaked), recall = found / expected, as in
trafilatura's evaluation. Compares our extraction (FineWeb settings, trafilatura's cross-document
dedup cache cleared per page, so output does not depend on document order) with the baseline
datatrove runs (same settings, cache kept across pages in file order), and times both; then checks
that our XPath speed-ups (curation/xpath_speedups.py) change no page's text, and times them against
trafilatura's own XPaths (passes interleaved, median ratio).

usage: python bench/extraction_quality.py [--limit N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

import trafilatura

from curation import xpath_speedups
from curation.extract import extract_text

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "data" / "extraction" / "trafilatura_eval"


def datatrove_style(html: str) -> str | None:
    xpath_speedups.uninstall()  # trafilatura as it ships
    return trafilatura.extract(html, favor_precision=True, include_comments=False, deduplicate=True)


def score(pages: list[tuple[str, dict]], extract) -> tuple[float, float, float, float]:
    found = expected = leaked = 0
    t0 = time.perf_counter()
    for html, expect in pages:
        text = extract(html) or ""
        hits = sum(s in text for s in expect.get("with", []))
        found += hits
        expected += len(expect.get("with", []))
        leaked += sum(s in text for s in expect.get("without", []))
    seconds = time.perf_counter() - t0
    precision = found / max(1, found + leaked)
    recall = found / max(1, expected)
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall), 1000 * seconds / len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes with and without the XPath speed-ups")
    args = parser.parse_args()
    evaldata = json.loads((EVAL / "evaldata.json").read_text())
    pages = []
    for _, expect in sorted(evaldata.items())[: args.limit]:
        path = EVAL / "html" / (expect["file"] + ".gz")
        if path.exists():
            pages.append((gzip.decompress(path.read_bytes()).decode("utf-8", "replace"), expect))
    print(f"{len(pages)} pages of {EVAL}")
    print(f"{'extraction':48s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'ms/page':>8s}")
    for name, fn in (("datatrove-style (cache kept across pages)", datatrove_style),
                     ("ours (cache cleared per page)", extract_text)):
        p, r, f1, ms = score(pages, fn)
        print(f"{name:48s} {p:9.3f} {r:7.3f} {f1:6.3f} {ms:8.1f}")

    htmls = [html for html, _ in pages]
    same = sum(extract_text(h, speedups=False) == extract_text(h) for h in htmls)
    print(f"\nXPath speed-ups ({', '.join(xpath_speedups.install())}):")
    print(f"  identical text on {same}/{len(htmls)} pages")
    ratios = []
    for _ in range(args.repeats):
        seconds = {}
        for speedups in (False, True):
            t0 = time.perf_counter()
            for h in htmls:
                extract_text(h, speedups=speedups)
            seconds[speedups] = time.perf_counter() - t0
        ratios.append(seconds[False] / seconds[True])
        print(f"  ms/page: trafilatura's XPaths {1000 * seconds[False] / len(htmls):.1f}, "
              f"speed-ups {1000 * seconds[True] / len(htmls):.1f} ({ratios[-1]:.2f}x)")
    print(f"  extraction speed-up, median of {args.repeats}: {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
