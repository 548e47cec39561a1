"""One archive through the recipe, record by record, in constant memory: the per-file half of `curate run`.

    read -> url_filter -> lang_precheck -> extract -> language -> the language's text filters [-> quality]
         [-> decontaminate] -> sketch (none with --no-dedup)

`FileCurator.curate` streams an archive and yields one staged row per document
that got text: candidates for dedup (with their MinHash sketch) and documents
dropped after extraction (with `filter_reason`, for OUT/removed). Every record
read lands in the given `Stats` exactly once: as such a row, or as a counted
drop or error; each stage adds its in/out counts and seconds.

Language ID picks the document's recipe (`curation.languages`): English keeps FineWeb's, every other language
gets FineWeb-2's thresholds, filters and word tokenizer, which also makes its MinHash shingles. A text filter
reports under its own name (gopher_repetition, fineweb, gopher_quality) whichever language it judged.

Plain Python, no Beam: `pipelines/stage.py` runs one `FileCurator` per worker. The per-record code imports
nothing; `start` loads the models, and a language's recipe is built when its first document arrives.
"""

from __future__ import annotations

import dataclasses
import time
from typing import BinaryIO, Callable, Iterator

from curation.decode import NotText, decode_html
from curation.decontam import REASON, BenchmarkIndex, read_rows
from curation.document import Document
from curation.extract import ExtractCrash, Extractor, ExtractTimeout
from curation.langid import LanguageIdentifier
from curation.languages import LanguageRecipe, Recipes
from curation.minhash import Sketcher, record_key
from curation.precheck import LanguagePrecheck
from curation.quality import int_score
from curation.staged import staged_row
from curation.stats import Stats
from curation.warc import FileError, RawRecord, Skip, read_archive
from filters import build_url_filter


class _Clock:
    """Per-stage in/out counts and seconds of one file, added to its Stats at the end."""

    def __init__(self):
        self.stages: dict[str, list] = {}

    def run(self, stage: str, fn: Callable, *args):
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            entry = self.stages.setdefault(stage, [0, 0, 0.0])
            entry[0] += 1
            entry[2] += time.perf_counter() - t0

    def passed(self, stage: str) -> None:
        self.stages[stage][1] += 1

    def add_to(self, stats: Stats) -> None:
        for name, (n_in, n_out, seconds) in self.stages.items():
            stats.add(("stage", name, n_in, n_out, seconds))


