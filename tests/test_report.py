"""`curate report`: every section from the sample run, nothing loaded from outside the file, web text escaped."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate_cli.main import main as curate
from curation.report import SECTIONS, Threshold, esc, signal_thresholds, write_report
from curation.report_charts import drops_chart, funnel_chart
from curation.schema import FINEWEB_SCHEMA, REMOVED_SCHEMA
from curation.stats import Stats
from filters import FILTER_NAMES, build_text_filters
from filters.gopher_quality import GopherQualityFilter

REPO = Path(__file__).resolve().parent.parent
LOADING_ATTRIBUTES = {"src", "href", "srcset", "action", "poster", "data", "background", "formaction", "xlink:href"}
LOADING_TAGS = {"script", "link", "iframe", "object", "embed", "base", "frame", "audio", "video", "source"}


class PageParts(HTMLParser):
    """Section ids, loading tags, every attribute that can fetch something, and the CSS text."""

    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.references, self.css = set(), [], [], []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            if name in LOADING_ATTRIBUTES:
                self.references.append(value or "")
            if name == "style":
                self.css.append(value or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def parse(page: str) -> PageParts:
    parts = PageParts()
    parts.feed(page)
    return parts


def assert_self_contained(page: str) -> None:
    parts = parse(page)
    assert not LOADING_TAGS & set(parts.tags), LOADING_TAGS & set(parts.tags)
    outside = [ref for ref in parts.references if not ref.startswith(("data:image/png;base64,", "#"))]
    assert outside == []
    css = " ".join(parts.css).lower()
    assert "url(" not in css and "@import" not in css


@pytest.fixture(scope="module")
def sample_report(sample_run, tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert curate(["report", str(sample_run), "--output", str(path), "--examples", "2"]) == 0
    return path, path.read_text(encoding="utf-8")


def test_sample_report_has_every_section(sample_run, sample_report):
    _, page = sample_report
    assert {key for key, _ in SECTIONS} <= parse(page).ids
    stats = json.loads((sample_run / "stats.json").read_text())
    assert f"records read {stats['records_read']:,} = kept + dropped + errors = {stats['records_read']:,} (ok)" in page
    # funnel, drops, languages, distributions, and one signal figure per text filter of the recipe
    text_filters = build_text_filters(stats["config"]["filters"])
    assert page.count("data:image/png;base64,") == 4 + len(text_filters)
    for rules in signal_thresholds(text_filters).values():
        for rule in rules:
            assert esc(rule.rule) in page


def test_sample_report_shows_examples_for_every_reason_with_text(sample_run, sample_report):
    _, page = sample_report
    removed = pq.read_table(sample_run / "removed").to_pylist()
    reasons = {row["filter_reason"] for row in removed}
    for reason in reasons:
        assert f"<h3>{esc(reason)} <span class=count>" in page
        examples = sorted((row for row in removed if row["filter_reason"] == reason), key=lambda r: (r["id"], r["url"]))
        for row in examples[:2]:
            assert esc(row["url"]) in page
    per_reason = [sum(row["filter_reason"] == reason for row in removed) for reason in reasons]
    assert page.count("<div class=example>") == sum(min(n, 2) for n in per_reason)
    stats = json.loads((sample_run / "stats.json").read_text())
    without_text = sorted(set(stats["dropped"]) - {row["filter_reason"] for row in removed})
    assert without_text and all(f"<code>{esc(reason)}</code>" in page for reason in without_text)


def test_sample_report_shows_kept_domains_and_run_metadata(sample_run, sample_report):
    _, page = sample_report
    kept = pq.read_table(sample_run / "data").column("url").to_pylist()
    host = max(set(kept), key=kept.count).split("/")[2].removeprefix("www.")
    assert esc(host) in page
    stats = json.loads((sample_run / "stats.json").read_text())
    assert esc(json.dumps(stats["config"]["filters"])) in page
    assert "package (report)" in page


def test_sample_report_loads_nothing_from_outside(sample_report):
    assert_self_contained(sample_report[1])


def test_the_same_run_gives_the_same_page_bytes(sample_run, sample_report, tmp_path):
    """Nothing time-dependent in the page or its PNGs, so a report can be diffed against an earlier one."""
    again = tmp_path / "again.html"
    assert curate(["report", str(sample_run), "--output", str(again), "--examples", "2"]) == 0
    assert again.read_bytes() == sample_report[0].read_bytes()


def test_charts_are_png_bytes_and_none_when_there_is_nothing_to_draw(sample_run):
    stats = json.loads((sample_run / "stats.json").read_text())
    assert funnel_chart(stats).startswith(b"\x89PNG\r\n\x1a\n")
    assert drops_chart(stats).startswith(b"\x89PNG\r\n\x1a\n")
    assert drops_chart({**stats, "dropped": {}, "errors": {}}) is None


def test_report_modules_stay_short():
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines())
               for path in (REPO / "curation").glob("report*.py")}
    assert {"report.py", "report_data.py", "report_charts.py"} <= lengths.keys()
    assert {name: n for name, n in lengths.items() if n > 400} == {}


def _write_shard(directory: Path, schema: pa.Schema, rows: list[dict]) -> None:
    directory.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), directory / "part-00000-of-00001.parquet")


HOSTILE_URL = 'http://evil.test/"><script>alert(1)</script><img src="http://evil.test/x.png">'
HOSTILE_TEXT = "<script>alert('text')</script>\nlorem ipsum <iframe src=https://evil.test/></iframe>\n\u202egnp.exe"


@pytest.fixture
def hostile_output(tmp_path) -> Path:
    """A tiny run: one kept page and one removed page whose URL and text try to inject HTML; no signals, no run.json."""
    doc = {"text": "A kept page.", "id": "<urn:uuid:1>", "dump": "CC-MAIN-2024-30", "url": "https://good.test/a",
           "date": "2024-07-22T15:00:00Z", "file_path": "x.warc.gz", "language": "en", "language_score": 0.97,
           "token_count": 4}
    removed = {**doc, "text": HOSTILE_TEXT, "id": "<urn:uuid:2>", "url": HOSTILE_URL, "language_score": 0.9,
               "token_count": None, "filter_reason": "c4:lorem_ipsum", "duplicate_of": None}
    _write_shard(tmp_path / "data", FINEWEB_SCHEMA, [doc])
    _write_shard(tmp_path / "removed", REMOVED_SCHEMA, [removed])
    stats = Stats(records_read=3, kept=1)
    for event in (("dropped", "c4:lorem_ipsum", 1), ("dropped", "not_response", 1),
                  ("stage", "read", 1, 2, 0.1), ("stage", "language", 2, 2, 0.1), ("stage", "c4", 2, 1, 0.1)):
        stats.add(event)
    config = {"inputs": ["<b>in.warc.gz</b>"], "filters": ["c4"], "min_lang_score": 0.65}
    (tmp_path / "stats.json").write_text(json.dumps(stats.to_dict(config)))
    return tmp_path


def test_hostile_web_text_is_escaped(hostile_output):
    page = Path(write_report(str(hostile_output))).read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<iframe" not in page.lower() and "<b>in.warc" not in page
    assert "&lt;script&gt;alert(&#x27;text&#x27;)&lt;/script&gt;" in page
    assert esc(HOSTILE_URL) in page
    assert "\u202e" not in page
    assert_self_contained(page)


def test_report_without_signals_or_run_info_says_so(hostile_output):
    page = Path(write_report(str(hostile_output))).read_text(encoding="utf-8")
    assert "curate run --signals" in page
    assert "No run.json in this output" in page
    assert {key for key, _ in SECTIONS} <= parse(page).ids


def test_thresholds_are_read_from_the_filter_instances():
    tuned = signal_thresholds([GopherQualityFilter(min_doc_words=77, max_doc_words=None)])
    assert tuned["gopher_quality_words"] == [Threshold(77.0, "<")]
    for text_filter in build_text_filters(list(FILTER_NAMES)):
        thresholds = signal_thresholds([text_filter])
        assert thresholds and set(thresholds) <= set(text_filter.signal_names), text_filter.name


def test_default_thresholds_read_as_fineweb_s_in_check_order():
    limits = signal_thresholds(build_text_filters(list(FILTER_NAMES)))
    rules = {signal: [t.rule for t in signal_limits] for signal, signal_limits in limits.items()}
    assert list(rules)[:4] == ["gopher_repetition_dup_para_frac", "gopher_repetition_dup_para_char_frac",
                               "gopher_repetition_dup_line_frac", "gopher_repetition_dup_line_char_frac"]
    assert rules["gopher_repetition_top_2_gram_char_frac"] == ["drop if > 0.2"]
    assert rules["gopher_quality_words"] == ["drop if < 50", "drop if > 100,000"]
    assert rules["gopher_quality_ellipsis_ratio"] == rules["gopher_quality_hash_ratio"] == ["drop if > 0.1"]
    assert rules["c4_sentences"] == ["drop if < 5"]
    assert rules["fineweb_line_punct_ratio"] == ["drop if ≤ 0.12"]
    assert rules["fineweb_char_dup_ratio"] == ["drop if ≥ 0.01"]


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert curate(["report", str(tmp_path / "missing")]) == 2
    assert curate(["report", str(tmp_path)]) == 2
    assert "no stats.json" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        curate(["report", str(tmp_path), "--examples", "-1"])


def test_screenshot_with_headless_chromium(sample_report, tmp_path):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        from render_report import find_browser
    finally:
        sys.path.remove(str(REPO / "tools"))
    if find_browser() is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium); tools/render_report.py needs it")
    from PIL import Image

    png = tmp_path / "report.png"
    result = subprocess.run([sys.executable, str(REPO / "tools" / "render_report.py"), str(sample_report[0]), str(png)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    with Image.open(png) as image:
        assert image.width == 1280 and image.height > 3000  # a full page, trimmed below the last section
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 100  # charts were drawn, not a blank page
