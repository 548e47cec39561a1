"""Run datatrove's FineWeb pipeline on one WARC; called by compare_datatrove.py inside its own virtualenv.

WarcReader -> URLFilter -> Trafilatura -> LanguageFilter -> GopherRepetition ->
GopherQuality -> C4Quality -> FineWebQuality -> JsonlWriter, on one task, as
in datatrove's examples/fineweb.py. Made to run offline and on our inputs:
- the URL filter uses our shipped lists (the same recipe on both sides), not
  datatrove's downloaded UT1 lists, and tldextract's bundled suffix list;
- language ID loads the lid.176.ftz model given on the command line;
- FineWebQualityFilter gets FineWeb's punctuation (. ' " ! ?), which later
  datatrove versions replaced with a large Unicode set by default;
- every filter writes what it drops (with its reason) under OUT/removed/<stage>,
  and the documents that pass language ID are tapped to OUT/after_language, so
  compare_datatrove.py can compare our filters on exactly the same texts.
Prints one JSON object: drops per stage and reason (with our reason names),
seconds and documents per stage, kept URLs.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.url import (  # noqa: E402  (stdlib-only module of this repository)
    DEFAULT_BANNED_SUBWORDS,
    DEFAULT_BANNED_WORDS,
    DEFAULT_BLOCKLIST,
    DEFAULT_SOFT_BANNED_WORDS,
    parse_blocklist,
    read_list,
)

FILTER_STAGES = ("url", "language", "gopher_repetition", "gopher_quality", "c4", "fineweb")
FINEWEB_STOP_CHARS = (".", "'", '"', "!", "?")
# datatrove's drop reasons -> ours, where the names differ
REASONS = {
    "url": {"subdomain": "domain", "hard_blacklisted": "banned_word", "soft_blacklisted": "soft_banned_words",
            "blacklisted_subword": "banned_subword"},
    "gopher_quality": {
        "gopher_short_doc": "short_doc",
        "gopher_long_doc": "long_doc",
        "gopher_below_avg_threshold": "below_avg_word_length",
        "gopher_above_avg_threshold": "above_avg_word_length",
        "gopher_too_many_hashes": "too_many_hashes",
        "gopher_too_many_ellipsis": "too_many_ellipsis",
        "gopher_too_many_bullets": "too_many_bullets",
        "gopher_too_many_end_ellipsis": "too_many_end_ellipsis",
        "gopher_below_alpha_threshold": "below_alpha_threshold",
        "gopher_enough_stop_words": "not_enough_stop_words",
    },
}


def build_pipeline(warc: Path, out: Path, lid_model: str, extract_timeout: float) -> list[tuple[str, object]]:
    """(stage name, datatrove step) pairs, in pipeline order."""
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
        URLFilter,
    )
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from tldextract import TLDExtract

    def removed(stage: str) -> JsonlWriter:
        return JsonlWriter(str(out / "removed" / stage))

    domains, urls = parse_blocklist(read_list(DEFAULT_BLOCKLIST))
    url_filter = URLFilter(
        extra_domains=domains,
        extra_urls=urls,
        banned_words=read_list(DEFAULT_BANNED_WORDS),
        banned_subwords=read_list(DEFAULT_BANNED_SUBWORDS),
        soft_banned_words=read_list(DEFAULT_SOFT_BANNED_WORDS),
        use_integrated_lists=False,
        exclusion_writer=removed("url"),
    )
    url_filter.tldextractor = TLDExtract(suffix_list_urls=(), cache_dir=None)  # bundled list, no network
    language = LanguageFilter(languages=["en"], language_threshold=0.65, exclusion_writer=removed("language"))
    language.model.MODEL_URL = lid_model  # a local path: "downloaded" by copying into the HF assets cache
    return [
        ("read", WarcReader(str(warc.parent), glob_pattern=warc.name, default_metadata={"dump": "bench"})),
        ("url", url_filter),
        ("extract", Trafilatura(favour_precision=True, timeout=extract_timeout)),
        ("language", language),
        ("tap", JsonlWriter(str(out / "after_language"))),
        ("gopher_repetition", GopherRepetitionFilter(exclusion_writer=removed("gopher_repetition"))),
        ("gopher_quality", GopherQualityFilter(exclusion_writer=removed("gopher_quality"))),
        ("c4", C4QualityFilter(filter_no_terminal_punct=False, exclusion_writer=removed("c4"))),
        ("fineweb", FineWebQualityFilter(stop_chars=FINEWEB_STOP_CHARS, exclusion_writer=removed("fineweb"))),
        ("write", JsonlWriter(str(out / "output"))),
    ]


def our_reason(stage: str, doc: dict) -> str:
    reason = doc["metadata"].get("filter_reason") or "dropped"
    return REASONS.get(stage, {}).get(reason, reason)


def read_jsonl(folder: Path) -> list[dict]:
    paths = sorted(glob.glob(str(folder / "*.jsonl.gz")))
    return [json.loads(line) for path in paths for line in gzip.open(path, "rt")]


def total(stat: int | dict) -> int:
    """A datatrove counter: a plain number, or a {"total": ...} summary."""
    return int(stat["total"] if isinstance(stat, dict) else stat)


def step_stats(logging_dir: Path) -> list[dict]:
    """Per-step counters from the executor's stats file (one entry per pipeline step, in order)."""
    return json.loads((logging_dir / "stats.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warc", required=True, type=Path, help="the benchmark WARC")
    parser.add_argument("--output", required=True, type=Path, help="empty folder for datatrove's outputs")
    parser.add_argument("--lid-model", required=True, help="fastText language ID model (lid.176.ftz)")
    parser.add_argument("--extract-timeout", type=float, default=5.0, help="trafilatura time limit per page (s)")
    args = parser.parse_args()

    from datatrove.executor import LocalPipelineExecutor

    logging_dir = args.output / "logs"
    stages = build_pipeline(args.warc.resolve(), args.output, args.lid_model, args.extract_timeout)
    executor = LocalPipelineExecutor(
        pipeline=[step for _, step in stages], tasks=1, workers=1, logging_dir=str(logging_dir)
    )
    executor.run()

    steps = {name: step for (name, _), step in zip(stages, step_stats(logging_dir))}
    drops = {stage: dict(Counter(our_reason(stage, doc) for doc in read_jsonl(args.output / "removed" / stage)))
             for stage in FILTER_STAGES}
    extractor = steps["extract"]["stats"]
    lost = ("dropped", "timeout", "clean_error", "broken_process")
    drops["extract"] = {k: total(extractor[k]) for k in lost if k in extractor}
    print(
        json.dumps(
            {
                "documents": total(steps["read"]["stats"]["documents"]),
                "stage_time": {name: [step["time_stats"]["total"], step["time_stats"]["n"]]
                               for name, step in steps.items() if "time_stats" in step},
                "drops": drops,
                "kept_urls": sorted(doc["metadata"]["url"] for doc in read_jsonl(args.output / "output")),
            }
        )
    )


if __name__ == "__main__":
    main()
