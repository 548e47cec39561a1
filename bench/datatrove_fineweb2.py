"""FineWeb-2's per-language filtering, run by datatrove 0.10.1 itself: the peer our FineWeb-2 filtering is compared to.

Runs inside bench/.cache/datatrove-venv (compare_datatrove.VENV_PACKAGES). Input is a
WARC (WarcReader -> Trafilatura, as in datatrove_fineweb.py) or a JSONL of
{"id", "text"} documents (no extraction). Each document then goes through
FineWeb-2's steps 3 and 5 (huggingface/fineweb-2, fineweb-2-pipeline.py), one
document at a time because the filters' settings depend on its language:
- language ID: LanguageFilter(label_only=True), so the top label and its score,
  with the lid.176.ftz model given on the command line standing in for GlotLID
  (which FineWeb-2 used, and which cannot be downloaded here); the label maps to
  FineWeb-2's <iso639-3>_<Script> name through tokenizer_assignment.csv, except
  the few lid.176 labels that name another language than the ISO code of the
  same spelling ("no" is Bokmål, nob_Latn, which GlotLID labels directly): those
  take filters.fineweb2.LID176_NAMES, the table ours uses, so that both sides
  stand in for GlotLID alike;
- language_score >= the config's language_score (FineWeb-2's LambdaFilter);
- GopherRepetitionFilter -> FineWebQualityFilter -> GopherQualityFilter with
  FineWeb-2's settings and that language's config, language=<name> so datatrove
  picks the language's word tokenizer. No URL filter, MinHash dedup or C4.
--languages deu_Latn judges only those languages, as FineWeb-2's run for one
language does; a document identified as another is dropped after language ID
(reason "language:other_language"). One departure from datatrove's reader: a
WARC-Identified-Payload-Type header that is present but empty (ClueWeb09's
WARC/0.18, resiliparse/clueweb-quirk.warc.gz) counts as absent, so the payload
is sniffed as for older crawls; datatrove would skip every such page as not HTML.
Writes one JSON line per document: id (and url), lid, lang_score, fw2_name,
kept, reason ("<stage>:<datatrove reason>", "no_config", or null when kept),
and with --text the text the filters saw.
Prints one JSON summary: documents, seconds, docs/s, seconds per stage, and
documents, kept and drops per reason for each language.

usage: datatrove-venv/bin/python bench/datatrove_fineweb2.py (--warc W | --jsonl J)
           --output OUT.jsonl --lid-model lid.176.ftz [--languages deu_Latn,...] [--text] [--fineweb2-data DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.fineweb2 import LID176_NAMES  # noqa: E402  (stdlib-only module of this repository)

FINEWEB2_DATA = ROOT.parent / "shared" / "data" / "fineweb2"


def lid_names(tokenizer_csv: Path) -> dict[str, str]:
    """lid label -> FineWeb-2 name (code_3_Script).

    LID176_NAMES first (see the module doc). Otherwise a two-letter label takes the
    row marked default_code_1 for that ISO 639-1 code (de -> deu_Latn, zh -> cmn_Hani),
    or the only language with that code; a three-letter label is that ISO 639-3 code.
    Either way, the language's default_script row gives the script.
    """
    rows = list(csv.DictReader(tokenizer_csv.open(encoding="utf-8")))
    default_script = {r["code_3"]: r["script"] for r in rows if r["default_script"] == "TRUE"}
    by_code_1: dict[str, set[str]] = defaultdict(set)
    names = {}
    for r in rows:
        if r["code_1"]:
            by_code_1[r["code_1"]].add(r["code_3"])
            if r["default_code_1"] == "TRUE" and r["default_script"] == "TRUE":
                names[r["code_1"]] = f"{r['code_3']}_{r['script']}"
    for code_1, codes_3 in by_code_1.items():
        if code_1 not in names and len(codes_3) == 1 and (code_3 := next(iter(codes_3))) in default_script:
            names[code_1] = f"{code_3}_{default_script[code_3]}"
    for code_3, script in default_script.items():
        names.setdefault(code_3, f"{code_3}_{script}")
    return {**names, **LID176_NAMES}


def build_filters(name: str, config: dict) -> list[tuple[str, object]]:
    """(stage, filter) in FineWeb-2's order, with its settings (fineweb-2-pipeline.py, step 5)."""
    from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

    return [
        ("gopher_repetition", GopherRepetitionFilter(
            language=name,
            dup_para_frac=0,
            dup_line_char_frac=0,
            dup_para_char_frac=0,
            dup_line_frac=config["dup_line_frac"],
            top_n_grams=config["top_n_grams"],
            dup_n_grams=config["dup_n_grams"],
        )),
        ("fineweb_quality", FineWebQualityFilter(
            language=name,
            short_line_thr=999,
            char_duplicates_ratio=0.1,
            line_punct_thr=config["line_punct_thr"],
            new_line_ratio=config["new_line_ratio"],
        )),
        ("gopher_quality", GopherQualityFilter(
            language=name,
            max_avg_word_length=config["max_avg_word_length"],
            min_avg_word_length=config["min_avg_word_length"],
            stop_words=config["stopwords"],
            max_non_alpha_words_ratio=config["max_non_alpha_words_ratio"],
            min_stop_words=2,
        )),
    ]


