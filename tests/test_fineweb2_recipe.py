"""FineWeb-2's per-language recipe: code mapping, thresholds as in the YAML, the fallback, and German documents."""

from __future__ import annotations

import csv
import json
import pickle
import re
import statistics

import pytest

from curation.langid import LanguageIdentifier
from filters import build_text_filters
from filters.fineweb import FineWebFilter
from filters.fineweb2 import (
    FALLBACK_RULE,
    TERMINAL_PUNCTUATION,
    build_filters,
    fallback_recipe,
    fw2_name,
    recipe,
    recipe_for,
    upsampling_weights,
)
from filters.gopher_quality import GopherQualityFilter
from filters.gopher_repetition import GopherRepetitionFilter
from tests.conftest import shared_path


class RegexTokenizer:
    """Words and single punctuation marks: enough for German test texts; counts its calls."""

    def __init__(self):
        self.calls = 0

    def words(self, text: str) -> list[str]:
        self.calls += 1
        return re.findall(r"\w+|[^\w\s]", text)


def judge(lid_code: str, text: str) -> str | None:
    """The first drop reason of the language's FineWeb-2 filters, None when all keep the text."""
    for text_filter in build_filters(recipe_for(lid_code), RegexTokenizer()):
        verdict = text_filter(text)
        if not verdict.keep:
            return verdict.reason
    return None


@pytest.mark.parametrize(
    "code, name",
    [
        ("de", "deu_Latn"),
        ("zh", "cmn_Hani"),
        ("ja", "jpn_Jpan"),
        ("ru", "rus_Cyrl"),
        ("sr", "srp_Cyrl"),  # the CSV's default script for Serbian
        ("sq", "als_Latn"),  # Albanian: FineWeb-2's is Tosk
        ("ms", "zsm_Latn"),
        ("et", "ekk_Latn"),
        ("nds", "nds_Latn"),
        ("war", "war_Latn"),
        ("als", "gsw_Latn"),  # lid.176's Alemannic, not ISO's Tosk Albanian
        ("ku", "kmr_Latn"),  # Kurmanji; Sorani is lid.176's "ckb"
        ("ckb", "ckb_Arab"),
        ("no", "nob_Latn"),
        ("tl", "fil_Latn"),
        ("bh", "bho_Deva"),
        ("sh", "hbs_Latn"),
        ("deu_Latn", "deu_Latn"),  # GlotLID-style labels are FineWeb-2 names already
    ],
)
def test_lid_codes_map_to_fineweb2_names(code, name):
    assert fw2_name(code) == name


def test_unknown_codes_map_to_none():
    assert fw2_name("xx") is None
    assert fw2_name("xyz_Latn") is None


def test_every_lid176_label_but_english_and_serbo_croatian_has_a_config():
    labels = LanguageIdentifier().languages
    assert len(labels) == 176
    without = sorted(code for code in labels if recipe(fw2_name(code) or code) is None)
    assert without == ["en", "sh"]


def test_thresholds_are_the_configs():
    german = recipe("deu_Latn")
    assert (german.name, german.rule) == ("deu_Latn", "deu_Latn")
    assert (german.language_score, german.dup_line_frac) == (0.821, 0.263)
    assert german.top_n_grams == ((2, 0.169), (3, 0.153), (4, 0.137))
    assert german.dup_n_grams[-1] == (10, 0.098)
    assert (german.line_punct_thr, german.new_line_ratio, german.min_avg_word_length) == (0.0, 0.152, 0)
    assert (german.max_avg_word_length, german.max_non_alpha_words_ratio) == (15, 0.774)
    assert german.stopwords[:3] == ("der", "und", "die") and "für" in german.stopwords
    assert recipe("cmn_Hani").stopwords[0] == "的"
    assert recipe("eng_Latn") is None


