"""Languages of documents: the name outputs use, and the recipe each language is judged by.

A document's language is lid.176's code (the `language` column). Outputs name it FineWeb-2's way
(`output_language`: "de" -> "deu_Latn", "und_Zyyy" when unknown). The recipe depends on it:
- English ("en") keeps FineWeb's English recipe exactly: language score above 0.65 (or above --min-lang-score),
  the chosen FineWeb filters (`filters.build_text_filters`), and MinHash's own word splitting;
- every other code gets FineWeb-2's recipe for it (`filters.fineweb2.recipe_for`: its config, or the fallback
  rule "fw2_median"): language score at least the config's threshold (or at least --min-lang-score), FineWeb-2's
  Gopher repetition, FineWeb quality and Gopher quality among the chosen filter names (FineWeb-2 has no C4), and
  the language's word tokenizer, for those filters and for MinHash shingles.
A drop reason names the rule that set its threshold ("language_score@deu_Latn", "gopher_quality:short_doc@deu_Latn");
English reasons stay as FineWeb's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from filters import URL_FILTER, TextFilter, build_text_filters
from filters.fineweb2 import Fw2Config, build_filters, fw2_name, recipe_for
from filters.word_tokenizers import WordTokenizer, word_tokenizer

ENGLISH = "en"
ENGLISH_RULE = "fineweb"  # the rule of English thresholds: FineWeb's own
ENGLISH_MIN_LANG_SCORE = 0.65  # FineWeb keeps English documents whose score is above this
UNDETERMINED = "und_Zyyy"  # ISO 639-3 "undetermined", ISO 15924 "code for undetermined script"


def output_language(lid_code: str) -> str:
    """The language's name in outputs: FineWeb-2's `<iso639-3>_<Script>` ("de" -> "deu_Latn"), or "und_Zyyy"."""
    return (fw2_name(lid_code) if lid_code else None) or UNDETERMINED


def shingle_words(lid_code: str) -> Callable[[str], Sequence[str]] | None:
    """How MinHash splits a normalized text of this language into words: None for English (at spaces, as FineWeb
    did), else the language's FineWeb-2 word tokenizer (FineWeb-2's dedup tokenized the normalized text too)."""
    return None if lid_code == ENGLISH else word_tokenizer(recipe_for(lid_code).name).words


def lid_codes(name: str, codes: frozenset[str]) -> list[str]:
    """The codes among `codes` (a language model's) that a FineWeb-2 name ("deu_Latn") stands for, sorted."""
    return sorted(code for code in codes if fw2_name(code) == name)


class LanguageRecipe:
    """How documents of one lid.176 code are judged; filters and tokenizer are built on first use (they are heavy)."""

    def __init__(self, lid_code: str, filter_names: Sequence[str], min_lang_score: float | None):
        self.lid_code = lid_code
        self.english = lid_code == ENGLISH
        self.config: Fw2Config | None = None if self.english else recipe_for(lid_code)
        self.rule = ENGLISH_RULE if self.english else self.config.rule
        self._filter_names = [name for name in filter_names if name != URL_FILTER]
        self._min_lang_score = min_lang_score

    def language_reason(self, score: float) -> str | None:
        """None when the language score passes, else the drop reason."""
        if self.english:  # FineWeb (datatrove) keeps score > threshold
            limit = ENGLISH_MIN_LANG_SCORE if self._min_lang_score is None else self._min_lang_score
            return None if score > limit else "language_score"
        if self._min_lang_score is not None:
            return None if score >= self._min_lang_score else "language_score"
        return None if self.config.keeps_language_score(score) else f"language_score@{self.rule}"

    @cached_property
    def tokenizer(self) -> WordTokenizer | None:
        """FineWeb-2's word tokenizer of the language; None for English (FineWeb's own word splitting)."""
        return None if self.english else word_tokenizer(self.config.name)

    @cached_property
    def filters(self) -> list[TextFilter]:
        """The text filters, in the order they run: FineWeb's for English, FineWeb-2's for the others."""
        if self.english:
            return build_text_filters(self._filter_names)
        return [f for f in build_filters(self.config, self.tokenizer) if f.name in self._filter_names]

    @cached_property
    def shingle_words(self) -> Callable[[str], Sequence[str]] | None:
        """`shingle_words` of the language."""
        return shingle_words(self.lid_code)


class Recipes:
    """Each language's recipe, made when its first document arrives and kept: one worker sees many languages."""

    def __init__(self, filter_names: Sequence[str], min_lang_score: float | None):
        self._filter_names = list(filter_names)
        self._min_lang_score = min_lang_score
        self._recipes: dict[str, LanguageRecipe] = {}

    def __call__(self, lid_code: str) -> LanguageRecipe:
        recipe = self._recipes.get(lid_code)
        if recipe is None:
            recipe = self._recipes[lid_code] = LanguageRecipe(lid_code, self._filter_names, self._min_lang_score)
        return recipe
