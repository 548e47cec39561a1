"""One language of a run: `curate query --language`, and the per-language funnel of `curate stats` and `curate report`
(from stats.json's "languages"; a run written before it shows nothing extra)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate_cli.main import main as curate
from curate_cli.stats import format_stats
from curation.report import write_report

KEPT = pa.schema([
    ("text", pa.string()), ("id", pa.string()), ("dump", pa.string()), ("url", pa.string()), ("date", pa.string()),
    ("file_path", pa.string()), ("language", pa.string()), ("language_score", pa.float64()),
    ("token_count", pa.int64()), ("minhash_cluster_size", pa.int64()),
])
REMOVED = pa.schema([f for f in KEPT if f.name != "minhash_cluster_size"]
                    + [pa.field("filter_reason", pa.string()), pa.field("duplicate_of", pa.string())])
LANGUAGES = {  # stats.json's "languages" of the run below: documents that reached language ID
    "deu_Latn": {"documents": 5, "kept": 2, "dropped": {"gopher_quality:short_doc@deu_Latn": 2,
                                                         "minhash_duplicate": 1}},
    "eng_Latn": {"documents": 1, "kept": 1, "dropped": {}},
    "und_Zyyy": {"documents": 1, "kept": 0, "dropped": {"language_score@fw2_median": 1}},
}


def doc(lid: str, k: int, **extra) -> dict:
    return {"text": f"text {lid} {k}", "id": f"<urn:uuid:{lid}-{k}>", "dump": "CC-MAIN-2024-30",
            "url": f"https://{lid or 'x'}.example/{k}", "date": "2024-07-22T12:00:00Z", "file_path": "x.warc.gz",
            "language": lid, "language_score": 0.9, "token_count": 3, **extra}


def write(folder: Path, schema: pa.Schema, rows: list[dict]) -> None:
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "part-00000-of-00001.parquet")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """A run with per-language folders: German kept and removed, English kept only, und_Zyyy removed only."""
    out = tmp_path_factory.mktemp("out")
    write(out / "data" / "deu_Latn", KEPT, [doc("de", k, minhash_cluster_size=1 + k) for k in range(2)])
    write(out / "data" / "eng_Latn", KEPT, [doc("en", 0, minhash_cluster_size=1)])
    write(out / "removed" / "deu_Latn", REMOVED,
          [doc("de", 10 + k, filter_reason=reason, duplicate_of=None)
           for k, reason in enumerate(["gopher_quality:short_doc@deu_Latn"] * 2 + ["minhash_duplicate"])])
    write(out / "removed" / "und_Zyyy", REMOVED, [doc("", 0, filter_reason="language_score@fw2_median",
                                                     duplicate_of=None)])
    stats = {"records_read": 9, "kept": 3, "errors": {}, "file_errors": {},
             "dropped": {"gopher_quality:short_doc@deu_Latn": 2, "language_score@fw2_median": 1,
                         "minhash_duplicate": 1, "not_response": 2},
             "stages": [{"name": "read", "in": 9, "out": 7, "seconds": 0.1}],
             "languages": LANGUAGES, "config": {"filters": ["gopher_quality"]}}
    (out / "stats.json").write_text(json.dumps(stats))
    return out


def query(out: Path, sql: str, *flags: str) -> int:
    return curate(["query", sql, "--output", str(out), "--format", "csv", *flags])


@pytest.mark.parametrize("language, docs, removed", [
    (None, 3, 4), ("deu_Latn", 2, 3), ("eng_Latn", 1, 0), ("und_Zyyy", 0, 1),
])
def test_query_one_language(out, capsys, language, docs, removed):
    flags = ["--language", language] if language else []
    assert query(out, "SELECT (SELECT count(*) FROM docs) AS d, (SELECT count(*) FROM removed) AS r", *flags) == 0
    assert capsys.readouterr().out == f"d,r\n{docs},{removed}\n"


def test_query_one_language_keeps_each_view_s_columns(out, capsys):
    assert query(out, "SELECT minhash_cluster_size FROM docs", "--language", "und_Zyyy") == 0  # no kept shards
    assert query(out, "SELECT filter_reason FROM removed", "--language", "eng_Latn") == 0  # no removed shards
    assert capsys.readouterr().out == "minhash_cluster_size\nfilter_reason\n"


def test_query_unknown_language_lists_those_present(out, capsys):
    assert query(out, "SELECT 1", "--language", "fra_Latn") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "languages present: deu_Latn, eng_Latn, und_Zyyy" in err


def test_stats_shows_the_funnel_per_language(out, capsys):
    assert curate(["stats", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index("by language, from language identification on:") + 1:]
    assert table[:4] == [
        "language       documents      kept  kept %   dropped  top drop reason",
        "deu_Latn               5         2   40.0%         3  gopher_quality:short_doc@deu_Latn (2)",
        "eng_Latn               1         1  100.0%         0  -",
        "und_Zyyy               1         0    0.0%         1  language_score@fw2_median (1)",
    ]


def test_stats_of_a_run_without_languages_shows_nothing_extra(out):
    stats = json.loads((out / "stats.json").read_text())
    assert "by language" in format_stats(stats)
    del stats["languages"]
    assert "by language" not in format_stats(stats)
    assert "by language" not in format_stats({**stats, "languages": {}})


def test_report_shows_the_funnel_per_language(out, tmp_path):
    page = Path(write_report(str(out), str(tmp_path / "r.html"))).read_text(encoding="utf-8")
    assert "<h3>Funnel per language</h3>" in page
    assert ("<tr><td>deu_Latn</td><td class=num>5</td><td class=num>2</td><td class=num>40.0%</td>"
            "<td class=num>3</td><td>gopher_quality:short_doc@deu_Latn (2)</td></tr>") in page
    assert page.index("deu_Latn</td>") < page.index("eng_Latn</td>") < page.index("und_Zyyy</td>")


def test_report_of_a_run_without_languages_shows_nothing_extra(out, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for path in out.rglob("*.parquet"):
        target = old / path.relative_to(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    stats = json.loads((out / "stats.json").read_text())
    del stats["languages"]
    (old / "stats.json").write_text(json.dumps(stats))
    page = Path(write_report(str(old))).read_text(encoding="utf-8")
    assert "Funnel per language" not in page and 'id="languages"' in page
