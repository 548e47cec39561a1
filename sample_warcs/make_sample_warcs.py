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

Run `python sample_warcs/make_sample_warcs.py` to rewrite the files next to this
script, `--check` to verify them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import sys
import tempfile
import uuid
import zlib
from base64 import b32encode
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import GzippingWrapper, WARCWriter

NAMESPACE = uuid.UUID("5c1d3f0e-7a52-4c6b-9a43-2e8f1b6d0c71")
CRAWL = "CC-MAIN-2024-30"
USER_AGENT = "CCBot/2.0 (https://commoncrawl.org/faq/)"
HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    tagline: str
    lang: str = "en"
    skin: str = "blog"  # blog | news | club
    sections: tuple[str, ...] = ()
    server: str = "nginx"
    ip: str = "192.0.2.10"


@dataclass(frozen=True)
class Article:
    """A page's main content. `body`: blocks split by blank lines; "## " starts a subheading, "- " a list item."""

    site: str
    path: str
    title: str
    date: str
    author: str
    body: str


@dataclass
class Capture:
    """One HTTP exchange: written as request, response and metadata records."""

    url: str
    body: bytes  # the HTTP entity as sent on the wire (compressed or chunked if the headers say so)
    headers: list[tuple[str, str]]
    demonstrates: str
    expected: str
    status: str = "200 OK"
    identified_type: str | None = None
    charset: str | None = None  # for the metadata record's charset-detected
    raw_http: bytes | None = None  # replaces the whole HTTP block (status line, headers, body)
    truncate_at: int | None = None  # cut the file this many bytes into the response record
    server: str = "nginx"
    ip: str = "192.0.2.10"


@dataclass
class Revisit:
    """A re-crawl whose payload matched an earlier capture (identical-payload-digest profile)."""

    url: str
    refers_to: Capture
    refers_to_date: str
    demonstrates: str
    expected: str = "dropped:not_response"


@dataclass
class WarcFile:
    name: str
    start: datetime
    entries: list[Capture | Revisit] = field(default_factory=list)

    @property
    def gzipped(self) -> bool:
        return self.name.endswith(".gz")


# --------------------------------------------------------------------------- HTML

LABELS = {
    "en": dict(
        home="Home", posted="Posted on {date} by {author}", by="By {author}", recent="Recent posts",
        search="Search", go="Go", newsletter="Newsletter",
        newsletter_text="One email a month with our new posts. No spam, unsubscribe at any time.",
        subscribe="Subscribe", accept="Accept all", settings="Cookie settings",
        cookie="We use cookies to understand how visitors use this site and to improve your experience.",
        rights="All rights reserved.", privacy="Privacy policy", terms="Terms of use", contact="Contact",
        comments="Leave a comment", send="Post comment", prev="Previous post", next="Next post",
        tags="Filed under", related="Related stories", share="Share", ad="Advertisement",
        updated="Last updated", top="Back to top",
    ),
    "de": dict(
        home="Startseite", posted="Veröffentlicht am {date} von {author}", by="Von {author}",
        recent="Neueste Beiträge", search="Suche", go="Los", newsletter="Newsletter",
        newsletter_text="Einmal im Monat die neuen Beiträge per E-Mail. Abmeldung jederzeit möglich.",
        subscribe="Anmelden", accept="Alle akzeptieren", settings="Einstellungen",
        cookie="Wir verwenden Cookies, um die Nutzung dieser Website zu verstehen und zu verbessern.",
        rights="Alle Rechte vorbehalten.", privacy="Datenschutz", terms="Impressum", contact="Kontakt",
        comments="Kommentar schreiben", send="Absenden", prev="Vorheriger Beitrag", next="Nächster Beitrag",
        tags="Kategorie", related="Mehr zum Thema", share="Teilen", ad="Anzeige",
        updated="Zuletzt aktualisiert", top="Nach oben",
    ),
    "fr": dict(
        home="Accueil", posted="Publié le {date} par {author}", by="Par {author}", recent="Articles récents",
        search="Rechercher", go="OK", newsletter="Lettre d'information",
        newsletter_text="Un courriel par mois avec nos nouveaux articles. Désinscription à tout moment.",
        subscribe="S'abonner", accept="Tout accepter", settings="Paramètres",
        cookie="Nous utilisons des cookies pour mesurer l'audience et améliorer votre expérience.",
        rights="Tous droits réservés.", privacy="Confidentialité", terms="Mentions légales", contact="Contact",
        comments="Laisser un commentaire", send="Envoyer", prev="Article précédent", next="Article suivant",
        tags="Rubrique", related="À lire aussi", share="Partager", ad="Publicité",
        updated="Dernière mise à jour", top="Haut de page",
    ),
    "es": dict(
        home="Inicio", posted="Publicado el {date} por {author}", by="Por {author}", recent="Entradas recientes",
        search="Buscar", go="Ir", newsletter="Boletín",
        newsletter_text="Un correo al mes con nuestras novedades. Puedes darte de baja cuando quieras.",
        subscribe="Suscribirse", accept="Aceptar todo", settings="Configuración",
        cookie="Usamos cookies para entender cómo se usa este sitio y mejorar tu experiencia.",
        rights="Todos los derechos reservados.", privacy="Privacidad", terms="Aviso legal", contact="Contacto",
        comments="Deja un comentario", send="Publicar", prev="Entrada anterior", next="Entrada siguiente",
        tags="Categoría", related="Noticias relacionadas", share="Compartir", ad="Publicidad",
        updated="Última actualización", top="Volver arriba",
    ),
    "ja": dict(
        home="ホーム", posted="{date} {author}", by="{author}", recent="最近の投稿", search="検索", go="検索",
        newsletter="メールマガジン", newsletter_text="月に一度、新しい記事をお届けします。", subscribe="登録",
        accept="同意する", settings="設定", cookie="当サイトではサービス向上のためにクッキーを使用しています。",
        rights="無断転載を禁じます。", privacy="プライバシーポリシー", terms="利用規約", contact="お問い合わせ",
        comments="コメントを残す", send="送信", prev="前の記事", next="次の記事", tags="カテゴリー",
        related="関連記事", share="共有", ad="広告", updated="最終更新", top="ページの先頭へ",
    ),
    "ru": dict(
        home="Главная", posted="{date}, автор: {author}", by="Автор: {author}", recent="Новые записи",
        search="Поиск", go="Найти", newsletter="Рассылка",
        newsletter_text="Раз в месяц присылаем новые статьи. Отписаться можно в любой момент.",
        subscribe="Подписаться", accept="Принять", settings="Настройки",
        cookie="Мы используем файлы cookie, чтобы сайт работал удобнее.", rights="Все права защищены.",
        privacy="Конфиденциальность", terms="Правила", contact="Контакты", comments="Оставить комментарий",
        send="Отправить", prev="Предыдущая запись", next="Следующая запись", tags="Рубрика",
        related="Читайте также", share="Поделиться", ad="Реклама", updated="Обновлено", top="Наверх",
    ),
    "zh": dict(
        home="首页", posted="{date} 作者：{author}", by="作者：{author}", recent="最新文章", search="搜索",
        go="搜索", newsletter="订阅", newsletter_text="每月一封邮件，推送最新文章。", subscribe="订阅",
        accept="同意", settings="设置", cookie="本网站使用Cookie来改善您的浏览体验。", rights="版权所有。",
        privacy="隐私政策", terms="使用条款", contact="联系我们", comments="发表评论", send="提交",
        prev="上一篇", next="下一篇", tags="分类", related="相关文章", share="分享", ad="广告",
        updated="最后更新", top="返回顶部",
    ),
}

MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split(),
}


def human_date(iso: str, lang: str) -> str:
    d = date.fromisoformat(iso)
    if lang in ("ja", "zh"):
        return f"{d.year}年{d.month}月{d.day}日"
    month = MONTHS[lang][d.month - 1]
    return {
        "en": f"{d.day} {month} {d.year}", "de": f"{d.day}. {month} {d.year}", "fr": f"{d.day} {month} {d.year}",
        "es": f"{d.day} de {month} de {d.year}", "ru": f"{d.day} {month} {d.year} г.",
    }[lang]


def e(text: str) -> str:
    return html.escape(text, quote=True)


def body_html(body: str, lang: str) -> str:
    """Blocks to HTML; wrapped lines of a paragraph are joined (without spaces in Japanese and Chinese)."""
    joiner = "" if lang in ("ja", "zh") else " "
    out = []
    for block in body.strip().split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        if lines[0].startswith("## "):
            out.append(f"<h2>{e(lines[0][3:])}</h2>")
            lines = lines[1:]
        if lines and lines[0].startswith("- "):
            out.append("<ul>\n" + "\n".join(f"<li>{e(line[2:])}</li>" for line in lines) + "\n</ul>")
        elif lines:
            out.append(f"<p>{e(joiner.join(lines))}</p>")
    return "\n".join(out)


def render(art: Article, url: str, head_charset: str = "", extra: str = "") -> str:
    """The full page for an article in its site's skin; `extra` is HTML appended to the article body."""
    site = SITES[art.site]
    labels = LABELS[site.lang]
    siblings = [a for a in ALL_ARTICLES if a.site == art.site and a.path != art.path][:4]
    page = {"blog": blog_page, "news": news_page, "club": club_page}[site.skin]
    return page(site, art, url, labels, head_charset, body_html(art.body, site.lang) + extra, siblings)


def nav_items(site: Site, labels: dict) -> str:
    links = [("/", labels["home"])] + [(f"/{i + 1}/", name) for i, name in enumerate(site.sections)]
    return "".join(f'<li><a href="{href}">{e(name)}</a></li>' for href, name in links)


def blog_page(site: Site, art: Article, url: str, L: dict, head_charset: str, body: str, siblings: list) -> str:
    recent = "".join(f'<li><a href="{a.path}">{e(a.title)}</a></li>' for a in siblings)
    posted = L["posted"].format(
        date=f'<time datetime="{art.date}">{human_date(art.date, site.lang)}</time>',
        author=f'<a href="/author/">{e(art.author)}</a>',
    )
    return f"""<!DOCTYPE html>
<html lang="{site.lang}">
<head>
{head_charset}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(art.title)} &ndash; {e(site.name)}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{e(art.title)}">
<meta property="og:url" content="{url}">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/wp-content/themes/plain/style.css?ver=2.4">
<script async src="/assets/analytics.js"></script>
<script>window.dataLayer = window.dataLayer || []; function track(){{dataLayer.push(arguments);}} track("config", "site");</script>
</head>
<body class="single single-post">
<div id="cookie-notice" role="dialog" aria-live="polite">
<p>{e(L["cookie"])}</p>
<button type="button" class="cookie-accept">{e(L["accept"])}</button> <a href="/cookies/">{e(L["settings"])}</a>
</div>
<header class="site-header">
<a class="site-title" href="/">{e(site.name)}</a>
<p class="site-description">{e(site.tagline)}</p>
<nav class="main-navigation" aria-label="Main menu"><ul>{nav_items(site, L)}</ul></nav>
</header>
<div class="site-content">
<main id="main">
<article class="post">
<header class="entry-header">
<h1 class="entry-title">{e(art.title)}</h1>
<p class="entry-meta">{posted}</p>
</header>
<div class="entry-content">
{body}
</div>
<footer class="entry-footer"><span class="cat-links">{e(L["tags"])}: <a href="/1/">{e(site.sections[0])}</a></span></footer>
</article>
<nav class="post-navigation"><a href="/page/2/" rel="prev">&larr; {e(L["prev"])}</a> <a href="/page/3/" rel="next">{e(L["next"])} &rarr;</a></nav>
<section id="respond"><h2>{e(L["comments"])}</h2>
<form action="/wp-comments-post.php" method="post"><textarea name="comment" rows="6"></textarea>
<input type="text" name="author"> <button type="submit">{e(L["send"])}</button></form></section>
</main>
<aside class="sidebar">
<section class="widget"><h3>{e(L["search"])}</h3><form role="search" action="/"><input type="search" name="s"> <button>{e(L["go"])}</button></form></section>
<section class="widget"><h3>{e(L["recent"])}</h3><ul>{recent}</ul></section>
<section class="widget"><h3>{e(L["newsletter"])}</h3><p>{e(L["newsletter_text"])}</p>
<form action="/subscribe" method="post"><input type="email" name="email"> <button>{e(L["subscribe"])}</button></form></section>
</aside>
</div>
<footer class="site-footer">
<p>&copy; 2024 {e(site.name)}. {e(L["rights"])}</p>
<ul class="footer-links"><li><a href="/privacy/">{e(L["privacy"])}</a></li><li><a href="/terms/">{e(L["terms"])}</a></li><li><a href="/contact/">{e(L["contact"])}</a></li></ul>
</footer>
</body>
</html>
"""


def news_page(site: Site, art: Article, url: str, L: dict, head_charset: str, body: str, siblings: list) -> str:
    related = "".join(f'<li><a href="{a.path}">{e(a.title)}</a></li>' for a in siblings)
    day = human_date(art.date, site.lang)
    return f"""<!doctype html>
<html lang="{site.lang}">
<head>
{head_charset}<title>{e(art.title)} | {e(site.name)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta property="og:site_name" content="{e(site.name)}">
<meta property="og:title" content="{e(art.title)}">
<meta property="article:published_time" content="{art.date}T07:30:00Z">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/css/main.css">
<script src="/static/js/consent.js" defer></script>
<script src="/static/js/ads.js" async></script>
</head>
<body class="article-page">
<div class="consent-banner" id="consent">
<span>{e(L["cookie"])}</span>
<button class="btn-accept">{e(L["accept"])}</button>
<button class="btn-settings">{e(L["settings"])}</button>
</div>
<div class="top-bar"><span class="today">{day}</span> <a href="/subscribe/">{e(L["subscribe"])}</a> <a href="/account/login/">Log in</a></div>
<header class="masthead"><a href="/" class="logo">{e(site.name)}</a><p class="strap">{e(site.tagline)}</p></header>
<nav class="sections"><ul>{nav_items(site, L)}</ul></nav>
<div class="ad-slot ad-leaderboard"><span class="ad-label">{e(L["ad"])}</span></div>
<div class="page">
<ol class="breadcrumb"><li><a href="/">{e(L["home"])}</a></li><li><a href="/1/">{e(site.sections[0])}</a></li></ol>
<article class="story">
<h1 class="headline">{e(art.title)}</h1>
<div class="byline"><span class="author">{e(L["by"].format(author=art.author))}</span> <time datetime="{art.date}">{day}</time></div>
<div class="share-tools"><a href="#">{e(L["share"])}: Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
<div class="story-body">
{body}
</div>
</article>
<aside class="related"><h2>{e(L["related"])}</h2><ul>{related}</ul></aside>
<aside class="most-read"><h2>Most read</h2><ol><li><a href="/most-read/1/">Weather warning issued for the weekend</a></li><li><a href="/most-read/2/">Letters to the editor</a></li><li><a href="/most-read/3/">Photo gallery: summer fair</a></li></ol></aside>
</div>
<footer class="site-footer">
<nav><a href="/about/">About us</a> | <a href="/contact/">{e(L["contact"])}</a> | <a href="/privacy/">{e(L["privacy"])}</a> | <a href="/terms/">{e(L["terms"])}</a> | <a href="/advertise/">Advertise</a></nav>
<p>&copy; 2024 {e(site.name)}. {e(L["rights"])}</p>
</footer>
</body>
</html>
"""


