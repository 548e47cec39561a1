"""The bundled sample WARCs: reproducible from their generator, readable by warcio, and carrying every case
the generator's docstring promises (record types, charsets, HTTP encodings, the malformed and cut-off records)."""

from __future__ import annotations

import gzip
import importlib
import io
import ipaddress
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.statusandheaders import StatusAndHeaders

SAMPLES = Path(__file__).resolve().parents[1] / "sample_warcs"
FIRST = "CC-MAIN-20240722120000-20240722150000-00000.warc.gz"
SECOND = "CC-MAIN-20240722120000-20240722150000-00001.warc.gz"
THIRD = "CC-MAIN-20240722150000-20240722180000-00002.warc"


@dataclass
class Record:
    file: str
    type: str
    url: str
    warc: StatusAndHeaders
    http: StatusAndHeaders | None
    entity: bytes  # the bytes after the HTTP headers, as stored (still chunked or compressed)
    missing: int  # bytes the record declares but the file does not hold
    digests_ok: bool | None

    def header(self, name: str) -> str | None:
        return self.http.get_header(name) if self.http else None


@pytest.fixture(scope="module")
def generator():
    """The generator imported as running it imports it: its folder first on sys.path, for its sibling modules."""
    sys.path.insert(0, str(SAMPLES))
    try:
        yield importlib.import_module("make_sample_warcs")
    finally:
        sys.path.remove(str(SAMPLES))


@pytest.fixture(scope="module")
def pages(generator):
    return importlib.import_module("sample_pages")


@pytest.fixture(scope="module")
def records() -> list[Record]:
    out = []
    for name in (FIRST, SECOND, THIRD):
        with open(SAMPLES / name, "rb") as f:
            for rec in ArchiveIterator(f, check_digests=True):
                entity = rec.raw_stream.read()
                out.append(Record(name, rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI") or "",
                                  rec.rec_headers, rec.http_headers, entity, rec.raw_stream.limit,
                                  rec.digest_checker.passed))
    return out


def response(records: list[Record], url_part: str) -> Record:
    found = [r for r in records if r.type == "response" and url_part in r.url]
    assert len(found) == 1, f"{len(found)} responses match {url_part!r}"
    return found[0]


def test_check_reproduces_the_committed_bytes(generator):
    assert generator.check(SAMPLES) == []


def test_the_generator_modules_are_a_few_hundred_lines_each():
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in SAMPLES.glob("*.py")}
    assert "make_sample_warcs.py" in lengths
    assert {name: n for name, n in lengths.items() if n > 400} == {}


def test_every_page_file_is_read_and_every_page_is_captured(generator, pages):
    read = pages.read_pages()
    assert {page.site for page in read} == {path.stem for path in (SAMPLES / "pages").glob("*.txt")}
    url_of = importlib.import_module("sample_records").url_of
    captured = {entry.url for spec in generator.plan() for entry in spec.entries}
    assert [page.path for page in read if url_of(page) not in captured] == []


def test_page_text_lives_in_the_page_files_not_in_the_code(pages):
    code = "".join(path.read_text(encoding="utf-8") for path in SAMPLES.glob("*.py"))
    assert [page.path for page in pages.read_pages() if page.body.splitlines()[0] in code] == []


def test_a_page_file_reads_as_title_fields_and_body(pages, tmp_path):
    (tmp_path / "kitchen.txt").write_text(
        "# First\npath: /one/\ndate: 2024-01-02\nauthor: A. Cook\n\nIntro line\nwrapped.\n\n## Step\n\n- a\n- b\n\n"
        "# Second\npath: /two/\ndate: 2024-01-03\nauthor: B. Cook\n\nOnly paragraph.\n", encoding="utf-8")
    assert pages.read_pages(tmp_path) == [
        pages.Article("kitchen", "/one/", "First", "2024-01-02", "A. Cook", "Intro line\nwrapped.\n\n## Step\n\n- a\n- b"),
        pages.Article("kitchen", "/two/", "Second", "2024-01-03", "B. Cook", "Only paragraph."),
    ]
    (tmp_path / "kitchen.txt").write_text("# No fields\n\nBody.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kitchen.txt: page 'No fields' needs the lines path:, date:, author:"):
        pages.read_pages(tmp_path)


def test_the_sample_stays_small():
    assert sum((SAMPLES / name).stat().st_size for name in (FIRST, SECOND, THIRD)) < 400_000