@pytest.mark.parametrize("name", ["deu_Latn", "cmn_Hani", "jpn_Jpan", "rus_Cyrl", "srp_Latn", "tha_Thai", "chj_Latn"])
def test_thresholds_equal_the_yaml(name):
    yaml = pytest.importorskip("yaml", reason="PyYAML (installed with apache-beam) reads the upstream configs")
    upstream = yaml.safe_load(shared_path("fineweb2", "configs", f"{name}.yml").read_text(encoding="utf-8"))
    config = recipe(name)
    for field, value in upstream.items():
        got = getattr(config, field)
        if field.endswith("_n_grams") or field == "stopwords":
            got = [list(pair) for pair in got] if field != "stopwords" else list(got)
        assert got == value, field


def test_every_upstream_config_is_shipped():
    names = {path.stem for path in shared_path("fineweb2", "configs").glob("*.yml")}
    assert len(names) == 1929
    assert all(recipe(name) is not None for name in names)


def test_fallback_is_the_median_of_the_large_languages():
    with open(shared_path("fineweb2", "fineweb2-language-distribution.csv"), newline="", encoding="utf-8") as f:
        kept = {row["subset"]: int(row["documents"]) for row in csv.DictReader(f) if row["split"] == "train"}
    large = [name for name, documents in kept.items() if documents >= 1_000_000 and recipe(name)]
    assert len(large) == 73 and "deu_Latn" in large
    fallback = fallback_recipe("hbs_Latn")
    for field in ("language_score", "dup_line_frac", "line_punct_thr", "new_line_ratio", "max_avg_word_length"):
        assert getattr(fallback, field) == statistics.median(getattr(recipe(name), field) for name in large)
    top_2 = statistics.median(recipe(name).top_n_grams[0][1] for name in large)
    assert fallback.top_n_grams[0] == (2, top_2)


def test_a_language_without_a_config_gets_the_named_fallback():
    assert recipe("hbs_Latn") is None
    fallback = recipe_for("sh")
    assert (fallback.name, fallback.rule, fallback.stopwords) == ("hbs_Latn", FALLBACK_RULE, ())
    assert (fallback.language_score, fallback.new_line_ratio, fallback.top_n_grams[0]) == (0.798, 0.182, (2, 0.215))
    assert recipe_for("xx").name == "xx" and recipe_for("xx").rule == FALLBACK_RULE
    assert recipe_for("de") == recipe("deu_Latn")
    gopher_quality = build_filters(fallback, RegexTokenizer())[2]
    assert gopher_quality.inner.min_stop_words is None  # no stop-word list: the check is off


def test_language_score_keeps_at_the_threshold():
    german = recipe("deu_Latn")
    assert german.keeps_language_score(0.821) and not german.keeps_language_score(0.8209)


# --- German documents through FineWeb-2's German filters -------------------------------------------------------

PROSE = [
    "Die Stadt liegt am Ufer des Flusses und wurde im zwölften Jahrhundert von Mönchen gegründet.",
    "Der alte Marktplatz mit dem Rathaus ist bis heute das Zentrum des Ortes, in dem sich Händler, "
    "Handwerker und Besucher treffen.",
    "Im Sommer findet auf den Wiesen vor der Stadtmauer ein großes Fest statt, für das viele Familien aus der "
    "ganzen Region anreisen.",
    "Als Höhepunkt gilt der Umzug mit Musik, bei dem er als Bürgermeister traditionell vorangeht.",
    "Seit einigen Jahren gibt es außerdem ein kleines Museum, das die Geschichte der Fischerei und des Handels "
    "mit Salz zeigt.",
]
# German without any of FineWeb-2's 15 German stop words
NO_STOP_WORDS = (
    "Hochwertige Winterjacke aus recyceltem Polyester wasserabweisend atmungsaktiv sowie angenehm leicht. "
    "Zwei Seitentaschen bieten reichlich Platz, eine Innentasche schützt Ausweis oder Telefon zuverlässig. "
    "Erhältlich sofort ab Lager: Größen S bis XXL sowie Farben Schwarz Marineblau oder Olivgrün. "
    "Lieferung erfolgt innerhalb zweier Werktage, Rückversand bleibt kostenlos. "
    "Pflegehinweis: Maschinenwäsche bei dreißig Grad, nicht bleichen, nicht chemisch reinigen. "
    "Passend dazu gibt es Mütze, Schal sowie Handschuhe aus gleicher Kollektion."
)


