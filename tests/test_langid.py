"""Language ID with the bundled lid.176.ftz: real predictions, fastText codes, the label set for validation."""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from curation.langid import LanguageIdentifier


@pytest.fixture(scope="module")
def lid() -> LanguageIdentifier:
    return LanguageIdentifier()


def test_fasttext_codes(lid):
    assert lid.predict("The quick brown fox jumps over the lazy dog near the river bank.")[0] == "en"
    assert lid.predict("Der schnelle braune Fuchs springt über den faulen Hund.")[0] == "de"
    lang, score = lid.predict("Le renard brun rapide saute par-dessus le chien paresseux.")
    assert lang == "fr" and 0.5 < score <= 1.0


def test_newlines_do_not_matter(lid):
    text = "This is a sentence.\nAnd here is another one.\nThey are English."
    assert lid.predict(text) == lid.predict(text.replace("\n", " "))


def test_label_set(lid):
    assert len(lid.languages) == 176
    assert {"en", "de", "ja", "zh"} <= lid.languages and "eng" not in lid.languages


def test_missing_model_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="lid.176.bin"):
        LanguageIdentifier("/nonexistent/lid.176.bin")


def test_accuracy_on_whatlang_examples(lid):
    """ISO 639-3 keyed paragraphs; check the languages whose fastText code is unambiguous."""
    examples = json.loads(shared_path("langid", "whatlang", "examples.json").read_text())
    codes = {"eng": "en", "deu": "de", "fra": "fr", "spa": "es", "rus": "ru", "jpn": "ja", "por": "pt",
             "ita": "it", "nld": "nl", "pol": "pl", "tur": "tr", "ukr": "uk", "kor": "ko", "ara": "ar"}
    checked = [(iso3, ft) for iso3, ft in codes.items() if iso3 in examples]
    correct = sum(lid.predict(examples[iso3])[0] == ft for iso3, ft in checked)
    assert len(checked) >= 10 and correct >= len(checked) - 1
