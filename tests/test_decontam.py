"""Benchmark decontamination: word 13-grams (texts of 8-12 words whole) found through case, punctuation and
whitespace changes, inside longer pages and in other languages; benchmark files of every format; and nothing
found where nothing was copied."""

from __future__ import annotations

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import shared_path
from curation.contamination import load_index, report
from curation.decontam import MIN_WORDS, NGRAM, BenchmarkIndex, parse_specs, read_rows
from curation.errors import UsageError
from curation.langid import LanguageIdentifier

# Written for these tests.
QUESTION = ("A baker fills 14 boxes with 12 rolls each and sells all but 9 of the rolls before noon; "
            "how many rolls did she sell before noon?")
GERMAN = ("Der alte Leuchtturm am Hafen wurde noch lange betrieben, nachdem der letzte Wärter gegangen war, "
          "und jeden Abend stieg eine Freiwillige die Wendeltreppe hinauf.")
CHINESE = "图书馆每天早上八点开门，学生们在门口排队等候，希望能找到一个靠窗的座位来安静地复习功课。"
ENDING = "then carefully folds the paper into a small boat shape"  # 10 words: matched whole
FILLER = ("The weekly market opened early this morning, and traders set out their stalls in the square while the "
          "first customers arrived with baskets. ")


def index_of(*rows: list[str], name: str = "bench") -> BenchmarkIndex:
    lid = LanguageIdentifier()
    return BenchmarkIndex.build([(name, list(rows))], language_of=lambda text: lid.predict(text)[0])


@pytest.fixture(scope="module")
def index() -> BenchmarkIndex:
    return index_of([QUESTION, "label"], [GERMAN], [CHINESE], [ENDING, "too short to match"])


@pytest.mark.parametrize("doc", [
    QUESTION,
    QUESTION.upper(),
    QUESTION.replace(" ", "\n  \t"),
    QUESTION.replace(",", "").replace(";", " --").replace("?", "!!"),
    FILLER * 3 + QUESTION[20:] + " " + FILLER * 3,  # a 13-gram from its middle, inside a longer page
])
def test_a_quoted_question_is_found_whatever_its_case_punctuation_and_spacing(index, doc):
    match = index.first_match(doc, "en")
    assert match is not None and (match.benchmark, match.row) == ("bench", 0)
    assert len(match.ngram.split()) == NGRAM and match.ngram == match.ngram.lower()


def test_a_german_passage_in_a_german_page_is_found(index):
    page = "Neulich im Hafen. " + GERMAN.upper().replace(",", " ;") + " Danach regnete es den ganzen Tag."
    match = index.first_match(page, "de")
    assert match is not None and match.row == 1


def test_a_chinese_passage_is_found_with_the_chinese_word_tokenizer(index):
    page = "今天的新闻。" + CHINESE + "另外，天气很好。"
    match = index.first_match(page, "zh")
    assert match is not None and match.row == 2
    assert " " in match.ngram  # words from jieba, not one "word" per sentence


def test_an_english_benchmark_passage_is_found_in_a_non_english_page(index):
    page = "Eine Rechenaufgabe aus dem Unterricht: " + QUESTION + " Die Lösung steht unten."
    assert index.first_match(page, "de").row == 0


def test_short_texts_match_only_whole_and_shorter_ones_not_at_all(index):
    assert index.first_match(f"{FILLER}The boy {ENDING.upper()}. {FILLER}", "en").row == 3
    nine_of_ten = " ".join(ENDING.split()[1:])
    assert index.first_match(f"{FILLER}{nine_of_ten}. {FILLER}", "en") is None
    assert index.first_match(f"{FILLER} this is too short to match. {FILLER}", "en") is None
    assert index.benchmarks[0].short == 2 and index.benchmarks[0].texts == 4


def test_unrelated_text_and_tiny_documents_match_nothing(index):
    assert index.first_match(FILLER * 5, "en") is None
    assert index.first_match("", "en") is None
    assert index.first_match("rolls " * (MIN_WORDS - 1), "en") is None


def test_a_document_shorter_than_every_ngram_of_the_index_is_clean():
    only_long = index_of([QUESTION])  # no text of 8-12 words: 13-grams only
    assert only_long.levels == {NGRAM}
    for n in range(MIN_WORDS, NGRAM):
        assert only_long.first_match(" ".join(QUESTION.split()[:n]), "en") is None
        assert only_long.all_rows(" ".join(QUESTION.split()[:n]), "en").size == 0


