"""The package interface the pipeline relies on: names, spec parsing, building, pickling, signal shape."""

import math
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters import FILTER_NAMES, build_text_filters, build_url_filter, parse_filter_spec


def test_spec_parsing():
    assert parse_filter_spec("fineweb") == list(FILTER_NAMES)
    assert parse_filter_spec(" FineWeb ") == list(FILTER_NAMES)
    assert parse_filter_spec("none") == []
    assert parse_filter_spec("c4,url") == ["url", "c4"]
    assert parse_filter_spec("fineweb,c4, c4") == ["c4", "fineweb"]


@pytest.mark.parametrize("spec", ["c4,nope", "", "gopher", "c4,,url"])
def test_bad_spec_names_the_bad_and_the_valid_names(spec):
    with pytest.raises(ValueError) as err:
        parse_filter_spec(spec)
    assert "gopher_repetition" in str(err.value)


def test_build_text_filters_in_fineweb_order_without_url():
    filters = build_text_filters(["fineweb", "url", "c4", "gopher_repetition"])
    assert [f.name for f in filters] == ["gopher_repetition", "c4", "fineweb"]
    assert build_text_filters([]) == []


def test_filters_pickle_and_behave_the_same():
    url_filter = build_url_filter()
    text_filters = build_text_filters(list(FILTER_NAMES))
    url_copy, text_copies = pickle.loads(pickle.dumps((url_filter, text_filters)))
    text = "The cat and the dog. " * 30
    assert [f(text) for f in text_copies] == [f(text) for f in text_filters]
    assert url_copy("http://pornhub.com/") == url_filter("http://pornhub.com/")


def test_signal_names_are_sql_identifiers_prefixed_by_filter():
    for f in [build_url_filter(), *build_text_filters(list(FILTER_NAMES))]:
        assert len(set(f.signal_names)) == len(f.signal_names)
        for name in f.signal_names:
            assert name.startswith(f.name + "_") and name.isidentifier() and name.islower()


TEXT_FILTERS = build_text_filters(list(FILTER_NAMES))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .#•-…!?{}\n\t'\"[]1é中")), max_size=400) | st.text(max_size=200))
def test_text_filters_never_crash_and_signals_are_fixed_and_finite(text):
    for f in TEXT_FILTERS:
        verdict = f(text)
        assert tuple(verdict.signals) == f.signal_names
        assert all(isinstance(v, float) and math.isfinite(v) for v in verdict.signals.values())
        assert verdict.keep == (verdict.reason is None)
        if verdict.reason:
            assert verdict.reason.startswith(f.name + ":")
        if verdict.text is not None:
            text = verdict.text


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_url_filter_never_crashes(url):
    f = build_url_filter()
    verdict = f(url)
    assert tuple(verdict.signals) == f.signal_names
