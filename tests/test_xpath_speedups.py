"""The stand-ins for trafilatura's XPaths select exactly what the XPaths select, and extraction is unchanged."""

from __future__ import annotations

import gzip
import json
import types

import lxml.html
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from trafilatura import xpaths
from trafilatura.deduplication import LRU_TEST

from curation import xpath_speedups
from curation.extract import extract_text
from tests.conftest import shared_path


def installed() -> list[tuple[str, etree.XPath, xpath_speedups.FastSelector]]:
    """(name, trafilatura's XPath, stand-in) for every stand-in, installed."""
    pairs = []
    for label in xpath_speedups.install():
        name, index = label[:-1].split("[")
        fast = getattr(xpaths, name)[int(index)]
        pairs.append((label, fast.xpath, fast))
    return pairs


def test_all_known_selectors_install_on_the_pinned_trafilatura():
    assert sorted(label for label, _, _ in installed()) == sorted(f"{n}[{i}]" for n, i in xpath_speedups.SELECTORS)


def test_uninstall_restores_the_xpaths():
    xpath_speedups.install()
    xpath_speedups.uninstall()
    assert all(isinstance(getattr(xpaths, name)[i], etree.XPath) for name, i in xpath_speedups.SELECTORS)
    xpath_speedups.install()
    assert not any(isinstance(getattr(xpaths, name)[i], etree.XPath) for name, i in xpath_speedups.SELECTORS)


def test_a_changed_structure_is_not_replaced(monkeypatch):
    xpath_speedups.uninstall()
    changed = etree.XPath(".//*[self::div][re:test(@id, 'x') or @hidden]", namespaces={"re": xpaths.REGEXP_NS})
    fake = types.SimpleNamespace(OVERALL_DISCARD_XPATH=[changed, xpaths.OVERALL_DISCARD_XPATH[1]])
    monkeypatch.setattr(trafilatura, "xpaths", fake)  # what `from trafilatura import xpaths` finds
    try:
        assert xpath_speedups.install() == ["OVERALL_DISCARD_XPATH[1]"]
        assert fake.OVERALL_DISCARD_XPATH[0] is changed
    finally:
        xpath_speedups.uninstall()
        monkeypatch.undo()
        xpath_speedups.install()


def test_regexes_are_read_from_the_xpath():
    template, regexes = xpath_speedups.template_of(".//*[ re:test(@id, 'a|b') or\n re:test(@class, '^c')]")
    assert template == ".//*[ re:test(@id, <re>) or re:test(@class, <re>)]"
    assert regexes == ["a|b", "^c"]


# Attribute values built from the selectors' own tokens, so that matches, near-misses and
# attribute order (which of id/class/style comes first) are all exercised.
TOKENS = ["share-box", "nav", "Navigation", "comment", "Comment-list", "commentary", "post-comments", "reply-1",
          "hidden", "hide-print", " hidden", "bottom", "footer-bottom", "link", "links", "cookie", "widget",
          "display:none", "display: none", "border:1px", "true", "infinite-scroll", "mvp-post-add-box", "ad-top",
          " ad ", "main", "", "x"]
ATTRS = ["id", "class", "style", "role", "aria-hidden", "data-component", "data-lp-replacement-content"]
TAGS = ["div", "p", "span", "section", "ul", "ol", "li", "details", "aside", "h1", "a", "list", "item"]

attribute_lists = st.lists(st.tuples(st.sampled_from(ATTRS), st.sampled_from(TOKENS)), max_size=4, unique_by=lambda t: t[0])
elements = st.recursive(
    st.builds(lambda tag, attrs: (tag, attrs, []), st.sampled_from(TAGS), attribute_lists),
    lambda children: st.builds(lambda tag, attrs, kids: (tag, attrs, kids), st.sampled_from(TAGS), attribute_lists,
                               st.lists(children, max_size=4)),
    max_leaves=25,
)


def to_html(node) -> str:
    tag, attrs, kids = node
    attributes = "".join(f' {name}="{value}"' for name, value in attrs)
    return f"<{tag}{attributes}>t{''.join(to_html(k) for k in kids)}</{tag}>"


@settings(max_examples=300, deadline=None)
@given(st.lists(elements, min_size=1, max_size=4))
def test_same_elements_as_the_xpath_on_generated_trees(nodes):
    tree = lxml.html.fromstring(f"<html><body>{''.join(to_html(n) for n in nodes)}</body></html>")
    for label, stock, fast in installed():
        for context in (tree, tree.find("body")):
            assert fast(context) == stock(context), label


def test_same_elements_and_text_on_real_pages():
    """Every call trafilatura makes during extraction, checked against its own XPath, on real pages."""
    evaldir = shared_path("extraction", "trafilatura_eval")
    evaldata = json.loads((evaldir / "evaldata.json").read_text())
    pages = []
    for _, item in sorted(evaldata.items())[::12]:
        path = evaldir / "html" / (item["file"] + ".gz")
        if path.exists():
            pages.append(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
    assert len(pages) > 50
    stock_texts = [extract_text(html, speedups=False) for html in pages]

    calls = []

    def checked(label, stock, fast):
        def select(tree):
            expected, got = stock(tree), fast(tree)
            calls.append(label)
            assert got == expected, label
            return got
        return select

    selectors = installed()
    for label, stock, fast in selectors:
        name, index = label[:-1].split("[")
        getattr(xpaths, name)[int(index)] = checked(label, stock, fast)
    try:
        texts = []
        for html in pages:  # extract_text would reinstall the plain stand-ins: call trafilatura the same way
            LRU_TEST.clear()
            texts.append(trafilatura.extract(html, favor_precision=True, include_comments=False, deduplicate=True))
    finally:
        for label, _, fast in selectors:
            name, index = label[:-1].split("[")
            getattr(xpaths, name)[int(index)] = fast
    assert set(calls) == {label for label, _, _ in selectors}
    assert texts == stock_texts
    assert [extract_text(html) for html in pages] == stock_texts