def test_every_row_a_document_quotes_is_reported_and_the_first_match_names_the_first_benchmark():
    lid = LanguageIdentifier()
    index = BenchmarkIndex.build([("a", [[ENDING]]), ("b", [["x"], [QUESTION], [QUESTION]])],
                                 language_of=lambda text: lid.predict(text)[0])
    doc = f"{QUESTION} and the child {ENDING}"
    assert [index.locate(int(o)) for o in index.all_rows(doc, "en")] == [("a", 0), ("b", 1), ("b", 2)]
    assert index.first_match(doc, "en").benchmark == "b"  # the earliest position wins
    assert index.first_match(f"{ENDING}. {QUESTION}", "en").benchmark == "a"


def test_benchmark_files_jsonl_json_parquet_and_gzip_give_the_strings_of_each_row():
    rows = [{"ctx": "first context", "endings": ["e1", "e2"], "label": 1, "meta": {"source": "s1"}},
            {"question": "q2", "answer": "a2"}]
    jsonl = "\n".join(json.dumps(r) for r in rows).encode() + b"\n\n"
    expected = [["first context", "e1", "e2", "s1"], ["q2", "a2"]]
    assert list(read_rows(jsonl, "b.jsonl")) == expected
    assert list(read_rows(gzip.compress(jsonl), "b.jsonl.gz")) == expected
    assert list(read_rows(json.dumps(rows).encode(), "b.json")) == expected
    assert list(read_rows(json.dumps(rows[1]).encode(), "b.json")) == [expected[1]]
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([{"q": "q1", "choices": ["c1", "c2"]}, {"q": "q2", "choices": []}]), sink)
    assert list(read_rows(sink.getvalue(), "b.parquet")) == [["q1", "c1", "c2"], ["q2"]]
    with pytest.raises(ValueError, match="line 2"):
        list(read_rows(b'{"a": "b"}\nnot json\n', "bad.jsonl"))


@pytest.mark.parametrize("specs", [["noequals"], ["=path"], ["name="], ["bad name=x"], ["-x=y"], ["a=1", "a=2"]])
def test_a_bad_spec_is_refused(specs):
    with pytest.raises(ValueError):
        parse_specs(specs)
    assert parse_specs(["a=x=y", "b.2=z"]) == [("a", "x=y"), ("b.2", "z")]


def test_load_index_refuses_a_missing_file_and_a_name_given_twice(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({"q": QUESTION}) + "\n")
    with pytest.raises(UsageError, match="not found"):
        load_index([f"x={tmp_path / 'missing.jsonl'}"], "--against")
    with pytest.raises(UsageError, match="twice"):
        load_index([f"x={path}", f"x={path}"], "--against")


def test_the_shared_benchmarks_load_compactly_and_match_their_own_rows():
    hellaswag = shared_path("eval", "hellaswag_val", "hellaswag_val.jsonl.gz")
    gsm8k = shared_path("sft", "gsm8k", "test.jsonl")
    index = load_index([f"hellaswag={hellaswag}", f"gsm8k={gsm8k}"], "--against")
    assert [(b.name, b.rows) for b in index.benchmarks] == [("hellaswag", 10042), ("gsm8k", 1319)]
    assert 12 * index.hashes.size < index.nbytes <= 16 * index.hashes.size  # hash + row, and the filter
    row = [json.loads(line) for line in gsm8k.open(encoding="utf-8")][100]
    match = index.first_match("Homework help: " + row["question"], "en")
    assert (match.benchmark, match.row) == ("gsm8k", 100)
    first = json.loads(gzip.open(hellaswag, "rt", encoding="utf-8").readline())
    assert index.first_match(f"{FILLER}{first['ctx']} {first['endings'][first['label']]} {FILLER}", "en").row == 0


def test_the_report_counts_rows_documents_and_shares(tmp_path):
    shard = tmp_path / "part.parquet"
    docs = [{"id": "d1", "url": "u1", "text": FILLER + QUESTION, "language": "en"},
            {"id": "d2", "url": "u2", "text": FILLER * 4, "language": "en"},
            {"id": "d3", "url": "u3", "text": QUESTION + " " + ENDING, "language": "en"}]
    pq.write_table(pa.Table.from_pylist(docs), shard)
    result = report(index_of([QUESTION], [ENDING], ["never quoted anywhere at all in any of the documents"]),
                    [str(shard)], examples=1)
    bench = result["benchmarks"]["bench"]
    assert result["documents"] == 3
    assert (bench["rows"], bench["contaminated_rows"], bench["documents"]) == (3, 2, 2)
    assert bench["share"] == pytest.approx(2 / 3)
    assert [e["id"] for e in bench["examples"]] == ["d1"]


def test_a_damaged_gzip_benchmark_is_a_usage_error(tmp_path):
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"q": "a question long enough to be matched by the index"}\n')[:-12] + b"\x00" * 12)
    with pytest.raises(UsageError, match="cannot read"):
        load_index([f"x={path}"], "--against")
    with pytest.raises(UsageError, match="not a local file"):
        load_index(["x=gs://bucket/b.jsonl"], "--against")
