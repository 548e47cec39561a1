"""Phase 1 of `curate run`: every input file through the recipe into its own staged file, each independent of the others.

    input globs -> (path, size, mtime) -> StageFile -> manifest

A staged file that already exists for the same input (path, size, mtime) and
recipe fingerprint is reused as it is: this is what makes reruns resume and
larger runs incremental. With --no-dedup no sketches are computed, so a later
run with dedup stages those files again; the other way round reuses them.
Text never leaves the worker that extracted it except into its staged file;
the manifest (one line per input: paths, counts, accounting) is what the next
phases read.
"""

from __future__ import annotations

import io
import json
import os
import time

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from curation.http_reader import is_http_url, open_url
from curation.stats import Stats
from pipelines.files import atomic_create, open_parquet, write_manifest

PROGRESS_SUFFIX = ".progress"
_PROGRESS_EVERY_S = 2.0
# Written once, read twice, kept for later runs: zstd level 9 makes them 20% smaller than the default level for
# well under 1% of a run's time (2.5 vs 2.0 MB, 0.9 s, for the 990 benchmark pages that take minutes to extract).
STAGED_ZSTD_LEVEL = 9
# What a manifest entry copies from its staged file's footer.
SUMMARY_KEYS = ("candidates", "candidate_bytes", "dropped_rows", "dropped_bytes", "retry", "stats")


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from an input (for progress) and remembers whether reading it failed (to retry later)."""

    def __init__(self, stream):
        self.stream, self.bytes, self.failed = stream, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.stream.read(len(buffer))
        except OSError:
            self.failed = True
            raise
        buffer[: len(data)] = data
        self.bytes += len(data)
        return len(data)


class StagingDoFn(beam.DoFn):
    """(path, size, mtime) of an input -> its manifest entry, after writing its staged file (`write_staged`)
    or reusing the one an earlier run wrote for the same input and fingerprint."""

    source_is_input = False  # the rows' text stays in the input itself (`curate dedup`'s shards)
    needs_sketches = True  # a staged file written without sketches (--no-dedup) is staged again

    def __init__(self, staged_dir: str):
        self.staged_dir = staged_dir

    def write_staged(self, path: str, staged: str) -> dict:
        """Stage one input; returns the staged file's footer (SUMMARY_KEYS)."""
        raise NotImplementedError

    def process(self, item):
        from curation.staged import input_key

        path, size, mtime = item
        staged = f"{self.staged_dir}/{input_key(path, size, mtime)}"
        meta = complete_footer(staged)
        if meta is not None and self.needs_sketches and not meta.get("sketched", True):
            meta = None
        reused = meta is not None
        if not reused:
            meta = self.write_staged(path, staged)
        for kind in ("dropped", "errors"):
            for reason, n in meta["stats"][kind].items():
                Metrics.counter(kind, reason).inc(n)
        yield {"input": path, "size": size, "mtime": mtime, "staged": staged, "reused": reused,
               "source": path if self.source_is_input else staged, **{key: meta[key] for key in SUMMARY_KEYS}}


