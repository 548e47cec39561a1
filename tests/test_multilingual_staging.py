"""Staging judges every document by its own language's recipe: FineWeb's for English, FineWeb-2's for the others."""

from __future__ import annotations

import argparse
import io
import sys

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import SAMPLE_WARCS, run_curate
from curation.curate_file import FileCurator
from curation.errors import UsageError
from curation.languages import UNDETERMINED, LanguageRecipe, output_language
from curation.minhash import Sketcher
from curation.recipe import CurateConfig, add_arguments
from curation.stats import Stats
from filters import FILTER_NAMES
from filters.fineweb2 import FALLBACK_RULE, recipe
from filters.gopher_quality import STOP_WORDS
from pipelines.config import config_from_args

sys.path.insert(0, str(SAMPLE_WARCS))
from sample_html import body_html  # noqa: E402  (the sample generator's page bodies)
from sample_pages import ALL_ARTICLES, SITES  # noqa: E402

GERMAN = (
    "Wer keinen Garten hat, muss auf eigene Tomaten nicht verzichten. Auf einem sonnigen Balkon gedeihen viele "
    "Sorten erstaunlich gut, sofern man ihnen einen ausreichend großen Topf und regelmäßig Wasser gibt. Im "
    "folgenden Beitrag beschreibe ich, wie ich in den letzten drei Sommern vorgegangen bin.\n"
    "Entscheidend ist zunächst die Wahl der Sorte. Buschtomaten und kleine Cocktailtomaten bleiben kompakt und "
    "brauchen kaum Stützen, während große Fleischtomaten im Kübel schnell umkippen. Für den Anfang empfehle ich "
    "deshalb robuste Sorten, die mit wechselndem Wetter zurechtkommen.\n"
    "Die Erde sollte locker sein und viele Nährstoffe enthalten. Ich mische Kompost mit etwas Sand und gebe alle "
    "zwei Wochen einen organischen Dünger dazu. Gegossen wird morgens, direkt an die Wurzeln, damit die Blätter "
    "trocken bleiben und keine Pilzkrankheiten entstehen.\n"
)


