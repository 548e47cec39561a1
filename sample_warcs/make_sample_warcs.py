#!/usr/bin/env python3
"""Build the sample WARCs that `curate run` curates when given no input.

The pages are synthetic: every article is original prose written for this
project, every host is on a reserved `.example`/`.test` domain, and IP addresses
come from the documentation ranges. The files are a test fixture, so the output
is byte-for-byte reproducible: fixed dates, record ids from uuid5 over a fixed
namespace, a fixed record order, and gzip members whose headers carry neither a
timestamp nor the build platform. `--check` regenerates into a temporary folder
and compares bytes with the committed files (a zlib other than the stock one,
such as zlib-ng, deflates differently; `--check` then says the records match).
`--manifest` prints every record with what it demonstrates and the outcome the
pipeline should reach: the list `manifest()` returns.

Every HTTP capture is written Common Crawl style as request, response, metadata
(WARC-Concurrent-To links them), after one warcinfo record per file.

CC-MAIN-20240722120000-20240722150000-00000.warc.gz  (per-record gzip)
    English articles (kept), one with a public IP address for the PII stage;
    history pages in an HTML 4 layout, two with ISO-8859-1 in <meta http-equiv>,
    one of them at two URLs (exact duplicate). Pages built to fail one filter
    each: an adult-looking host (url_filter); a keyword-stuffed shop, the same
    lines repeated, and a 26-word page whose longest 4-gram alone is over 16% of
    its text (gopher_repetition); a keyword list without stop words
    (gopher_quality); a theme demo with lorem ipsum, a CSS tutorial with curly
    brackets, a three-sentence blurb (c4); a JavaScript app shell (extract: no
    text). HTTP variety: Content-Encoding gzip and br (warcio 1.8.1 cannot
    decode br with Google's brotli module, so readers must), Transfer-Encoding
    chunked, WARC-Identified-Payload-Type text/html behind an
    application/octet-stream header, an empty 200, a 404 and a 301; PNG, PDF,
    CSS and JSON responses (not_html); and in the middle of the file a response
    whose HTTP block is a TLS alert: warcio reads it as a status line with no
    status code and no headers, and reads the records after it.
CC-MAIN-20240722120000-20240722150000-00001.warc.gz  (per-record gzip)
    Charsets as the web declares them: windows-1252 in <meta charset> only, a
    UTF-8 BOM with no declaration, a header that says utf-8 over windows-1252
    bytes, and a page with no Content-Type header at all (all English, kept);
    German (UTF-8; ISO-8859-1 in the HTTP header), French, Spanish, Japanese
    (Shift_JIS in the HTTP header, EUC-JP in <meta http-equiv>, UTF-8), Russian
    (KOI8-R in the HTTP header, windows-1251 in <meta http-equiv>, UTF-8) and
    Chinese (GB2312 in <meta charset>, UTF-8) pages for the language filter; a
    news story at three URLs (exact duplicates); a syndicated copy of another
    story with a reworded sentence, and the Perseids article from file 00000
    reposted with a sponsored paragraph (near duplicates); pages that fail
    gopher_quality (lines ending in ellipses, hashtags) and the FineWeb filters
    (product lines without punctuation, mostly short lines, a repeated line);
    an article with an e-mail address and a phone number (PII); a revisit.
CC-MAIN-20240722150000-20240722180000-00002.warc  (uncompressed)
    One complete article, then a response cut off mid-payload: the file cannot
    be read to its end, so the reader keeps what came before and reports a file
    error.

The page text lives in pages/SITE.txt, one file per site (sample_pages.py
describes the format and holds the sites' hosts); sample_html.py renders a page
in its site's skin and sample_records.py turns captures into WARC records. Run
`python sample_warcs/make_sample_warcs.py` to rewrite the files next to this
script, `--check` to verify them.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import zlib
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from sample_pages import ALL_ARTICLES
from sample_records import (Capture, Revisit, WarcFile, build_file, capture_time, html_capture, tiny_pdf, tiny_png,
                            warc_date, wire_capture)

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- payloads that are not article pages

STYLESHEET = b"""/* Plain theme 2.4 */
body { margin: 0; font: 18px/1.6 Georgia, serif; color: #222; background: #fffdf8; }
.site-header, .site-footer { padding: 1rem 2rem; background: #2f4f4f; color: #fff; }
.site-content { display: grid; grid-template-columns: minmax(0, 1fr) 18rem; gap: 2rem; max-width: 70rem; margin: auto; }
#cookie-notice { position: fixed; bottom: 0; left: 0; right: 0; padding: 1rem; background: #000c; color: #fff; }
"""

REDIRECT_BODY = b"""<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>301 Moved Permanently</title>
</head><body>
<h1>Moved Permanently</h1>
<p>The document has moved <a href="https://spokeandchain.example/repairs/fixing-a-puncture-at-the-roadside/">here</a>.</p>
</body></html>
"""

APP_SHELL = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8">'
    b'<meta name="viewport" content="width=device-width,initial-scale=1"><title>Tasklane</title>'
    b'<link rel="icon" href="/favicon.ico"><link href="/static/css/main.8c1f2a.css" rel="stylesheet">'
    b'</head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root">'
    b'</div><script src="/static/js/main.3f9a1c.js"></script></body></html>'
)

WEATHER_JSON = (b'{"location": "Harbourtown", "updated": "2024-07-22T12:00:00Z", "temperature_c": 19.5, '
                b'"wind_kph": 22, "summary": "Sunny spells, breezy on the coast", "tides": ["05:41", "18:02"]}')

# A TLS "handshake failure" alert: what a crawler records when it speaks plain HTTP to a TLS port.
TLS_ALERT = b"\x15\x03\x01\x00\x02\x02\x28"

CSS_SNIPPET = """
<pre><code>.hero { display: grid; place-items: center; min-height: 60vh; }</code></pre>
<p>The same two declarations centre a single icon inside a button or a whole login form on an empty page. If the
parent already lays out a row of items with flexbox, the alignment properties on that container do the same job,
and both methods work in every current browser.</p>
"""


# --------------------------------------------------------------------------- the files


def plan() -> list[WarcFile]:
    """Every record of every file, in order, with what it demonstrates and the outcome to expect."""
    page = {art.path: art for art in ALL_ARTICLES}

    def kept(path: str, demonstrates: str = "English article", **options) -> Capture:
        return html_capture(page[path], demonstrates, "kept", **options)

    def captured(path: str, demonstrates: str, expected: str, **options) -> Capture:
        return html_capture(page[path], demonstrates, expected, **options)

    utc = timezone.utc
    first = WarcFile("CC-MAIN-20240722120000-20240722150000-00000.warc.gz", datetime(2024, 7, 22, 12, 0, 4, tzinfo=utc))
    second = WarcFile("CC-MAIN-20240722120000-20240722150000-00001.warc.gz", datetime(2024, 7, 22, 13, 5, tzinfo=utc))
    third = WarcFile("CC-MAIN-20240722150000-20240722180000-00002.warc", datetime(2024, 7, 22, 15, 10, 0, tzinfo=utc))

    mill = html_capture(page["/articles/the-water-mill-on-fenn-lane.html"],
                        "history article, ISO-8859-1 in <meta http-equiv>; an exact copy follows at another URL",
                        "dedup: one of the two mill copies is kept", codec="latin-1", in_header=False,
                        in_meta="http-equiv")
    puncture = kept("/repairs/fixing-a-puncture-at-the-roadside/", "Content-Encoding: gzip", wire="gzip")
    first.entries = [
        kept("/2024/06/sourdough-starter-without-the-fuss/"),
        kept("/2024/05/caring-for-a-cast-iron-pan/"),
        kept("/2024/04/stock-from-vegetable-scraps/"),
        kept("/2024/08/preserving-a-glut-of-tomatoes/"),
        wire_capture("https://www.riverside-kitchen.example/wp-content/themes/plain/style.css?ver=2.4", STYLESHEET,
                     [("Content-Type", "text/css")], "identity", "text/css response", "dropped:not_html"),
        kept("/compost-that-does-not-smell/"),
        wire_capture("https://greenfinger-notes.example/wp-content/uploads/2024/03/compost-bins-150x150.png",
                     tiny_png(), [("Content-Type", "image/png")], "identity", "image/png response (a real PNG)",
                     "dropped:not_html", server="Apache/2.4.58", ip="192.0.2.21"),
        kept("/lifting-and-storing-dahlia-tubers/"),
        kept("/raised-beds-on-a-sloping-garden/"),
        kept("/dealing-with-slugs-without-pellets/"),
        mill,
        kept("/articles/the-night-the-river-came-through.html", "history article, ISO-8859-1 in <meta http-equiv>",
             in_header=False, in_meta="http-equiv", codec="latin-1"),
        kept("/articles/when-trams-ran-to-the-harbour.html", "English article in a legacy HTML 4 layout"),
        kept("/articles/what-the-lighthouse-keepers-wrote.html", "English article in a legacy HTML 4 layout"),
        wire_capture("https://www.millbrook-history.test/downloads/newsletter-2024-spring.pdf",
                     tiny_pdf("Millbrook Local History Society - Spring newsletter 2024"),
                     [("Content-Type", "application/pdf")], "identity", "application/pdf response (a valid PDF)",
                     "dropped:not_html", server="Apache/2.2.22", ip="198.51.100.7"),
        puncture,
        wire_capture("http://spokeandchain.example/repairs/fixing-a-puncture-at-the-roadside/", REDIRECT_BODY,
                     [("Content-Type", "text/html; charset=iso-8859-1"),
                      ("Location", "https://spokeandchain.example/repairs/fixing-a-puncture-at-the-roadside/")],
                     "identity", "301 redirect to https", "dropped:http_status", status="301 Moved Permanently",
                     ip="192.0.2.33"),
        kept("/maintenance/adjusting-rim-brakes/"),
        kept("/maintenance/how-to-tell-when-your-chain-is-worn/"),
        captured("/repairs/tubeless-sealant-guide/", "404 error page (HTML)", "dropped:http_status",
                 status="404 Not Found"),
        kept("/maintenance/getting-ready-for-winter-riding/"),
        captured("/observing/how-to-watch-the-perseids/",
                 "astronomy article; file 00001 has a repost with a sponsored paragraph",
                 "dedup: one of the two Perseids articles is kept"),
        kept("/equipment/choosing-a-first-telescope/", "Content-Encoding: br (brotli)", wire="br"),
        kept("/observing/photographing-the-moon-with-a-phone/"),
        kept("/events/measuring-how-dark-our-skies-are/",
             "HTTP Content-Type application/octet-stream, WARC-Identified-Payload-Type text/html",
             media_type="application/octet-stream", in_header=False, identified="text/html"),
        wire_capture("https://www.darkskies-club.example/events/feed/", b"",
                     [("Content-Type", "text/html; charset=UTF-8")], "identity", "200 response with an empty body",
                     "dropped:empty", server="LiteSpeed", ip="203.0.113.14"),
        kept("/journeys/notes-from-the-night-train/"),
        kept("/walking/three-days-on-the-cliff-path/"),
        kept("/practical/packing-light-for-a-week/"),
        Capture("http://tidycode.example:443/feed/", b"", [],
                "malformed response: the HTTP block is a 7-byte TLS alert; warcio reads it as a status line with "
                "no status code and no headers, and the records after it stay readable",
                "dropped:http_status (no status code)", raw_http=TLS_ALERT, ip="192.0.2.77"),
        kept("/habits/commit-messages-people-can-read/"),
        kept("/debugging/reading-a-stack-trace/", "Transfer-Encoding: chunked", wire="chunked"),
        kept("/habits/naming-things/"),
        kept("/testing/small-tests-that-fail-for-the-right-reason/",
             "English article with a public IP address (the PII stage replaces it)"),
        captured("/snippets/centre-anything-with-css/", "CSS tutorial whose code sample has curly brackets",
                 "dropped:c4 (curly bracket)", extra=CSS_SNIPPET),
        captured("/", "adult-looking domain (xxx-adult-videos.example)", "dropped:url_filter"),
        captured("/buy-cheap-watches-online.html", "keyword-stuffed shop page", "dropped:gopher_repetition"),
        captured("/notices/hall-closed-for-repairs/", "the same three lines repeated five times",
                 "dropped:gopher_repetition"),
        captured("/tags/", "keyword list without stop words", "dropped:gopher_quality (stop words)"),
        captured("/pages/autumn-collection/", "a 26-word page (also under gopher_quality's 50-word minimum)",
                 "dropped:gopher_repetition (its longest 4-gram alone is over 16% of the text)"),
        captured("/layouts/blog-classic/", "theme demo with a lorem ipsum paragraph", "dropped:c4 (lorem ipsum)"),
        captured("/pages/about-us/", "three long sentences", "dropped:c4 (fewer than 5 sentences)"),
        wire_capture("https://app.tasklane.example/", APP_SHELL, [("Content-Type", "text/html; charset=utf-8")],
                     "identity", "JavaScript app shell with no text", "dropped:extract (no text)", server="Vercel",
                     ip="203.0.113.60", charset="UTF-8"),
        wire_capture("https://www.harbourtown-gazette.example/api/v1/weather.json", WEATHER_JSON,
                     [("Content-Type", "application/json")], "identity", "application/json response",
                     "dropped:not_html", server="Varnish", ip="198.51.100.40"),
        copy_at(mill, "https://www.millbrook-history.test/index.php?page=articles&id=112",
                "the history article again, byte for byte, at a second URL"),
    ]

    library = html_capture(page["/news/2024/07/library-reopens-after-renovation/"],
                           "news story; the same bytes follow at two more URLs",
                           "dedup: one of the three library copies is kept")
    second.entries = [
        kept("/2024/06/weeknight-red-lentil-soup/", "mislabelled: header says charset=utf-8, bytes are windows-1252",
             codec="cp1252", label="utf-8", in_meta=None),
        library,
        kept("/journeys/a-rainy-day-in-a-museum-town/",
             "windows-1252 declared only in <meta charset> (curly quotes, é, €, em dash)", codec="cp1252",
             in_header=False),
        captured("/tomaten-auf-dem-balkon/", "German, UTF-8", "dropped:language (de)"),
        captured("/news/2024/07/quay-street-roadworks-to-last-until-october/",
                 "news story; a syndicated copy with a reworded sentence follows",
                 "dedup: one of the two Quay Street stories is kept"),
        kept("/plumbing/fixing-a-dripping-tap/", "UTF-8 with a BOM and no charset declaration anywhere", bom=True,
             in_header=False, in_meta=None),
        captured("/recettes/soupe-au-pistou/", "French, UTF-8", "dropped:language (fr)"),
        copy_at(library, "http://harbourtown-gazette.example/news/2024/07/library-reopens-after-renovation/",
                "exact copy of the library story at the http:// URL without www"),
        kept("/bees/my-first-year-of-keeping-bees/", "no Content-Type header: sniffed as HTML", media_type=None),
        captured("/hozonshoku/umeboshi-hajimete.html", "Japanese, Shift_JIS named only in the HTTP header",
                 "dropped:language (ja)", codec="shift_jis", in_meta=None),
        captured("/teplitsa/ogurtsy-v-teplitse/", "Russian, KOI8-R named only in the HTTP header",
                 "dropped:language (ru)", codec="koi8_r", in_meta=None),
        kept("/schools/2024/07/pupils-impress-at-science-fair/"),
        captured("/museum/die-alte-dorfschule.html", "German, ISO-8859-1 named only in the HTTP header",
                 "dropped:language (de)", codec="latin-1", in_meta=None),
        captured("/recetas/tortilla-de-patatas-jugosa/", "Spanish, UTF-8", "dropped:language (es)"),
        kept("/business/2024/07/farmers-market-moves-to-saturdays/",
             "English article with an e-mail address (the PII stage replaces it) and a phone number"),
        captured("/shiryou/shoutengai-hyakunen.html", "Japanese, EUC-JP in <meta http-equiv>", "dropped:language (ja)",
                 codec="euc_jp", in_header=False, in_meta="http-equiv"),
        captured("/stati/staraya-bashnya.html", "Russian, windows-1251 in <meta http-equiv>",
                 "dropped:language (ru)", codec="cp1251", in_header=False, in_meta="http-equiv"),
        kept("/birds/a-winter-bird-walk/"),
        captured("/jiachangcai/xihongshi-chao-jidan.html", "Chinese, GB2312 in <meta charset>", "dropped:language (zh)",
                 codec="gb2312", in_header=False),
        html_capture(page["/regional/2024/07/harbourtown-quay-street-roadworks-extended/"],
                     "syndicated copy of the Quay Street story: one sentence reworded, one added, other site layout",
                     "dedup: one of the two Quay Street stories is kept"),
        captured("/conseils/velo-en-hiver/", "French, UTF-8", "dropped:language (fr)"),
        captured("/rutas/lagos-de-montana/", "Spanish, UTF-8", "dropped:language (es)"),
        kept("/projects/end-grain-cutting-board/"),
        kept("/beginners/training-for-your-first-5k/"),
        copy_at(library, "https://www.harbourtown-gazette.example/news/2024/07/library-reopens-after-renovation/"
                         "?utm_source=newsletter&utm_medium=email",
                "exact copy of the library story at a URL with tracking parameters"),
        html_capture(page["/highlights/2024/07/perseids/"],
                     "the Perseids article reposted on another site with a sponsored paragraph",
                     "dedup: one of the two Perseids articles is kept"),
        kept("/technique/making-the-most-of-the-golden-hour/"),
        captured("/latest/", "forum teasers that end in ellipses", "dropped:gopher_quality (ellipsis lines)"),
        captured("/p/Cx7Kq2mLs9/", "social post full of hashtags", "dropped:gopher_quality (hash symbols)"),
        captured("/collections/dining/", "catalogue: product lines without punctuation",
                 "dropped:fineweb (line punctuation ratio)"),
        captured("/whats-on/", "timetable: almost every line is short", "dropped:fineweb (short line ratio)"),
        captured("/local/2024/07/coastal-path-reopens/", "news story with a line repeated three times",
                 "dropped:fineweb (duplicated line characters)"),
        captured("/pflege/fahrradkette-richtig-reinigen/", "German, UTF-8", "dropped:language (de)"),
        captured("/actualite/2024/07/la-mediatheque-ouvre-le-dimanche/", "French news, UTF-8", "dropped:language (fr)"),
        captured("/ciudad/2024/07/el-mercado-de-abastos-amplia-su-horario/", "Spanish news, UTF-8",
                 "dropped:language (es)"),
        captured("/kiroku/hajimete-no-tentai-kansoku/", "Japanese, UTF-8", "dropped:language (ja)"),
        captured("/gorod/2024/07/novaya-detskaya-ploshchadka/", "Russian news, UTF-8", "dropped:language (ru)"),
        captured("/manbu/laochengqu-sanbu/", "Chinese, UTF-8", "dropped:language (zh)"),
        Revisit(puncture.url, puncture, capture_date(first, puncture),
                "revisit record (identical payload digest) of the puncture article in file 00000"),
    ]

    cut_off = html_capture(page["/projects/end-grain-cutting-board/"],
                           "re-crawl cut off mid-payload: the file ends inside this record",
                           "error:truncated (and a file error)",
                           url="https://shavings-workshop.example/projects/end-grain-cutting-board/?replytocom=118")
    third.entries = [
        kept("/health/caring-for-an-older-dog/", "English article before the damage: still read"),
        replace(cut_off, truncate_at=2600),
    ]
    return [first, second, third]


def copy_at(capture: Capture, url: str, demonstrates: str) -> Capture:
    """The same response bytes served at another URL."""
    return replace(capture, url=url, demonstrates=demonstrates)


def capture_date(spec: WarcFile, capture: Capture) -> str:
    return warc_date(capture_time(spec, spec.entries.index(capture)))


# --------------------------------------------------------------------------- command line


def manifest() -> list[dict[str, str]]:
    """One row per record: file, WARC type, URL, what it demonstrates, the outcome the pipeline should reach."""
    rows = []
    for spec in plan():
        rows.append(dict(file=spec.name, type="warcinfo", url="", demonstrates="file header (isPartOf, publisher)",
                         expected="dropped:not_response"))
        for entry in spec.entries:
            if isinstance(entry, Revisit):
                rows.append(dict(file=spec.name, type="revisit", url=entry.url, demonstrates=entry.demonstrates,
                                 expected=entry.expected))
                continue
            rows.append(dict(file=spec.name, type="request", url=entry.url, demonstrates="HTTP request",
                             expected="dropped:not_response"))
            rows.append(dict(file=spec.name, type="response", url=entry.url, demonstrates=entry.demonstrates,
                             expected=entry.expected))
            if entry.truncate_at is None:
                rows.append(dict(file=spec.name, type="metadata", url=entry.url, demonstrates="fetch metadata",
                                 expected="dropped:not_response"))
    return rows


def write_all(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in plan():
        path = out_dir / spec.name
        path.write_bytes(build_file(spec))
        paths.append(path)
    return paths


def describe_difference(committed: bytes, fresh: bytes, gzipped: bool) -> str:
    offset = next((i for i, (a, b) in enumerate(zip(committed, fresh)) if a != b), min(len(committed), len(fresh)))
    note = f"first difference at byte {offset}, sizes {len(committed)} and {len(fresh)}"
    if gzipped and gzip.decompress(committed) == gzip.decompress(fresh):
        note += f"; same records, different deflate output (this zlib is {zlib.ZLIB_RUNTIME_VERSION})"
    return note


def check(committed_dir: Path) -> list[str]:
    """Problems with the committed files: missing, different from a fresh build, or not produced by the generator."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh_paths = write_all(Path(tmp))
        for fresh in fresh_paths:
            committed = committed_dir / fresh.name
            if not committed.exists():
                problems.append(f"{fresh.name}: missing")
            elif committed.read_bytes() != fresh.read_bytes():
                difference = describe_difference(committed.read_bytes(), fresh.read_bytes(), fresh.name.endswith(".gz"))
                problems.append(f"{fresh.name}: differs from a fresh build ({difference})")
        expected = {path.name for path in fresh_paths}
        problems += [f"{p.name}: not produced by the generator" for p in sorted(committed_dir.glob("*.warc*"))
                     if p.name not in expected]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the sample WARCs that `curate run` uses by default.")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder to write the files to (default: next to this script)")
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and compare bytes with the files in --out")
    parser.add_argument("--manifest", action="store_true",
                        help="print every record, what it demonstrates and its expected outcome, as a Markdown table")
    args = parser.parse_args(argv)
    if args.manifest:
        print("| file | type | URL | demonstrates | expected |\n|---|---|---|---|---|")
        for row in manifest():
            cells = (row["file"].split("-")[-1], row["type"], row["url"], row["demonstrates"], row["expected"])
            print("| " + " | ".join(cells) + " |")
        return 0
    if args.check:
        problems = check(args.out)
        for problem in problems:
            print(f"make_sample_warcs --check: {problem}", file=sys.stderr)
        if problems:
            print("Run `python sample_warcs/make_sample_warcs.py` to rebuild them.", file=sys.stderr)
        return 1 if problems else 0
    for path in write_all(args.out):
        print(f"{path} {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
