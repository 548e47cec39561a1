"""FineWeb-2's per-language filtering recipe, on the standard-library filters.

FineWeb-2 (huggingface/fineweb-2 `fineweb-2-pipeline.py`, datatrove 0.10.1) judges a document of language L
with L's own thresholds and stop words (`configs/<iso639-3>_<Script>.yml`, shipped as
`data/fineweb2/configs.json`), in this order, first failure wins:
- language score >= L's `language_score` (`Fw2Config.keeps_language_score`; FineWeb English keeps > its threshold;
  FineWeb-2's scores were GlotLID's, so on lid.176's scores the thresholds are an approximation);
- Gopher repetition: the paragraph checks and dup_line_char_frac off; dup_line_frac, top_n_grams and dup_n_grams
  from the config;
- FineWeb quality: the short-line check off, char_duplicates_ratio 0.1, line_punct_thr and new_line_ratio from
  the config, lines ending in any of datatrove's `TERMINAL_PUNCTUATION` count as punctuated;
- Gopher quality: min/max_avg_word_length, max_non_alpha_words_ratio and the stop words (at least 2 distinct)
  from the config, the other thresholds at their defaults;
- no C4 filters.
The filters run with `fineweb2=True` (datatrove >= 0.3 semantics; see each filter) and split words with the
language's tokenizer. As in datatrove, a config value of 0 turns off the checks datatrove guards with `if
threshold and ...` (dup_line_frac, min/max_avg_word_length, max_non_alpha_words_ratio); a line_punct_thr <= 0
can never fire (the check is `ratio < thr`) and is passed as off. English is not judged here: it keeps
FineWeb's English filters.

Language codes. `fw2_name` maps a fastText lid.176 label to FineWeb-2's name through datatrove's
`tokenizer_assignment.csv`: a 2-letter code to the row marked default for that ISO 639-1 code ("zh" ->
cmn_Hani, "sr" -> srp_Cyrl, "ms" -> zsm_Latn, "sq" -> als_Latn), a 3-letter code to its default script
("nds" -> nds_Latn, "war" -> war_Latn). lid.176 labels are Wikipedia codes, so `LID176_NAMES` overrides the
few that name another language than the ISO code of the same spelling or have no default row (see there).
A FineWeb-2 name ("deu_Latn", as GlotLID labels) maps to itself.

Fallback. A language without a FineWeb-2 config ("sh" -> hbs_Latn, or a code the table does not know) is
judged by the rule `FALLBACK_RULE`: each threshold is its median over the configs of FineWeb-2's 73 large
languages, those with at least 1,000,000 documents (language_score 0.798, dup_line_frac 0.293, top 2/3/4-gram
0.215/0.189/0.165, line_punct_thr 0.107, new_line_ratio 0.182, word length 3..12; `tools/import_fineweb2.py`
says why not all 1,929), and the stop-word check is off: there is no stop-word list for the language, and
another language's list would drop nearly every document. Every drop reason ends in "@<rule>": the config used
("gopher_quality:short_doc@deu_Latn") or "@fw2_median", so a report shows which documents the fallback judged.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Protocol

from filters.base import TextFilter, Verdict
from filters.fineweb import FineWebFilter
from filters.gopher_quality import GopherQualityFilter
from filters.gopher_repetition import GopherRepetitionFilter
from filters.words import SYMBOLS

DATA_DIR = Path(__file__).resolve().parent / "data" / "fineweb2"
FALLBACK_RULE = "fw2_median"

# lid.176 labels whose FineWeb-2 language is not the tokenizer_assignment.csv default of the same code.
LID176_NAMES = {
    "als": "gsw_Latn",  # Alemannic (als.wikipedia); ISO 639-3 "als" is Tosk Albanian, lid.176's "sq"
    "bh": "bho_Deva",  # "Bihari", a collective code; bh.wikipedia is written in Bhojpuri
    "ku": "kmr_Latn",  # Kurdish of ku.wikipedia is Kurmanji; the CSV default for "ku" is Sorani, lid.176's "ckb"
    "no": "nob_Latn",  # Norwegian of no.wikipedia is Bokmål ("nn" is Nynorsk); the CSV has no default for "no"
    "sh": "hbs_Latn",  # Serbo-Croatian, not the CSV's Montenegrin; FineWeb-2 has no hbs config: the fallback
    "tl": "fil_Latn",  # Tagalog: FineWeb-2's config is Filipino; the CSV has no "tl" row
}

# datatrove 0.10.1's TERMINAL_PUNCTUATION (utils/text.py, Apache-2.0): FineWeb quality's line-end set and,
# with the ASCII/CJK punctuation of `filters.words.SYMBOLS`, the characters that make a token a symbol.
TERMINAL_PUNCTUATION = (
    "!.?\u0589\u061d\u061e\u061f\u06d4\u0700\u0701\u0702\u07f9\u0837\u0839\u083d\u083e\u0964\u0965\u104a"
    "\u104b\u1362\u1367\u1368\u166e\u1735\u1736\u17d4\u17d5\u17d6\u17d9\u17da\u1803\u1809\u1944\u1945"
    "\u1aa8\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1b7d\u1b7e\u1c3b\u1c3c\u1c7e\u1c7f\u203c\u203d"
    "\u2047\u2048\u2049\u2e2e\u2e3c\u2e53\u2e54\u3002\ua4ff\ua60e\ua60f\ua6f3\ua6f7\ua876\ua877\ua8ce"
    "\ua8cf\ua92f\ua9c8\ua9c9\uaa5d\uaa5e\uaa5f\uaaf0\uaaf1\uabeb\ufe52\ufe56\ufe57\uff01\uff0e\uff1f"
    "\uff61\U00010a56\U00010a57\U00010f55\U00010f56\U00010f57\U00010f58\U00010f59\U00010f86\U00010f87"
    "\U00010f88\U00010f89\U00011047\U00011048\U000110be\U000110bf\U000110c0\U000110c1\U00011141\U00011142"
    "\U00011143\U000111c5\U000111c6\U000111cd\U000111de\U000111df\U00011238\U00011239\U0001123b\U0001123c"
    "\U000112a9\U0001144b\U0001144c\U000115c2\U000115c3\U000115c9\U000115ca\U000115cb\U000115cc\U000115cd"
    "\U000115ce\U000115cf\U000115d0\U000115d1\U000115d2\U000115d3\U000115d4\U000115d5\U000115d6\U000115d7"
    "\U00011641\U00011642\U0001173c\U0001173d\U0001173e\U00011944\U00011946\U00011a42\U00011a43\U00011a9b"
    "\U00011a9c\U00011c41\U00011c42\U00011ef7\U00011ef8\U00011f43\U00011f44\U00016a6e\U00016a6f\U00016af5"
    "\U00016b37\U00016b38\U00016b44\U00016e98\U0001bc9f\U0001da88"
)


class WordTokenizer(Protocol):
    """Anything that splits a text into words the way FineWeb-2 did for one language."""

    def words(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class Fw2Config:
    """FineWeb-2's thresholds for one language, as in its YAML config.

    `name` is the language asked for, `rule` where the values come from: the config of the same name, or
    `FALLBACK_RULE`. An empty `stopwords` (fallback only) turns the stop-word check off.
    """

    name: str
    rule: str
    language_score: float
    dup_line_frac: float
    top_n_grams: tuple[tuple[int, float], ...]
    dup_n_grams: tuple[tuple[int, float], ...]
    line_punct_thr: float
    new_line_ratio: float
    min_avg_word_length: float
    max_avg_word_length: float
    max_non_alpha_words_ratio: float
    stopwords: tuple[str, ...]

    def keeps_language_score(self, score: float) -> bool:
        """FineWeb-2 keeps a document whose language score is at least the language's threshold."""
        return score >= self.language_score