def club_page(site: Site, art: Article, url: str, L: dict, head_charset: str, body: str, siblings: list) -> str:
    menu = " |\n".join(f'<a href="/{i}.html">{e(name)}</a>' for i, name in enumerate((L["home"],) + site.sections))
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
{head_charset}<title>{e(art.title)} - {e(site.name)}</title>
<link rel="stylesheet" type="text/css" href="/style.css">
</head>
<body bgcolor="#fdfbf3">
<a name="top"></a>
<center><font size="5"><b>{e(site.name)}</b></font><br><i>{e(site.tagline)}</i></center>
<div id="menu">
{menu}
</div>
<hr>
<div id="content">
<h1>{e(art.title)}</h1>
<p class="byline">{e(L["posted"].format(date=human_date(art.date, site.lang), author=art.author))}</p>
{body}
</div>
<p><a href="#top">{e(L["top"])}</a></p>
<hr>
<p align="center"><small>&copy; {e(site.name)} &middot; <a href="/privacy.html">{e(L["privacy"])}</a> &middot; {e(L["updated"])}: {human_date(art.date, site.lang)}</small></p>
</body>
</html>
"""


# --------------------------------------------------------------------------- captures

CODEC_NAMES = {
    "utf-8": "UTF-8", "cp1252": "windows-1252", "latin-1": "ISO-8859-1", "shift_jis": "Shift_JIS",
    "euc_jp": "EUC-JP", "koi8_r": "KOI8-R", "cp1251": "windows-1251", "gb2312": "GB2312",
}


def url_of(art: Article) -> str:
    return f"https://{SITES[art.site].host}{art.path}"


def html_capture(
    art: Article,
    demonstrates: str,
    expected: str = "kept",
    *,
    url: str | None = None,
    codec: str = "utf-8",
    label: str | None = None,
    in_header: bool = True,
    in_meta: str | None = "charset",
    bom: bool = False,
    wire: str = "identity",
    media_type: str | None = "text/html",
    identified: str | None = None,
    extra: str = "",
    status: str = "200 OK",
) -> Capture:
    """An article page as the server sent it.

    codec: the bytes' real encoding; label: the charset named in the declarations (defaults to the codec's
    name, differs when the page lies); in_meta: "charset", "http-equiv" or None; wire: "identity", "gzip",
    "br" (Content-Encoding) or "chunked" (Transfer-Encoding).
    """
    canonical = url_of(art)
    label = label or CODEC_NAMES[codec]
    head = {
        "charset": f'<meta charset="{label}">\n',
        "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={label}">\n',
        None: "",
    }[in_meta]
    body = render(art, canonical, head, extra).encode(codec)
    if bom:
        body = b"\xef\xbb\xbf" + body
    headers = []
    if media_type:
        headers.append(("Content-Type", f"{media_type}; charset={label}" if in_header else media_type))
    site = SITES[art.site]
    return wire_capture(url or canonical, body, headers, wire, demonstrates, expected, status=status,
                        identified_type=identified, charset=CODEC_NAMES[codec], server=site.server, ip=site.ip)


def wire_capture(url: str, body: bytes, headers: list[tuple[str, str]], wire: str, demonstrates: str,
                 expected: str, **kwargs) -> Capture:
    """Encode the entity for the wire; add Content-Encoding, Transfer-Encoding or Content-Length to match."""
    headers = list(headers)
    if wire == "gzip":
        body = gzip.compress(body, compresslevel=9, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    elif wire == "br":
        body = brotli.compress(body, quality=11)
        headers.append(("Content-Encoding", "br"))
    if wire == "chunked":
        pieces = [body[i:i + 2000] for i in range(0, len(body), 2000)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    return Capture(url, body, headers, demonstrates, expected, **kwargs)


def tiny_png() -> bytes:
    """A real 16x16 RGB gradient PNG."""
    width = height = 16
    rows = b"".join(b"\x00" + bytes(c for x in range(width) for c in (x * 16, y * 16, 160)) for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + tag + data + zlib.crc32(tag + data).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def tiny_pdf(line: str) -> bytes:
    """A valid one-page PDF showing one line of text, with a correct xref table."""
    text = f"BT /F1 14 Tf 24 70 Td ({line}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --------------------------------------------------------------------------- WARC records


def record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(NAMESPACE, '|'.join(parts))}>"


def sha1_digest(data: bytes) -> str:
    """A WARC digest in the form warcio and Common Crawl write: sha1 in base32."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def warc_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def pinned_gzip_member(member: bytes) -> bytes:
    """warcio's zlib gzip header has mtime 0 already; also pin the OS byte (zlib writes its build platform's)."""
    if member[:4] != b"\x1f\x8b\x08\x00" or member[4:8] != b"\x00\x00\x00\x00":
        raise ValueError(f"unexpected gzip member header {member[:10].hex()}")
    return member[:9] + b"\xff" + member[10:]


def serialise(record, gzipped: bool) -> bytes:
    buf = io.BytesIO()
    WARCWriter(buf, gzip=gzipped).write_record(record)
    return pinned_gzip_member(buf.getvalue()) if gzipped else buf.getvalue()


def hand_made_record(headers: list[tuple[str, str]], block: bytes, gzipped: bool) -> bytes:
    """A record warcio's writer would refuse to produce (its HTTP block is not HTTP)."""
    lines = [("WARC-Block-Digest", sha1_digest(block)), ("Content-Length", str(len(block)))]
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers + lines) + "\r\n"
    data = head.encode() + block + b"\r\n\r\n"
    if not gzipped:
        return data
    buf = io.BytesIO()
    wrapper = GzippingWrapper(buf)
    wrapper.write(data)
    wrapper.flush()
    return pinned_gzip_member(buf.getvalue())


def capture_time(spec: WarcFile, index: int) -> datetime:
    """Captures are 41 seconds apart, starting 7 seconds after the warcinfo record."""
    return spec.start + timedelta(seconds=7 + 41 * index)


def build_file(spec: WarcFile) -> bytes:
    """All records of one file, in order: warcinfo, then request/response/metadata per capture."""
    writer = WARCWriter(io.BytesIO(), gzip=spec.gzipped)  # used only as a record factory
    info_id = record_id(spec.name, "warcinfo")
    fields = (
        f"isPartOf: {CRAWL}\r\npublisher: curation project (synthetic sample, not a Common Crawl file)\r\n"
        "description: Hand-written pages on reserved .example/.test hosts that exercise every curation stage\r\n"
        "operator: curation sample_warcs/make_sample_warcs.py\r\nformat: WARC File Format 1.0\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/\r\n"
    ).encode()
    info = writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(fields), length=len(fields),
        warc_headers_dict={"WARC-Type": "warcinfo", "WARC-Date": warc_date(spec.start), "WARC-Record-ID": info_id,
                           "Content-Length": "0", "Content-Type": "application/warc-fields",
                           "WARC-Filename": spec.name},
    )
    out = [serialise(info, spec.gzipped)]
    for index, entry in enumerate(spec.entries):
        when = capture_time(spec, index)
        if isinstance(entry, Revisit):
            out.append(serialise(revisit_record(writer, spec, entry, when, info_id), spec.gzipped))
            continue
        request, response, metadata = capture_records(writer, spec, entry, when, info_id)
        out.append(serialise(request, spec.gzipped))
        response_bytes = response if isinstance(response, bytes) else serialise(response, spec.gzipped)
        if entry.truncate_at is not None:
            if spec.gzipped or index != len(spec.entries) - 1:
                raise ValueError("only the last capture of an uncompressed file can be cut off")
            out.append(response_bytes[: entry.truncate_at])
            break
        out.append(response_bytes)
        out.append(serialise(metadata, spec.gzipped))
    return b"".join(out)


def capture_records(writer: WARCWriter, spec: WarcFile, cap: Capture, when: datetime, info_id: str):
    host = cap.url.split("/")[2]
    target = "/" + cap.url.split("/", 3)[3] if cap.url.count("/") >= 3 else "/"
    ids = {kind: record_id(spec.name, cap.url, warc_date(when), kind) for kind in ("request", "response", "metadata")}
    common = {"WARC-Date": warc_date(when)}
    request = writer.create_warc_record(
        cap.url, "request",
        http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", [
            ("User-Agent", USER_AGENT), ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-US,en;q=0.5"), ("Accept-Encoding", "br,gzip"), ("Host", host),
            ("Connection", "Keep-Alive"),
        ], is_http_request=True),
        warc_headers_dict={"WARC-Type": "request", **common, "WARC-Record-ID": ids["request"], "Content-Length": "0",
                           "Content-Type": "application/http; msgtype=request", "WARC-Warcinfo-ID": info_id,
                           "WARC-Concurrent-To": ids["response"], "WARC-IP-Address": cap.ip,
                           "WARC-Target-URI": cap.url},
    )
    response_headers = {
        "WARC-Type": "response", **common, "WARC-Record-ID": ids["response"], "Content-Length": "0",
        "Content-Type": "application/http; msgtype=response", "WARC-Warcinfo-ID": info_id,
        "WARC-Concurrent-To": ids["request"], "WARC-IP-Address": cap.ip, "WARC-Target-URI": cap.url,
    }
    if cap.identified_type:
        response_headers["WARC-Identified-Payload-Type"] = cap.identified_type
    if cap.raw_http is not None:
        response = hand_made_record([(k, v) for k, v in response_headers.items() if k != "Content-Length"],
                                    cap.raw_http, spec.gzipped)
    else:
        http = StatusAndHeaders(cap.status, http_headers(cap, when), protocol="HTTP/1.1")
        response = writer.create_warc_record(cap.url, "response", payload=io.BytesIO(cap.body), length=len(cap.body),
                                             http_headers=http, warc_headers_dict=response_headers)
    fetch_ms = 40 + int.from_bytes(hashlib.sha1(cap.url.encode()).digest()[:2], "big") % 900
    fields = (f"fetchTimeMs: {fetch_ms}\r\n" + (f"charset-detected: {cap.charset}\r\n" if cap.charset else "")).encode()
    metadata = writer.create_warc_record(
        cap.url, "metadata", payload=io.BytesIO(fields), length=len(fields),
        warc_headers_dict={"WARC-Type": "metadata", **common, "WARC-Record-ID": ids["metadata"], "Content-Length": "0",
                           "Content-Type": "application/warc-fields", "WARC-Warcinfo-ID": info_id,
                           "WARC-Concurrent-To": ids["response"], "WARC-Target-URI": cap.url},
    )
    return request, response, metadata


def http_headers(cap: Capture, when: datetime) -> list[tuple[str, str]]:
    return [("Date", format_datetime(when, usegmt=True)), ("Server", cap.server)] + cap.headers + [
        ("Cache-Control", "max-age=600"), ("Connection", "close")]


def revisit_record(writer: WARCWriter, spec: WarcFile, rev: Revisit, when: datetime, info_id: str):
    original = rev.refers_to
    return writer.create_revisit_record(
        rev.url, sha1_digest(original.body), rev.url, rev.refers_to_date,
        http_headers=StatusAndHeaders(original.status, http_headers(original, when), protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Type": "revisit", "WARC-Date": warc_date(when),
                           "WARC-Record-ID": record_id(spec.name, rev.url, warc_date(when), "revisit"),
                           "Content-Length": "0", "Content-Type": "application/http; msgtype=response",
                           "WARC-Warcinfo-ID": info_id, "WARC-IP-Address": original.ip,
                           "WARC-Target-URI": rev.url},
    )


# --------------------------------------------------------------------------- content: sites

SITES = {
    "kitchen": Site("www.riverside-kitchen.example", "Riverside Kitchen",
                    "Everyday cooking from a small flat by the river",
                    sections=("Recipes", "Baking", "Preserving", "About")),
    "garden": Site("greenfinger-notes.example", "Greenfinger Notes", "A clay-soil garden, one season at a time",
                   sections=("Vegetables", "Flowers", "Wildlife", "Diary"), server="Apache/2.4.58", ip="192.0.2.21"),
    "history": Site("www.millbrook-history.test", "Millbrook Local History Society",
                    "Recording the past of Millbrook and its parish since 1972", skin="club",
                    sections=("Articles", "Meetings", "Archive", "Join us"), server="Apache/2.2.22", ip="198.51.100.7"),
    "bike": Site("spokeandchain.example", "Spoke & Chain", "Repair notes from a volunteer bicycle workshop",
                 sections=("Repairs", "Maintenance", "Workshop", "Donate"), ip="192.0.2.33"),
    "astro": Site("www.darkskies-club.example", "Northfield Dark Skies Club", "Amateur astronomy under suburban skies",
                  sections=("Observing", "Equipment", "Events", "Membership"), server="LiteSpeed", ip="203.0.113.14"),
    "travel": Site("slowroads-travel.example", "Slow Roads", "Travel notes from trains, paths and small towns",
                   sections=("Journeys", "Walking", "Practical", "About"), server="cloudflare", ip="203.0.113.51"),
    "code": Site("tidycode.example", "Tidy Code", "Practical habits for programmers who work in teams",
                 sections=("Habits", "Testing", "Debugging", "Archive"), server="GitHub.com", ip="192.0.2.77"),
    "gazette": Site("www.harbourtown-gazette.example", "Harbourtown Gazette",
                    "News for Harbourtown and the bay since 1887",
                    skin="news", sections=("News", "Business", "Schools", "Sport", "Letters"), server="Varnish",
                    ip="198.51.100.40"),
    "wire": Site("coastal-news-network.example", "Coastal News Network", "Regional news from the south-west coast",
                 skin="news", sections=("Regional", "Politics", "Weather", "Opinion"), server="AmazonS3",
                 ip="198.51.100.88"),
    "skydigest": Site("skywatch-digest.example", "Skywatch Digest", "The best astronomy writing from around the web",
                      sections=("Highlights", "Events", "Gear", "Newsletter"), ip="203.0.113.90"),
    "nature": Site("wren-and-willow.example", "Wren & Willow", "Nature notes from the edge of town",
                   sections=("Birds", "Bees", "Walks", "About"), server="Apache", ip="192.0.2.102"),
    "workshop": Site("shavings-workshop.example", "Shavings", "Hand tools, small projects and a lot of sawdust",
                     sections=("Projects", "Tools", "Finishing", "Classes"), ip="192.0.2.115"),
    "running": Site("easy-miles.example", "Easy Miles", "Running for people who never thought they would",
                    sections=("Beginners", "Training", "Races", "Kit"), server="Netlify", ip="203.0.113.120"),
    "fixit": Site("fixit-at-home.example", "Fix It at Home", "Household repairs explained step by step",
                  sections=("Plumbing", "Electrics", "Walls", "Doors"), server="Microsoft-IIS/10.0",
                  ip="198.51.100.130"),
    "photo": Site("lightmeter-journal.example", "Lightmeter Journal", "Notes on light, composition and patience",
                  sections=("Technique", "Gear", "Places", "Essays"), ip="203.0.113.140"),
    "pets": Site("pawprint-diaries.example", "Pawprint Diaries", "Life with a dog called Bramble",
                 sections=("Health", "Training", "Walks", "Stories"), ip="192.0.2.150"),
    "deals": Site("www.best-cheap-deals-online.example", "Best Cheap Deals Online", "Cheap deals cheap prices",
                  sections=("Watches", "Phones", "Shoes", "Bags"), server="openresty", ip="203.0.113.200"),
    "adult": Site("www.xxx-adult-videos.example", "Adult Videos", "Members area", sections=("Enter", "Join"),
                  server="nginx", ip="203.0.113.201"),
    "demo": Site("themes-gallery.example", "Themes Gallery", "Demo site for the Brightline theme",
                 sections=("Layouts", "Shortcodes", "Pricing", "Support"), ip="192.0.2.210"),
    "shop": Site("oakhouse-furniture.example", "Oakhouse Furniture", "Solid wood furniture, made to last",
                 sections=("Dining", "Living", "Bedroom", "Sale"), server="Shopify", ip="203.0.113.220"),
    "village": Site("stmarys-village-hall.test", "St Mary's Village Hall", "Bookings, classes and news",
                    sections=("What's on", "Hire the hall", "Committee", "Find us"), server="Apache",
                    ip="198.51.100.230"),
    "social": Site("snapshare.example", "SnapShare", "Share your moments", sections=("Explore", "Trending"),
                   server="envoy", ip="203.0.113.240"),
    "forum": Site("forum.allotment-friends.example", "Allotment Friends Forum", "Growing together since 2006",
                  sections=("Latest", "Vegetables", "Pests", "Marketplace"), ip="192.0.2.240"),
    "local": Site("bayside-weekly.example", "Bayside Weekly", "Local news you can use", skin="news",
                  sections=("Local", "Council", "Events", "Sport"), ip="198.51.100.250"),
    # German, French, Spanish, Japanese, Russian, Chinese
    "de_garden": Site("stadtgarten-blog.example", "Stadtgarten", "Gärtnern auf Balkon und Fensterbank", lang="de",
                      sections=("Gemüse", "Kräuter", "Balkon", "Über mich"), ip="192.0.2.160"),
    "de_history": Site("www.heimatverein-lindenau.example", "Heimatverein Lindenau e.V.",
                       "Geschichte und Geschichten aus Lindenau", lang="de", skin="club",
                       sections=("Aktuelles", "Museum", "Chronik", "Mitglied werden"), server="Apache/2.2.15",
                       ip="198.51.100.161"),
    "de_bike": Site("radwerkstatt-nord.example", "Radwerkstatt Nord", "Tipps aus der Selbsthilfewerkstatt", lang="de",
                    sections=("Reparatur", "Pflege", "Termine", "Kontakt"), ip="192.0.2.162"),
    "fr_food": Site("carnet-de-cuisine.example", "Carnet de cuisine", "Recettes de famille et cuisine de saison",
                    lang="fr", sections=("Recettes", "Desserts", "Saisons", "À propos"), ip="192.0.2.170"),
    "fr_bike": Site("velo-quotidien.example", "Vélo au quotidien", "Se déplacer à vélo, toute l'année", lang="fr",
                    sections=("Conseils", "Équipement", "Itinéraires", "Contact"), ip="192.0.2.171"),
    "fr_news": Site("www.gazette-du-vallon.example", "La Gazette du Vallon", "L'actualité de la vallée", lang="fr",
                    skin="news", sections=("Actualité", "Culture", "Sports", "Agenda"), ip="198.51.100.172"),
    "es_food": Site("cocina-de-casa.example", "Cocina de casa", "Recetas sencillas para todos los días", lang="es",
                    sections=("Recetas", "Postres", "Temporada", "Sobre mí"), ip="192.0.2.180"),
    "es_hike": Site("senderos-del-norte.example", "Senderos del Norte", "Rutas a pie por la montaña", lang="es",
                    sections=("Rutas", "Consejos", "Material", "Contacto"), ip="192.0.2.181"),
    "es_news": Site("www.diario-del-puerto.example", "Diario del Puerto", "Noticias de la ciudad y la comarca",
                    lang="es", skin="news", sections=("Ciudad", "Economía", "Cultura", "Deportes"),
                    ip="198.51.100.182"),
    "ja_life": Site("kurashi-no-techo.example", "暮らしの手帖ノート", "季節の手仕事と台所の記録", lang="ja",
                    sections=("台所", "保存食", "季節", "プロフィール"), server="Apache", ip="192.0.2.190"),
    "ja_town": Site("machi-no-rekishi.example", "まちの歴史を語る会", "わが町の昔と今", lang="ja", skin="club",
                    sections=("お知らせ", "資料室", "行事", "入会案内"), server="Apache/2.2.3", ip="198.51.100.191"),
    "ja_stars": Site("hoshizora-note.example", "星空ノート", "家族で楽しむ天体観測", lang="ja",
                     sections=("観測記録", "機材", "星座", "このサイトについて"), ip="192.0.2.192"),
    "ru_dacha": Site("dachnye-sovety.example", "Дачные советы", "Огород, сад и теплица", lang="ru",
                     sections=("Огород", "Сад", "Теплица", "О сайте"), server="nginx/1.18.0", ip="198.51.100.193"),
    "ru_history": Site("kraeved-info.example", "Краевед", "История нашего города", lang="ru", skin="club",
                       sections=("Статьи", "Фотоархив", "Музеи", "Контакты"), server="Apache/2.2.22",
                       ip="198.51.100.194"),
    "ru_news": Site("gorodskie-novosti.example", "Городские новости", "Новости города и области", lang="ru",
                    skin="news", sections=("Город", "Общество", "Культура", "Спорт"), ip="198.51.100.195"),
    "zh_food": Site("jiachang-cai.example", "家常菜谱", "简单好做的家常菜", lang="zh",
                    sections=("家常菜", "汤羹", "面点", "关于"), server="Tengine", ip="203.0.113.196"),
    "zh_walk": Site("chengshi-manbu.example", "城市漫步", "用脚步认识一座城市", lang="zh",
                    sections=("漫步", "美食", "旅行", "关于"), server="Tengine", ip="203.0.113.197"),
}