@pytest.mark.parametrize("name, expected", [
    (FIRST, {"warcinfo": 1, "request": 45, "response": 45, "metadata": 45}),
    (SECOND, {"warcinfo": 1, "request": 38, "response": 38, "metadata": 38, "revisit": 1}),
    (THIRD, {"warcinfo": 1, "request": 2, "response": 2, "metadata": 1}),
])
def test_every_file_iterates_to_its_end_with_the_documented_record_types(records, name, expected):
    assert Counter(r.type for r in records if r.file == name) == expected


def test_records_are_in_the_order_the_manifest_lists(records, generator):
    assert [(r.file, r.type, r.url) for r in records] == [
        (row["file"], row["type"], row["url"]) for row in generator.manifest()]


def test_each_file_starts_with_its_warcinfo(records):
    for name in (FIRST, SECOND, THIRD):
        first = next(r for r in records if r.file == name)
        assert first.type == "warcinfo"
        assert first.warc.get_header("WARC-Filename") == name
        assert b"isPartOf: CC-MAIN-2024-30" in first.entity


def test_record_ids_are_unique_and_captures_are_linked(records):
    ids = [r.warc.get_header("WARC-Record-ID") for r in records]
    assert len(ids) == len(set(ids))
    by_id = {r.warc.get_header("WARC-Record-ID"): r for r in records}
    for r in records:
        if r.type in ("request", "metadata"):
            target = by_id[r.warc.get_header("WARC-Concurrent-To")]
            assert (target.type, target.url) == ("response", r.url)


def test_digests_of_every_complete_record_verify(records):
    assert all(r.digests_ok is not False for r in records)
    assert sum(r.digests_ok is True for r in records) > 250


def test_the_malformed_response_leaves_the_rest_of_its_file_readable(records):
    bad = response(records, "tidycode.example:443")
    assert bad.http.get_statuscode() == "" and bad.http.headers == []
    after = records[records.index(bad) + 1:]
    assert sum(r.file == FIRST and r.type == "response" for r in after) >= 10


def test_the_third_file_ends_inside_its_last_response(records):
    third = [r for r in records if r.file == THIRD]
    assert third[-1].type == "response" and third[-1].missing > 0
    assert all(r.missing == 0 for r in records if r is not third[-1])


def test_pages_are_on_reserved_hosts_and_documentation_addresses(records):
    nets = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    for r in records:
        if r.type == "warcinfo":
            continue
        assert urlsplit(r.url).hostname.endswith((".example", ".test")), r.url
        if r.type == "metadata":
            continue
        address = ipaddress.ip_address(r.warc.get_header("WARC-IP-Address"))
        assert any(address in net for net in nets), r.url


# Where each charset is declared, how the bytes are really encoded, and text that only decodes right with it.
CHARSETS = [
    ("sourdough-starter", ("header", "meta"), "UTF-8", "utf-8", "A Sourdough Starter Without the Fuss"),
    ("a-rainy-day-in-a-museum-town", ("meta",), "windows-1252", "cp1252", "A ticket cost €12, and"),
    ("weeknight-red-lentil-soup", ("header",), "utf-8", "cp1252", "crème fraîche"),  # the header lies
    ("fixing-a-dripping-tap", (), None, "utf-8-sig", "the ½-inch size"),  # a BOM and no declaration
    ("umeboshi-hajimete", ("header",), "Shift_JIS", "shift_jis", "梅干しを初めて漬けた話"),
    ("shoutengai-hyakunen", ("http-equiv",), "EUC-JP", "euc_jp", "商店街の百年"),
    ("ogurtsy-v-teplitse", ("header",), "KOI8-R", "koi8_r", "тёплой водой"),
    ("staraya-bashnya", ("http-equiv",), "windows-1251", "cp1251", "Водонапорная башня"),
    ("xihongshi-chao-jidan", ("meta",), "GB2312", "gb2312", "西红柿炒鸡蛋"),
    ("die-alte-dorfschule", ("header",), "ISO-8859-1", "latin-1", "Schließung"),
]


@pytest.mark.parametrize("url_part, declared_in, label, codec, text", CHARSETS)
def test_charsets_are_declared_the_way_the_web_does(records, url_part, declared_in, label, codec, text):
    page = response(records, url_part)
    head = page.entity[:600]
    assert (f"charset={label}" in page.header("Content-Type")) == ("header" in declared_in)
    assert (f'<meta charset="{label}">'.encode() in head) == ("meta" in declared_in)
    assert (f'content="text/html; charset={label}">'.encode() in head) == ("http-equiv" in declared_in)
    if not declared_in:
        assert page.entity.startswith(b"\xef\xbb\xbf") and b"charset" not in page.entity.lower()
    assert text in page.entity.decode(codec)
    if codec not in ("utf-8", "utf-8-sig"):
        with pytest.raises(UnicodeDecodeError):
            page.entity.decode("utf-8")


