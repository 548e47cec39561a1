"""`curate run`: WARC files -> FineWeb-schema Parquet shards + stats.json, in three Beam phases that hand off through files.

    1. stage  (pipelines/stage.py)  every input file, alone: read -> URL filter -> pre-check -> extract -> language
                                    -> quality filters [-> quality score] -> MinHash sketch -> STAGING/<fp>/<file>.parquet
    2. dedup  (pipelines/dedup.py)  the sketches only -> verdicts (removed row -> reason, survivor id)
    3. write  (pipelines/write.py)  staged files + verdicts, map-only -> PII scrub, token_count -> OUT/data, OUT/removed

Text never crosses a shuffle, so memory does not grow with the corpus. A staged
file is reused while its input (path, size, mtime) and the recipe's
fingerprint stay the same: a rerun after a crash resumes, and a run with more
inputs curates only the new ones; dedup and the write always cover them all.
Each phase is an ordinary Beam pipeline, on the local FnApiRunner or on
Dataflow (`--runner DataflowRunner`, one job per phase), same code.

Run it as `curate run ...` or `python -m pipelines.curate ...`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import StandardOptions, TestOptions

from curation.errors import UsageError
from curation.flags import OneLineParser
from curation.recipe import CurateConfig, add_arguments, staging_settings
from pipelines.config import config_from_args
from pipelines.files import delete_tree, read_manifest, read_text, remove_temporaries, write_text_atomically
from pipelines.options import Phases, dedup_workers, write_workers
from pipelines.progress import StageMonitor, phase_monitor


def signal_names(cfg: CurateConfig) -> tuple[str, ...]:
    from filters import build_text_filters

    if not cfg.signals:
        return ()
    return tuple(sorted(n for f in build_text_filters([n for n in cfg.filters if n != "url"]) for n in f.signal_names))


def staging_fingerprint(cfg: CurateConfig, touch_files: bool) -> tuple[str, dict]:
    """(fingerprint, what it hashes): the staging settings, with model and list files by content, package
    versions and this package's source. `touch_files` False (a dry run) names files by path only."""
    from curation.langid import default_model_path
    from curation.staged import fingerprint, package_versions, source_digest

    def digest(path: str | None) -> str | None:
        if path is None or not touch_files:
            return path
        from curation.digest import stream_digest

        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            return stream_digest(f)

    settings = staging_settings(cfg)
    settings.update(lid_model=digest(cfg.lid_model or default_model_path()), quality_model=digest(cfg.quality_model),
                    url_blocklists=[digest(p) for p in cfg.url_blocklists], versions=package_versions(), source=source_digest(),
                    decontaminate=[(name, digest(path)) for name, path in cfg.decontaminate])
    return fingerprint(settings), settings


def run(args: argparse.Namespace, beam_args: list[str]) -> dict:
    """Build and run the three phases; returns stats.json's content (for local output)."""
    from pipelines.dedup import run_phase as run_dedup
    from pipelines.stage import StageInputs
    from pipelines.write import WriteOutput

    cfg = config_from_args(args)
    phases = Phases(beam_args, args.workers)
    dry_run = bool(phases.options.view_as(TestOptions).dry_run)
    local = "://" not in cfg.output
    fp, settings = staging_fingerprint(cfg, touch_files=not dry_run)
    staged_dir = f"{cfg.staging_dir}/{fp}"
    work = f"{cfg.output}/work"
    manifest, verdicts = f"{work}/manifest.jsonl", f"{work}/verdicts"
    names = signal_names(cfg)
    started = time.time()
    if not dry_run:
        _prepare(cfg, staged_dir, settings, work)
    monitor = StageMonitor(cfg.inputs, staged_dir) if local and not dry_run else None
    phases.run("stage", lambda p: p | "Stage" >> StageInputs(cfg, staged_dir, manifest, names),
               useful=monitor.pending if monitor else None, monitor=monitor)
    entries = [] if dry_run else read_manifest(manifest)
    cut, min_score = _quality_cut(phases, cfg, manifest, f"{work}/quality_top.json", dry_run)
    if cfg.dedup:
        run_dedup(phases, manifest, verdicts, cfg.dedup_scope, entries, min_score=min_score,
                  useful=dedup_workers(entries) if entries else None, monitor=phase_monitor("dedup", entries, local))
    phases.run("write", lambda p: p | "Manifest" >> beam.Create([manifest]) | "Write" >> WriteOutput(
        cfg.output, _config_dict(cfg, fp), names, cfg.quality_model is not None,
        verdict_dir=verdicts if cfg.dedup else None, write_removed=cfg.write_removed, cut=cut, min_score=min_score,
        contamination=bool(cfg.decontaminate)),
        useful=write_workers(entries, cfg.write_removed) if entries else None, monitor=phase_monitor("write", entries, local))
    if dry_run:  # built and translated only: nothing ran, nothing may be written
        print(f"dry run: {len(phases.seconds)} phases built and translated for "
              f"{phases.options.view_as(StandardOptions).runner}; nothing submitted")
        return {}
    _write_run_info(cfg, started, phases, entries, staged_dir)
    delete_tree(work)
    stats = json.loads(read_text(f"{cfg.output}/stats.json"))
    if local:
        print(_summary(cfg, stats, time.time() - started, entries))
    return stats