# --------------------------------------------------------------------------- content: English articles (kept)

ENGLISH = [
    Article("kitchen", "/2024/06/sourdough-starter-without-the-fuss/",
            "A Sourdough Starter Without the Fuss", "2024-06-02", "Maya Lindqvist", """
Every few weeks someone at the market asks me how I keep a sourdough starter alive while working full time.
The honest answer is that I neglect it more than the internet says I should, and it forgives me every time. A
starter is a colony of wild yeast and bacteria living in flour and water, and those organisms have survived
far worse than a busy week.

## Starting from scratch

Mix fifty grams of wholemeal flour with fifty grams of lukewarm water in a clean jar, stir well, and cover it
loosely. Leave it somewhere that stays around room temperature. For the next five or six days, throw away
about half of the mixture each morning and feed what remains with the same weights of fresh flour and water.
Around day three it usually bubbles up enthusiastically and then seems to collapse. That lull is normal, so
keep feeding.

## Signs that it is ready

A healthy starter roughly doubles within six hours of a feed, smells pleasantly sour rather than like nail
varnish, and has a domed, bubbly surface. If you drop a spoonful into water and it floats, it has enough gas
to raise a loaf. I rely more on the doubling than on the float test, because rye starters often sink even when
they are lively.

## Living with it

Once the starter is established, it can live in the fridge. I feed mine on Sunday evening, let it sit out for
an hour, and then put it back on the bottom shelf. If I forget for a fortnight, a grey liquid collects on top.
Pour it off, feed twice at room temperature, and the culture comes back within a day.

The discard does not have to be wasted either. Stir it into pancake batter, crackers or flatbread dough, where
it adds a gentle tang. After a year of baking this way, I have come to think of the jar less as a pet and more
as a patient lodger who asks very little of me.
"""),
    Article("kitchen", "/2024/06/weeknight-red-lentil-soup/",
            "Weeknight Red Lentil Soup", "2024-06-16", "Maya Lindqvist", """
This is the soup I make when the fridge looks empty and everyone is hungry. It takes about thirty minutes,
costs very little, and improves overnight, so I usually make a double batch and freeze half. A friend who runs
a small café near the station calls it “the Tuesday soup”, which is about right.

## What you need

- Two tablespoons of olive oil
- One large onion, finely chopped
- Two carrots, peeled and diced
- Three cloves of garlic, crushed
- A teaspoon each of cumin and smoked paprika
- 250 grams of red lentils, rinsed well
- 1.2 litres of hot vegetable stock

## Method

Warm the oil in a heavy pan and soften the onion and carrots over a medium heat for about eight minutes. Add
the garlic and spices and stir for another minute, until the kitchen smells wonderful. Tip in the lentils and
stock, bring everything to a simmer, and cook for twenty minutes, stirring now and then so nothing sticks to
the bottom.

Red lentils collapse as they cook, so the soup thickens without any help. If you like it smooth, blend half of
it and stir it back in. Season with salt and a squeeze of lemon right at the end, because acid fades if it is
added too early.

## Serving

We eat it with a spoonful of crème fraîche or plain yoghurt and some toasted bread. A bag of red lentils costs
around €2 at our local shop and makes three batches, which makes this one of the cheapest meals we cook. It’s
also forgiving: swap the carrots for sweet potato, add a handful of spinach at the end, or stir in a spoon of
harissa if you want more heat.

Leftovers keep for four days in the fridge. Add a splash of water when you reheat the soup, since it sets
quite firm once it is cold, and taste it again for salt before serving.
"""),
    Article("kitchen", "/2024/05/caring-for-a-cast-iron-pan/",
            "Caring for a Cast Iron Pan", "2024-05-19", "Maya Lindqvist", """
My grandmother’s cast iron pan is older than I am, and it still cooks the best fried eggs in the house. People
are often nervous about cast iron because of the rules that surround it, but most of those rules are myths.
The pan is a lump of metal, and it is very hard to ruin.

## What seasoning really is

Seasoning is a thin layer of oil that has been heated until it polymerises and bonds to the iron. It forms a
smooth, dark surface that resists rust and helps food release. Every time you cook with fat, you add a little
more to that layer, which is why an old pan that has been used daily looks glossy and black.

## Washing

You can use a little soap. Modern washing-up liquid does not contain the harsh lye that older soaps did, and
it will not strip a well-bonded coating. What does cause trouble is soaking. Leave a pan in the sink overnight
and you will find orange rust spots in the morning. Wash it while it is still warm, rinse it, and dry it
straight away on the hob for a minute.

## Rust and sticky patches

If rust appears, scrub it off with steel wool, dry the pan, and rub a few drops of oil over the whole surface
with kitchen paper. Then wipe off as much as you can, as though you had made a mistake. Bake it upside down in
a hot oven for an hour. Too much oil is the reason for most sticky, patchy pans, so be stingy with it.

## What to cook first

A freshly restored pan is happiest with fatty food. Fry some potatoes or bacon, or shallow fry a batch of
fritters. Acidic sauces such as tomato or wine can wait until the surface has built up over a few weeks. After
that, the pan will handle almost anything you ask of it, and it will probably outlive everyone who uses it.
"""),
    Article("kitchen", "/2024/04/stock-from-vegetable-scraps/",
            "Making Stock From Vegetable Scraps", "2024-04-28", "Maya Lindqvist", """
For years I threw away onion skins, carrot tops and the woody ends of leeks without thinking. Now they go into
a bag in the freezer, and once the bag is full they become a pot of stock. It is one of the simplest habits I
have picked up, and it has made my soups and risottos noticeably better.

## What goes in the bag

Onion ends and skins are the backbone, and they give the stock a lovely golden colour. Add celery leaves,
carrot peelings, parsley stalks, mushroom trimmings, leek tops and the odd wilted spring onion. Tomato cores
add depth. Keep cabbage, broccoli and sprouts out, because they turn the stock bitter and make the kitchen
smell of school dinners. Potato peelings make it cloudy and starchy, so I leave those out as well.

## Cooking it

Tip the frozen scraps into a large pan and cover them with cold water by a few centimetres. Add a bay leaf and
a few peppercorns, but no salt, since you will season whatever you cook with it later. Bring it slowly to a
gentle simmer and let it bubble quietly for about forty-five minutes. Boiling it hard for hours does not help,
and vegetable stock tastes stewed and dull if it cooks for too long.

Strain it through a sieve lined with a clean cloth, pressing lightly on the vegetables, and let it cool before
you put it away.

## Storing it

I freeze stock in old yoghurt pots and in an ice cube tray for the times when a recipe needs only a splash.
Label everything with the date, because a frozen brown liquid looks exactly like gravy, and I have made that
mistake once. It keeps for about three months in the freezer and for four days in the fridge.

The result is not quite as rich as a stock made from fresh vegetables, but it is free, and it means a whole
bag of kitchen waste becomes dinner instead of landfill.
"""),
    Article("kitchen", "/2024/08/preserving-a-glut-of-tomatoes/",
            "Preserving a Glut of Summer Tomatoes", "2024-07-14", "Maya Lindqvist", """
By the end of August our small greenhouse produces more tomatoes than two people can sensibly eat. Friends
stop accepting bags of them, and the windowsill fills up with fruit waiting to ripen. Over the years I have
settled on three ways of keeping the harvest that need no special equipment.

## Slow roasting

Halve the tomatoes, lay them cut side up on a baking tray, and sprinkle them with salt, a little sugar and
some thyme. Roast them at a low temperature for three to four hours, until they have shrunk and their edges
have started to caramelise. They will not be dry like sun-dried tomatoes, but they are intensely sweet. Pack
them into a clean jar, cover them with olive oil and keep them in the fridge for up to two weeks.

## A simple sauce for the freezer

Cook a big pan of chopped tomatoes with garlic and olive oil until the sauce is thick and jammy. I do not peel
them first, because a quick blitz with a stick blender takes care of the skins. Once it has cooled, freeze it
flat in bags so that it stacks neatly and thaws quickly. In February, a bag of August sauce tastes remarkably
like summer.

## Green tomato chutney

The fruit that refuses to ripen before the first cold nights does not have to go to waste. Chop it with
onions, apples and raisins, and simmer it slowly in vinegar and brown sugar with a few spices until a spoon
dragged across the pan leaves a clear trail. Pot it into sterilised jars while it is hot. Chutney needs at
least a month to mellow, so the jars we make in September are ready just in time for cheese sandwiches in the
autumn.

Whichever method you use, pick the fruit on a dry day, throw out anything with soft or mouldy patches, and
label every jar with its contents and the date.
"""),
    Article("garden", "/compost-that-does-not-smell/",
            "Compost That Does Not Smell", "2024-03-09", "Owen Pritchard", """
A neighbour once told me she had given up composting because her bin smelled like a swamp. Her experience is
common, and it almost always has the same cause. A compost heap needs a balance of wet, green material and
dry, brown material, and most kitchen bins are packed with only the green kind.

## Greens and browns

Greens are fresh and rich in nitrogen: vegetable peelings, coffee grounds, grass clippings and soft prunings.
Browns are dry and rich in carbon: cardboard, shredded paper, fallen leaves, straw and woody stems. When a
heap has too many greens, it turns slimy and starts to smell of ammonia. When it has too many browns, nothing
much happens at all. Aim for roughly equal volumes of each, and err towards more brown if in doubt.

## Air and moisture

The microbes that break down waste quickly need oxygen. If you can, turn the heap with a fork every few weeks,
or simply poke some holes into it with a broom handle. The material should feel like a wrung-out sponge. If it
is soggy, mix in more cardboard, and if it is dusty, water it or add a bucket of fresh grass clippings.

## What to keep out

Cooked food, meat, fish and dairy products attract rats and should go in the council food waste collection
instead. Diseased plants and the roots of perennial weeds such as bindweed can survive in a cool heap and
spread around the garden later, so I bin those too.

## Patience

A well-balanced heap turns into dark, crumbly compost in six months to a year. You will know it is ready when
it smells of a forest floor and you can no longer recognise what went in. Sieve out the lumps, put them back
into the bin to start the next batch, and spread the rest around your plants in spring.
"""),
    Article("garden", "/lifting-and-storing-dahlia-tubers/",
            "Lifting and Storing Dahlia Tubers", "2023-11-04", "Owen Pritchard", """
Dahlias are the reason my garden still looks cheerful in October, but they come from the highlands of Mexico
and do not enjoy a cold, wet winter. In mild areas with free-draining soil you can leave them in the ground
under a thick mulch. On our heavy clay, tubers left outside tend to rot, so every autumn I lift them and store
them in the shed.

## When to lift

Wait until the first frost has blackened the foliage. That signals the plant to finish sending energy down
into its tubers. Cut the stems back to about fifteen centimetres and leave them for a week if the weather is
dry. Then loosen the soil around each plant with a fork, working well away from the crown so you do not spear
the tubers, and lift the whole clump gently.

## Cleaning and drying

Shake off as much soil as you can and rinse the rest away with a hose. Label each clump straight away, because
they all look the same once the flowers have gone. Turn the clumps upside down in a frost-free greenhouse or
garage for a couple of weeks so that water drains out of the hollow stems, which is where rot often starts.

## Storing over winter

Pack the dry tubers into crates or cardboard boxes filled with dry compost, sand or wood shavings, leaving the
top of the crown exposed. Keep them somewhere cool, dark and frost free, and check them once a month. Cut away
any soft or mouldy parts with a clean knife, and if a tuber looks shrivelled, mist the packing material very
lightly.

In April, pot them up in fresh compost and keep them under cover until the risk of frost has passed. By then
they will have started to sprout, and they will flower weeks earlier than tubers planted straight into cold
ground.
"""),
    Article("garden", "/raised-beds-on-a-sloping-garden/",
            "Building Raised Beds on a Sloping Garden", "2024-02-17", "Owen Pritchard", """
Our garden falls away by almost a metre from the back door to the fence, and for the first two summers
everything I planted either dried out at the top or sat in puddles at the bottom. Terracing the vegetable
patch with raised beds solved both problems, and the job was easier than I had feared.

## Planning the levels

Start by measuring the fall across the area with a long piece of string, a line level and a tape measure. Tie
the string to a peg at the highest point, hold it level at the lowest point, and measure the gap to the
ground. Divide that height between two or three beds so that each one only needs to step down a modest amount.
I built three beds that each drop by about thirty centimetres.

## Building the frames

I used untreated larch boards, which resist rot for many years without any chemicals. Each bed is a simple
rectangle screwed to square posts in the corners. On a slope the downhill side needs to be taller than the
uphill side, so I stacked an extra board along the low edge and dug the high edge slightly into the bank.
Check each frame with a spirit level before you fill it, because adjusting it later means moving a lot of
soil.

## Filling and drainage

Fork over the ground inside the frame to break up compacted soil so that roots and water can move down. Put a
layer of cardboard over any grass to smother it, then fill the bed with a mixture of topsoil and well-rotted
compost. The beds settle by several centimetres over the first winter, so overfill them slightly.

The difference has been remarkable. Water now soaks in evenly instead of running off, the soil warms up
earlier in spring, and I can reach the middle of every bed without treading on it. The courgettes have never
been happier.
"""),
    Article("garden", "/dealing-with-slugs-without-pellets/",
            "Dealing With Slugs Without Pellets", "2024-05-25", "Owen Pritchard", """
Every gardener I know has lost a row of lettuce seedlings overnight. Slug pellets used to be the automatic
answer, but many people now want to avoid them around pets and wildlife. There is no single cure, but a few
habits together keep the damage at a level I can live with.

## Encourage predators

Frogs, toads, hedgehogs, ground beetles and thrushes all eat slugs. A small pond, a pile of logs in a shady
corner and a gap under the fence for hedgehogs make a garden much more welcoming to them. Since we dug our
pond three years ago, I have noticed far fewer slugs in the beds nearest to it.

## Protect the vulnerable plants

Slugs cause the most harm to young, soft plants. I raise seedlings in pots until they are sturdy and only
plant them out when they have several true leaves. Copper tape around pots and a ring of grit around
individual plants help a little, although a determined slug will cross almost anything after rain.

## Go hunting after dark

The most effective method is also the least glamorous. On damp evenings, go out with a torch about an hour
after sunset and collect the slugs by hand. You will be amazed at how many there are. What you do with them is
up to you, although I suspect the ones I carry to the field behind the house find their way back.

## Water in the morning

Watering in the evening leaves the soil surface damp all night, which is exactly what slugs love. Watering in
the morning gives the surface time to dry out before dusk.

Finally, accept a little damage. A few holes in the outer leaves of a cabbage are not a disaster, and a garden
with no slugs at all would also be a garden with very few of the animals that eat them.
"""),
    Article("history", "/articles/the-water-mill-on-fenn-lane.html",
            "The Water Mill on Fenn Lane", "2024-02-10", "Margaret Hollis", """
Few people who walk along Fenn Lane today notice the low stone wall beside the footbridge, but it is all that
remains of the building that gave Millbrook its name. A corn mill stood on this spot for at least four hundred
years, and for most of that time it was the busiest place in the parish.

The earliest reference we have found is a lease from 1602, which mentions a mill with two pairs of stones and
a house for the miller. The present foundations are later. They probably date from a rebuilding in the 1780s,
when the wooden wheel was replaced by a larger iron one cast at a foundry in the county town. That wheel was
over five metres across and could grind around a tonne of wheat in a day.

The mill changed hands many times. The longest-serving family were the Ashdowns, who ran it from 1851 until
1924. Their account books survive in the county record office and give a vivid picture of village life.
Farmers paid partly in cash and partly in a share of the flour, and several entries record debts that were
written off after bad harvests.

Water power could not compete with the large steam mills at the ports, and by the 1920s the mill was grinding
mostly animal feed. It closed in 1931. The building was used as a store during the war and was finally
demolished in 1958 after the roof collapsed. The mill pond was drained a few years later to make room for the
playing field.

Our society recorded the surviving walls in detail last spring with permission from the landowner. We also
collected memories from residents whose parents remembered the mill working. If you have photographs, letters
or objects connected with the mill, we would be delighted to hear from you at one of our monthly meetings in
the village hall.
"""),
    Article("history", "/articles/the-night-the-river-came-through.html",
            "The Night the River Came Through Millbrook", "2023-11-14", "Margaret Hollis", """
On the night of the fourteenth of November 1894, after almost a week of steady rain, the river broke its banks
above the village and swept through the lower end of Millbrook. Nobody died, which was counted at the time as
a small miracle, but dozens of families lost their furniture, their stored food and in some cases their homes.

Most of what we know comes from three sources. The parish magazine printed a long account the following month,
the vicar kept a diary, and a local schoolmaster wrote a series of letters to his sister that were donated to
the society in 1987. Reading them side by side, we can follow the evening almost hour by hour.

The water rose quickly after dark. The schoolmaster describes hearing a roar like a train and then seeing the
lane outside his window turn into a river within minutes. Men from the upper village came down with lanterns
and carried elderly neighbours up to the church, which stood on higher ground. The vicar records that more
than sixty people spent the night in the pews, wrapped in curtains and altar cloths.

By morning the water had started to fall, leaving a thick layer of mud in every house along Mill Row. The
bridge on the turnpike road had gone completely, cutting the village off from the market town for nearly a
month. A relief fund raised money from as far away as London, and the lists of donors in the magazine make
moving reading.

The flood changed the shape of the village. Several cottages on Mill Row were never rebuilt, and the gap they
left is still visible today. New houses were built further up the hill, and an embankment was raised along the
river in the following decade. A small plaque on the church wall marks the height the water reached, about a
metre above the present pavement.
"""),
    Article("history", "/articles/when-trams-ran-to-the-harbour.html",
            "When Trams Ran to the Harbour", "2024-04-06", "Derek Fairbairn", """
It is hard to imagine now, but for thirty-two years a tram line ran from the railway station through the
middle of Millbrook and down to the harbour. The line opened in 1905 and was the pride of the district
council, which had borrowed heavily to build it.

The route was a little under four miles long and was mostly single track with passing loops. Eight open-topped
cars served it at first, painted dark green and cream. In summer they carried day trippers from the station to
the beach, and in winter they carried dockworkers, schoolchildren and shoppers. The fare from end to end was
one penny, which rose to twopence after the First World War.

Our members have spent the last year collecting memories, tickets and photographs of the trams. One resident
remembers her father, a conductor, coming home with his leather cash bag and counting the coins on the kitchen
table. Another recalls the terrifying descent of Harbour Hill, where drivers had to wind the brakes on hard
and passengers on the top deck held on to their hats.

The tramway never made much money. Repairs to the track were expensive, and motor buses were cheaper and more
flexible. In 1937 the council voted to close the line, and the last tram ran on a wet Saturday in October,
crowded with people who wanted to say goodbye. The rails were lifted within a year, although a short stretch
remained buried under the road near the depot until resurfacing work uncovered it in 2011.

The old depot survives as a builders’ yard. If you look carefully at its front wall, you can still see the
outline of the large arched doorways through which the cars once left each morning. A copy of the society’s
tram exhibition is on display in the library for the summer.
"""),
    Article("history", "/articles/what-the-lighthouse-keepers-wrote.html",
            "What the Lighthouse Keepers Wrote", "2024-05-11", "Derek Fairbairn", """
When the lighthouse on Gull Point was automated in 1989, the last keepers left behind a shelf of logbooks
covering more than a century. The books were passed to the society by the maritime trust last year, and a
small team of volunteers has been transcribing them ever since.

Most entries are short and practical. Keepers recorded the weather every few hours, the times the light was
lit and extinguished, the ships that passed, and the amount of oil used. At first glance it is repetitive
reading, but the routine itself is revealing. The weather notes form an unbroken record of local conditions
from 1871 onwards, and a researcher at the university has already asked to use them in a study of coastal
storms.

Between the routine entries are glimpses of the keepers’ lives. In 1896 one man notes that his wife has given
birth to a daughter in the cottage below the tower, and that the doctor could not cross from the mainland
because of the sea. In 1916 another records watching a steamer founder on the rocks to the north and launching
the station’s small boat to help. The entry ends with the names of the seven crew they brought ashore.

Some keepers wrote more than others. One, who served in the 1930s, filled the margins with sketches of
seabirds and remarks about the food, which he clearly disliked. His successor crossed them out in red ink, but
they are still legible.

The transcriptions will be published on our website in stages over the coming year. We are looking for more
volunteers who are comfortable reading old handwriting. No experience is needed, and training sessions are
held on the first Wednesday of every month in the reading room.
"""),
    Article("bike", "/repairs/fixing-a-puncture-at-the-roadside/",
            "Fixing a Puncture at the Roadside", "2024-04-13", "Sam Okonjo", """
Sooner or later every cyclist gets a flat tyre far from home. The good news is that fixing it takes about
fifteen minutes once you have done it a couple of times, and the tools fit in a small saddle bag. I carry two
tyre levers, a spare inner tube, a patch kit and a mini pump on every ride.

## Take the wheel out

Shift into the smallest rear sprocket first, which makes it much easier to remove and refit the back wheel.
Open the brake if you have rim brakes, release the quick release or thru axle, and lift the wheel out of the
frame. Lay the bike on its left side so the gears stay clear of the ground.

## Find the cause

Let any remaining air out of the tube and push the valve up into the tyre. Hook a tyre lever under the bead
opposite the valve, lever it over the rim and clip it to a spoke. Use the second lever a little further along,
then run it around the rim until one side of the tyre is free. Pull out the tube.

Before you fit anything new, run your fingers carefully around the inside of the tyre. A small shard of glass
or a thorn is often still stuck in the rubber, and it will puncture the new tube within minutes if you leave
it there. Check the rim tape as well, since a spoke hole that is not covered can cause repeated flats.

## Fit the new tube

Put a little air into the spare tube so it holds its shape, insert the valve through the rim, and tuck the
tube into the tyre all the way round. Push the bead back over the rim with your thumbs, starting at the valve
and finishing opposite it. Try not to use the levers for the last section, because it is easy to pinch the new
tube.

Inflate it partially, check that the tube is not trapped under the bead anywhere, then pump it up to full
pressure and refit the wheel. Patch the old tube at home, where you can let the glue dry properly.
"""),
    Article("bike", "/maintenance/adjusting-rim-brakes/",
            "Adjusting Rim Brakes So They Actually Stop", "2024-03-02", "Sam Okonjo", """
Spongy rim brakes are one of the most common problems we see at our volunteer repair sessions, and they are
nearly always easy to fix. Before you buy new parts, spend ten minutes checking the basics.

## Pads first

Look at the brake pads. Most have grooves moulded into the rubber, and when those grooves have worn away, the
pads need replacing. Check for small pieces of metal or grit embedded in the surface as well. Pick them out
with a small screwdriver, otherwise they will scratch the rims and make a horrible noise.

The pads should meet the rim squarely, with the whole face touching the braking surface and none of it
touching the tyre. A pad that sits too high can wear through the side of the tyre, which leads to a sudden and
loud blowout. Loosen the pad bolt, position the pad while squeezing the lever, and tighten it again.

## Cable tension

If the lever pulls almost to the handlebar before the brake bites, the cable needs tightening. Small
adjustments can be made with the barrel adjuster where the cable enters the brake or the lever. Turn it
anticlockwise to increase tension. For larger adjustments, loosen the cable clamp bolt on the brake arm, pull
some cable through with pliers, and tighten the bolt again.

## Centring

When one pad rubs on the rim and the other does not, the brake is off centre. On most dual pivot brakes there
is a small screw on the top or side of the caliper that shifts the balance. Turn it a quarter of a turn at a
time and spin the wheel after each adjustment.

## Test before you ride

Squeeze the lever hard several times, then check that every bolt is tight. Push the bike forward while holding
the front brake, and the wheel should lock without the lever touching the bar. If the cable is frayed or the
brake still feels gritty, replace the cable and housing, which are inexpensive and transform the feel.
"""),
    Article("bike", "/maintenance/how-to-tell-when-your-chain-is-worn/",
            "How to Tell When Your Chain Is Worn", "2024-05-18", "Priya Natarajan", """
A chain does not really stretch, despite what everyone calls it. The plates stay the same length, but the pins
and rollers wear, and the small amount of play at each link adds up along the length of the chain. A worn
chain shifts badly and, more expensively, it grinds down the teeth on your cassette and chainrings.

## Measuring

The cheapest way to check is with a ruler. Modern chains have a pitch of exactly half an inch, so twenty-four
links of a new chain measure twelve inches from pin to pin. Line up the zero mark with the centre of one pin
and look at the twelve inch mark. If the pin sits about a sixteenth of an inch beyond it, the chain should be
replaced soon. Beyond an eighth of an inch, the cassette is probably worn too.

A chain checker tool is quicker and more convenient. It drops into the chain and tells you whether wear has
passed half a percent or three quarters of a percent. For chains with eleven or more speeds, I replace them at
half a percent.

## Why it matters

A new chain costs much less than a new cassette and chainrings. If you swap the chain before it wears too far,
one cassette can last through three or four chains. If you leave it, the worn chain and sprockets wear into
each other, and a new chain will skip on the old cassette under load. At that point you have to replace the
whole drivetrain at once.

## Making it last

Keep the chain clean and lightly lubricated. Wipe it down with a rag after wet rides, apply a drop of
lubricant to each roller, let it soak in, and then wipe off the excess. A chain that looks shiny and wet on
the outside attracts grit, and grit is what does the damage. Check the wear every thousand kilometres or so,
and write the date in a notebook when you fit a new chain.
"""),
    Article("bike", "/maintenance/getting-ready-for-winter-riding/",
            "Getting Your Bike Ready for Winter Riding", "2023-10-21", "Priya Natarajan", """
Riding through the winter is far more pleasant than most people expect, provided the bike is prepared for it.
Salt, grit and constant wet roads are hard on components, and short days mean you will be riding in the dark
more often than not. A couple of hours in the autumn can save a lot of trouble later.

## Mudguards

Full-length mudguards are the single best change you can make. They keep spray off your back and feet, and
they protect the drivetrain from the worst of the road dirt. If your frame lacks mounting points, clip-on
guards are a reasonable compromise, although they rattle more. Your riding companions will thank you for
fitting a long flap on the rear guard.

## Tyres

Wider tyres run at slightly lower pressure give more grip on wet roads and cope better with potholes hidden
under puddles. Tyres with a puncture-resistant belt are worth the extra weight in winter, when roads are
covered in flints and glass washed out of the verges. In areas that regularly see ice, studded tyres are
remarkably effective.

## Lights

Fit a bright front light and a rear light that can be seen clearly from the side as well as from behind, and
carry a small backup light. Rechargeable lights are convenient, but their batteries lose capacity quickly in
the cold, so charge them after every ride.

## Cleaning

Road salt is corrosive, and leaving it on the bike all week will eat away at chains, bolts and cables. After a
wet ride, rinse the bike gently with a bucket of warm water, taking care not to blast water into the bearings,
and dry and lubricate the chain. Once a month, check the brake pads, because grit wears them out surprisingly
quickly in winter.

Finally, dress in layers and protect your hands and feet. Cold fingers make it hard to brake and change gear,
and that is far more dangerous than a little rain.
"""),
    Article("astro", "/observing/how-to-watch-the-perseids/",
            "How to Watch the Perseids This August", "2024-07-20", "Helen Marsh", """
The Perseid meteor shower is one of the most reliable of the year, and it happens during warm summer nights,
which makes it ideal for beginners. This year the peak falls on the night of the twelfth to the thirteenth of
August, although meteors can be seen for a week or so on either side.

## What you are seeing

Meteors are tiny grains of dust, most no larger than a grain of sand, that burn up as they hit the upper
atmosphere at tremendous speed. The Perseids come from the trail of debris left behind by Comet Swift-Tuttle.
Each August the Earth passes through that trail, and the grains appear to stream out of a point in the
constellation Perseus, which gives the shower its name.

## Finding a dark spot

Light pollution is the biggest enemy. Get as far away from street lights as you safely can, because even a
park or a field at the edge of town is much better than a back garden lit by security lights. Check the
forecast for clear skies and note the phase of the Moon. This year the Moon sets before midnight, leaving the
best part of the night dark.

## Getting comfortable

You do not need a telescope or binoculars. In fact, they make things harder, because meteors flash across
large areas of the sky. A reclining garden chair or a blanket on the ground is ideal. Lie back, look about
halfway up the sky, and let your eyes adjust to the dark for at least twenty minutes. Avoid looking at your
phone, because a single glance at a bright screen resets your night vision.

## What to expect

Under a dark sky near the peak, you may see fifty or more meteors an hour after midnight, when Perseus is high
in the north east. Some will be faint, but a few leave glowing trails that hang in the sky for a second or
two. Bring a warm layer and a flask, because even August nights get chilly after a couple of hours lying
still.

Our club will be holding an open observing evening at the Hilltop car park on the twelfth from ten o’clock.
Everyone is welcome and there is no charge.
"""),
    Article("astro", "/equipment/choosing-a-first-telescope/",
            "Choosing a First Telescope", "2024-01-06", "Helen Marsh", """
Every winter our club receives a wave of messages from people who have been given a telescope as a present and
cannot see anything through it. Many of them have been sold an instrument that promises enormous magnification
on the box and delivers a blurry, wobbling image. If you are thinking of buying a first telescope, a few
pieces of advice may save you money and frustration.

## Aperture matters more than magnification

The most important number is the diameter of the main lens or mirror, called the aperture. A larger aperture
collects more light, which lets you see fainter objects and finer detail. Magnification depends only on the
eyepiece you use, and any telescope can be pushed to absurd levels with the wrong eyepiece. In practice, the
useful maximum is roughly twice the aperture in millimetres, and the steadiness of the air limits it further
on most nights.

## A steady mount

A wobbly mount ruins the view more than poor optics do. Cheap telescopes often sit on thin aluminium tripods
that shake every time you touch the focuser. A simple Dobsonian, which is a reflecting telescope on a sturdy
wooden base that you push by hand, gives a large aperture and a stable view for a modest price. It is the
design most of our members recommend.

## Try before you buy

Come along to an observing evening and look through several types of telescope. You will quickly discover what
you enjoy. Some people love the Moon and planets, which are bright and look good even from town. Others want
to hunt faint galaxies and need a larger telescope and a dark site.

## Start with binoculars

A decent pair of binoculars is a surprisingly good first instrument. They show the craters of the Moon, the
moons of Jupiter and many star clusters, and they teach you to find your way around the sky. That skill makes
any telescope you buy later far more rewarding to use.
"""),
    Article("astro", "/observing/photographing-the-moon-with-a-phone/",
            "Photographing the Moon With a Phone", "2024-03-16", "Tom Achebe", """
You do not need a big camera to take a pleasing photograph of the Moon. Modern phones are capable of
surprisingly good results, as long as you work around their automatic settings, which are designed for faces
and landscapes rather than a small, bright disc in a black sky.

## Why the Moon looks like a blob

Point a phone at the Moon and tap the shutter, and you usually get a featureless white smudge. The camera sees
mostly dark sky and brightens the exposure to compensate, which burns out the lunar surface completely. The
solution is to take control of the exposure. Tap on the Moon to focus, then drag the exposure slider down
until the craters and dark patches appear.

## Hold it steady

The Moon is small in a phone’s field of view, so you will want to zoom in. Digital zoom magnifies every tiny
shake, so rest the phone on a wall or fence, or better still use a small tripod and a phone clamp. Use the
self timer so that pressing the button does not jolt the picture.

## Through a telescope or binoculars

For a much larger image, hold the phone’s camera against the eyepiece of a telescope or a pair of binoculars.
It takes a little practice to line up the lens with the eyepiece, and inexpensive adapters that clip the phone
in place make it much easier. Our members have taken remarkably detailed photographs this way.

## Choose the right night

A full Moon is bright but flat, because the sunlight falls straight onto the surface and casts no shadows. The
most dramatic views come a few days before or after first quarter, when the line between light and dark
crosses the craters and mountains. Shadows there are long and sharp, and even a phone can capture the rough
texture of the landscape.

Take plenty of shots and keep the sharpest. A little editing to adjust the contrast can bring out detail
without making the picture look artificial.
"""),
    Article("astro", "/events/measuring-how-dark-our-skies-are/",
            "Measuring How Dark Our Skies Really Are", "2024-04-20", "Tom Achebe", """
Last winter our club started a simple project to measure the brightness of the night sky around the town. We
wanted to know how much light pollution had changed since the council replaced its old orange street lights
with white LED lamps, and whether anything could be done about it.

## The equipment

We used a small handheld sky quality meter, which measures the brightness of the sky overhead in magnitudes
per square arcsecond. The numbers run backwards, so a higher reading means a darker sky. A reading of around
eighteen is typical of a suburban street, while the darkest rural sites in the country reach twenty-one or a
little more.

## How we collected readings

Eleven members took readings at twenty fixed locations on clear, moonless nights between November and March.
At each spot we took five measurements at least an hour after astronomical twilight and recorded the average.
We noted cloud, haze and anything unusual, such as a floodlit sports pitch nearby.

## What we found

The town centre was, unsurprisingly, the brightest area, with readings around seventeen and a half. More
interesting was how far the glow spread. Even the reservoir, three miles out, was noticeably brighter on the
side facing town. The new LED lights are less wasteful than the old lamps because they point downwards, but
their bluish light scatters more in the atmosphere, which partly cancels the benefit.

## What happens next

We have shared our results with the council’s lighting team, who have been helpful and interested. They are
considering dimming some residential streets after midnight and fitting shields to lights near the country
park. We will repeat the survey next winter to see whether those changes make a measurable difference.

If you would like to take part, the club can lend you a meter. All you need is a clear night and a little
patience.
"""),
    Article("travel", "/journeys/notes-from-the-night-train/",
            "Notes From the Night Train to the Coast", "2024-06-29", "Ines Carvalho", """
There is something old-fashioned and deeply satisfying about falling asleep in one city and waking up in
another. Last month I took the overnight train from the capital to the south coast, partly to avoid a day on
the motorway and partly because I had never done it before.

The train left at a quarter to midnight. My cabin was tiny but cleverly designed, with a narrow bed, a folding
washbasin and a surprising number of hooks. A steward came round with a card asking what I would like for
breakfast and when I would like to be woken. I chose tea, a bacon roll and seven o’clock, and then realised
that I had no idea whether I would sleep at all.

As it turned out, I slept rather well. The rocking of the carriage was gentle, and the occasional clatter over
points became a kind of lullaby. I woke once around three, when the train stood for a long time at a silent
station, and watched a single porter push a trolley of parcels along an empty platform under yellow lights.

Breakfast arrived on time, and I ate it with the blind raised while the sun came up over wet fields and
hedgerows. By the time we pulled into the terminus, the sea was visible beyond the rooftops, and I stepped off
with a full day ahead of me instead of a long drive behind me.

Was it worth it? The ticket cost more than the petrol would have done, but less than a hotel night, and I
arrived rested. The lounge at the departure station was comfortable, and the staff on board were friendly and
unhurried. I would happily do it again, and next time I would bring a good book and a pair of earplugs, just
in case the train stops beside a busy road.
"""),
    Article("travel", "/walking/three-days-on-the-cliff-path/",
            "Three Days on the Cliff Path", "2024-07-06", "Ines Carvalho", """
I had wanted to walk this stretch of coast for years, and in June I finally set aside three days to do it. The
route runs for about fifty kilometres between two small fishing towns, climbing over headlands and dropping
into coves, and it is far harder than the distance suggests.

## Day one

The first day began gently along a wide path above a sandy bay, but after lunch the real climbing started. The
path plunges down steep steps into a valley, crosses a stream on a plank bridge, and then climbs straight back
up the other side. By the fourth valley my legs were complaining loudly. I reached the guesthouse in the
village at dusk and ate an enormous plate of fish and chips without any guilt at all.

## Day two

The second day was the highlight. Mist hung over the sea all morning, so the cliffs appeared and disappeared
around me, and the only sounds were the waves and the gulls. Around midday the mist burned off, and I sat on a
bench above a cove watching seals haul themselves onto the rocks. The afternoon section passed old mine
workings and a ruined engine house perched on the edge of the cliff.

## Day three

The final day was shorter, which was fortunate because it rained steadily from breakfast onwards. Good
waterproofs made it bearable, and the wild weather gave the cliffs a dramatic, brooding character. I arrived
at the harbour at two o’clock, soaked but happy, and caught the bus back to my car.

## Practical notes

Book accommodation well ahead in summer, because the villages are small. Carry plenty of water, since there
are long stretches without a shop or café. Walking poles save your knees on the descents, and a paper map is
worth carrying even if you use a phone for navigation, because the signal disappears in the coves.
"""),
    Article("travel", "/journeys/a-rainy-day-in-a-museum-town/",
            "A Rainy Day in a Museum Town", "2024-05-04", "Ines Carvalho", """
The forecast for our last day in the city promised rain from dawn until dusk, and for once the forecast was
right. Rather than sulk in the hotel, we decided to treat the weather as an excuse to do the things we had
been putting off: museums, long lunches and a great deal of coffee.

We started at the natural history museum, a grand Victorian building with a cast iron roof that made the rain
sound like applause. A ticket cost €12, and it was worth every cent for the whale skeleton alone, which hangs
over the entrance hall like a ship’s hull. Our daughter spent an hour in the mineral gallery, pressing her
nose to the glass and reading the labels aloud.

Lunch was at a tiny café near the cathedral, where the owner recommended “the soup of the day, whatever it is”
with a wink. It turned out to be a thick bean and sausage stew, and it was exactly what we needed. We lingered
over a café crème and a slice of apple cake while the windows steamed up and the square emptied.

In the afternoon we visited the small municipal art gallery, which most visitors seem to miss. Entry was free
on weekdays, and we had whole rooms to ourselves. The highlight was a collection of local landscape paintings
from the nineteenth century — many of them showing the same river we had walked beside two days earlier, in
much better weather.

By five o’clock the rain had softened to a drizzle, and the streets filled with people heading home. We bought
a bag of roasted chestnuts from a stall and walked back to the hotel under a shared umbrella. It was not the
day we had planned, but it may be the one we remember best. Next time I’ll check the museums’ late opening
nights before we go, since several stay open until nine on Thursdays.
"""),
    Article("travel", "/practical/packing-light-for-a-week/",
            "Packing Light for a Week Away", "2024-03-23", "Ines Carvalho", """
For years I travelled with a suitcase that was always too heavy and never contained the right clothes. Last
spring I challenged myself to spend a week away with only a small backpack that fits under an aeroplane seat.
It was easier than I expected, and I doubt I will go back.

## Start with a list

Write down what you will actually do on the trip, day by day, and pack for those activities rather than for
every possibility. I was going to walk around two cities, visit a few galleries and have one nice dinner. That
called for comfortable shoes, clothes that could be layered, and one shirt that looked reasonably smart.

## Choose clothes that work together

Pick a simple colour scheme so that every top goes with every pair of trousers. I took three tops, two pairs
of trousers, a light jumper and a waterproof jacket, plus enough underwear and socks for four days. Merino
wool is expensive, but it dries overnight and does not smell after a day of wear, which makes it perfect for
this kind of trip.

## Plan to do laundry

The secret of travelling light is accepting that you will wash things. A small bottle of travel wash and a
sink are all you need. Roll freshly washed clothes tightly in a towel and press on them to squeeze out most of
the water, then hang them up overnight.

## Toiletries and gadgets

Decant toiletries into small refillable bottles and leave anything you can buy at your destination. One
charger with several ports replaces a tangle of cables. I took a paperback, a notebook and my phone, and I did
not miss anything else.

The rewards are immediate. There is no waiting at the baggage carousel, no dragging a case over cobbles, and
no worry about lost luggage. Most of all, there is the pleasant feeling of carrying everything you need on
your back and finding that it is enough.
"""),
    Article("code", "/habits/commit-messages-people-can-read/",
            "Writing Commit Messages People Can Actually Read", "2024-02-03", "Lena Fischer", """
Every project I have worked on eventually reaches the point where someone opens the history, scrolls through a
wall of messages saying fix, update and more changes, and sighs. Good commit messages cost a minute to write
and save hours of detective work months later.

## Say what and why

The first line should summarise the change in about fifty characters, written as an instruction, such as Add
retry to the upload client. Many tools show only this line, so make it specific. After a blank line, explain
why the change was needed. The code already shows how it works, so the message is the only place to record the
reason, the alternatives you rejected and any surprising consequences.

## One change per commit

A commit that fixes a bug, renames a module and updates a dependency is hard to review and impossible to
revert cleanly. Split work into small commits that each make sense on their own. Interactive staging lets you
pick individual parts of a file, which helps when you notice an unrelated typo halfway through a feature.

## Mention the context

If the commit fixes a reported issue, include the issue number. If it works around a bug in a library, name
the library and version so that someone can remove the workaround when the bug is fixed upstream. If the
change affects performance, include the numbers you measured and how you measured them.

## Read it back

Before you push, read the log for your branch from top to bottom as if you had never seen the code. Would a
new colleague understand what happened and why? If not, rewrite the messages while the commits are still
local. Tidying history that others have already pulled causes more trouble than it saves.

None of this is complicated, but it requires a habit. After a few weeks, writing a clear message becomes as
natural as saving the file, and your future self will be grateful.
"""),
    Article("code", "/debugging/reading-a-stack-trace/",
            "Reading a Stack Trace From the Bottom Up", "2024-03-09", "Lena Fischer", """
When a program crashes and prints a long stack trace, many people scroll straight past it and search the
internet for the first line that looks like an error. That works sometimes, but learning to read the trace
properly is faster and teaches you far more about the code.

## What a stack trace is

A stack trace lists the chain of function calls that were active when the error happened. Each entry names a
file, a line number and a function. In Python the most recent call is at the bottom, just above the exception
message, while in Java and several other languages it is at the top. Check which convention your language uses
before you start reading.

## Start with the message

The exception type and message tell you what went wrong. A KeyError says a dictionary lookup failed and names
the missing key. A message about a None value tells you that something you expected to exist was never set.
Read the message slowly, because it often contains the exact value that caused the trouble.

## Find your own code

Library code is usually not where the bug lives. Walk up the trace from the error until you reach the first
frame that points to a file in your own project. That line is where your program handed something unexpected
to the library, and it is the best place to start investigating.

## Reproduce and inspect

Once you know the line, reproduce the problem with the smallest input you can find. Add a breakpoint just
before the failing line and inspect the variables. Very often the value is not what you assumed, and the real
mistake happened several steps earlier when the value was created.

## Chained exceptions

Modern languages often show two or more traces joined by a line saying that one exception occurred while
another was being handled. The first trace is usually the original cause. Fix that one first, and the rest
often disappears.

With a little practice, a stack trace stops being a wall of noise and becomes a map of exactly how your
program got into trouble.
"""),
    Article("code", "/habits/naming-things/",
            "Naming Things So the Code Explains Itself", "2024-04-14", "Lena Fischer", """
There is an old joke that the two hardest problems in programming are cache invalidation and naming things.
The joke lasts because it is true. A good name makes a function almost self-documenting, while a bad one
forces every reader to open the implementation and work out what it really does.

## Names should say what, not how

A variable called data or tmp tells the reader nothing. A name such as unpaid_invoices or retry_delay_seconds
carries its meaning with it, including the units, which prevents a whole class of bugs. Function names should
describe what the function achieves for the caller. If you find yourself writing a name like
process_and_save_and_notify, the function is probably doing too much.

## Match the length to the scope

A loop counter that lives for two lines can be called i without harming anyone. A module level constant that
appears across the project deserves a full, descriptive name. The wider the scope, the more context the reader
lacks when they meet the name, so the name has to supply it.

## Be consistent

If one part of the code base says customer and another says client for the same thing, readers will assume
there are two different concepts. Agree on a vocabulary with your team and stick to it. The same goes for
verbs, so do not mix fetch, get, load and retrieve for identical operations.

## Rename freely

Editors and language servers make renaming safe and quick. When you understand a piece of code better than the
person who named it, improve the name. A small rename in a code review is one of the cheapest improvements a
team can make.

## Avoid clever abbreviations

Abbreviations save a few keystrokes and cost every future reader a moment of puzzlement. Write the words out,
unless the short form is universally known in your field. Your editor will complete the long name for you
anyway.
"""),
    Article("code", "/testing/small-tests-that-fail-for-the-right-reason/",
            "Small Tests That Fail for the Right Reason", "2024-05-26", "Lena Fischer", """
A test suite is only useful if you trust it. When tests fail randomly, or pass even though the feature is
broken, developers learn to ignore them, and at that point the suite is just slowing down the build. Most
unreliable tests share a handful of causes, and each has a simple remedy.

## Test one behaviour

Each test should check one thing and have a name that says what that thing is. When it fails, the name alone
should tell you what broke. A test that walks through an entire workflow and asserts twenty things at the end
will fail for twenty different reasons, and none of them will be obvious.

## Make sure it can fail

Before you trust a new test, break the code it covers and watch the test go red. It is surprisingly easy to
write a test that never runs its assertion, compares a value with itself, or checks a mock instead of the real
behaviour. Seeing the failure once proves that the test is actually connected to the code.

## Control time and randomness

Tests that depend on the current date, the clock or a random number generator will eventually fail on some
unlucky day. Pass the clock and the random seed into the code as parameters so that tests can fix them. The
same applies to anything that reads the network or the environment. I once lost a morning to a test that
looked up names through the public resolver at 9.9.9.9, which the office firewall had started to block the
week before.

## Keep them fast

A test suite that takes half an hour to run will be run rarely. Keep most tests small and in memory, and put
the slow integration tests in a separate group that runs on the build server. Fast tests encourage people to
run them after every change, which is when they are most valuable.

## Treat flaky tests as bugs

When a test fails intermittently, do not just rerun the build. Find out why. Flaky tests often reveal real
race conditions in the code, and fixing them improves the product as well as the suite.
"""),
    Article("gazette", "/news/2024/07/library-reopens-after-renovation/",
            "Harbourtown Library Reopens After Eighteen-Month Renovation", "2024-07-20", "Clare Donnelly", """
Harbourtown’s public library reopened its doors on Saturday morning after an eighteen-month renovation, and
more than four hundred people queued along Church Street to be among the first inside.

The Victorian building had been closed since early last year, when surveyors found serious damp in the walls
and problems with the roof. The work, which cost just under two million pounds, was funded by the county
council with help from a heritage grant. Builders replaced the roof, installed new heating and restored the
original plaster ceiling in the main reading room.

Visitors on Saturday found a very different interior. The cramped children’s section has moved to a bright new
room on the ground floor with its own entrance from the garden. Upstairs, a local history room now holds the
town’s archive of maps, photographs and newspapers, which had been kept in storage for more than a decade.
There are also twelve new computers, free wireless internet and a small café run by volunteers.

Head librarian Ruth Okafor said the response had been overwhelming. “We knew people had missed the library,
but we did not expect a queue around the corner before nine o’clock,” she said. “It shows how much a building
like this means to the town.”

Among the first visitors was ninety-one-year-old Dennis Hale, who joined the library as a boy in 1941. He said
he had come to borrow a book about sailing ships, just as he had on his very first visit.

The library will be open six days a week, with late opening until eight o’clock on Thursdays. A programme of
events over the summer includes story sessions for children, a family history workshop and talks by local
authors. Details are available at the front desk and on the council website.
"""),
    Article("gazette", "/news/2024/07/quay-street-roadworks-to-last-until-october/",
            "Quay Street Roadworks to Last Until October", "2024-07-18", "Clare Donnelly", """
Drivers and businesses in Harbourtown face months of disruption after the county council confirmed that
roadworks on Quay Street will continue until the middle of October.

The work began in May to replace a Victorian sewer that has collapsed in several places. Engineers had hoped
to finish by the end of August, but the council said this week that the condition of the old pipe was worse
than expected and that a longer section would need to be replaced.

Quay Street is closed to traffic between the swing bridge and the junction with Ropewalk, with diversions
signposted through Chapel Lane. Pedestrian access to shops and cafés is being maintained throughout, and the
harbour car park remains open from the western end.

Several business owners told the Gazette they had seen a sharp fall in customers since the closure began.
Maria Santos, who runs a gift shop near the bridge, said takings were down by about a third compared with last
summer. “People think the whole street is shut, so they just don’t come,” she said. “We are open as usual, and
we need people to know that.”

A council spokesperson apologised for the delay and said the authority would put up additional signs making
clear that businesses were open. The council is also considering a temporary reduction in business rates for
the affected shops, and a decision is expected at next month’s cabinet meeting.

The bus service to the harbour has been diverted and now stops on Chapel Lane. The council has advised
residents to allow extra time for journeys in the area, particularly on market days.
"""),
    Article("gazette", "/schools/2024/07/pupils-impress-at-science-fair/",
            "Pupils Impress Judges at Primary School Science Fair", "2024-07-12", "Rhys Morgan", """
A solar-powered model boat, a homemade weather station and a study of which biscuits survive longest when
dunked in tea were among the winning entries at St Anne’s Primary School’s annual science fair on Thursday.

More than ninety pupils from Year 3 to Year 6 took part, presenting their projects to parents and a panel of
judges that included a lecturer from the university and an engineer from the harbour authority. The school
hall was packed all afternoon.

Ten-year-old Priya Desai took first prize in the oldest age group for her weather station, which she built
from recycled materials with help from her grandfather. It records temperature, rainfall and wind speed, and
she has been keeping daily records since January. “The hardest part was the rain gauge, because it kept
blowing over,” she said.

The younger pupils’ prize went to a group of four friends who tested twelve kinds of biscuit in tea and timed
how long each lasted before falling apart. The judges praised their careful method and their honest conclusion
that ginger biscuits are far stronger than anyone expects.

Head teacher Mark Ellison said the fair had grown every year since it began in 2017. “It is wonderful to see
children asking their own questions and finding ways to answer them,” he said. “Several of this year’s
projects would not look out of place at a secondary school.”

The winning projects will be displayed at the town library during the summer holidays, and the top three
entries will represent the school at the county science festival in October.
"""),
    Article("gazette", "/business/2024/07/farmers-market-moves-to-saturdays/",
            "Farmers Market Moves to Saturdays From September", "2024-07-16", "Rhys Morgan", """
Harbourtown’s monthly farmers market will move from Fridays to Saturdays from September, after a survey found
that most shoppers wanted to visit at the weekend.

The market, which has been held in the square outside the town hall since 2009, brings together around thirty
stallholders from across the district selling vegetables, meat, cheese, bread, honey and crafts. Organisers
said the change had been requested repeatedly by working families who could not get there on a weekday
morning.

More than six hundred people responded to the survey, which ran online and on paper at the market itself over
the spring. Almost three quarters said they would visit more often if the market took place on a Saturday.
Some traders were initially worried about clashing with other weekend events, but the organising committee
said almost all of them had agreed to the move.

Market manager Tom Briggs said he hoped the new day would bring in younger customers. “We have a loyal crowd
of regulars, and we are very grateful to them, but we want the market to be part of everyone’s weekend,” he
said. “Saturday also gives us the chance to add live music and cooking demonstrations.”

The first Saturday market will take place on the seventh of September from nine o’clock until two. New
stallholders are welcome, especially those offering hot food, and pitches cost twenty pounds for the day.
Anyone interested in a stall can email the organisers at market.manager@harbourtown-markets.example or call
01632 960415 for an application form.

Parking will be available in the council car park on Mill Road, which is free on Saturdays.
"""),
    Article("nature", "/birds/a-winter-bird-walk/",
            "What to Look for on a Winter Bird Walk", "2024-01-13", "Ruth Abernethy", """
Winter is an underrated season for birdwatching. The trees are bare, so birds are easier to see, and many
species gather in mixed flocks that move through the hedgerows together. On a cold, bright morning, a slow
walk around a local park or nature reserve can be surprisingly rewarding.

## Follow the flocks

Small birds band together in winter for safety and to find food. A flock might include blue tits, great tits,
long-tailed tits, a goldcrest or two and perhaps a treecreeper spiralling up a trunk. When you hear the high,
thin calls of a flock, stop and wait. The birds often pass within a few metres, busy with their search for
insects in the bark.

## Check the water

Lakes and reservoirs fill up with ducks that have flown in from colder countries. Look for the bright chestnut
heads of wigeon, the neat tufted ducks with their drooping crests, and the occasional goldeneye diving far out
in the middle. Gulls gather on the water in the late afternoon before they roost, and picking out the
different species is a rewarding puzzle.

## Visitors from the north

In some winters, flocks of waxwings arrive from Scandinavia and strip the berries from ornamental trees in
supermarket car parks. They are plump, crested and remarkably tame, and seeing them is always a thrill.
Redwings and fieldfares, two kinds of thrush, are more reliable visitors and can often be found feeding on
fields and in orchards.

## Practical tips

Dress warmly, including a hat and gloves, because standing still for long periods is cold work. Binoculars
with a magnification of eight are easier to hold steady than more powerful ones. Bring a notebook to jot down
what you see, and move slowly, because birds notice sudden movements far more than they notice sound.

Finally, keep your garden feeders clean and topped up. In a hard frost, they can make the difference between
life and death for a small bird.
"""),
    Article("nature", "/bees/my-first-year-of-keeping-bees/",
            "Lessons From My First Year of Keeping Bees", "2024-06-08", "Ruth Abernethy", """
A year ago I collected a small colony of bees from a local beekeeper and installed them in a hive at the end
of the garden. I had done a beginners’ course over the winter and read several books, but nothing quite
prepares you for the moment you lift the lid for the first time.

## Calm and slow

The most important lesson was to slow down. Bees respond to sudden movements and vibration, and every time I
hurried an inspection the colony became more defensive. I learned to move deliberately, to set frames down
gently, and to stop and close up if the bees seemed agitated. A little smoke at the entrance before opening
helps, but it is no substitute for a calm manner.

## Record everything

At each inspection I check for eggs, which show that the queen is laying, look at the amount of stored food,
and watch for queen cells, which can mean the colony is preparing to swarm. I write everything down in a
notebook kept with the hive. Looking back through it now, I can see how the colony grew through the spring and
slowed down as the summer ended.

## The swarm that got away

In June, despite my notes, the colony swarmed. I had missed a queen cell hidden at the bottom of a frame. Half
the bees left with the old queen and settled in a neighbour’s apple tree. With help from my mentor I collected
them in a box, and they now live in a second hive. I am told that almost every beekeeper loses a swarm in
their first year.

## Honey at last

I took only a small harvest in August, leaving most of the honey for the bees to eat over the winter. Even so,
we filled fourteen jars with pale, floral honey that tasted of the lime trees in the park. Sharing it with the
neighbours who had put up with the swarm felt only fair.

If you are thinking of starting, join your local association first. The advice and practical help of
experienced beekeepers is worth more than any book.
"""),
    Article("workshop", "/projects/end-grain-cutting-board/",
            "Making a Simple End Grain Cutting Board", "2024-02-24", "Gareth Lowe", """
A cutting board was the first thing I made when I started woodworking, and it remains one of my favourite
projects to teach. It uses inexpensive tools, produces something genuinely useful, and teaches the basics of
measuring, gluing and finishing.

## Choosing the wood

Use a close-grained hardwood such as maple, beech, cherry or walnut. These woods are hard enough to resist
knife marks but not so hard that they blunt your knives. Avoid open-grained timber such as oak, which traps
moisture and food in its pores, and never use softwoods or treated timber. I bought a few offcuts from a local
timber merchant for less than the price of a shop-bought board.

## Gluing up the first panel

Cut the strips to the same length and thickness and arrange them in a pattern you like. Spread waterproof wood
glue along each joint and clamp the strips together, alternating the clamps above and below the panel to keep
it flat. Wipe off the excess glue with a damp cloth and leave it overnight.

## Turning it on end

For an end grain board, cross cut the panel into strips about four centimetres wide, then turn each strip on
its side so the end grain faces up. Flip every second strip end for end to create a chequered pattern, and
glue them up again. End grain boards are kinder to knives because the blade slips between the wood fibres
rather than cutting across them.

## Flattening and finishing

The second glue up is never perfectly flat. Take it down with a hand plane, working in from the edges to avoid
breaking out the corners, or use a belt sander with care. Sand through the grits up to about two hundred and
forty, round over the edges slightly, and fit small rubber feet to stop the board sliding.

Finish it with several coats of food-safe mineral oil, letting each coat soak in overnight. Oil the board
again whenever it starts to look dry, and it will last for many years.
"""),
    Article("running", "/beginners/training-for-your-first-5k/",
            "Training for Your First Five Kilometre Race", "2024-04-27", "Dan Whitfield", """
Two years ago I could not run for a bus without stopping to catch my breath. Last month I finished my third
five kilometre race, and I am still surprised by that sentence. If you are starting from scratch, the most
important thing to know is that progress comes faster than you expect, as long as you do not try to rush it.

## Walk before you run

Most beginner plans mix running and walking at first. In week one you might run for one minute and walk for
ninety seconds, repeated eight times. Each week the running intervals get longer and the walking breaks get
shorter, until after eight or nine weeks you can run for half an hour without stopping. Three short sessions a
week, with a rest day between them, is plenty.

## Go slower than you think

Nearly every new runner sets off too fast. You should be able to speak in short sentences while you run. If
you cannot, slow down, even if it feels embarrassingly slow. Easy running builds the heart, lungs and muscles
you need without leaving you exhausted, and it makes the whole process far more enjoyable.

## Shoes and kit

You do not need expensive equipment, but a pair of comfortable running shoes that fit properly will help
prevent injuries. Many running shops will watch you jog and suggest suitable shoes. Everything else can be
ordinary sports clothing, although good socks that do not rub make a real difference.

## Race day

Arrive early, warm up with a few minutes of gentle jogging, and start near the back so the crowd does not pull
you along too fast. Run your own race and enjoy the atmosphere. Free timed runs are held in parks every
weekend in many countries, and they are a friendly place to try the distance for the first time.

Above all, be patient with yourself. Some weeks will feel harder than others, and that is completely normal.
"""),
    Article("fixit", "/plumbing/fixing-a-dripping-tap/",
            "Fixing a Dripping Tap in Half an Hour", "2024-03-30", "Alan Brooks", """
A tap that drips once a second wastes thousands of litres of water a year, and the constant plink in the night
is enough to drive anyone mad. Fortunately, most drips are caused by a worn washer or cartridge that costs
very little to replace. You need an adjustable spanner, a screwdriver and about half an hour.

## Turn off the water

Find the isolation valve on the pipe under the sink and turn the slot a quarter turn with a screwdriver so
that it sits across the pipe. If there is no valve, turn off the main stopcock, which is usually under the
kitchen sink or where the supply pipe enters the house. Open the tap fully to drain the remaining water, and
put the plug in the sink so that small parts cannot disappear down the drain.

## Older taps with washers

Traditional taps with separate hot and cold handles usually have a rubber washer. Prise off the decorative
cap, undo the screw beneath it and lift off the handle. Use the spanner to unscrew the headgear, holding the
tap body steady with your other hand so you do not twist the pipe. The washer sits at the bottom of the
headgear, held by a small nut or simply pressed on. Take the old one to the shop to be sure of an exact match,
although the ½-inch size is by far the most common.

## Mixer taps with cartridges

Modern mixer taps with a single lever use a ceramic cartridge instead. Remove the lever, unscrew the retaining
nut and pull the cartridge straight out. Cartridges vary widely between brands, so note the make of the tap or
take the old cartridge with you.

## Putting it back together

Refit everything in reverse order, tightening firmly but without excessive force. Turn the water back on
slowly and check for leaks. If the tap still drips, the valve seat may be damaged, and a plumber can regrind
it for you. While you are at it, check that the hot water is set to about 60 °C, which is hot enough to be
safe and cheaper to run.
"""),
    Article("photo", "/technique/making-the-most-of-the-golden-hour/",
            "Making the Most of the Golden Hour", "2024-06-22", "Noor Haddad", """
Photographers talk endlessly about the golden hour, the short period after sunrise and before sunset when the
light turns warm and soft. There is a good reason for the fuss. The same street, face or field that looks flat
at noon can look wonderful an hour before sunset, and you do not need any special equipment to take advantage
of it.

## Why the light changes

When the Sun is low, its light travels through more of the atmosphere before it reaches you. The air scatters
the blue part of the spectrum, leaving the warm reds and oranges, and the low angle produces long shadows that
reveal texture and shape. The light also comes from the side rather than from above, so faces are lit evenly
without dark shadows under the eyes.

## Plan ahead

Golden hour is shorter than its name suggests, especially in winter, and it varies with the season and your
latitude. A sunrise and sunset app will tell you exactly when the Sun will be low and in which direction it
will set. Visit your location earlier in the day so you know where to stand when the light arrives.

## Try different directions

With the Sun behind you, colours are rich and saturated. With the Sun to one side, textures such as bark,
stone and sand stand out. Shooting towards the Sun produces glowing outlines around people and plants,
although you will need to shade the lens with your hand to avoid flare and expose for the highlights.

## Keep shooting after sunset

Many people pack up as soon as the Sun disappears, but the following half an hour, often called the blue hour,
can be just as beautiful. The sky turns a deep blue, street lights come on, and the contrast between warm
artificial light and the cool sky makes city scenes especially striking. A small tripod helps, because
exposures become long.

The best way to learn is to return to the same place at different times of day and compare the results.
"""),
    Article("pets", "/health/caring-for-an-older-dog/", "Caring for an Older Dog", "2024-05-15", "Kirsty Lamb", """
Our dog Bramble turned twelve this spring. She still greets us at the door with her whole body wagging, but
she sleeps more than she used to, takes the stairs carefully and has gone grey around the muzzle. Looking
after an older dog takes a little more thought, and over the last couple of years we have learned a great deal
from our vet and from other owners.

## Regular check-ups

Vets generally recommend check-ups every six months for senior dogs, rather than once a year. Many problems
that affect older dogs, such as kidney disease, thyroid problems and dental disease, develop slowly and are
much easier to manage when they are caught early. A simple blood test can reveal changes long before the dog
shows any symptoms.

## Gentle exercise

Older dogs still need exercise, both for their joints and for their minds, but it helps to change the routine.
Bramble now has two or three shorter walks a day instead of one long one, and she is allowed to set the pace.
Swimming is excellent for dogs with stiff joints, because the water supports their weight.

## Comfort at home

Rugs on slippery floors make a big difference to a dog whose legs are less steady than they were. We bought a
thick orthopaedic bed and moved it away from draughts, and we put a small step beside the sofa so that she can
still climb up for an evening cuddle. Raised food bowls help dogs who find bending uncomfortable.

## Keep the brain busy

Mental stimulation matters as much as physical exercise. Puzzle feeders, short training sessions and sniffing
walks, where the dog is allowed to explore smells at its own speed, all help to keep an older dog engaged and
content.

Most of all, we try to enjoy the slower pace. An old dog asleep in a patch of sunshine is one of the most
peaceful sights there is.
"""),
]