def test_content_encodings_decode_to_the_page(records):
    gzipped = response(records, "https://spokeandchain.example/repairs/fixing-a-puncture")
    assert gzipped.header("Content-Encoding") == "gzip"
    assert b"<title>Fixing a Puncture at the Roadside" in gzip.decompress(gzipped.entity)
    # warcio 1.8.1 cannot decode br with Google's brotli module (it sets an attribute brotli's Decompressor
    # lacks), so this checks the bytes with brotli directly.
    brotlied = response(records, "choosing-a-first-telescope")
    assert brotlied.header("Content-Encoding") == "br"
    assert b"<title>Choosing a First Telescope" in brotli.decompress(brotlied.entity)


def test_chunked_transfer_encoding_dechunks_to_the_page(records):
    chunked = response(records, "reading-a-stack-trace")
    assert chunked.header("Transfer-Encoding") == "chunked" and chunked.header("Content-Length") is None
    body = ChunkedDataReader(io.BytesIO(chunked.entity), raise_exceptions=True).read()
    assert body.startswith(b"<!DOCTYPE html>") and body.rstrip().endswith(b"</html>")
    assert len(body) < len(chunked.entity)


def test_undeclared_and_identified_payload_types(records):
    sniffed = response(records, "my-first-year-of-keeping-bees")
    assert sniffed.header("Content-Type") is None and sniffed.entity.startswith(b"<!DOCTYPE html>")
    identified = response(records, "measuring-how-dark-our-skies-are")
    assert identified.warc.get_header("WARC-Identified-Payload-Type") == "text/html"
    assert identified.header("Content-Type") == "application/octet-stream"


def test_non_html_payloads_are_real_files(records):
    png = response(records, ".png")
    assert png.header("Content-Type") == "image/png" and png.entity.startswith(b"\x89PNG\r\n\x1a\n")
    pdf = response(records, ".pdf")
    assert pdf.header("Content-Type") == "application/pdf"
    assert pdf.entity.startswith(b"%PDF-1.4") and pdf.entity.rstrip().endswith(b"%%EOF")
    assert response(records, "style.css").header("Content-Type") == "text/css"
    weather = response(records, "weather.json")
    assert weather.header("Content-Type") == "application/json" and json.loads(weather.entity)["location"]


def test_error_statuses_and_an_empty_body(records):
    assert response(records, "tubeless-sealant-guide").http.get_statuscode() == "404"
    redirect = response(records, "http://spokeandchain.example/")
    assert redirect.http.get_statuscode() == "301" and redirect.header("Location").startswith("https://")
    empty = response(records, "/events/feed/")
    assert empty.http.get_statuscode() == "200" and empty.entity == b""


LIBRARY = "harbourtown-gazette.example/news/2024/07/library-reopens-after-renovation/"


@pytest.mark.parametrize("urls", [
    ("https://www.millbrook-history.test/articles/the-water-mill-on-fenn-lane.html",
     "https://www.millbrook-history.test/index.php?page=articles&id=112"),
    (f"https://www.{LIBRARY}", f"http://{LIBRARY}", f"https://www.{LIBRARY}?utm_source=newsletter&utm_medium=email"),
])
def test_exact_duplicates_are_the_same_bytes_at_different_urls(records, urls):
    pages = [r for r in records if r.type == "response" and r.url in urls]
    assert len(pages) == len(urls)
    assert len({r.entity for r in pages}) == 1
    assert len({r.warc.get_header("WARC-Payload-Digest") for r in pages}) == 1


def test_the_revisit_points_at_an_earlier_capture_with_the_same_payload(records):
    revisit = next(r for r in records if r.type == "revisit")
    original = response(records, revisit.warc.get_header("WARC-Refers-To-Target-URI"))
    assert revisit.warc.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert revisit.warc.get_header("WARC-Refers-To-Date") == original.warc.get_header("WARC-Date")
    assert revisit.warc.get_header("WARC-Payload-Digest") == original.warc.get_header("WARC-Payload-Digest")


def test_the_manifest_expects_an_outcome_from_every_stage(generator):
    expected = " ".join(row["expected"] for row in generator.manifest())
    for outcome in ("kept", "dropped:not_response", "dropped:not_html", "dropped:http_status", "dropped:empty",
                    "dropped:url_filter", "dropped:extract", "dropped:language", "dropped:gopher_repetition",
                    "dropped:gopher_quality", "dropped:c4", "dropped:fineweb", "dedup:", "error:truncated"):
        assert outcome in expected, outcome