def _curate(records: list[tuple[str, str]], languages: list[str] | None, **settings) -> tuple[list[dict], Stats]:
    """(url, text) records as a WET file through one FileCurator: its staged rows and accounting."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    for url, text in records:
        writer.write_record(writer.create_warc_record(url, "conversion", payload=io.BytesIO(text.encode())))
    cfg = CurateConfig(inputs=[], output="unused", languages=languages, fmt="wet", filters=list(FILTER_NAMES),
                       **settings)
    curator, stats = FileCurator(cfg), Stats()
    curator.start()
    try:
        rows = list(curator.curate(io.BytesIO(buf.getvalue()), "mem.wet", stats))
    finally:
        curator.close()
    return rows, stats


def test_a_german_document_is_judged_by_german_rules():
    assert not set(STOP_WORDS) & set(GERMAN.split())  # English rules would drop it for its stop words
    no_stop_words = GERMAN.replace(" die ", " jene ").replace(" und ", " sowie ").replace(" der ", " jener ")
    for word in recipe("deu_Latn").stopwords:
        no_stop_words = no_stop_words.replace(f" {word} ", " jenes ")
    rows, stats = _curate([("http://a.test/de", GERMAN), ("http://a.test/nostop", no_stop_words)], ["de"])
    reasons = {row["url"]: row["filter_reason"] for row in rows}
    assert reasons == {"http://a.test/de": None,
                       "http://a.test/nostop": "gopher_quality:not_enough_stop_words@deu_Latn"}
    assert rows[0]["language"] == "de" and rows[0]["band_keys"] is not None
    assert stats.records_read == 2 and stats.dropped == {"gopher_quality:not_enough_stop_words@deu_Latn": 1}


def test_the_language_score_threshold_is_the_languages_own_unless_given():
    german, english = LanguageRecipe("de", FILTER_NAMES, None), LanguageRecipe("en", FILTER_NAMES, None)
    assert german.language_reason(0.821) is None  # deu_Latn's threshold, kept at equality
    assert german.language_reason(0.82) == "language_score@deu_Latn"
    assert english.language_reason(0.65) == "language_score" and english.language_reason(0.651) is None
    german, english = LanguageRecipe("de", FILTER_NAMES, 0.9), LanguageRecipe("en", FILTER_NAMES, 0.9)
    assert german.language_reason(0.9) is None and german.language_reason(0.89) == "language_score"
    assert english.language_reason(0.9) == "language_score"  # English keeps FineWeb's "above"


def _config(tmp_path, *flags: str) -> CurateConfig:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return config_from_args(parser.parse_args(["--input", str(SAMPLE_WARCS), "--output", str(tmp_path), *flags]))


def test_languages_are_lid_codes_or_fineweb2_names_and_the_score_defaults_to_each_languages(tmp_path):
    cfg = _config(tmp_path, "--languages", "deu_Latn,cmn_Hani,en")
    assert cfg.languages == ["de", "en", "zh"] and cfg.min_lang_score is None
    assert _config(tmp_path, "--min-lang-score", "0.5").min_lang_score == 0.5
    with pytest.raises(UsageError, match="unknown language code.s. deu, xyz_Latn"):
        _config(tmp_path, "--languages", "deu,xyz_Latn,de")


def test_filters_are_the_chosen_names_among_fineweb2s_and_never_c4():
    assert [f.name for f in LanguageRecipe("de", FILTER_NAMES, None).filters] == \
        ["gopher_repetition", "fineweb", "gopher_quality"]  # FineWeb-2's order, no C4
    assert [f.name for f in LanguageRecipe("de", ["gopher_quality"], None).filters] == ["gopher_quality"]
    assert LanguageRecipe("de", ["url", "c4"], None).filters == []
    assert [f.name for f in LanguageRecipe("en", FILTER_NAMES, None).filters] == \
        ["gopher_repetition", "gopher_quality", "c4", "fineweb"]


def test_a_language_without_a_config_gets_the_fallback_rule_and_english_never_does():
    serbo_croatian = LanguageRecipe("sh", FILTER_NAMES, None)  # hbs_Latn: FineWeb-2 has no config
    assert serbo_croatian.rule == FALLBACK_RULE and serbo_croatian.config.name == "hbs_Latn"
    assert serbo_croatian.language_reason(0.7) == f"language_score@{FALLBACK_RULE}"
    verdict = serbo_croatian.filters[-1]("kratko")
    assert verdict.reason == f"gopher_quality:short_doc@{FALLBACK_RULE}"
    english = LanguageRecipe("en", FILTER_NAMES, None)
    assert english.config is None and english.rule == "fineweb" and english.shingle_words is None
    assert english.filters[1]("short").reason == "gopher_quality:short_doc"  # no "@": FineWeb's English rules
    assert output_language("en") == "eng_Latn" and output_language("sh") == "hbs_Latn"
    assert output_language("") == UNDETERMINED and output_language("qqq") == UNDETERMINED


def _chinese_bands(text: str, words) -> set[int]:
    return set(Sketcher().sketch(text, words)[1].tolist())


def test_chinese_shingles_come_from_jieba():
    article = next(a for a in ALL_ARTICLES if a.site == "zh_food")
    original = "\n".join("".join(line.strip() for line in block.splitlines()) for block in article.body.split("\n\n"))
    copy = original.replace("多做几次，就能找到最适合自己家人口味的做法。", "多试几次，总能找到全家都爱吃的做法。")
    assert copy != original
    jieba_words = LanguageRecipe("zh", FILTER_NAMES, None).shingle_words
    assert _chinese_bands(original, jieba_words) & _chinese_bands(copy, jieba_words)
    # Split at spaces only, a paragraph is one word: one changed sentence changes every shingle.
    assert not _chinese_bands(original, None) & _chinese_bands(copy, None)


def test_tokenizer_words_hash_like_space_separated_words():
    text = "The quick brown fox jumps over the lazy dog, again and again, near the river bank."
    sketch = Sketcher().sketch
    assert LanguageRecipe("en", FILTER_NAMES, None).shingle_words is None  # English: FineWeb's splitting
    assert sketch(text, lambda normalized: normalized.split(" "))[1].tolist() == sketch(text)[1].tolist()
    # A tokenizer's word may hold a space (pyvi's "hà nội"): it stays one word.
    assert sketch(text, lambda normalized: [normalized])[1].tolist() != sketch(text)[1].tolist()


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()


SHORT_PAGES = [  # one German and one English page too short to pass their recipes' filters
    ("Kontakt", "<p>Schreiben Sie uns eine Nachricht, wir antworten Ihnen in der Regel innerhalb von zwei Tagen.</p>"),
    ("Contact", "<p>Write to us and we will answer your message within two working days, usually sooner.</p>"),
]


def test_a_mixed_language_archive_adds_up(tmp_path):
    pages = [(a.title, body_html(a.body, SITES[a.site].lang)) for a in ALL_ARTICLES
             if SITES[a.site].lang != "en" or a.site == "garden"] + SHORT_PAGES
    warc = tmp_path / "mixed.warc.gz"
    with warc.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, (title, body) in enumerate(pages):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"http://site.test/{i}", "response",
                                                          payload=io.BytesIO(_page(title, body)), http_headers=http))
    out = tmp_path / "out"
    stats = run_curate("--input", str(warc), "--output", str(out), "--languages", "all", "--signals")
    assert stats["records_read"] == len(pages)
    assert stats["records_read"] == stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())
    stages = {stage["name"]: stage for stage in stats["stages"]}
    for stage in stats["stages"][1:]:
        assert stage["in"] >= stage["out"] >= 0, stage
    # Every language's filters start with Gopher repetition, under one stage name whatever the recipe.
    assert stages["gopher_repetition"]["in"] == stages["language"]["out"] == stages["extract"]["out"]
    duplicates = sum(n for reason, n in stats["dropped"].items() if reason.endswith("_duplicate"))
    assert stages["sketch"]["out"] == stats["kept"] + duplicates
    rows = duckdb.sql(f"select language, null as filter_reason from read_parquet('{out}/data/**/*.parquet') union all "
                      f"select language, filter_reason from read_parquet('{out}/removed/**/*.parquet')").fetchall()
    kept = {language for language, reason in rows if reason is None}
    assert {"en", "de", "fr", "es", "ru", "ja", "zh"} <= kept
    dropped = {language: reason for language, reason in rows if reason}  # the short pages
    assert set(dropped) == {"de", "en"} and stats["dropped"] == {reason: 1 for reason in dropped.values()}
    assert dropped["de"].endswith("@deu_Latn") and "@" not in dropped["en"]  # the rule, except FineWeb's English