_FIELDS = tuple(f.name for f in fields(Fw2Config))[2:]  # the configs.json columns, in order


@cache
def _data() -> dict:
    """configs.json: {"fields", "fallback", "fallback_languages", "configs": {name: values}}."""
    data = json.loads((DATA_DIR / "configs.json").read_text(encoding="utf-8"))
    if tuple(data["fields"]) != _FIELDS:
        raise ValueError(f"{DATA_DIR / 'configs.json'}: fields {data['fields']}, expected {list(_FIELDS)}")
    return data


def _configs() -> dict[str, list]:
    return _data()["configs"]


@cache
def _default_names() -> dict[str, str]:
    return json.loads((DATA_DIR / "languages.json").read_text(encoding="utf-8"))


def fw2_name(lid_code: str) -> str | None:
    """FineWeb-2's `<iso639-3>_<Script>` name of a lid.176 label ("de" -> "deu_Latn"), None when unknown."""
    if lid_code in LID176_NAMES:
        return LID176_NAMES[lid_code]
    if "_" in lid_code:
        return lid_code if lid_code in _configs() or lid_code in _default_names().values() else None
    return _default_names().get(lid_code)


def _config(name: str, rule: str, values: Sequence) -> Fw2Config:
    columns = dict(zip(_FIELDS, values))
    for key in ("top_n_grams", "dup_n_grams"):
        columns[key] = tuple((n, threshold) for n, threshold in columns[key])
    columns["stopwords"] = tuple(columns["stopwords"])
    return Fw2Config(name, rule, **columns)