def test_german_prose_is_kept():
    assert judge("de", "\n".join(PROSE)) is None


def test_german_lines_need_no_end_punctuation():
    """German's line_punct_thr is 0: the check is off, where FineWeb English drops the same text."""
    text = "\n".join(line.rstrip(".") for line in PROSE)
    assert judge("de", text) is None
    assert FineWebFilter()(text).reason == "fineweb:line_punct_ratio"


def test_german_repeated_lines_are_dropped():
    text = "\n".join([PROSE[0], "Jetzt anmelden!", PROSE[1], "Jetzt anmelden!", PROSE[2], "Jetzt anmelden!"])
    assert judge("de", text) == "gopher_repetition:dup_line_frac@deu_Latn"


def test_german_duplicated_characters_are_limited_at_10_percent():
    """FineWeb-2 raised char_duplicates_ratio from 0.01 to 0.1 and turned dup_line_char_frac off."""
    more, hours, free = "Weitere Informationen folgen bald.", "Öffnungszeiten: täglich geöffnet!", "Eintritt frei."
    five_percent = "\n".join([PROSE[0], more, *PROSE[1:3], more, *PROSE[3:]])
    assert judge("de", five_percent) is None
    assert FineWebFilter()(five_percent).reason == "fineweb:char_dup_ratio"
    twelve_percent = "\n".join(
        [more, PROSE[0], hours, PROSE[1], free, PROSE[2], more, PROSE[3], hours, PROSE[4], free]
        + ["Danke fürs Lesen und bis bald.", "Die Redaktion grüßt herzlich."]
    )
    assert judge("de", twelve_percent) == "fineweb:char_dup_ratio@deu_Latn"


def test_german_lists_are_dropped():
    words = " ".join(PROSE).split()
    text = "\n".join(" ".join(words[i : i + 4]) for i in range(0, len(words), 4))
    assert judge("de", text) == "fineweb:list_ratio@deu_Latn"


def test_short_german_is_dropped():
    assert judge("de", PROSE[0] + "\n" + PROSE[1]) == "gopher_quality:short_doc@deu_Latn"


def test_german_without_stop_words_is_dropped():
    assert judge("de", NO_STOP_WORDS) == "gopher_quality:not_enough_stop_words@deu_Latn"


def test_german_stop_words_are_counted_distinct():
    """Two occurrences of "der" are one stop word in FineWeb-2 (datatrove >= 0.3); "der" and "und" are two."""
    assert judge("de", NO_STOP_WORDS + " Der Preis der Jacke der Saison.") == (
        "gopher_quality:not_enough_stop_words@deu_Latn"
    )
    assert judge("de", NO_STOP_WORDS + " Preis der Jacke und Saison.") is None


class CharTokenizer:
    def words(self, text: str) -> list[str]:
        return [c for c in text if not c.isspace()]


def test_japanese_lines_end_in_unicode_punctuation():
    fineweb = build_filters(recipe("jpn_Jpan"), CharTokenizer())[1]
    assert fineweb("今日は晴れです。\n明日は雨ですが、午後から晴れるでしょう。").keep
    unpunctuated = "今日は晴れです\n明日は雨ですが、午後から晴れるでしょう"
    assert fineweb(unpunctuated).reason == "fineweb:line_punct_ratio@jpn_Jpan"


def test_the_tokenizer_runs_once_per_document():
    tokenizer = RegexTokenizer()
    filters = build_filters(recipe("deu_Latn"), tokenizer)
    for text_filter in filters:
        text_filter("\n".join(PROSE))
    assert tokenizer.calls == 1