# --------------------------------------------------------------------------- content: other languages

FOREIGN = [
    Article("de_garden", "/tomaten-auf-dem-balkon/", "Tomaten auf dem Balkon", "2024-05-26", "Jana Becker", """
Wer keinen Garten hat, muss auf eigene Tomaten nicht verzichten. Auf einem sonnigen Balkon gedeihen viele
Sorten erstaunlich gut, sofern man ihnen einen ausreichend großen Topf und regelmäßig Wasser gibt. In diesem
Beitrag beschreibe ich, wie ich in den letzten drei Sommern vorgegangen bin und welche Fehler ich inzwischen
vermeide.

Entscheidend ist zunächst die Sortenwahl. Buschtomaten und kleine Cocktailtomaten bleiben kompakt und brauchen
kaum Stützen, während große Fleischtomaten im Kübel oft enttäuschen. Ich pflanze die Setzlinge erst nach den
Eisheiligen Mitte Mai aus, wenn keine Nachtfröste mehr drohen. Ein Topf sollte mindestens zwanzig Liter Erde
fassen, denn in kleinen Gefäßen trocknen die Wurzeln an heißen Tagen sehr schnell aus.

Gegossen wird morgens und möglichst direkt auf die Erde, nicht über die Blätter. Nasse Blätter begünstigen die
gefürchtete Kraut- und Braunfäule, die eine ganze Pflanze innerhalb weniger Tage vernichten kann. Ein kleines
Vordach oder eine geschützte Ecke an der Hauswand hilft zusätzlich, weil der Regen die Pflanzen dann nicht
erreicht.

Ab Juli dünge ich einmal pro Woche mit einem organischen Tomatendünger. Die Früchte ernte ich, sobald sie
vollständig gefärbt sind und bei leichtem Druck etwas nachgeben. Frisch vom Strauch schmecken sie so
aromatisch, dass man die Tomaten aus dem Supermarkt kaum noch kaufen möchte.
"""),
    Article("de_history", "/museum/die-alte-dorfschule.html", "Die alte Dorfschule", "2024-03-12", "Heinz Vogler", """
Seit über hundert Jahren steht die alte Dorfschule am Ende der Kirchstraße, und viele ältere Lindenauer haben
dort noch lesen und schreiben gelernt. Das Gebäude wurde im Jahr 1898 errichtet und diente bis 1968 als Schule
für alle Jahrgänge des Ortes. In einem einzigen Klassenzimmer unterrichtete ein Lehrer oft mehr als vierzig
Kinder unterschiedlichen Alters gleichzeitig.

Nach der Schließung nutzte die Gemeinde das Haus zunächst als Lager, später als Jugendtreff. In den neunziger
Jahren stand es lange leer, und das Dach wurde immer undichter. Erst als sich der Heimatverein im Jahr 2005
gründete, begann eine gründliche Sanierung, die größtenteils von Freiwilligen getragen wurde.

Heute beherbergt die Dorfschule ein kleines Museum. Im ehemaligen Klassenzimmer stehen wieder die alten
Holzbänke mit ihren Tintenfässern, an der Wand hängt eine Landkarte aus der Kaiserzeit, und in einer Vitrine
liegen Schiefertafeln, Griffel und Zeugnisse ehemaliger Schüler. Besonders beliebt sind die Führungen für
Grundschulklassen, bei denen die Kinder einmal wie früher mit Feder und Tinte schreiben dürfen.

Das Museum ist von April bis Oktober an jedem ersten Sonntag im Monat geöffnet. Der Eintritt ist frei, über
eine Spende für den Erhalt des Gebäudes freut sich der Verein jedoch sehr.
"""),
    Article("de_bike", "/pflege/fahrradkette-richtig-reinigen/",
            "Fahrradkette richtig reinigen", "2024-04-03", "Tobias Krüger", """
Eine saubere Kette läuft leiser, schaltet präziser und hält deutlich länger. Trotzdem wird sie bei vielen
Fahrrädern erst dann beachtet, wenn sie quietscht oder rostet. Dabei genügt es, sie alle paar Wochen kurz zu
pflegen.

Zuerst wird der grobe Schmutz entfernt. Dazu halte ich einen trockenen Lappen um die Kette und drehe die
Kurbel einige Male rückwärts. Ist die Kette stark verschmutzt, hilft ein Kettenreinigungsgerät oder eine alte
Zahnbürste mit etwas Entfetter. Aggressive Lösungsmittel sollte man vermeiden, weil sie auch das Fett aus dem
Inneren der Kettenglieder lösen.

Nach der Reinigung muss die Kette vollständig trocknen. Anschließend gebe ich auf jedes Kettenglied einen
kleinen Tropfen Kettenöl, drehe die Kurbel noch einmal durch und lasse das Öl einige Minuten einziehen. Danach
wische ich den Überschuss gründlich ab. Eine Kette sollte sich innen geschmiert, außen aber nahezu trocken
anfühlen, denn überschüssiges Öl zieht Staub und Sand an.

Wer viel bei Regen fährt, greift besser zu einem dickeren Nassöl. Für trockene Sommerwochen eignet sich
dagegen ein leichteres Trockenschmiermittel, das weniger Schmutz bindet. Außerdem lohnt es sich, regelmäßig
den Verschleiß mit einer Kettenlehre zu messen und die Kette rechtzeitig zu wechseln.
"""),
    Article("fr_food", "/recettes/soupe-au-pistou/",
            "La soupe au pistou de ma grand-mère", "2024-07-08", "Claire Martin", """
Chaque été, dès que les premiers haricots arrivaient sur le marché, ma grand-mère préparait une grande marmite
de soupe au pistou. C’était un plat de fête autant qu’un plat de tous les jours, et toute la famille se
retrouvait autour de la table pour le partager. Je vous donne ici sa recette, telle qu’elle me l’a transmise.

Il faut d’abord des légumes de saison en abondance : des courgettes, des haricots verts, des haricots blancs
et rouges frais, des pommes de terre, des carottes et quelques tomates. On les coupe en petits morceaux et on
les fait cuire doucement dans une grande quantité d’eau salée pendant environ une heure. Vers la fin de la
cuisson, on ajoute une poignée de petites pâtes.

Le pistou se prépare pendant que la soupe mijote. Dans un mortier, on écrase plusieurs gousses d’ail avec du
gros sel, puis on ajoute les feuilles d’un beau bouquet de basilic. On verse ensuite l’huile d’olive en filet,
en tournant le pilon, jusqu’à obtenir une sauce épaisse et parfumée. Certaines familles y ajoutent du parmesan
ou une tomate grillée, mais chez nous, on restait fidèle à la version la plus simple.

Au moment de servir, on retire la marmite du feu et on incorpore le pistou. Surtout, il ne faut plus faire
bouillir la soupe, sinon le basilic perd tout son parfum. Elle est encore meilleure le lendemain, réchauffée
doucement.
"""),
    Article("fr_bike", "/conseils/velo-en-hiver/",
            "Aller au travail à vélo en hiver", "2023-12-02", "Julien Moreau", """
Beaucoup de cyclistes rangent leur vélo dès les premiers froids, mais rouler en hiver est plus agréable qu’on
ne le pense. Il suffit de bien s’équiper et d’adapter un peu ses habitudes.

La priorité, c’est d’être visible. Les journées sont courtes, et l’on roule souvent dans l’obscurité le matin
comme le soir. Un bon éclairage avant et arrière est indispensable, et un gilet réfléchissant ou des bandes
réfléchissantes sur le sac rendent le cycliste bien plus facile à repérer pour les automobilistes.

Pour les vêtements, le principe des couches fonctionne très bien. Une couche fine qui évacue la transpiration,
un pull léger et une veste coupe-vent imperméable suffisent dans la plupart des cas. Les extrémités souffrent
le plus du froid : des gants chauds, un bonnet fin sous le casque et des couvre-chaussures font une vraie
différence.

Le vélo demande aussi un peu d’attention. Le sel répandu sur les routes attaque la chaîne et les câbles, il
faut donc rincer le vélo régulièrement et graisser la transmission. Des pneus un peu plus larges, légèrement
moins gonflés, offrent une meilleure adhérence sur les chaussées mouillées.

Enfin, partez quelques minutes plus tôt. Rouler sans se presser sur une route glissante est plus sûr, et l’on
arrive au bureau de meilleure humeur.
"""),
    Article("fr_news", "/actualite/2024/07/la-mediatheque-ouvre-le-dimanche/",
            "La médiathèque ouvrira le dimanche dès septembre", "2024-07-17", "Sophie Lambert", """
À partir du mois de septembre, la médiathèque municipale ouvrira ses portes le dimanche après-midi, de
quatorze heures à dix-huit heures. La décision a été votée à l’unanimité par le conseil municipal lors de sa
dernière séance.

Cette ouverture répond à une demande ancienne des habitants. Une enquête menée au printemps auprès des usagers
a montré que beaucoup d’entre eux, notamment les familles et les personnes qui travaillent en semaine, ne
pouvaient pas se rendre à la médiathèque aux horaires actuels. Près de sept cents personnes ont répondu au
questionnaire, ce qui est considérable pour une commune de notre taille.

Pour assurer ces nouvelles plages horaires, deux agents supplémentaires seront recrutés à temps partiel. Le
coût annuel est estimé à environ quarante mille euros, dont une partie sera financée par une aide de l’État
destinée à élargir les horaires des bibliothèques.

La directrice de l’établissement se réjouit de cette évolution. Selon elle, le dimanche sera l’occasion de
proposer des animations pour tous les âges : lectures pour les enfants, ateliers d’initiation au numérique et
rencontres avec des auteurs de la région. Le programme détaillé sera présenté lors de la journée portes
ouvertes, le premier samedi de septembre.
"""),
    Article("es_food", "/recetas/tortilla-de-patatas-jugosa/",
            "Cómo hacer una tortilla de patatas jugosa", "2024-06-11", "Lucía Fernández", """
La tortilla de patatas es probablemente el plato más sencillo y, al mismo tiempo, el más discutido de la
cocina española. Cada familia tiene su propia versión, y la eterna pregunta de si debe llevar cebolla o no
provoca debates apasionados en cualquier sobremesa. Yo soy de las que la prefieren con cebolla, bien pochada y
muy jugosa por dentro.

Para cuatro personas necesitas unas cinco patatas medianas, una cebolla grande, seis huevos, aceite de oliva
abundante y sal. Pela las patatas y córtalas en láminas finas. Pica la cebolla y ponlo todo en una sartén con
aceite a fuego medio, de modo que las patatas se cocinen lentamente sin llegar a freírse del todo. Tardarán
unos veinte minutos.

Mientras tanto, bate los huevos en un cuenco grande con una pizca de sal. Escurre bien las patatas y la
cebolla, mézclalas con el huevo y deja reposar la mezcla unos minutos para que se integre. Este paso, que
muchos se saltan, es el secreto de una tortilla tierna.

Calienta una sartén con un poco de aceite, vierte la mezcla y cuájala a fuego medio durante unos tres minutos.
Después, con ayuda de un plato, dale la vuelta con decisión y deja que se haga un par de minutos más por el
otro lado. Sírvela templada, sola o con un poco de pan.
"""),
    Article("es_hike", "/rutas/lagos-de-montana/",
            "Una ruta por los lagos de montaña", "2024-07-01", "Javier Ortega", """
El pasado fin de semana recorrimos una de las rutas más conocidas del parque natural: la subida a los tres
lagos glaciares. Es un itinerario circular de unos catorce kilómetros, con un desnivel de casi setecientos
metros, que se puede completar en una jornada sin prisas.

Salimos temprano desde el aparcamiento del refugio, cuando todavía quedaba niebla en el valle. El primer tramo
sube por un bosque de hayas siguiendo un camino bien marcado. Después de una hora y media de ascenso
constante, el bosque se abre y aparece el primer lago, rodeado de prados donde pastan vacas y caballos en
libertad.

Desde allí, el sendero se vuelve más pedregoso. Conviene llevar botas con buena suela y bastones, sobre todo
para la bajada. El segundo lago es el más grande y el más fotografiado, con las cumbres reflejadas en el agua
en los días sin viento. Paramos a comer en sus orillas y vimos un grupo de rebecos en las laderas cercanas.

El tercer lago, más pequeño y escondido, fue la sorpresa del día. Apenas encontramos a nadie, y el silencio
era absoluto. La vuelta se hace por otra vertiente, con vistas espectaculares sobre el valle. Recomendamos
llevar agua suficiente, protección solar y ropa de abrigo, porque el tiempo cambia con rapidez en la montaña.
"""),
    Article("es_news", "/ciudad/2024/07/el-mercado-de-abastos-amplia-su-horario/",
            "El mercado de abastos amplía su horario", "2024-07-19", "Marta Ruiz", """
El mercado municipal de abastos abrirá también por las tardes a partir del próximo mes, según anunció ayer el
ayuntamiento tras llegar a un acuerdo con la asociación de comerciantes. Hasta ahora, los puestos solo
atendían al público por las mañanas, de ocho a dos.

La ampliación del horario responde a una petición de muchos vecinos que trabajan durante el día y no podían
hacer la compra en el mercado. Según una encuesta realizada por los propios comerciantes, casi la mitad de los
clientes habituales acudiría con más frecuencia si los puestos estuvieran abiertos por la tarde.

De momento, la apertura vespertina será de martes a viernes, de cinco a ocho y media. No todos los puestos
estarán obligados a abrir, pero la mayoría de los fruteros, pescaderos y carniceros ya han confirmado su
participación. El ayuntamiento, por su parte, reforzará la limpieza y la iluminación del edificio.

La presidenta de la asociación de comerciantes considera que la medida puede dar un nuevo impulso al mercado,
que en los últimos años ha perdido clientes frente a los supermercados. Además, se estudia la posibilidad de
organizar actividades culturales y degustaciones los viernes por la tarde para atraer a un público más joven.
"""),
    Article("ja_life", "/hozonshoku/umeboshi-hajimete.html", "梅干しを初めて漬けた話", "2024-07-10", "山本 千春", """
今年の六月、初めて梅干しを漬けてみました。祖母が毎年作っていた梅干しの味が忘れられず、いつか自分でも作ってみたいと思っていたのです。近所の八百屋さんで完熟した梅を二キロ買い、週末にさっそく準備を始めました。

まず、梅をたっぷりの水で洗い、竹串でなり口のへたを一つずつ取り除きます。この作業は意外と時間がかかりまし
たが、梅の甘い香りが台所いっぱいに広がって、とても楽しい時間でした。水気をしっかり拭き取ったら、焼酎で消
毒した容器に梅と塩を交互に入れていきます。塩の量は梅の重さの十五パーセントにしました。

重しをのせて数日置くと、梅酢と呼ばれる透明な液体が上がってきます。梅全体がこの梅酢に浸かれば、ひとまず安
心です。七月の終わり、晴天が続く日を選んで、梅をざるに並べて三日三晩干しました。夜も外に出したままにして
、夜露に当てるのが祖母のやり方でした。

干し上がった梅は、しわが寄ってやわらかく、見た目はすっかり梅干しです。まだ塩味がとがっていますが、半年ほど寝かせるとまろやかになるそうです。来年は赤じそを入れて、色よく仕上げてみたいと思います。
"""),
    Article("ja_town", "/shiryou/shoutengai-hyakunen.html", "商店街の百年", "2024-04-18", "佐藤 健一", """
駅前の商店街は、今年で開業からちょうど百年を迎えました。大正時代の終わりに、数軒の呉服店と八百屋が並んだ
のが始まりだと言われています。当時の写真を見ると、道はまだ舗装されておらず、人力車や荷車が行き交う様子が
写っています。

昭和の中ごろになると、商店街は町でいちばんのにぎわいを見せるようになりました。年末の大売り出しには近隣の
村からも多くの人が集まり、通りは身動きが取れないほど混雑したそうです。映画館や喫茶店もでき、若い人たちが
集まる場所でもありました。

しかし、郊外に大きな商業施設ができると、客足は少しずつ遠のいていきました。シャッターを下ろしたままの店が
増え、一時は存続が危ぶまれたこともあります。そこで商店主たちは協力して、朝市や夏祭りなどの催しを始めまし
た。最近では、空き店舗を利用したパン屋や古本屋が開店し、新しい客層も増えています。

百周年を記念して、商店街では来月、昔の写真を集めた展示会を開きます。古いアルバムに商店街の写真が残っている方は、ぜひ事務局までお知らせください。
"""),
    Article("ja_stars", "/kiroku/hajimete-no-tentai-kansoku/", "初めての天体観測", "2024-06-15", "星野 あかり", """
先月、家族で近くの高原へ天体観測に出かけました。街の明かりが届かない場所まで車で一時間ほど走ると、空いっぱいに星が広がり、子どもたちは思わず歓声を上げました。

最初に双眼鏡で月を見ました。クレーターの影がくっきりと見え、肉眼で見る月とはまったく違う姿に驚きました。
次に、木星を探しました。双眼鏡でも、木星のまわりに小さな光の点が並んでいるのが分かります。これはガリレオ
が初めて発見した四つの衛星で、夜ごとに位置が変わっていくそうです。

夜が更けると、天の川がはっきりと見えてきました。白い雲のように見える帯が、実は無数の星の集まりだと説明す
ると、子どもたちは不思議そうに空を見上げていました。流れ星もいくつか見えて、そのたびに願い事を言おうとし
ては間に合わず、みんなで笑いました。

高原の夜は夏でもかなり冷え込みます。上着や毛布、温かい飲み物を用意しておくと安心です。また、懐中電灯には
赤いセロハンを貼っておくと、暗さに慣れた目を守ることができます。次は流星群の時期に合わせて、もう一度出か
けてみたいと思います。
"""),
    Article("ru_dacha", "/teplitsa/ogurtsy-v-teplitse/",
            "Как вырастить огурцы в теплице", "2024-05-20", "Сергей Волков", """
Огурцы - одна из самых любимых культур на наших дачах, но вырастить хороший урожай в теплице не так просто,
как кажется. За несколько сезонов я убедился, что главное для огурцов - тепло, влага и свежий воздух.

Рассаду я начинаю выращивать в конце апреля, а в теплицу высаживаю в середине мая, когда земля прогреется хотя
бы до пятнадцати градусов. Перед посадкой грядку хорошо заправляю перепревшим навозом или компостом. Огурцы
очень любят рыхлую и плодородную почву, а на бедной земле быстро желтеют и перестают завязывать плоды.

Поливать огурцы нужно только тёплой водой и лучше всего утром. Холодная вода из колодца вызывает стресс у
растений и может привести к болезням корней. В жаркие дни теплицу обязательно проветриваю, открывая двери и
форточки, иначе температура внутри поднимается выше сорока градусов, и пыльца становится стерильной.

Плети я подвязываю к шпалере, чтобы растения получали больше света и меньше болели. Собирать огурцы лучше
каждый день или через день: чем чаще снимаешь плоды, тем больше новых завязей образуется. В хороший год с
одного куста удаётся собрать несколько килограммов хрустящих огурцов, которых хватает и на салаты, и на
заготовки на зиму.
"""),
    Article("ru_history", "/stati/staraya-bashnya.html",
            "История старой водонапорной башни", "2024-02-27", "Нина Петрова", """
Водонапорная башня на Вокзальной улице давно стала одним из символов нашего города. Её построили в 1912 году,
когда через город прошла железная дорога, и паровозам понадобилась вода. Кирпичная башня высотой около
двадцати пяти метров была видна издалека и служила ориентиром для путников.

Внутри башни находился большой металлический бак, который заполнялся насосом из реки. Из бака вода самотёком
поступала к паровозам на станции, а позднее и в первые городские колонки. Старожилы вспоминают, что в детстве
бегали к башне за водой с вёдрами, потому что водопровода в домах ещё не было.

После перехода железной дороги на тепловозы башня постепенно утратила своё значение. В семидесятые годы бак
демонтировали, а здание долгое время пустовало и ветшало. Несколько раз его собирались снести, но жители
выступали в защиту башни, и в конце концов её признали памятником архитектуры.

Несколько лет назад башню отреставрировали. Сейчас в ней работает небольшой музей истории города, а на верхнем
ярусе устроена смотровая площадка. С неё открывается прекрасный вид на реку, старый вокзал и окрестные леса.
Музей открыт для посетителей по выходным, вход свободный.
"""),
    Article("ru_news", "/gorod/2024/07/novaya-detskaya-ploshchadka/",
            "В городском парке открылась новая детская площадка", "2024-07-15", "Анна Соколова", """
В субботу в центральном парке состоялось открытие новой детской площадки. Её строительство началось весной и
было завершено на две недели раньше запланированного срока. На торжественное открытие пришли несколько сотен
жителей с детьми.

Площадка рассчитана на детей разного возраста. Для самых маленьких установлены песочница, качели и невысокие
горки, а для школьников — канатный городок, скалодром и спортивные тренажёры. Покрытие выполнено из мягкой
резиновой крошки, которая смягчает падения и не становится скользкой после дождя.

Идея новой площадки появилась после опроса, который городская администрация провела прошлой осенью. Жители
жаловались, что старые качели и горки давно пришли в негодность, а детям негде играть. Проект обсуждали на
нескольких общественных встречах, и многие пожелания родителей были учтены.

Рядом с площадкой установили скамейки, навес от дождя и питьевой фонтанчик. В ближайшее время администрация
планирует также обновить освещение в этой части парка. По словам представителей города, следующим шагом станет
ремонт беговых дорожек вдоль пруда, который начнётся уже этой осенью.
"""),
    Article("zh_food", "/jiachangcai/xihongshi-chao-jidan.html", "家常西红柿炒鸡蛋", "2024-06-03", "李晓梅", """
西红柿炒鸡蛋大概是每个中国家庭都会做的一道菜。它做法简单，味道酸甜可口，既能下饭，也适合拌面。虽然看起来人人都会，但想要做得好吃，还是有几个小窍门。

首先，要选熟透的西红柿。颜色鲜红、捏起来稍软的西红柿汁多味浓，炒出来的汤汁也更加浓郁。西红柿洗净后切成小块，鸡蛋打入碗中，加一点盐，用筷子充分搅打均匀。

锅烧热后倒入适量的油，油热后倒入蛋液。等蛋液底部稍微凝固，再用铲子轻轻推动，炒成大块后立刻盛出。鸡蛋不要炒得太老，这样口感才会嫩滑。

锅里再加少许油，放入西红柿翻炒。可以加一点点白糖，中和西红柿的酸味。炒到西红柿出汁变软后，把炒好的鸡蛋倒回锅中，快速翻炒均匀，加盐调味，最后撒上葱花就可以出锅了。

有人喜欢先炒西红柿，有人喜欢先炒鸡蛋，其实各有各的道理。多做几次，就能找到最适合自己家人口味的做法。
"""),
    Article("zh_walk", "/manbu/laochengqu-sanbu/", "周末在老城区散步", "2024-07-07", "王磊", """
上周末天气晴朗，我和朋友一起去老城区散步。那里保留了许多上世纪的老房子，街道狭窄而安静，和新城区的高楼大厦完全是两种风景。

我们从城门附近出发，沿着石板路慢慢往里走。路两旁有不少老店铺，有卖手工糕点的，有修钟表的，还有一家开了五
十多年的理发店。理发店的老师傅一边给客人刮胡子，一边和我们聊起这条街过去的样子。他说，以前街上每天早上都
有人挑着担子卖豆浆和油条，非常热闹。

中午，我们在一家小面馆吃了碗牛肉面。面馆只有五六张桌子，但是客人络绎不绝。老板娘说，他们家的汤每天凌晨就开始熬，要熬好几个小时才够味。

下午，我们走到了老城区中心的小公园。很多老人在树下下棋、喝茶，孩子们在空地上放风筝。虽然城市变化很快，但是在这里，生活的节奏似乎慢了下来。如果你也喜欢安静的地方，不妨找个周末来老城区走一走。
"""),
]


