"""End to end on the real Beam runner: accounting, schema, determinism, and the shared archives (broken ones too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import REPO, SAMPLE_WARCS, run_curate, shared_path
from curation.run_output import run_shards
from curation.schema import KEPT_SCHEMA


def _balanced(stats: dict) -> bool:
    return stats["records_read"] == stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())


def _shard_bytes(out: Path) -> dict[str, bytes]:
    return {str(Path(p).relative_to(out)): Path(p).read_bytes() for kind in ("data", "removed") for p in run_shards(out, kind)}


def test_sample_run_accounts_for_every_record(sample_run):
    stats = json.loads((sample_run / "stats.json").read_text())
    assert set(stats) == {"records_read", "kept", "dropped", "errors", "file_errors", "stages", "languages", "config"}
    assert _balanced(stats), stats
    assert stats["kept"] > 0 and stats["records_read"] > stats["kept"]
    for reason in ("not_response", "not_html", "language_precheck"):
        assert stats["dropped"].get(reason, 0) > 0, reason
    stage_names = [s["name"] for s in stats["stages"]]
    assert stage_names[:5] == ["read", "url_filter", "lang_precheck", "extract", "language"]
    assert stage_names[-2:] == ["pii", "token_count"]
    for stage in stats["stages"][1:]:  # "read" takes files in and gives records out
        assert stage["in"] >= stage["out"] >= 0 and stage["seconds"] >= 0


def test_sample_shards_have_exactly_the_fineweb_columns(sample_run):
    files = [Path(p) for p in run_shards(sample_run)]
    assert files and all(f.stat().st_size > 0 for f in files)
    assert [f.parent.name for f in files] == ["eng_Latn"]  # the default recipe keeps English only
    for f in files:
        schema = pq.read_schema(f)
        assert schema.names == KEPT_SCHEMA.names + ["signals"]  # signals: the run used --signals
        assert pq.ParquetFile(f).metadata.row_group(0).column(0).compression == "ZSTD"
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT count(*), count(DISTINCT id), min(token_count), min(language_score) FROM read_parquet('{sample_run}/data/*/*.parquet')"
    ).fetchone()
    stats = json.loads((sample_run / "stats.json").read_text())
    assert rows[0] == rows[1] == stats["kept"]
    assert rows[2] > 0 and rows[3] > 0.65
    langs = {r[0] for r in con.execute(f"SELECT DISTINCT language FROM read_parquet('{sample_run}/data/*/*.parquet')").fetchall()}
    assert langs == {"en"}


def test_removed_documents_carry_their_reason(sample_run):
    con = duckdb.connect()
    reasons = dict(con.execute(
        f"SELECT filter_reason, count(*) FROM read_parquet('{sample_run}/removed/*/*.parquet') GROUP BY 1"
    ).fetchall())
    stats = json.loads((sample_run / "stats.json").read_text())
    for reason, n in reasons.items():
        assert stats["dropped"][reason] == n  # every removed row is a counted drop
    assert any(reason.startswith("gopher_") for reason in reasons) and "exact_duplicate" in reasons


def test_rerun_with_two_worker_processes_gives_identical_bytes(sample_run, tmp_path):
    """The CLI in multi-processing mode reproduces the in-memory run's shards byte for byte. Beam's own
    --direct_num_workers overrides the per-phase caps, so every phase (the write's two tiny shards included) runs
    in 2 worker processes."""
    out = tmp_path / "again"
    cmd = [sys.executable, "-m", "curate_cli.main", "run", "--input", str(SAMPLE_WARCS / "*.warc*"), "--output", str(out),
           "--signals", "--workers", "2", "--direct_num_workers=2"]
    subprocess.run(cmd, check=True, cwd=REPO, capture_output=True)
    assert _shard_bytes(out) == _shard_bytes(sample_run)
    a = json.loads((out / "stats.json").read_text())
    b = json.loads((sample_run / "stats.json").read_text())
    for key in ("records_read", "kept", "dropped", "errors", "file_errors"):
        assert a[key] == b[key]
    assert json.loads((out / "run.json").read_text())["workers"] == {"stage": 2, "dedup": 2, "write": 2}


def test_every_shared_archive_end_to_end(tmp_path):
    """All shared WARC/ARC files, broken ones included: the run completes and the accounting balances."""
    root = shared_path("warcs")
    out = tmp_path / "shared"
    stats = run_curate("--input", f"{root}/*/*.warc*", "--input", f"{root}/*/*.arc*", "--output", str(out),
                       "--languages", "all")
    assert _balanced(stats), stats
    assert stats["kept"] > 20
    broken = {"clipped.warc.gz", "example-bad-non-chunked.warc.gz", "example-wrong-chunks.warc.gz"}
    assert broken <= {Path(p).name for p in stats["file_errors"]}
    wet = run_curate("--input", f"{root}/*/*.wet*", "--format", "wet", "--output", str(tmp_path / "wet"), "--languages", "all",
                     "--filters", "none")
    assert _balanced(wet) and wet["kept"] >= 3


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curate_cli.main", *argv], cwd=REPO, capture_output=True, text=True)


@pytest.mark.parametrize("argv, message", [
    (["run", "--bogus-flag"], "unrecognized arguments: --bogus-flag"),
    (["run", "--input", "/nonexistent/*.warc.gz"], "no input files match"),
    (["run", "--languages", "eng"], "unknown language code(s) eng"),
    (["run", "--filters", "gopher,nope"], "nope"),
    (["run", "--min-lang-score", "2"], "argument --min-lang-score: must be at least 0.0 and below 1.0, not 2"),
    (["run", "--min-lang-score", "-0.5"], "--min-lang-score: must be at least 0.0"),
    (["run", "--workers", "0"], "argument --workers: must be at least 1, not 0"),
    (["run", "--workers", "two"], "argument --workers: 'two' is not a whole number"),
    (["run", "--extract-timeout", "0"], "--extract-timeout: must be above 0"),
    (["run", "--max-payload-mb", "-1"], "--max-payload-mb: must be above 0"),
    (["run", "--output", "README.md"], "--output 'README.md' is a file, not a folder"),
    (["run", "--input", "docs"], "folder 'docs' holds no archives"),
    (["run", "--lid-model", "/nonexistent/lid.176.bin"], "language model not found"),
    (["run", "--dry_run=maybe"], "--dry_run takes true or false"),
    (["stats", "/nonexistent"], "no stats.json"),
    (["query", "SELECT 1", "--output", "/nonexistent"], "no curated output"),
])
def test_user_errors_are_one_line(argv, message):
    result = _cli(*argv)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert message in lines[-1] and "Traceback" not in result.stderr


def test_a_folder_of_archives_is_its_archives(sample_run, tmp_path):
    """--input DIR curates the archives directly inside it (other files there are not archives, and are left alone)."""
    out = tmp_path / "out"
    stats = run_curate("--input", str(SAMPLE_WARCS), "--output", str(out), "--signals")
    assert stats["records_read"] == json.loads((sample_run / "stats.json").read_text())["records_read"]
    assert _shard_bytes(out) == _shard_bytes(sample_run)


def test_query_and_stats_commands(sample_run):
    result = _cli("query", "SELECT language, count(*) AS n FROM docs GROUP BY 1", "--output", str(sample_run), "--format", "json")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout.splitlines()[0])
    assert row["language"] == "en" and row["n"] > 0
    result = _cli("query", "SELECT filter_reason, count(*) FROM removed GROUP BY 1 ORDER BY 2 DESC", "--output", str(sample_run))
    assert result.returncode == 0 and "filter_reason" in result.stdout
    result = _cli("stats", str(sample_run))
    assert result.returncode == 0 and "accounting: read" in result.stdout and "(ok)" in result.stdout


def test_run_help_documents_every_flag():
    result = _cli("run", "--help")
    for flag in ("--input", "--output", "--languages", "--min-lang-score", "--dump", "--lid-model", "--format",
                 "--filters", "--signals", "--no-dedup", "--dedup-scope", "--no-write-removed"):
        assert flag in result.stdout


def test_query_empty_view_has_the_columns_the_run_wrote(tmp_path):
    """No kept documents: `docs` is empty but has the score and signals columns the removed shards have."""
    import pyarrow.parquet as pq

    from curation.views import connect
    from curation.schema import schema_for

    (tmp_path / "removed").mkdir()
    schema = schema_for(True, ["gopher_quality.mean_word_length"], quality=True)
    pq.write_table(schema.empty_table(), tmp_path / "removed" / "part-00000-of-00001.parquet")
    columns = [row[0] for row in connect(str(tmp_path)).execute("DESCRIBE docs").fetchall()]
    assert columns == schema_for(False, ["gopher_quality.mean_word_length"], quality=True).names
    assert "filter_reason" not in columns and {"score", "int_score", "signals"} <= set(columns)

    empty = tmp_path / "nothing"
    empty.mkdir()
    assert [row[0] for row in connect(str(empty)).execute("DESCRIBE docs").fetchall()] == schema_for(False, None).names