def test_filters_pickle_and_state_their_thresholds():
    filters = pickle.loads(pickle.dumps(build_filters(recipe("deu_Latn"), RegexTokenizer())))
    assert [f.name for f in filters] == ["gopher_repetition", "fineweb", "gopher_quality"]
    repetition = dict((signal, limit) for signal, limit, _ in filters[0].thresholds())
    assert repetition["gopher_repetition_dup_para_frac"] is None
    assert repetition["gopher_repetition_dup_line_frac"] == 0.263
    assert filters[1].thresholds()[0] == ("fineweb_line_punct_ratio", None, "<")  # 0.0: never fires
    quality = [(signal, limit) for signal, limit, _ in filters[2].thresholds()]
    assert quality[2:4] == [("gopher_quality_mean_word_length", None), ("gopher_quality_mean_word_length", 15)]
    assert ("gopher_quality_stop_words", 2) in quality and ("gopher_quality_alpha_words_ratio", 0.774) in quality


# --- datatrove >= 0.3 semantics of the filters (fineweb2=True) ---------------------------------------------------


def test_fineweb2_fineweb_filter_ignores_blank_lines_and_compares_strictly():
    text = "ein Satz.\n\n\nnoch eine Zeile ohne Punkt"
    assert FineWebFilter(fineweb2=True)(text).signals["fineweb_line_punct_ratio"] == 0.5
    assert FineWebFilter()(text).signals["fineweb_line_punct_ratio"] == 0.25
    only_punct = {"short_line_thr": None, "new_line_ratio": None}
    assert FineWebFilter(line_punct_thr=0.5, fineweb2=True, **only_punct)(text).keep  # 0.5 is not < 0.5
    assert FineWebFilter(line_punct_thr=0.25, **only_punct)(text).reason == "fineweb:line_punct_ratio"  # 0.25 <= 0.25
    assert FineWebFilter(fineweb2=True)(" \n\n").reason == "fineweb:empty"


def test_fineweb2_terminal_punctuation():
    assert "。" in TERMINAL_PUNCTUATION and "'" not in TERMINAL_PUNCTUATION and len(TERMINAL_PUNCTUATION) == 159


def test_fineweb2_gopher_quality_counts_distinct_stop_words_and_isalpha():
    text = "der der ½"
    assert GopherQualityFilter(stop_words=("der",), fineweb2=True)(text).signals["gopher_quality_stop_words"] == 1
    assert GopherQualityFilter(stop_words=("der",))(text).signals["gopher_quality_stop_words"] == 2
    assert GopherQualityFilter(fineweb2=True)(text).signals["gopher_quality_alpha_words_ratio"] == 2 / 3
    assert GopherQualityFilter()(text).signals["gopher_quality_alpha_words_ratio"] == 1


def test_fineweb2_gopher_repetition_splits_lines_at_newline_runs():
    text = "eins\n\nzwei\n\ndrei"
    assert GopherRepetitionFilter(fineweb2=True)(text).signals["gopher_repetition_dup_line_frac"] == 0
    assert GopherRepetitionFilter()(text).signals["gopher_repetition_dup_line_frac"] == 0.2


def test_english_filters_are_unchanged_by_the_recipe():
    names = [f.name for f in build_text_filters(["gopher_repetition", "gopher_quality", "c4", "fineweb"])]
    assert names == ["gopher_repetition", "gopher_quality", "c4", "fineweb"]
    assert FineWebFilter().thresholds()[0] == ("fineweb_line_punct_ratio", 0.12, "<=")


# --- rehydration ------------------------------------------------------------------------------------------------


def test_upsampling_weights_are_upstreams():
    upstream = json.loads(shared_path("fineweb2", "rehydration", "up_to_05_reps.json").read_text(encoding="utf-8"))
    assert upsampling_weights("ita_Latn", 5) == {int(size): copies for size, copies in upstream["ita_Latn"].items()}
    assert upsampling_weights("ita_Latn")[1] == 1 and max(upsampling_weights("ita_Latn").values()) == 10
    assert upsampling_weights("eng_Latn") is None
