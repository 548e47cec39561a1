"""Command-line flags that check themselves: numbers in range, and usage errors on one line.

`integer(1)` or `number(0, 1, high_open=True)` as an argparse `type=` rejects a
value out of range while the command line is parsed, before any work starts;
`OneLineParser` prints every argparse error as one line (`curate run: error: ...`)
and exits 2, like the commands' own usage errors. `existing_file`, `existing_dir`,
`existing_path`, `output_dir` and `output_file` check a command's paths the same
way (a `UsageError` naming the flag and the path) before the command starts work.
"""

from __future__ import annotations

import argparse
import os
import shlex
from typing import Callable

from curation.errors import UsageError


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _bounds(low, high, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'above' if low_open else 'at least'} {low}")
    if high is not None:
        parts.append(f"{'below' if high_open else 'at most'} {high}")
    return " and ".join(parts)


def _ranged(kind: type, low, high, low_open: bool, high_open: bool) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}") from None
        if value != value:  # NaN
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            raise argparse.ArgumentTypeError(f"must be {_bounds(low, high, low_open, high_open)}, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def integer(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """A whole number from `low` to `high` (inclusive; None: unbounded)."""
    return _ranged(int, low, high, False, False)


def number(low: float | None = None, high: float | None = None, *, low_open: bool = False,
           high_open: bool = False) -> Callable[[str], float]:
    """A number in [low, high]; `low_open`/`high_open` leave that end out."""
    return _ranged(float, low, high, low_open, high_open)


def fraction(*, high_open: bool = True) -> Callable[[str], float]:
    """A share from 0 up to (by default not including) 1."""
    return number(0.0, 1.0, high_open=high_open)


def seed() -> Callable[[str], int]:
    """A random seed: 0 to 2**32 - 1, what every seeded generator here (numpy's legacy one included) accepts."""
    return integer(0, 2**32 - 1)



# Path checks for the commands' inputs and outputs: a UsageError naming the flag and the path, before any work.
# `flag` is the flag (`--output`) or, for a positional argument, its metavar (`OUT_DIR`); `hint` says what to pass.

def _missing(flag: str, path: str, what: str, hint: str) -> UsageError:
    return UsageError(f"{flag} {path!r}: no such {what}" + (f"; {hint}" if hint else ""))


def existing_file(flag: str, path: str, hint: str = "") -> str:
    """`path`, which must be a file."""
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path!r} is a folder, not a file")
    if not os.path.exists(path):
        raise _missing(flag, path, "file", hint)
    return path


def existing_dir(flag: str, path: str, hint: str = "") -> str:
    """`path`, which must be a folder."""
    if not os.path.exists(path):
        raise _missing(flag, path, "folder", hint)
    if not os.path.isdir(path):
        raise UsageError(f"{flag} {path!r} is a file, not a folder")
    return path


def existing_path(flag: str, path: str, hint: str = "") -> str:
    """`path`, a file or a folder, which must exist."""
    if not os.path.exists(path):
        raise _missing(flag, path, "file or folder", hint)
    return path


def output_dir(flag: str, path: str) -> str:
    """`path`, a folder to write into: it may be missing (it is created), but not be something else."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{flag} {path!r} is a file, not a folder")
    return path


def output_file(flag: str, path: str) -> str:
    """`path`, a file to write (or replace), in a folder that exists."""
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path!r} is a folder, not a file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{flag} {path!r}: folder {os.path.dirname(path)!r} does not exist")
    return path


def curated_dir(flag: str, path: str, what: str = "curated output") -> str:
    """`path`, which must be a folder: the output of `curate run` (not checked further here), where `what` is."""
    return existing_dir(flag, path, f"no {what} (run `curate run --output {shlex.quote(path)}` first)")
