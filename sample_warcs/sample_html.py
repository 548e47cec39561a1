"""A page as its site's skin renders it: a WordPress-style blog, a news site, or an HTML 4 club page.

Each skin wraps the article in the boilerplate real pages carry (cookie
banners, menus, sidebars, comment forms, footers) in the site's language, so
that extraction has something to strip.
"""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

from sample_pages import ALL_ARTICLES, SITES, Article, Site

# The skins' words in each language (menus, banners, footers) and month names, beside the generator.
_WORDS = json.loads((Path(__file__).resolve().parent / "labels.json").read_text(encoding="utf-8"))
LABELS: dict[str, dict[str, str]] = _WORDS["labels"]
MONTHS: dict[str, list[str]] = _WORDS["months"]


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