# --------------------------------------------------------------------------- content: pages the pipeline must drop

PROBLEM_PAGES = [
    Article("adult", "/", "Adult Videos - Members Area", "2024-07-01", "Admin", """
This website contains material intended for adults only. You must be at least eighteen years old to enter. By
clicking the enter button you confirm that you are of legal age in your country and that you agree to the
terms of this site. If you are under eighteen, please leave now.
"""),
    Article("deals", "/buy-cheap-watches-online.html",
            "Buy Cheap Watches Online - Cheap Watches - Buy Cheap", "2024-07-01", "Admin", """
Buy cheap watches online at the best cheap price. Cheap watches for men, cheap watches for women, buy cheap
watches today. Buy cheap watches online cheap.

- Buy cheap watches online
- Buy cheap watches UK
- Buy cheap watches free shipping
- Buy cheap watches sale
- Buy cheap watches for men
- Buy cheap watches for women
- Buy cheap phones online
- Buy cheap phones UK
- Buy cheap phones sale
- Buy cheap shoes online
- Buy cheap shoes UK
- Buy cheap shoes sale
- Buy cheap bags online
- Buy cheap bags UK
- Buy cheap bags sale

Buy cheap watches, buy cheap phones, buy cheap shoes, buy cheap bags. Best cheap deals online, buy cheap now.
Cheap watches cheap phones cheap shoes cheap bags buy cheap online today.
"""),
    Article("village", "/notices/hall-closed-for-repairs/",
            "Hall closed for floor repairs", "2024-07-15", "Bookings secretary", """
The hall is closed this week for floor repairs.

All classes restart on Monday the fifth of August.

Sorry for any inconvenience.

The hall is closed this week for floor repairs.

All classes restart on Monday the fifth of August.

Sorry for any inconvenience.

The hall is closed this week for floor repairs.

All classes restart on Monday the fifth of August.

Sorry for any inconvenience.

The hall is closed this week for floor repairs.

All classes restart on Monday the fifth of August.

Sorry for any inconvenience.

The hall is closed this week for floor repairs.

All classes restart on Monday the fifth of August.

Sorry for any inconvenience.
"""),
    Article("forum", "/tags/", "All tags", "2024-07-01", "Moderators", """
Tomatoes potatoes onions garlic leeks carrots parsnips beetroot chard spinach lettuce rocket radishes
courgettes squash pumpkins cucumbers peppers chillies aubergines sweetcorn peas broad beans runner beans
asparagus rhubarb strawberries raspberries blackcurrants gooseberries apples pears plums cherries compost
manure leaf mould mulch netting cloches polytunnels greenhouses water butts hoses sheds paths fences hedges
seeds seedlings sowing thinning weeding harvesting storing freezing drying pickling chutney jam slugs snails
aphids whitefly blight mildew rust canker pigeons rabbits badgers deer
"""),
    Article("shop", "/pages/autumn-collection/", "Autumn collection", "2024-07-10", "Oakhouse", """
Our new autumn collection is coming soon. We are putting the finishing touches to every piece in our workshop.
Please check back in a few weeks.
"""),
    Article("demo", "/layouts/blog-classic/", "Blog classic layout", "2024-06-30", "Brightline team", """
Brightline is a clean, fast theme for writers, small businesses and community groups. This page shows the
classic blog layout with a sidebar on the right and a wide reading column. Every element you see here can be
changed from the customiser without touching any code.

The paragraph below uses placeholder text so that you can judge the typography before adding your own content.

Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore
magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo
consequat.

Headings, quotes, lists and images all follow the same spacing rules, which keeps long articles easy to read
on phones and on large screens alike. Fonts are loaded from your own server, so the theme does not send
visitor data to anyone else. If you need help, our support team answers questions within one working day.
"""),
    Article("code", "/snippets/centre-anything-with-css/",
            "Centre Anything With Two Lines of CSS", "2024-06-01", "Lena Fischer", """
Centring an element used to be one of the most frustrating tasks in web design. Every few years a new trick
appeared, and each one came with its own awkward exceptions. Modern layout tools have finally made it simple,
and two lines are usually enough.

## The grid approach

Make the parent a grid container and ask it to place its items in the centre. This works for text, images and
whole cards, and it centres in both directions at once. The parent needs a height, otherwise there is nothing
to centre within. Here is the rule we use on the front page of this site.
"""),
    Article("shop", "/pages/about-us/", "About Oakhouse Furniture", "2024-01-15", "Oakhouse", """
Oakhouse Furniture was founded in 1998 by two cabinet makers who wanted to build solid oak tables, chairs and
dressers that families could use every day and pass on to their children, and every piece is still made by
hand in our workshop on the edge of the forest, using the same joints and the same care as on the first day.
We buy our timber from sustainably managed woodland within eighty miles of the workshop, season it slowly in
the open air for at least a year, and finish it with natural oils and waxes rather than lacquer, so that it
can be repaired rather than replaced. Visitors are welcome in the showroom from Tuesday to Saturday, where you
can see the furniture, talk to the people who make it and order pieces in the size and finish that suit your
home.
"""),
    Article("forum", "/latest/", "Latest topics", "2024-07-21", "Allotment Friends", """
Sweet potatoes outdoors this far north? I planted three slips in May and the leaves look healthy, but I have
no idea when to lift them or whether...

Committee meeting minutes for July are now up on the noticeboard, including the new rules about bonfires,
water troughs and the waiting list, which...

Blight has arrived on the lower site again. I have taken off every affected leaf and burned them, but the
stems are starting to show brown patches and...

Free to a good home: two rhubarb crowns, a pile of terracotta pots and an old wheelbarrow with a slow
puncture. Collection only from plot fourteen, and...

Does anyone know a reliable way to keep pigeons off brassicas? Netting works, but it tears every time the wind
gets up, and the birds seem to find...

The seed swap will be held in the pavilion on the first Saturday in September, so start saving your bean,
tomato and sunflower seeds now and remember...

Rats in the compost bays near the gate. The council says it is our responsibility, but several of us think the
problem started when the skip...

Lovely evening at the summer barbecue, thank you to everyone who brought food, and special thanks to the
couple from plot nine who lent us their...
"""),
    Article("social", "/p/Cx7Kq2mLs9/", "Harbour market on SnapShare", "2024-07-21", "harbourfoodie", """
Sunday morning at the harbour market, and the first local strawberries of the year are finally here!
#harbourmarket #strawberries #localfood #shoplocal #summer #sundaymorning #fresh #fruit #foodie #harvest
#weekend #market #seaside #organic #yum

Look at the colour on those, I am so jealous right now! #jealous #strawberryseason #summerfruit #goals

We went yesterday and they had sold out by ten o'clock. #earlybird #nextweek #harbourlife #gutted

The cheese stall next to them is worth a visit too. #cheese #local #shopsmall #treatyourself #sundayfunday
"""),
    Article("shop", "/collections/dining/", "Dining room furniture", "2024-07-05", "Oakhouse", """
Every table and chair in our dining range is made by hand from solid oak in our own workshop. Tables can be
made to any length up to three metres. Chairs are available with oak or upholstered seats. Delivery is free
within fifty miles of the workshop. Please allow eight weeks for pieces made to order.

Farmhouse table in oiled oak 180 cm

Extending refectory table 200 to 260 cm

Round pedestal table for four

Live edge walnut table 240 cm

Ladder back chair with rush seat

Windsor chair in smoked oak

Upholstered carver chair in linen

Child height kitchen stool

Two seater bench with back rest

Plain oak bench 150 cm

Welsh dresser with plate rack

Sideboard with three drawers

Glazed display cabinet

Wine rack for twenty four bottles

Serving trolley on brass castors

Set of six cork place mats

Linen napkins in sage green

Hand thrown stoneware jug

Beeswax furniture polish 250 ml

Felt pads for chair legs

Gift vouchers from fifty pounds

Care kit with cloth and oil

Free timber samples by post
"""),
    Article("village", "/whats-on/", "What's on at the hall", "2024-07-01", "Bookings secretary", """
St Mary's Village Hall is busy every day of the week, and there is something for everyone. All classes are run
by local volunteers or independent teachers. Most sessions cost a few pounds, and the first visit is always
free. Please bring your own water bottle and wear comfortable clothes. If you would like to run a new class,
speak to the bookings secretary.

Yoga on Monday at ten.

Toddlers on Monday at two.

Choir on Monday at seven.

Pilates on Tuesday at nine.

Lunch club on Tuesday at noon.

Bridge on Tuesday at seven.

Art group on Wednesday at ten.

Brownies on Wednesday at six.

Dancing on Wednesday at eight.

Tai chi on Thursday at ten.

Film club on Thursday night.

Coffee on Friday at ten.

Youth club on Friday at six.

Market on Saturday at nine.

Ballet on Saturday at two.

The hall is closed on Sundays.
"""),
    Article("local", "/local/2024/07/coastal-path-reopens/",
            "Coastal Path Reopens After Landslip Repairs", "2024-07-19", "Bayside Weekly reporter", """
A popular stretch of the coastal path between Bayside and Penhallow has reopened after six months of repairs
following a landslip in January.

The slip happened after weeks of heavy rain, when part of the cliff below the path gave way and took a section
of fencing with it. The route was closed immediately, and walkers were sent on a long inland diversion along a
busy road.

Story continues below the advertisement.

Engineers from the county council spent the spring stabilising the slope with soil nails and drainage pipes,
and the path has been moved several metres inland along the affected section. A new timber fence and steps
have also been built, paid for by a national fund for coastal routes.

Local walking groups welcomed the reopening. The chair of the Bayside Ramblers said members had missed the
route badly, and that the diversion had been unpleasant and, at times, dangerous. She thanked the landowner
for allowing the path to move onto his field.

Story continues below the advertisement.

The council has warned that more slips are likely along this part of the coast as the climate becomes wetter.
Walkers are asked to stay on the path, keep away from the cliff edge and obey any temporary closure signs.
Dogs should be kept on a lead near livestock.

Story continues below the advertisement.

A guided walk to celebrate the reopening will take place on Sunday at ten o'clock, starting from the car park
at Penhallow Cove. The walk is free, and there is no need to book.
"""),
    Article("bike", "/repairs/tubeless-sealant-guide/", "Page not found", "2024-07-01", "Spoke & Chain", """
Sorry, we could not find the page you were looking for. It may have been moved, renamed or deleted. Try the
search box, or browse our latest repair guides from the menu above.
"""),
]