class Recipe:
    """Per-language configs and filters, loaded on first use."""

    def __init__(self, data: Path) -> None:
        self.configs = data / "configs"
        self.names = lid_names(data / "tokenizer_assignment.csv")
        self._filters: dict[str, tuple[float, list] | None] = {}

    def get(self, name: str) -> tuple[float, list] | None:
        """(language_score threshold, filters) of a FineWeb-2 language, None without a config."""
        if name not in self._filters:
            path = self.configs / f"{name}.yml"
            config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
            self._filters[name] = None if config is None else (config["language_score"], build_filters(name, config))
        return self._filters[name]


def empty_payload_type_absent(process_record):
    """datatrove's `process_record`, taking an empty WARC-Identified-Payload-Type header as absent."""

    def process(record):
        if record.rec_headers.get_header("WARC-Identified-Payload-Type") == "":
            record.rec_headers.remove_header("WARC-Identified-Payload-Type")
        return process_record(record)

    return process


def warc_documents(
    warc: Path, extract_timeout: float, seconds: Counter, read_errors: list[str]
) -> Iterator[tuple[object, str | None]]:
    """(document, extraction failure or None): WarcReader's documents through Trafilatura.

    Extraction is datatrove's own BaseExtractor.run, unrolled to keep the documents
    it skips and why: its stat names (timeout, broken_process, clean_error, and
    dropped for an empty result) become the reasons. An error while reading (a
    truncated file), which would end datatrove's task, ends the input here and is
    appended to read_errors.
    """
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.extractors.base import ExtractorSandbox
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.readers import warc as warc_reader

    # WarcReader.read_file calls the module's process_record by name
    warc_reader.process_record = empty_payload_type_absent(warc_reader.process_record)
    reader = WarcReader(str(warc.parent), glob_pattern=warc.name)
    extractor = Trafilatura(favour_precision=True, timeout=extract_timeout)
    documents = reader.run()
    with ExtractorSandbox(timeout=extractor.timeout, warmup_text="") as sandbox:
        while True:
            start = time.perf_counter()
            try:
                doc = next(documents, None)
            except Exception as error:  # noqa: BLE001
                read_errors.append(f"{type(error).__name__}: {error}")
                doc = None
            seconds["read"] += time.perf_counter() - start
            if doc is None:
                return
            start = time.perf_counter()
            try:
                doc.text = sandbox.process_document(doc.text, extractor.extract)
                failure = None if doc.text else "extract:dropped"
            except TimeoutError:
                failure = "extract:timeout"
            except EOFError:
                failure = "extract:broken_process"
            except Exception:  # noqa: BLE001  (datatrove counts any other error as clean_error and moves on)
                failure = "extract:clean_error"
            seconds["extract"] += time.perf_counter() - start
            yield doc, failure


def jsonl_documents(path: Path) -> Iterator[tuple[object, None]]:
    from datatrove.data import Document

    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                yield Document(text=record["text"], id=str(record["id"])), None