class StageFile(StagingDoFn):
    """An archive through the recipe (`curation.curate_file`) into its staged file."""

    def __init__(self, cfg, staged_dir: str, signal_names: tuple[str, ...]):
        super().__init__(staged_dir)
        self.cfg, self.signal_names = cfg, signal_names
        self.needs_sketches = cfg.dedup

    def setup(self):
        from curation.curate_file import FileCurator

        model = None
        if self.cfg.quality_model is not None:
            from curation.quality import load_model

            with FileSystems.open(self.cfg.quality_model, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                model = load_model(io.BytesIO(f.read()))
        from pipelines.config import read_benchmark

        benchmarks = [(name, path, read_benchmark(path)) for name, path in self.cfg.decontaminate]
        self.curator = FileCurator(self.cfg, model, benchmarks)
        self.curator.start()

    def teardown(self):
        self.curator.close()

    def write_staged(self, path: str, staged: str) -> dict:
        from curation.parquet_rows import RowWriter
        from curation.staged import REASON, TEXT_BYTES, footer, staged_schema

        stats, retry = Stats(), False
        try:
            stream = open_url(path) if is_http_url(path) else FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
        except Exception as e:
            stream, retry = None, True  # perhaps transient (network, permissions): a rerun tries again
            stats.add(("file_error", path, f"cannot open: {type(e).__name__}: {e}"[:500]))
        counts = dict.fromkeys(("candidates", "candidate_bytes", "dropped_rows", "dropped_bytes"), 0)
        with atomic_create(staged) as out:
            writer = RowWriter(out, staged_schema(self.signal_names, self.cfg.quality_model is not None,
                                                  bool(self.cfg.decontaminate)),
                               compression_level=STAGED_ZSTD_LEVEL)
            if stream is not None:
                reader = _CountingReader(stream)
                progress = _Progress(staged, reader, counts)
                with stream:
                    for row in self.curator.curate(reader, path, stats, tick=progress.tick):
                        kind = ("candidates", "candidate_bytes") if row[REASON] is None else ("dropped_rows", "dropped_bytes")
                        counts[kind[0]] += 1
                        counts[kind[1]] += row[TEXT_BYTES]
                        writer.write(row, row[TEXT_BYTES])
                retry = reader.failed
                progress.done()
            stats_dict = stats.to_dict()
            del stats_dict["config"]
            meta = {**counts, "retry": retry, "sketched": self.cfg.dedup, "stats": stats_dict}
            writer.close(footer(meta))
        return meta


def complete_footer(staged: str) -> dict | None:
    """The footer of a reusable staged file, or None (absent, unreadable, or to be retried)."""
    from curation.staged import read_footer

    try:
        if not FileSystems.exists(staged):
            return None
        meta = read_footer(open_parquet(staged))
    except Exception:  # a damaged or foreign file is staged again
        return None
    return None if meta.get("retry") else meta


class _Progress:
    """For local runs, a small sidecar file per input being staged (bytes read, documents so far) for the progress bar."""

    def __init__(self, staged: str, reader: _CountingReader, counts: dict):
        self.path = None if "://" in staged else f"{os.path.dirname(staged)}/.{os.path.basename(staged)}{PROGRESS_SUFFIX}"
        self.reader, self.counts, self.last = reader, counts, time.monotonic()

    def tick(self) -> None:
        if self.path is not None and time.monotonic() - self.last > _PROGRESS_EVERY_S:
            self.last = time.monotonic()
            try:
                with open(self.path, "w") as f:
                    json.dump({"bytes": self.reader.bytes, "candidates": self.counts["candidates"]}, f)
            except OSError:
                pass  # progress is a courtesy

    def done(self) -> None:
        if self.path is not None and os.path.exists(self.path):
            os.remove(self.path)


def _input_files(p: beam.Pipeline, inputs: list[str]):
    """(path, size, mtime) of every input: globs are matched with Beam FileSystems (local, gs://, s3://);
    http(s) URLs cannot be listed and pass as given (Common Crawl's files never change)."""
    urls = [path for path in inputs if is_http_url(path)]
    patterns = [path for path in inputs if not is_http_url(path)]
    branches = []
    if patterns:
        branches.append(
            p
            | "Inputs" >> beam.Create(patterns)
            | "MatchFiles" >> fileio.MatchAll()
            | "Identity" >> beam.Map(lambda m: (m.path, m.size_in_bytes, m.last_updated_in_seconds))
        )
    if urls:
        branches.append(p | "Urls" >> beam.Create([(url, None, None) for url in urls]))
    return branches[0] if len(branches) == 1 else branches | "AllInputs" >> beam.Flatten()


class StageInputs(beam.PTransform):
    """The pipeline root -> the manifest's path, once written."""

    def __init__(self, cfg, staged_dir: str, manifest: str, signal_names: tuple[str, ...]):
        super().__init__()
        self.cfg, self.staged_dir, self.manifest, self.signal_names = cfg, staged_dir, manifest, signal_names

    def expand(self, p):
        staged = (
            _input_files(p, self.cfg.inputs)
            | "OncePerFile" >> beam.Distinct()  # two globs may match one file
            | "StageFile" >> beam.ParDo(StageFile(self.cfg, self.staged_dir, self.signal_names))
            | "Collect" >> beam.combiners.ToList()
            | "WriteManifest" >> beam.Map(write_manifest, self.manifest)
        )
        return staged
