"""A curation recipe: every setting of `curate run`, its command-line flags, and which settings staging depends on.

Kept free of Beam and numpy so that registering the `curate` subcommands stays
instant; `pipelines/` turns parsed flags into a checked `CurateConfig`.
"""

from __future__ import annotations

import argparse
import dataclasses

from curation.flags import fraction, integer, number
from filters import FILTER_NAMES

DEFAULT_INPUT = "sample_warcs/*.warc*"
SCOPES = ("global", "dump")
MAX_ROUNDS = 20  # connected-components rounds; a duplicate chain of 10^5 documents in random order needs 13


@dataclasses.dataclass
class CurateConfig:
    inputs: list[str]
    output: str
    languages: list[str] | None  # None = any language
    min_lang_score: float | None = None  # None = each language's own threshold (curation.languages)
    dump: str = ""
    lid_model: str | None = None
    fmt: str = "warc"
    filters: list[str] = dataclasses.field(default_factory=list)
    url_blocklists: list[str] = dataclasses.field(default_factory=list)
    signals: bool = False
    dedup: bool = True
    dedup_scope: str = "global"
    write_removed: bool = True
    extract_timeout: float = 5.0
    max_payload_bytes: int = 10 << 20
    lang_precheck: bool = True
    quality_model: str | None = None  # adds score/int_score columns when set
    min_quality: float | None = None
    decontaminate: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (name, benchmark file)
    quality_keep_top: float | None = None  # keep this top fraction of the run's documents by score (after staging)
    staging_dir: str = ""  # default: OUTPUT/staged
    fresh: bool = False  # discard every staged file first

    def __post_init__(self):
        self.staging_dir = self.staging_dir or f"{self.output}/staged"


# Settings that change what a staged file holds: any change gives a new staging fingerprint, so old and
# new staged files never mix. Dedup, its scope and what is written happen after staging and reuse them.
STAGING_FIELDS = ("languages", "min_lang_score", "dump", "lid_model", "fmt", "filters", "url_blocklists", "signals",
                  "extract_timeout", "max_payload_bytes", "lang_precheck", "quality_model", "min_quality", "decontaminate")


def staging_settings(cfg: CurateConfig) -> dict:
    return {name: getattr(cfg, name) for name in STAGING_FIELDS}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `curate run` (and `python -m pipelines.curate`)."""
    parser.add_argument("--input", action="append", metavar="GLOB",
                        help="input archives: a glob or a folder of archives, local or gs:// / s3://, or an http(s):// URL "
                             f"(repeatable; default {DEFAULT_INPUT})")
    parser.add_argument("--crawl", default=None, metavar="CC-MAIN-YYYY-WW",
                        help="curate a Common Crawl crawl: its WARC (or, with --format wet, WET) file URLs from `curate cc-paths`")
    parser.add_argument("--limit", type=integer(1), default=None, help="with --crawl: only the first N files of the listing")
    parser.add_argument("--cc-base", default="https://data.commoncrawl.org",
                        help="with --crawl: where the crawl is read from, https://data.commoncrawl.org or s3://commoncrawl")
    parser.add_argument("--output", default="out", help="output directory (default: out)")
    parser.add_argument("--languages", default="en",
                        help="comma-separated fastText language codes (or FineWeb-2 names such as deu_Latn) to keep, "
                             "or 'all' (default: en); each language is judged by its own recipe: FineWeb's for en, "
                             "FineWeb-2's for the others")
    parser.add_argument("--min-lang-score", type=fraction(), default=None,
                        help="one language score threshold, 0 to 1, for every language: English documents must score "
                             "above it, others at least it (default: each language's own, English above 0.65, "
                             "others at least their FineWeb-2 config's language_score)")
    parser.add_argument("--dump", default="", help="dump name when it cannot be parsed from a CC-MAIN-YYYY-WW path")
    parser.add_argument("--lid-model", default=None,
                        help="path to a fastText language model, e.g. lid.176.bin (default: the bundled lid.176.ftz)")
    parser.add_argument("--format", dest="fmt", choices=["warc", "wet"], default="warc",
                        help="warc: extract HTML from response records (WARC or ARC); wet: take the text of WET conversion records")
    parser.add_argument("--filters", default="fineweb",
                        help=f"'fineweb' (all of them: {', '.join(FILTER_NAMES)}), 'none', or a comma list of those names "
                             "(they run in that order)")
    parser.add_argument("--url-blocklist", action="append", default=[], metavar="FILE",
                        help="extra domain/URL blocklist file, one entry per line (repeatable)")
    parser.add_argument("--signals", action="store_true",
                        help="store every filter's numeric signals in a `signals` struct column")
    parser.add_argument("--no-dedup", dest="dedup", action="store_false", help="skip MinHash near-deduplication")
    parser.add_argument("--dedup-scope", choices=SCOPES, default="global",
                        help="deduplicate across all inputs (global) or within each dump, as FineWeb did (default: global)")
    parser.add_argument("--no-write-removed", dest="write_removed", action="store_false",
                        help="do not write dropped documents to OUT/removed")
    parser.add_argument("--quality-model", default=None, metavar="PATH",
                        help="a model from `curate quality train`: adds score (0..1) and int_score (0..5) columns")
    parser.add_argument("--min-quality", type=number(0, 1), default=None, metavar="X",
                        help="with --quality-model, drop documents whose score is below X (drop reason quality)")
    parser.add_argument("--quality-keep-top", type=number(0, 1, low_open=True), default=None, metavar="F",
                        help="with --quality-model, keep only the top fraction F of the run's documents by score, "
                             "as DCLM kept its top 10%% (drop reason quality_top); staged files are reused across F")
    parser.add_argument("--decontaminate", action="append", default=[], metavar="NAME=PATH",
                        help="drop documents that share a word 13-gram with a benchmark (JSONL, JSON or Parquet, "
                             "optionally gzipped; every string of a row is its text): drop reason contamination:NAME, "
                             "with the matched words and row in OUT/removed (repeatable)")
    parser.add_argument("--no-lang-precheck", dest="lang_precheck", action="store_false",
                        help="extract every page, even those whose <p> text is confidently in another language "
                             "(the pre-check skips extraction for them: drop reason language_precheck)")
    parser.add_argument("--extract-timeout", type=number(0, low_open=True), default=5.0,
                        help="hard limit in seconds for extracting one page (default: 5)")
    parser.add_argument("--max-payload-mb", type=number(0, low_open=True), default=10.0,
                        help="decoded payloads larger than this are counted as too_large (default: 10)")
    parser.add_argument("--workers", type=integer(1), default=None,
                        help="local worker processes (default: all cores); same as --direct_num_workers")
    parser.add_argument("--staging-dir", default="", metavar="DIR",
                        help="where each input file's staged result is kept for resuming and incremental runs "
                             "(default: OUTPUT/staged)")
    parser.add_argument("--fresh", action="store_true",
                        help="discard every staged file under the staging folder first, and curate every input again")