def judge(doc, language, recipe: Recipe, seconds: Counter, only: frozenset[str] | None) -> dict:
    """Language ID, then the language's score threshold and filters (for a language in `only`, when given);
    the output record of one document."""
    start = time.perf_counter()
    language.filter(doc)  # label_only: sets metadata language and language_score, drops nothing
    seconds["language"] += time.perf_counter() - start
    lid, score = doc.metadata["language"], doc.metadata["language_score"]
    name = recipe.names.get(lid)
    record = {"lid": lid, "lang_score": round(score, 4), "fw2_name": name, "kept": False, "reason": None}
    if only is not None and name not in only:
        record["reason"] = "language:other_language"
        return record
    recipe_filters = recipe.get(name) if name else None
    if recipe_filters is None:
        record["reason"] = "no_config"
        return record
    threshold, filters = recipe_filters
    if score < threshold:
        record["reason"] = "language:language_score"
        return record
    for stage, step in filters:
        start = time.perf_counter()
        try:
            result = step.filter(doc)
        except Exception as error:  # noqa: BLE001  (e.g. a tokenizer that needs a download: reported, not fatal)
            result = (False, f"error {type(error).__name__}: {error}")
        seconds[stage] += time.perf_counter() - start
        passed, reason = result if isinstance(result, tuple) else (result, None)
        if not passed:
            record["reason"] = f"{stage}:{reason or 'dropped'}"
            return record
    record["kept"] = True
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--warc", type=Path, help="a WARC file: extract with Trafilatura first")
    source.add_argument("--jsonl", type=Path, help='a JSONL of {"id", "text"} documents')
    parser.add_argument("--output", required=True, type=Path, help="JSONL to write, one line per document")
    parser.add_argument("--lid-model", required=True, help="fastText language ID model (lid.176.ftz)")
    parser.add_argument("--fineweb2-data", type=Path, default=FINEWEB2_DATA,
                        help="folder with configs/ and tokenizer_assignment.csv (default: %(default)s)")
    parser.add_argument("--extract-timeout", type=float, default=5.0, help="trafilatura time limit per page (s)")
    parser.add_argument("--languages", default=None,
                        help="comma-separated FineWeb-2 names to judge, e.g. deu_Latn (default: every language)")
    parser.add_argument("--text", action="store_true", help="write each judged document's text too")
    args = parser.parse_args()
    only = frozenset(args.languages.split(",")) if args.languages else None

    # datatrove copies the LID model into its assets cache under HF_HOME
    os.environ.setdefault("HF_HOME", str(ROOT / "bench" / ".cache" / "hf"))
    from datatrove.pipeline.filters import LanguageFilter

    language = LanguageFilter(languages=None, label_only=True)  # FineWeb-2 step 2, with ft176 for glotlid
    language.model.MODEL_URL = args.lid_model  # a local path: "downloaded" by copying
    recipe = Recipe(args.fineweb2_data)
    seconds: Counter = Counter()
    read_errors: list[str] = []
    per_language: dict[str, dict] = defaultdict(lambda: {"documents": 0, "kept": 0, "dropped": Counter()})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    documents = (warc_documents(args.warc.resolve(), args.extract_timeout, seconds, read_errors) if args.warc
                 else jsonl_documents(args.jsonl))
    n = 0
    with args.output.open("w", encoding="utf-8") as out:
        for doc, failure in documents:
            n += 1
            if failure:
                record = {"lid": None, "lang_score": None, "fw2_name": None, "kept": False, "reason": failure}
            else:
                record = judge(doc, language, recipe, seconds, only)
            head = {"id": doc.id, "url": doc.metadata["url"]} if args.warc else {"id": doc.id}
            text = {"text": doc.text} if args.text and not failure else {}
            out.write(json.dumps({**head, **record, **text}, ensure_ascii=False) + "\n")
            stats = per_language[record["fw2_name"] or (f"lid:{record['lid']}" if record["lid"] else "none")]
            stats["documents"] += 1
            stats["kept"] += record["kept"]
            if record["reason"]:
                stats["dropped"][record["reason"]] += 1
    wall = time.perf_counter() - start
    print(json.dumps({
        "input": str(args.warc or args.jsonl),
        "documents": n,
        "read_errors": read_errors,
        "kept": sum(s["kept"] for s in per_language.values()),
        "seconds": round(wall, 3),
        "docs_per_s": round(n / wall, 2) if wall else None,
        "stage_seconds": {stage: round(s, 3) for stage, s in seconds.items()},
        "languages": {k: {**v, "dropped": dict(v["dropped"].most_common())}
                      for k, v in sorted(per_language.items(), key=lambda kv: -kv[1]["documents"])},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
