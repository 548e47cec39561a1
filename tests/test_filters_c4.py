"""C4 line and document rules, as FineWeb configured them (terminal-punctuation rule off)."""

from filters.c4 import C4Filter

F = C4Filter()
SENTENCES = [f"This is sentence number {i} of the page." for i in range(5)]


def page(*extra: str) -> str:
    return "\n".join([*SENTENCES, *extra])


def test_clean_page_is_kept_unchanged():
    verdict = F(page())
    assert verdict.keep and verdict.text is None
    assert verdict.signals["c4_sentences"] == 5 and verdict.signals["c4_kept_lines"] == 5


def test_sentence_minimum():
    assert F("\n".join(SENTENCES[:4])).reason == "c4:too_few_sentences"
    assert F(" ".join(SENTENCES[:5])).keep  # sentences, not lines
    assert C4Filter(min_num_sentences=3)("\n".join(SENTENCES[:3])).keep


def test_long_word_lines():
    verdict = F(page("ok " + "a" * 1000 + " end", "drop " + "b" * 1001 + " me"))
    assert verdict.keep and verdict.signals["c4_long_word_lines"] == 1
    assert "a" * 1000 in verdict.text and "b" * 1001 not in verdict.text


def test_short_lines_are_dropped_counting_words_before_citation_removal():
    verdict = F(page("Two words", "Three words here", "Cited [1] here"))
    assert verdict.text == page("Three words here", "Cited  here")
    assert verdict.signals["c4_few_words_lines"] == 1 and verdict.signals["c4_citations"] == 1


def test_citations_removed():
    verdict = F(page("A claim [12] with [edit] and [citation needed] markers [a]."))
    assert verdict.text.endswith("A claim  with  and  markers [a].")
    assert verdict.signals["c4_citations"] == 3


def test_javascript_and_policy_lines_are_dropped():
    verdict = F(
        page("Please enable JavaScript to view.", "Read our Privacy Policy today.", "This site uses cookies a lot.")
    )
    assert verdict.text == page()
    assert verdict.signals["c4_javascript_lines"] == 1 and verdict.signals["c4_policy_lines"] == 2


def test_lorem_ipsum_and_curly_bracket_drop_the_document():
    assert F(page("Some Lorem Ipsum dolor sit.")).reason == "c4:lorem_ipsum"
    assert F(page("function f() { return 1; }")).reason == "c4:curly_bracket"
    # only lines that survive the word-count checks are looked at, as in datatrove
    assert F(page("lorem ipsum")).keep
    # a "javascript" line is dropped before its "{" is seen
    assert F(page("var x = {a: 1} in javascript code")).keep


def test_first_document_failure_wins():
    assert F(page("curly { bracket here", "lorem ipsum dolor sit")).reason == "c4:curly_bracket"


def test_terminal_punctuation_rule_is_off_by_default_and_available():
    text = page("no terminal punctuation on this line", "ends in an ellipsis...")
    assert F(text).keep and F(text).text is None
    strict = C4Filter(filter_no_terminal_punct=True)
    assert strict(text).text == page()
    assert strict(text).signals["c4_no_terminal_punct_lines"] == 2


def test_lines_are_stripped_and_blank_lines_removed():
    verdict = F("  " + "\n\n".join(SENTENCES) + "  \n")
    assert verdict.text == page()


def test_signals_have_fixed_keys():
    assert set(F(page()).signals) == set(F("").signals) == set(F.signal_names)
