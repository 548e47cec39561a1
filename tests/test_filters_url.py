"""URL filter: blocklists, banned words, soft-banned words and sub-words, and the shipped defaults."""

import pytest

from filters import build_url_filter
from filters.url import UrlFilter, parse_blocklist, read_list

F = UrlFilter(
    blocklist=["blocked.example", "sub.listed.example", "paths.example/private", "# not-a-comment-here.example"],
    banned_words=["forbidden"],
    banned_subwords=["badword"],
    soft_banned_words=["spicy", "hot", "deal"],
)


def reason(url: str) -> str | None:
    return F(url).reason


def test_clean_url_is_kept_with_all_signals():
    verdict = F("https://news.example/world/story.html")
    assert verdict.keep and set(verdict.signals) == set(F.signal_names)


@pytest.mark.parametrize(
    "url",
    [
        "http://blocked.example/",
        "https://www.blocked.example/a",
        "http://a.b.blocked.example:8080/x",
        "HTTP://BLOCKED.EXAMPLE.",
        "http://deep.sub.listed.example/",
    ],
)
def test_domain_and_its_subdomains(url):
    assert reason(url) == "url:domain"


def test_parent_of_a_listed_subdomain_is_not_blocked():
    assert F("http://listed.example/").keep
    assert F("http://notblocked.example/").keep


def test_url_entries_block_their_path_and_below():
    assert reason("https://www.paths.example/private") == "url:url"
    assert reason("http://paths.example/private/page?q=1") == "url:url"
    assert F("http://paths.example/privateer").keep
    assert F("http://paths.example/public/private").keep
    assert reason("http://paths.example/Private/X") == "url:url"


def test_banned_words_are_whole_url_words_any_case():
    assert reason("http://site.example/Forbidden-Stuff") == "url:banned_word"
    assert F("http://site.example/forbiddenness").keep


def test_soft_banned_words_need_two_distinct():
    assert F("http://site.example/hot-hot-hot").keep
    assert reason("http://site.example/hot-spicy") == "url:soft_banned_words"
    assert F("http://site.example/hot-spicy").signals["url_soft_banned_words"] == 2
    assert UrlFilter(soft_banned_words=["hot", "spicy"], soft_word_threshold=3)("http://x.example/hot-spicy").keep


def test_banned_subwords_match_inside_the_normalized_url():
    assert reason("http://freebad-wordsite.example/") == "url:banned_subword"
    assert reason("http://bad.word.example/") == "url:banned_subword"  # separators are removed first
    assert F("http://good.example/words").keep


def test_reason_order_follows_datatrove():
    assert reason("http://blocked.example/forbidden-hot-spicy-badword") == "url:domain"
    assert reason("http://x.example/forbidden-hot-spicy-badword") == "url:banned_word"
    assert reason("http://x.example/hot-spicy-badword") == "url:soft_banned_words"


@pytest.mark.parametrize("url", ["", "not a url", "http://[::1", "http://", "://", "mailto:a@b", "\x00\ud800"])
def test_bad_urls_do_not_crash(url):
    assert F(url).keep in (True, False)


def test_parse_blocklist_normalizes_entries():
    entries = ["https://www.Example.com/", "sub.example.org.", "example.net/Path/", "http://", ""]
    domains, urls = parse_blocklist(entries)
    assert domains == {"example.com", "sub.example.org"}
    assert urls == {"example.net/path"}


def test_read_list_skips_comments_and_blanks(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("# comment\n\n  Extra.Example  \n#another\nexample.org/x\n", encoding="utf-8")
    assert read_list(path) == ["extra.example", "example.org/x"]


def test_shipped_defaults_block_known_adult_sites():
    f = build_url_filter()
    assert f("https://www.pornhub.com/view").reason == "url:domain"
    assert f("https://example.com/free-porn-videos").reason == "url:banned_word"
    assert f("https://example.com/freepornvideos").reason == "url:banned_subword"
    assert f("https://example.com/sexy-nude-pics").reason == "url:soft_banned_words"
    assert f("https://en.wikipedia.org/wiki/Sussex").keep
    assert f("https://www.bbc.co.uk/news/science-environment").keep


def test_blocklist_files_add_to_the_defaults(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("mine.example\n", encoding="utf-8")
    both = build_url_filter([str(path)])
    assert both("http://mine.example/").reason == "url:domain"
    assert both("http://pornhub.com/").reason == "url:domain"
    only_mine = build_url_filter([str(path)], include_default=False)
    assert only_mine("http://pornhub.com/").reason == "url:banned_word"  # the word lists stay
    assert only_mine("http://xvideos.com/x").reason == "url:banned_word"
    assert only_mine("http://tube8.com/").keep


def test_missing_blocklist_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        build_url_filter([str(tmp_path / "missing.txt")])
