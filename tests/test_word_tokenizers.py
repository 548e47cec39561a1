"""filters.word_tokenizers against the libraries called the way datatrove 0.10.1 calls them, on real text."""

from __future__ import annotations

import csv
import gzip
import json
import pickle
import random
import re
from pathlib import Path

import lxml.html
import pytest
import spacy
from warcio.archiveiterator import ArchiveIterator

from conftest import shared_path
from filters.crf_segmenters import (
    BURMESE_MODEL,
    PIECE_CHARS,
    BurmeseSegmenter,
    KhmerSegmenter,
    crfsuite_model_in_pickle,
    pieces,
)
from filters.spacy_runs import strip_tokens
from filters.word_tokenizers import _build, _byte_chunks, assignment, word_tokenizer

_FAMILIES = {
    "SpaCyTokenizer": "spacy",
    "WhitespaceTokenizer": "spacy",
    "IndicNLPTokenizer": "indic",
    "KiwiTokenizer": "kiwi",
    "ThaiTokenizer": "thai",
    "KhmerTokenizer": "khmer",
    "BurmeseTokenizer": "burmese",
    "LaoTokenizer": "lao",
}
_REFERENCE_NLP: dict[str, spacy.Language] = {}


def datatrove_spacy_words(code: str, text: str) -> list[str]:
    """datatrove's SpaCyTokenizer.word_tokenize: blank pipeline with a sentencizer, in a memory zone, stripped."""
    if code not in _REFERENCE_NLP:
        config = {"nlp": {"tokenizer": {"segmenter": "jieba"}}} if code == "zh" else {}
        _REFERENCE_NLP[code] = spacy.blank(code, config=config)
        _REFERENCE_NLP[code].add_pipe("sentencizer")
    nlp = _REFERENCE_NLP[code]
    chunks = _byte_chunks(text, 40_000) if code == "ja" else [text]
    with nlp.memory_zone():
        nlp.max_length = len(text) + 10
        try:
            docs = [nlp(chunk, disable=["parser", "tagger", "ner"]) for chunk in chunks]
        except Exception:
            if "IS_ALPHA" not in text:
                raise
            docs = [nlp(chunk.replace("IS_ALPHA", ""), disable=["parser", "tagger", "ner"]) for chunk in chunks]
        return [t.text.strip() for doc in docs for t in doc if t.text.strip()]


def whatlang() -> dict[str, str]:
    return json.loads(shared_path("langid", "whatlang", "examples.json").read_text())


def page_texts(count: int) -> list[str]:
    """Visible text of real archived pages (mostly German and English), whitespace and boilerplate kept."""
    texts = []
    for path in sorted(shared_path("extraction", "trafilatura_eval", "html").glob("*.gz"))[:count]:
        root = lxml.html.fromstring(gzip.decompress(path.read_bytes()))
        for node in root.xpath("//script|//style"):
            node.drop_tree()
        texts.append(root.text_content())
    return texts


def warc_texts(*parts: str) -> list[str]:
    texts = []
    with shared_path("warcs", *parts).open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                root = lxml.html.fromstring(record.content_stream().read())
                texts.append(re.sub(r"\s*\n\s*", "\n", root.text_content()).strip())
    return [text for text in texts if text]