class FileCurator:
    """Holds the recipe's models for many files (start once per worker, `close` at the end)."""

    def __init__(self, cfg, quality_model=None, benchmarks: list[tuple[str, str, bytes]] = ()):
        """`cfg` is a `curation.recipe.CurateConfig`; `quality_model` a loaded `curation.quality.QualityModel`;
        `benchmarks` the (name, path, bytes) of cfg.decontaminate's files."""
        self.cfg = cfg
        self.languages = frozenset(cfg.languages) if cfg.languages is not None else None
        self.quality_model = quality_model
        self.benchmark_files = list(benchmarks)

    def start(self) -> None:
        cfg = self.cfg
        self.url_filter = build_url_filter(cfg.url_blocklists) if "url" in cfg.filters else None
        self.lid = LanguageIdentifier(cfg.lid_model)
        use_precheck = cfg.lang_precheck and self.languages is not None and cfg.fmt == "warc"
        self.precheck = LanguagePrecheck(self.lid, self.languages) if use_precheck else None
        self.recipes = Recipes(cfg.filters, cfg.min_lang_score)
        self.sketcher = Sketcher()
        self.benchmarks = None
        if self.benchmark_files:
            sources = [(name, read_rows(data, path)) for name, path, data in self.benchmark_files]
            self.benchmarks = BenchmarkIndex.build(sources, language_of=lambda text: self.lid.predict(text)[0])
            self.benchmark_files = []  # the index is all that is needed now
        self.extractor = Extractor(timeout=cfg.extract_timeout)
        self.extractor.start()  # imports trafilatura in the child while the first file opens

    def close(self) -> None:
        self.extractor.close()

    def curate(self, stream: BinaryIO, path: str, stats: Stats, tick: Callable[[], None] | None = None) -> Iterator[dict]:
        """Staged rows of one archive; fills `stats` with its accounting; calls `tick()` after every record."""
        clock = _Clock()
        clock.stages["read"] = [1, 0, 0.0]
        records = read_archive(stream, path, fmt=self.cfg.fmt, dump=self.cfg.dump, max_bytes=self.cfg.max_payload_bytes)
        while True:
            t0 = time.perf_counter()
            item = next(records, None)
            clock.stages["read"][2] += time.perf_counter() - t0
            if item is None:
                break
            if isinstance(item, FileError):
                stats.add(("file_error", path, item.message))
                continue
            stats.add(("read", 1))
            if isinstance(item, Skip):
                stats.add((item.kind, item.reason, 1))
            else:
                clock.stages["read"][1] += 1
                yield from self._record(item, stats, clock)
            if tick is not None:
                tick()
        clock.add_to(stats)

    def _record(self, raw: RawRecord, stats: Stats, clock: _Clock) -> Iterator[dict]:
        if self.url_filter is not None:
            verdict = clock.run("url_filter", self.url_filter, raw.url)
            if not verdict.keep:
                stats.add(("dropped", verdict.reason, 1))
                return
            clock.passed("url_filter")
        if self.precheck is not None:
            reason, raw = clock.run("lang_precheck", self._precheck, raw)
            if reason:
                stats.add(reason)
                return
            clock.passed("lang_precheck")
        outcome = clock.run("extract", self._extract, raw)
        if isinstance(outcome, tuple):
            stats.add(outcome)
            return
        clock.passed("extract")
        doc, reason = clock.run("language", self._language, outcome)
        if reason is None:
            clock.passed("language")
            for stage, step in self._text_stages(self.recipes(doc.language)):
                doc, reason = clock.run(stage, step, doc)
                if reason is not None:
                    break
                clock.passed(stage)
        if reason is not None:
            stats.add(("dropped", reason, 1))
            yield staged_row(doc, reason)
            return
        yield clock.run("sketch", self._sketch, doc)
        clock.passed("sketch")

    def _precheck(self, raw: RawRecord) -> tuple[tuple | None, RawRecord]:
        """(None, record with its HTML decoded) when it goes on to extraction, else (accounting event, record)."""
        if raw.is_text:
            return None, raw
        try:
            html, _ = decode_html(raw.payload, raw.http_charset)
        except NotText:
            return ("error", "decode", 1), raw
        if self.precheck.rejects(html):
            return ("dropped", "language_precheck", 1), raw
        return None, dataclasses.replace(raw, payload=b"", html=html)

    def _extract(self, raw: RawRecord) -> Document | tuple:
        """The document, or the accounting event that ends the record here."""
        if raw.is_text:
            text = raw.payload.decode("utf-8", errors="replace").strip()
        else:
            try:
                html = raw.html if raw.html is not None else decode_html(raw.payload, raw.http_charset)[0]
            except NotText:
                return ("error", "decode", 1)
            try:
                text = self.extractor(html)
            except ExtractTimeout:
                return ("error", "extract_timeout", 1)
            except ExtractCrash:
                return ("error", "extract_failed", 1)
        if not text:
            return ("dropped", "no_text", 1)
        return Document(id=raw.id, url=raw.url, date=raw.date, dump=raw.dump, file_path=raw.file_path, text=text)

    def _text_stages(self, recipe: LanguageRecipe) -> Iterator[tuple[str, Callable]]:
        for text_filter in recipe.filters:
            yield text_filter.name, lambda doc, f=text_filter: self._filter(f, doc)
        if self.quality_model is not None:
            yield "quality", self._quality
        if self.benchmarks is not None:
            yield "decontaminate", self._decontaminate

    def _language(self, doc: Document) -> tuple[Document, str | None]:
        language, score = self.lid.predict(doc.text)
        doc = dataclasses.replace(doc, language=language, language_score=score)
        if self.languages is not None and language not in self.languages:
            return doc, "language"
        return doc, self.recipes(language).language_reason(score)

    def _filter(self, text_filter, doc: Document) -> tuple[Document, str | None]:
        verdict = text_filter(doc.text)
        changes = {}
        if self.cfg.signals:
            changes["signals"] = {**doc.signals, **verdict.signals}
        if verdict.keep and verdict.text is not None:
            changes["text"] = verdict.text
        doc = dataclasses.replace(doc, **changes) if changes else doc
        return doc, None if verdict.keep else verdict.reason

    def _quality(self, doc: Document) -> tuple[Document, str | None]:
        score = self.quality_model.score(doc.text)
        doc = dataclasses.replace(doc, score=score, int_score=int_score(score))
        below = self.cfg.min_quality is not None and score < self.cfg.min_quality
        return doc, "quality" if below else None

    def _decontaminate(self, doc: Document) -> tuple[Document, str | None]:
        match = self.benchmarks.first_match(doc.text, doc.language)
        if match is None:
            return doc, None
        found = {"benchmark": match.benchmark, "row": match.row, "ngram": match.ngram}
        return dataclasses.replace(doc, contamination=found), f"{REASON}:{match.benchmark}"

    def _sketch(self, doc: Document) -> dict:
        if not self.cfg.dedup:  # nothing will read the sketch: the row carries only its identity
            return staged_row(doc, None, record_key(doc))
        exact, bands = self.sketcher.sketch(doc.text, self.recipes(doc.language).shingle_words)
        return staged_row(doc, None, record_key(doc), exact, bands)
