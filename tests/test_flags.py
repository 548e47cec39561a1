"""curation/flags.py: numbers in range as argparse types, and the path checks the commands share."""

from __future__ import annotations

import argparse

import pytest

from curation.errors import UsageError
from curation.flags import (OneLineParser, curated_dir, existing_dir, existing_file, existing_path, fraction, integer,
                            number, output_dir, output_file, seed)


def _rejects(parse, text: str) -> str:
    with pytest.raises(argparse.ArgumentTypeError) as error:
        parse(text)
    return str(error.value)


def test_integer_bounds_are_inclusive():
    parse = integer(1, 3)
    assert [parse("1"), parse("3"), parse(" 2 ")] == [1, 3, 2]
    assert _rejects(parse, "0") == "must be at least 1 and at most 3, not 0"
    assert _rejects(parse, "4") == "must be at least 1 and at most 3, not 4"
    assert integer()("-7") == -7 and integer(0)("10000000000000000000000") == 10**22
    assert _rejects(integer(None, 5), "6") == "must be at most 5, not 6"


def test_integer_rejects_what_is_not_a_whole_number():
    for text in ("1.5", "x", "", "1e3", "nan"):
        assert _rejects(integer(0), text) == f"{text!r} is not a whole number"


def test_number_open_and_closed_ends():
    closed = number(0, 1)
    assert closed("0") == 0.0 and closed("1") == 1.0 and closed("1e-3") == 0.001
    both_open = number(0, 1, low_open=True, high_open=True)
    assert both_open("0.5") == 0.5
    assert _rejects(both_open, "0") == "must be above 0 and below 1, not 0"
    assert _rejects(both_open, "1") == "must be above 0 and below 1, not 1"
    assert _rejects(number(0, low_open=True), "-1") == "must be above 0, not -1"
    assert number(0, low_open=True)("inf") == float("inf")
    assert _rejects(number(0, 10), "inf") == "must be at least 0 and at most 10, not inf"


def test_number_rejects_nan_and_text():
    for text in ("nan", "NaN", "-nan"):
        assert _rejects(number(), text) == f"{text!r} is not a number"
    assert _rejects(number(0, 1), "half") == "'half' is not a number"


def test_fraction_and_seed():
    assert fraction()("0") == 0.0 and _rejects(fraction(), "1") == "must be at least 0.0 and below 1.0, not 1"
    assert fraction(high_open=False)("1") == 1.0
    assert seed()("0") == 0 and seed()(str(2**32 - 1)) == 2**32 - 1
    assert _rejects(seed(), str(2**32)) == f"must be at least 0 and at most {2**32 - 1}, not {2**32}"


def test_the_parser_reports_a_bad_value_on_one_line(capsys):
    parser = OneLineParser(prog="curate x")
    parser.add_argument("--n", type=integer(1))
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--n", "0"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "curate x: error: argument --n: must be at least 1, not 0 (see curate x --help)\n"


def test_path_checks(tmp_path):
    file, folder, missing = tmp_path / "f.txt", tmp_path / "d", tmp_path / "nope"
    file.write_text("x")
    folder.mkdir()
    f, d, m = str(file), str(folder), str(missing)
    assert existing_file("--a", f) == f and existing_dir("--a", d) == d and existing_path("--a", f) == f
    assert output_dir("--a", d) == d and output_dir("--a", m) == m
    assert output_file("--a", f) == f and output_file("--a", m) == m
    cases = [
        (existing_file, m, f"--a {m!r}: no such file"),
        (existing_file, d, f"--a {d!r} is a folder, not a file"),
        (existing_dir, m, f"--a {m!r}: no such folder"),
        (existing_dir, f, f"--a {f!r} is a file, not a folder"),
        (existing_path, m, f"--a {m!r}: no such file or folder"),
        (output_dir, f, f"--a {f!r} is a file, not a folder"),
        (output_file, d, f"--a {d!r} is a folder, not a file"),
        (output_file, f"{m}/x", f"--a '{m}/x': folder {m!r} does not exist"),
        (output_file, f"{f}/x", f"--a '{f}/x': folder {f!r} does not exist"),
    ]
    for check, path, message in cases:
        with pytest.raises(UsageError) as error:
            check("--a", path)
        assert str(error.value) == message, check.__name__
    with pytest.raises(UsageError, match=r"^OUT_DIR '.*nope': no such folder; no curated output "
                                         r"\(run `curate run --output .*nope` first\)$"):
        curated_dir("OUT_DIR", m)
    with pytest.raises(UsageError, match=r"^OUT_DIR 'a b': no such folder; no stats.json "
                                         r"\(run `curate run --output 'a b'` first\)$"):
        curated_dir("OUT_DIR", "a b", "stats.json")
    with pytest.raises(UsageError, match=r"no such file; try this$"):
        existing_file("--a", m, "try this")