def test_assignment_is_datatrove_csv():
    """Every FineWeb-2 name of a family implemented here maps to datatrove's class and code; first row wins."""
    expected: dict[str, tuple[str, str]] = {}
    with shared_path("fineweb2", "tokenizer_assignment.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            family = _FAMILIES.get(row["type"])
            code = "xx" if row["type"] == "WhitespaceTokenizer" else row["tok_code"]
            if family:
                expected.setdefault(f"{row['code_3']}_{row['script']}", (family, code))
    assert assignment() == expected
    # 1,760 spaCy + 71 whitespace + 61 Indic + 8 Thai + 6 Burmese + 2 Khmer + 2 Lao + 1 Kiwi
    assert len(expected) == 1911


@pytest.mark.parametrize("code", ["de", "fr", "ru", "es", "en", "xx"])
def test_spacy_rules_fast_path_equals_spacy_on_real_text(code):
    tokenizer = word_tokenizer(next(name for name, (f, c) in assignment().items() if (f, c) == ("spacy", code)))
    texts = list(whatlang().values()) + page_texts(12)
    for text in texts + texts:  # the second pass reads memoised runs only
        assert tokenizer.words(text) == datatrove_spacy_words(code, text)


@pytest.mark.parametrize("code", ["ru", "es", "ms", "en"])
def test_special_cases_across_whitespace_runs(code):
    """spaCy matches special cases over the whole text ("1 Kor.", "a:( ( b"); split cases at every point."""
    tokenizer = word_tokenizer(next(name for name, (f, c) in assignment().items() if (f, c) == ("spacy", code)))
    keys = [key for key in spacy.blank(code).tokenizer.rules if not key.isspace()]
    texts = ["1 Kor. 13", "a:( ( b", "a(._. ) b", "в т.ч. и т.д.", "EE. UU.", "x :) ) y"]
    texts += [f"a{key[:i]} {key[i:]} b" for key in keys for i in range(1, len(key))]
    texts += [" ".join(random.Random(n).choices(keys, k=8)) for n in range(200)]
    for text in random.Random(0).sample(texts, min(len(texts), 1500)) + texts[:6]:
        assert tokenizer.words(text) == datatrove_spacy_words(code, text), text


def test_is_alpha_is_dropped_as_datatrove_does():
    """A token "IS_ALPHA" breaks spaCy in a memory zone; datatrove retokenizes the text without that string."""
    german = word_tokenizer("deu_Latn")
    assert german.words("a (IS_ALPHA) xIS_ALPHAx") == ["a", "(", ")", "xx"]
    assert german.words("xIS_ALPHAx b") == ["xIS_ALPHAx", "b"]
    for text in ["a (IS_ALPHA) xIS_ALPHAx", "IS_ALPHA.", "xIS_ALPHAx b"]:
        datatrove_spacy_words("de", text)  # (a process's first such text does not break spaCy yet)
        assert german.words(text) == datatrove_spacy_words("de", text)
    assert word_tokenizer("vie_Latn").words("Tôi IS_ALPHA là") == ["Tôi", "là"]


def test_jieba_chinese_equals_spacy_zh():
    tokenizer = word_tokenizer("cmn_Hani")
    texts = warc_texts("resiliparse", "warcfile.warc.gz") + list(whatlang().values())
    for text in texts:
        assert tokenizer.words(text) == datatrove_spacy_words("zh", text)
    assert tokenizer.words("我爱北京天安门。 Tôi") == ["我", "爱", "北京", "天安门", "。", "T", "ô", "i"]


def test_sudachi_japanese_equals_spacy_ja_with_datatrove_chunks():
    tokenizer = word_tokenizer("jpn_Jpan")
    texts = warc_texts("resiliparse", "clueweb-quirk.warc.gz")
    long_text = "\n".join(texts)  # over 40,000 bytes: several chunks
    assert len(_byte_chunks(long_text, 40_000)) > 1
    for text in [*texts, long_text, whatlang()["jpn"], whatlang()["eng"]]:
        assert tokenizer.words(text) == datatrove_spacy_words("ja", text)


def test_byte_chunks_cut_where_datatrove_cuts():
    """Lengths datatrove 0.10.1's chunk_text_on_bytes returns for these texts."""
    assert [len(c) for c in _byte_chunks("日本語のテキスト。" * 3000, 40_000)] == [13333, 13333, 334]
    assert [len(c) for c in _byte_chunks("abc " * 5000 + "日本" * 10000 + "x" * 7, 40_000)] == [26661, 13331, 15]
    assert _byte_chunks("", 40_000) == [] and _byte_chunks("short", 40_000) == ["short"]


def test_pyvi_vietnamese_equals_spacy_vi():
    tokenizer = word_tokenizer("vie_Latn")
    for text in [whatlang()["vie"], whatlang()["eng"], "Tôi là sinh viên đại học.  \n Hà Nội, 2024."]:
        assert tokenizer.words(text) == datatrove_spacy_words("vi", text)
    assert "sinh viên" in tokenizer.words("Tôi là sinh viên.")


def test_kiwi_korean():
    from kiwipiepy import Kiwi

    kiwi = Kiwi(model_type="sbg")

    def datatrove_kiwi_words(text: str) -> list[str]:  # Kiwi's offsets into the text less 20+ digit runs
        tokens = [text[t.start : t.end] for t in kiwi.tokenize(re.sub("[0-9,]{20,}", "", text))]
        return [token.strip() for token in tokens if token.strip()]

    tokenizer = word_tokenizer("kor_Hang")
    for text in [whatlang()["kor"], f"{'1' * 25} 원입니다. 전화 010-1234-5678"]:
        assert tokenizer.words(text) == datatrove_kiwi_words(text)
    assert tokenizer.words("1" * 25 + " 원입니다") == ["1", "1", "111"]  # the offsets read the raw text


def test_pythainlp_thai_downloads_nothing(monkeypatch):
    from pythainlp.tokenize import word_tokenize

    monkeypatch.setenv("PYTHAINLP_OFFLINE", "1")
    text = whatlang()["tha"]
    expected = [w.strip() for w in word_tokenize(text, keep_whitespace=False, engine="newmm-safe") if w.strip()]
    assert word_tokenizer("tha_Thai").words(text) == expected
    assert len(expected) > 40


@pytest.mark.parametrize(
    ("name", "example"), [("hin_Deva", "hin"), ("ben_Beng", "ben"), ("urd_Arab", "urd"), ("gom_Deva", "mar")]
)
def test_indic_trivial_tokenizer(name, example):
    from indicnlp.tokenize.indic_tokenize import trivial_tokenize

    family, code = assignment()[name]
    text = whatlang()[example] + "\n1 , 000 रुपये।"
    assert family == "indic"
    assert word_tokenizer(name).words(text) == [t.strip() for t in trivial_tokenize(text, code) if t.strip()]


def test_unknown_and_unavailable_languages_fall_back_to_spacy_xx():
    """datatrove raises for unknown names and needs downloads (Stanza, botok) for others: spaCy "xx" here."""
    text = "Mae hi'n braf heddiw, on'd yw hi? " + whatlang()["eng"]
    for name in ["xyz_Latn", "cym_Latn", "bod_Tibt", "und_Latn", "deu"]:
        tokenizer = word_tokenizer(name)
        assert (tokenizer.family, tokenizer.code, tokenizer.exact) == ("spacy", "xx", False)
        assert tokenizer.words(text) == datatrove_spacy_words("xx", text)
    known = word_tokenizer("aak_Latn")  # assigned spaCy "xx" by datatrove
    assert known.exact and known.words(text) == word_tokenizer("xyz_Latn").words(text)


def test_tokenizers_are_cached_and_pickle_by_reference():
    assert word_tokenizer("deu_Latn") is word_tokenizer("deu_Latn")
    assert word_tokenizer("bar_Latn") is word_tokenizer("deu_Latn")  # same family and code, one instance
    for name in ["deu_Latn", "xyz_Latn", "tha_Thai"]:
        assert pickle.loads(pickle.dumps(word_tokenizer(name))) is word_tokenizer(name)


def test_khmer_equals_khmer_nltk_without_unpickling(monkeypatch):
    from khmernltk import word_tokenize  # the reference unpickles its model (scikit-learn); ours reads it

    base = whatlang()["khm"]
    texts = [base, f"  {base}\n\n{base} Hello World 2024, 123-456! ", "១២៣ 45", "", "   "]
    expected = [[w.strip() for w in word_tokenize(text, return_tokens=True) if w.strip()] for text in texts]
    monkeypatch.setattr(pickle, "load", None)
    monkeypatch.setattr(pickle, "loads", None)
    word_tokenizer.cache_clear()
    _build.cache_clear()
    tokenizer = word_tokenizer("khm_Khmr")
    assert (tokenizer.family, tokenizer.exact) == ("khmer", True)
    assert [tokenizer.words(text) for text in texts] == expected
    assert len(expected[0]) > 60 and len(base.split()) < 20  # words inside the space-separated phrases


# pyidaungsu-numpy2 0.1.4 `tokenize(text, form="word")` on whatlang's Burmese paragraph (it cannot be installed
# here: see filters/crf_segmenters.py), recorded with datatrove 0.10.1's BurmeseTokenizer in the peer virtualenv
_PYIDAUNGSU_MYA = (
    "လူ များ တွင် ဇီ ကာ အဖျား ရောဂါ အမည် ရှိ မပြင်းထန် သည့် အဖျား ရောဂါ ကို ဖြစ်ပွား စေ သည် ။ ၁၉၅၀ ခုနှစ် "
    "များ ဝန်းကျင် တွင် အာဖရိက နှင့် အာရှ အကြား အီကွေတာ ခါးပတ် အနီးတဝိုက် တွင် စတင် ဖြစ်ပွား ခဲ့ သည် ။ "
    "၂၀၁၄ ခုနှစ် တွင် ဗိုင်းရပ်စ် သည် ပစိဖိတ် သမုဒ္ဒရာ ကို ဖြတ် ပြီး ပြင် သစ်ပိုလီနီးရှား နှင့် အီစတာ "
    "ကျွန်း သို့ လည်းကောင်း ၊ ၂၀၁၅ တွင် မက္ကဆီကို ၊ ဗဟိုအမေရိက ၊ ကာရစ်ဘီယံ နှင့် တောင် အာဖရိက "
    "သို့ကူးစက်ပြန့်ပွား လာ ကာ ကမ္ဘာ အနှံ့ တွင် ဖြစ်ပွား သည့် ကပ်ရောဂါ အသွင် ဆောင် လာ နေ သည် ။"
)


def test_burmese_equals_pyidaungsu():
    tokenizer = word_tokenizer("mya_Mymr")
    assert (tokenizer.family, tokenizer.exact) == ("burmese", True)
    assert word_tokenizer("shn_Mymr") is tokenizer
    base = whatlang()["mya"]
    assert tokenizer.words(base) == _PYIDAUNGSU_MYA.split()
    # pyidaungsu removes spaces, keeps other whitespace, and splits Latin runs only where the model says
    assert tokenizer.words(base + " Hello World 2024, 123-456!")[-6:] == ["HelloWorld2024", ",", "123", "-", "456", "!"]
    assert tokenizer.words("") == tokenizer.words(" \n ") == []


def test_laonlp_lao():
    from laonlp.tokenize import word_tokenize

    tokenizer = word_tokenizer("lao_Laoo")
    assert (tokenizer.family, tokenizer.exact) == ("lao", True)
    text = "ພາສາລາວໃນປັດຈຸບັນ. ສະບາຍດີ ຂ້ອຍຊື່ສົມຊາຍ  2024, abc"
    assert tokenizer.words(text) == [w.strip() for w in word_tokenize(text) if w.strip()]
    assert tokenizer.words("ພາສາລາວໃນປັດຈຸບັນ.") == ["ພາສາລາວ", "ໃນ", "ປັດຈຸບັນ", "."]  # LaoNLP's own example


def test_crf_texts_over_the_piece_limit_are_tagged_in_pieces_cut_at_line_breaks():
    """A CRF's memory grows with its sequence: long texts go in pieces; on real text the words do not change."""
    assert list(pieces("ab cd\nef gh ij", 6)) == ["ab cd\n", "ef gh ", "ij"]
    assert list(pieces("x" * 12, 5)) == ["xxxxx", "xxxxx", "xx"]
    for name, segmenter in (("mya_Mymr", BurmeseSegmenter()), ("khm_Khmr", KhmerSegmenter())):
        paragraph = whatlang()[name[:3]]
        text = (paragraph + "\n") * (PIECE_CHARS // len(paragraph) + 2)
        assert len(list(pieces(text))) == 2
        assert word_tokenizer(name).words(text) == strip_tokens(segmenter.words(text))  # whole vs in pieces
    vietnamese = word_tokenizer("vie_Latn")  # spaCy's vi tokenizer runs pyvi's CRF
    text = (whatlang()["vie"] + "\n") * (PIECE_CHARS // len(whatlang()["vie"]) + 2)
    assert vietnamese.words(text) == datatrove_spacy_words("vi", text)


def test_crfsuite_model_is_read_from_the_pickle_without_running_it(tmp_path):
    import pycrfsuite

    model = BURMESE_MODEL.read_bytes()
    hostile = pickle.dumps((_Boom(), model))  # unpickling it would call os.system
    (tmp_path / "model.sav").write_bytes(hostile)
    assert crfsuite_model_in_pickle(tmp_path / "model.sav") == model
    (tmp_path / "empty.sav").write_bytes(pickle.dumps({"no": "model"}))
    with pytest.raises(ValueError, match="no CRFsuite model"):
        crfsuite_model_in_pickle(tmp_path / "empty.sav")
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model)
    assert set(tagger.labels()) == {"0", "1"}


class _Boom:
    def __reduce__(self):
        import os

        return (os.system, ("false",))


def test_spacy_is_imported_without_torch_and_torch_still_loads_later():
    import subprocess
    import sys

    script = (
        "import sys; from filters.word_tokenizers import word_tokenizer\n"
        "words = word_tokenizer('deu_Latn').words('Hallo Welt, z.B. heute.')\n"
        "assert words == ['Hallo', 'Welt', ',', 'z.B.', 'heute', '.'], words\n"
        "assert 'spacy' in sys.modules and 'torch' not in sys.modules\n"
        "import torch; assert int(torch.ones(2).sum()) == 2\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parent.parent)