# --------------------------------------------------------------------------- content: non-article payloads

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


def edited(art: Article, site: str, path: str, day: str, author: str, *changes: tuple[str, str]) -> Article:
    """A copy of an article on another page with a few passages changed (each must occur exactly once)."""
    body = art.body
    for old, new in changes:
        if body.count(old) != 1:
            raise ValueError(f"{old!r} occurs {body.count(old)} times in {art.path}")
        body = body.replace(old, new)
    return Article(site, path, art.title, day, author, body)


BY_PATH = {art.path: art for art in ENGLISH + FOREIGN + PROBLEM_PAGES}

NEAR_DUPLICATES = [
    edited(BY_PATH["/news/2024/07/quay-street-roadworks-to-last-until-october/"], "wire",
           "/regional/2024/07/harbourtown-quay-street-roadworks-extended/", "2024-07-19", "Staff reporter",
           ("Drivers and businesses in Harbourtown face", "Motorists and traders in Harbourtown are facing"),
           ("particularly on market days.",
            "particularly on market days. This story first appeared in the Harbourtown Gazette.")),
    edited(BY_PATH["/observing/how-to-watch-the-perseids/"], "skydigest", "/highlights/2024/07/perseids/",
           "2024-07-21", "Helen Marsh",
           ("\n## Getting comfortable\n",
            "\nSponsored: the Lumina reclining chair folds flat, weighs under four kilos and is half price this week"
            " for Skywatch Digest readers.\n\n## Getting comfortable\n")),
]
ALL_ARTICLES = ENGLISH + FOREIGN + PROBLEM_PAGES + NEAR_DUPLICATES


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
