"""`curate run`'s flags -> a checked `CurateConfig`: every user mistake is one UsageError before any work starts."""

from __future__ import annotations

import argparse
import os
import re

from apache_beam.io.filesystems import FileSystems

from curation.errors import UsageError
from curation.flags import output_dir
from curation.languages import lid_codes
from curation.recipe import DEFAULT_INPUT, CurateConfig

# What a folder given as --input contributes: its archives, by name.
ARCHIVE_NAME = re.compile(r"\.(warc|arc|wet|wat)(\.gz)?$", re.I)


def _crawl_inputs(args: argparse.Namespace) -> list[str]:
    """--crawl/--limit/--cc-base -> the crawl's file URLs, fetched once at launch."""
    from curation.ccpaths import ListingError, list_urls

    if args.input:
        raise UsageError("use --input or --crawl, not both")
    try:
        return list(list_urls(args.crawl, args.fmt, base=args.cc_base, limit=args.limit))
    except (ValueError, ListingError) as e:
        raise UsageError(str(e)) from e


def _local_inputs(patterns: list[str]) -> list[str]:
    """Local patterns must match something; a local folder means the archives directly inside it."""
    out = []
    for pattern in patterns:
        if "://" in pattern:  # remote paths are not touched while the pipeline is built
            out.append(pattern)
        elif os.path.isdir(pattern):
            found = sorted(os.path.join(pattern, name) for name in os.listdir(pattern)
                           if ARCHIVE_NAME.search(name) and os.path.isfile(os.path.join(pattern, name)))
            if not found:
                raise UsageError(f"folder {pattern!r} holds no archives (*.warc, *.arc, *.wet, *.wat, optionally .gz)")
            out += [os.path.abspath(path) for path in found]
        elif not FileSystems.match([pattern])[0].metadata_list:
            raise UsageError(f"no input files match {pattern!r}")
        else:
            out.append(pattern)
    return out


def _check_quality_args(model_path: str | None, min_quality: float | None, keep_top: float | None) -> None:
    if min_quality is not None and model_path is None:
        raise UsageError("--min-quality needs --quality-model")
    if keep_top is not None and model_path is None:
        raise UsageError("--quality-keep-top needs --quality-model")
    if model_path is not None and "://" not in model_path:  # remote models are first read by the workers
        from curation.quality import load_model

        if not os.path.isfile(model_path):
            raise UsageError(f"quality model not found: {model_path}")
        try:
            load_model(model_path)
        except ValueError as e:
            raise UsageError(f"cannot load quality model {model_path}: {e}") from e


def _languages(spec: str, lid) -> list[str] | None:
    """--languages -> the model's codes; a FineWeb-2 name, as outputs are named ("deu_Latn"), stands for its codes."""
    if spec.strip().lower() == "all":
        return None
    languages, unknown = set(), []
    for code in sorted({code.strip() for code in spec.split(",") if code.strip()}):
        found = [code] if code in lid.languages else lid_codes(code, lid.languages)
        languages.update(found)
        if not found:
            unknown.append(code)
    if not languages or unknown:
        raise UsageError(
            f"unknown language code(s) {', '.join(unknown) or repr(spec)} for {os.path.basename(lid.model_path)}; "
            f"use fastText codes such as en, de, fr, zh (not 'eng') or FineWeb-2 names such as deu_Latn"
        )
    return sorted(languages)


def read_benchmark(path: str) -> bytes:
    """A benchmark file's bytes (local, gs://, s3://), as the workers read it."""
    from apache_beam.io.filesystem import CompressionTypes

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return f.read()


def _benchmarks(specs: list[str]) -> list[tuple[str, str]]:
    """--decontaminate NAME=PATH flags -> (name, path), each local file read and parsed once so a bad one stops the
    run (remote ones are read by the workers, like the inputs)."""
    from curation.contamination import read_benchmarks

    return [(name, path) for name, path, _ in read_benchmarks(specs, "--decontaminate", remote=True)]


def config_from_args(args: argparse.Namespace) -> CurateConfig:
    from curation.langid import LanguageIdentifier
    from filters import parse_filter_spec

    for flag, path in (("--output", args.output), ("--staging-dir", args.staging_dir)):
        if "://" not in path:  # remote paths are not touched while the pipeline is built
            output_dir(flag, path)
    if args.crawl:
        inputs = _crawl_inputs(args)
    elif args.limit is not None:
        raise UsageError("--limit needs --crawl")
    else:
        inputs = _local_inputs(args.input or [DEFAULT_INPUT])
    if args.lid_model is not None and not os.path.isfile(args.lid_model):
        raise UsageError(f"language model not found: {args.lid_model}")
    try:
        lid = LanguageIdentifier(args.lid_model)
    except Exception as e:
        raise UsageError(f"cannot load language model: {e}") from e
    try:
        filters = parse_filter_spec(args.filters)
    except ValueError as e:
        raise UsageError(str(e)) from e
    for path in args.url_blocklist:
        if not os.path.isfile(path):
            raise UsageError(f"URL blocklist not found: {path}")
    _check_quality_args(args.quality_model, args.min_quality, args.quality_keep_top)
    output = args.output.rstrip("/") or "."
    staging = args.staging_dir.rstrip("/")
    if "://" not in output:
        output = os.path.abspath(output)
    if staging and "://" not in staging:
        staging = os.path.abspath(staging)
    return CurateConfig(
        inputs=inputs, output=output, languages=_languages(args.languages, lid),
        min_lang_score=args.min_lang_score, dump=args.dump, lid_model=args.lid_model, fmt=args.fmt,
        filters=filters, url_blocklists=[os.path.abspath(p) for p in args.url_blocklist], signals=args.signals,
        dedup=args.dedup, dedup_scope=args.dedup_scope, write_removed=args.write_removed,
        extract_timeout=args.extract_timeout, max_payload_bytes=int(args.max_payload_mb * (1 << 20)),
        lang_precheck=args.lang_precheck, quality_model=args.quality_model, min_quality=args.min_quality,
        quality_keep_top=args.quality_keep_top, decontaminate=_benchmarks(args.decontaminate),
        staging_dir=staging, fresh=args.fresh,
    )