def _quality_cut(phases: Phases, cfg: CurateConfig, manifest: str, path: str, dry_run: bool) -> tuple[str | None, float | None]:
    """With --quality-keep-top: (the cut's summary path, its score threshold), from a phase over the staged scores."""
    if cfg.quality_keep_top is None:
        return None, None
    from pipelines.quality_top import QualityThreshold

    phases.run("quality_top", lambda p: p | "Manifest" >> beam.Create([manifest])
               | "QualityTop" >> QualityThreshold(cfg.quality_keep_top, path), useful=1)
    return path, 0.0 if dry_run else json.loads(read_text(path))["threshold"]


def _prepare(cfg: CurateConfig, staged_dir: str, settings: dict, work: str) -> None:
    if cfg.fresh:
        delete_tree(cfg.staging_dir)
    delete_tree(work)  # a killed run's manifest and verdicts: dedup and the write always start over
    remove_temporaries(staged_dir)
    write_text_atomically(f"{staged_dir}/recipe.json", json.dumps(settings, indent=2, sort_keys=True) + "\n")


def _config_dict(cfg: CurateConfig, fp: str) -> dict:
    import dataclasses

    return {**dataclasses.asdict(cfg), "staging_fingerprint": fp}


def _summary(cfg: CurateConfig, stats: dict, elapsed: float, entries: list[dict]) -> str:
    reused = sum(entry["reused"] for entry in entries)
    staged = _staged_bytes(entries)
    inputs = sum(entry["size"] or 0 for entry in entries)
    share = f", {100 * staged / inputs:.1f}% of the input" if inputs else ""
    return (f"curated {stats['records_read']} records in {elapsed:.1f}s: {stats['kept']} kept, "
            f"{sum(stats['dropped'].values())} dropped, {sum(stats['errors'].values())} errors, "
            f"{len(stats['file_errors'])} unreadable files -> {cfg.output}\n"
            f"{len(entries)} input files: {len(entries) - reused} curated, {reused} reused from {cfg.staging_dir} "
            f"({staged / 2**20:.1f} MB staged{share})")


def _staged_bytes(entries: list[dict]) -> int:
    sizes = {m.path: m.size_in_bytes for result in FileSystems.match([e["staged"] for e in entries]) for m in result.metadata_list}
    return sum(sizes.values())


def _write_run_info(cfg: CurateConfig, started: float, phases: Phases, entries: list[dict], staged_dir: str) -> None:
    """OUT/run.json: what stats.json cannot hold because it is computed inside the pipeline (wall time, versions, reuse)."""
    from datetime import datetime, timezone

    from curation.staged import package_versions

    reused = sum(entry["reused"] for entry in entries)
    info = {
        "started": datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(time.time() - started, 3),
        "phase_seconds": phases.seconds,
        "argv": sys.argv,
        "runner": phases.options.get_all_options().get("runner"),
        "workers": phases.worker_counts,
        "python": sys.version.split()[0],
        "versions": package_versions(),
        "files": {"inputs": len(entries), "processed": len(entries) - reused, "reused": reused},
        "staging": {"dir": staged_dir, "bytes": _staged_bytes(entries), "input_bytes": sum(e["size"] or 0 for e in entries)},
    }
    write_text_atomically(f"{cfg.output}/run.json", json.dumps(info, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    from curation import logs

    logs.configure()
    parser = OneLineParser(prog="python -m pipelines.curate", description=__doc__.split("\n\n")[0])
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