@cache
def recipe(name: str) -> Fw2Config | None:
    """The thresholds of FineWeb-2's config `name` ("deu_Latn"), None when FineWeb-2 has no such config."""
    values = _configs().get(name)
    return None if values is None else _config(name, name, values)


def fallback_recipe(name: str) -> Fw2Config:
    """The `FALLBACK_RULE` thresholds for a language FineWeb-2 has no config for (see the module doc)."""
    return _config(name, FALLBACK_RULE, _data()["fallback"])


def recipe_for(lid_code: str) -> Fw2Config:
    """The thresholds for a document labelled `lid_code`: its FineWeb-2 config, else the fallback rule."""
    name = fw2_name(lid_code) or lid_code
    return recipe(name) or fallback_recipe(name)


class _LastWords:
    """`tokenizer.words`, remembering the last text: FineWeb-2's three filters split the same document in turn."""

    def __init__(self, tokenizer: WordTokenizer):
        self.tokenizer = tokenizer
        self._last: tuple[str, tuple[str, ...]] = ("", ())

    def __call__(self, text: str) -> tuple[str, ...]:
        last_text, last_words = self._last  # one read: safe if another thread replaces it
        if text is last_text or text == last_text:
            return last_words
        words = tuple(self.tokenizer.words(text))
        self._last = (text, words)
        return words


class RuleFilter:
    """One of FineWeb-2's filters for a language; a drop reason ends in "@<rule>", the rule that set its limits."""

    def __init__(self, inner: TextFilter, rule: str):
        self.inner = inner
        self.rule = rule
        self.name = inner.name
        self.signal_names = inner.signal_names

    def thresholds(self) -> list[tuple[str, float | None, str]]:
        return self.inner.thresholds()

    def __call__(self, text: str) -> Verdict:
        verdict = self.inner(text)
        return verdict if verdict.keep else replace(verdict, reason=f"{verdict.reason}@{self.rule}")


def _on(threshold: float) -> float | None:
    """datatrove skips a check whose threshold is 0 (`if threshold and ...`): None is our "off"."""
    return threshold or None


def build_filters(config: Fw2Config, tokenizer: WordTokenizer) -> list[TextFilter]:
    """FineWeb-2's text filters for one language, in its order: Gopher repetition, FineWeb quality, Gopher quality."""
    split: Callable[[str], Sequence[str]] = _LastWords(tokenizer)
    filters: list[TextFilter] = [
        GopherRepetitionFilter(
            dup_line_frac=_on(config.dup_line_frac),
            dup_para_frac=None,
            dup_line_char_frac=None,
            dup_para_char_frac=None,
            top_n_grams=config.top_n_grams,
            dup_n_grams=config.dup_n_grams,
            word_splitter=split,
            fineweb2=True,
        ),
        FineWebFilter(
            line_punct_thr=config.line_punct_thr if config.line_punct_thr > 0 else None,
            stop_chars=tuple(TERMINAL_PUNCTUATION),
            short_line_thr=None,
            char_duplicates_ratio=0.1,
            new_line_ratio=config.new_line_ratio,
            word_splitter=split,
            fineweb2=True,
        ),
        GopherQualityFilter(
            min_avg_word_length=_on(config.min_avg_word_length),
            max_avg_word_length=_on(config.max_avg_word_length),
            min_alpha_words_ratio=_on(config.max_non_alpha_words_ratio),
            min_stop_words=2 if config.stopwords else None,
            stop_words=config.stopwords,
            word_splitter=split,
            symbols=SYMBOLS + TERMINAL_PUNCTUATION,
            fineweb2=True,
        ),
    ]
    return [RuleFilter(f, config.rule) for f in filters]


@cache
def _rehydration() -> dict[str, dict[str, dict[str, int]]]:
    return json.loads(gzip.decompress((DATA_DIR / "rehydration.json.gz").read_bytes()))


def upsampling_weights(name: str, max_reps: int = 10) -> dict[int, int] | None:
    """FineWeb-2's rehydration weights for `name` (max_reps 3..10): {MinHash cluster size: copies to keep},
    each entry holding up to the next larger size; None for a language without weights.

    A document whose cluster size is at least the largest key gets that key's weight (upstream README).
    """
    weights = _rehydration().get(str(max_reps), {}).get(name)
    return None if weights is None else {int(size): copies for size, copies in weights.items()}
