"""How much extraction the language pre-check saves, and what it gets wrong, on the benchmark WARC.

For every HTML page of bench/.cache/bench.warc.gz it runs both paths:
  full path (baseline): trafilatura extraction, then fastText on the extracted text (keep: en, score > 0.65)
  pre-check: fastText on the <p> text (curation.precheck), rejecting only confident non-English pages
and prints the pages the pre-check rejects, its false negatives (pages the full path would have passed
on language; whether later filters drop them anyway is shown), and the time per page of both paths.

usage: python bench/lang_precheck.py [--languages en] [--archives GLOB ...]
  --archives  other archives instead, e.g. '../shared/data/warcs/**/*.warc*' (Common Crawl and Archive-It excerpts)
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import statistics
import time

from benchwarc import bench_warc

from curation.decode import NotText, decode_html
from curation.extract import extract_text
from curation.langid import LanguageIdentifier
from curation.precheck import LanguagePrecheck
from curation.warc import RawRecord, read_archive
from filters import build_text_filters

def _raw_records(archives):
    """Every RawRecord of the archives (warcio's warnings about their quirks silenced)."""
    for path in archives:
        with open(path, "rb") as f, contextlib.redirect_stderr(io.StringIO()):
            for item in read_archive(f, str(path)):
                if isinstance(item, RawRecord) and not item.is_text:
                    yield item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", default="en")
    parser.add_argument("--archives", nargs="+", default=None, help="glob(s) of archives (default: the benchmark WARC)")
    args = parser.parse_args()
    archives = sorted({p for g in args.archives for p in glob.glob(g, recursive=True)}) if args.archives else [bench_warc()]
    languages = frozenset(args.languages.split(","))
    lid = LanguageIdentifier()
    precheck = LanguagePrecheck(lid, languages)
    quality = build_text_filters(["gopher_repetition", "gopher_quality", "c4", "fineweb"])
    t_pre, t_full, rejected, false_negatives, pages = [], [], 0, [], 0
    for item in _raw_records(archives):
        try:
            html, _ = decode_html(item.payload, item.http_charset)
        except NotText:
            continue
        pages += 1
        t0 = time.perf_counter()
        rejects = precheck.rejects(html)
        t1 = time.perf_counter()
        text = extract_text(html)
        lang, score = lid.predict(text) if text else ("", 0.0)
        t2 = time.perf_counter()
        t_pre.append(t1 - t0)
        t_full.append(t2 - t1)
        if rejects:
            rejected += 1
            if lang in languages and score > 0.65:
                verdict = "kept by the quality filters"
                for flt in quality:
                    v = flt(text)
                    if not v.keep:
                        verdict = f"dropped later anyway ({v.reason})"
                        break
                    text = v.text if v.text is not None else text
                false_negatives.append((item.url, round(score, 3), verdict))
    mean_pre, mean_full = statistics.mean(t_pre), statistics.mean(t_full)
    print(f"{pages} HTML pages; pre-check rejects {rejected} ({100 * rejected / pages:.1f}%)")
    print(f"false negatives (full path passes language ID): {len(false_negatives)}")
    for url, score, verdict in false_negatives:
        print(f"  {url}  en score {score}: {verdict}")
    lost = sum(v.startswith("kept") for _, _, v in false_negatives)
    print(f"documents lost from the final output: {lost}")
    print(f"mean ms/page: pre-check {1000 * mean_pre:.2f}, full path (extract + lid) {1000 * mean_full:.2f}")
    with_pre = mean_pre + (1 - rejected / pages) * mean_full
    print(f"language stage cost per page: without pre-check {1000 * mean_full:.2f} ms, with {1000 * with_pre:.2f} ms "
          f"-> {mean_full / with_pre:.2f}x")


if __name__ == "__main__":
    main()
