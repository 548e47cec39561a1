"""The word splitter against NLTK/spaCy reference tokenizations, and its invariants."""

from hypothesis import given
from hypothesis import strategies as st

from filters.words import count_sentences, split_words

# Expected tokens were produced with NLTK 3.10 (Treebank word tokenizer, as
# FineWeb used) and spaCy 3.8 (blank "en", datatrove >= 0.3); comments mark
# where the references disagree and which one we follow.
REFERENCE = [
    (
        "I don't think it's a well-known fact, e.g. the U.S. economy grew 3.5% in 2023.",
        # NLTK; spaCy splits "well - known"
        ["I", "do", "n't", "think", "it", "'s", "a", "well-known", "fact", ",", "e.g.", "the", "U.S.",
         "economy", "grew", "3.5", "%", "in", "2023", "."],
    ),
    (
        "He said \"hello\" and 'bye' -- then left... Really?! Yes.",
        # spaCy; NLTK rewrites the double quotes to `` and ''
        ["He", "said", '"', "hello", '"', "and", "'", "bye", "'", "--", "then", "left", "...", "Really",
         "?", "!", "Yes", "."],
    ),
    (
        "Costs $1,000.50 (approx.) at 10:30. O'Neil’s car can’t wait for rock'n'roll and/or jazz.",
        # both, except NLTK splits the typographic apostrophe as a quote
        ["Costs", "$", "1,000.50", "(", "approx.", ")", "at", "10:30", ".", "O'Neil", "’s", "car", "ca",
         "n’t", "wait", "for", "rock'n'roll", "and/or", "jazz", "."],
    ),
    (
        "Mr. Smith met Dr. J. Doe “today” at 5 €.",
        ["Mr.", "Smith", "met", "Dr.", "J.", "Doe", "“", "today", "”", "at", "5", "€", "."],
    ),
]


def test_matches_reference_tokenizations():
    for text, expected in REFERENCE:
        assert list(split_words(text)) == expected, text


def test_symbols_are_split_from_words_like_spacy():
    expected = ["€", "5", "©", "2024", "#", "tag", "@", "user", "x", "*", "y"]
    assert list(split_words("€5 ©2024 #tag @user x*y")) == expected


def test_sentence_end_period_is_split_but_inner_dots_stay():
    assert list(split_words("See example.com. Done.")) == ["See", "example.com", ".", "Done", "."]
    expected = ["I", "wo", "n’t", ".", "Plan", "B.", "(", "J.", ")", "x."]
    assert list(split_words("I won’t. Plan B. (J.) x.")) == expected


@given(st.text())
def test_splitting_only_drops_whitespace(text):
    words = split_words(text)
    assert all(w and not any(c.isspace() for c in w) for w in words)
    assert "".join(words) == "".join(text.split())


def test_memoised_result_is_for_the_right_text():
    assert split_words("one two") == ("one", "two")
    assert split_words("three") == ("three",)
    assert split_words("one two") == ("one", "two")


def test_count_sentences():
    assert count_sentences("") == 0
    assert count_sentences("One sentence without an end") == 1
    assert count_sentences("First one. Second one! Third one? Fourth.") == 4
    assert count_sentences('He said "stop." Then he left.') == 2
    assert count_sentences("Abbreviations like e.g. and Mr. Smith or J. Doe do not end it.") == 1
    assert count_sentences("Line one.\nLine two. Still two.\n\n  \nThree") == 4
    assert count_sentences("Pi is 3.14 and the site is example.com today.") == 1
