"""spaCy's rule-based tokenizers, fast: the same tokens, memoised per whitespace run.

spaCy splits a text at whitespace and tokenizes each run on its own (special cases, then prefix, suffix and
infix rules), so a run's tokens can be memoised and only new runs reach spaCy; a new run that is no special case and
that no affix rule matches is one token without a spaCy call. The exception: spaCy's special-case matcher runs over
the whole text, so a case can match tokens of neighbouring runs ("в т.ч."); `_CrossRuns` finds the texts where that
could change tokens, and those go to spaCy whole. Most of spaCy's cost per token is building the lexeme (in a memory
zone, again for every text), which memoised runs skip.
"""

from __future__ import annotations

import re
import sys
from itertools import chain

BROKEN = "IS_ALPHA"  # a token equal to this string breaks spaCy's pipeline inside a memory zone
_CACHE_LIMIT = 40_000  # memoised runs (about 13 MB) per language before the memo starts over: a worker may see 60 languages
_RUNS = re.compile(r"\S+")  # spaCy's runs: Python's \s is str.isspace, spaCy's test


def import_spacy():
    """spaCy, without torch unless torch is already loaded: thinc imports torch whenever it is installed (1.2 s
    and about 180 MB per worker process), and rule-based tokenizers never use it."""
    if "spacy" not in sys.modules and "torch" not in sys.modules:
        sys.modules["torch"] = None  # thinc's `import torch` fails as if torch were absent
        try:
            import spacy
        finally:
            if "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]  # a later `import torch` (training in this process) loads it as usual
    import spacy

    return spacy


def strip_tokens(tokens) -> list[str]:
    """Stripped tokens, empty ones dropped: datatrove's `strip_strings`."""
    return [s for s in (t.strip() for t in tokens) if s]


class SpacyRuns:
    """spaCy's rule-based tokenizer for one language, memoised per whitespace run."""

    def __init__(self, code: str) -> None:
        self._nlp = import_spacy().blank(code)
        self._nlp.vocab.lex_attr_getters = {}  # tokens do not depend on them, and they cost a third of new tokens
        self._tokenizer = self._nlp.tokenizer
        self._keys = set(self._tokenizer.rules)
        self._memo: dict[str, tuple[str, ...]] = {}
        self._cross = _CrossRuns(self._nlp)

    def words(self, text: str) -> list[str]:
        runs = _RUNS.findall(text)
        if len(self._memo) > _CACHE_LIMIT:
            self._memo.clear()
            self._cross.forget()
        new = [run for run in dict.fromkeys(runs) if run not in self._memo]
        if new:
            self._learn(new)
            self._cross.learn(new, self._memo)
        if self._cross.crosses(runs):
            return self._spacy(text)
        return list(chain.from_iterable(map(self._memo.__getitem__, runs)))

    def _learn(self, runs: list[str]) -> None:
        """Memoise the tokens of new runs. A run that is no special case and in which no prefix, suffix or infix
        rule matches is one token (spaCy's algorithm); the others go through spaCy, together."""
        tokenizer, keys = self._tokenizer, self._keys
        hard = []
        for run in runs:
            if run in keys or tokenizer.find_prefix(run) or tokenizer.find_suffix(run) or tokenizer.find_infix(run):
                hard.append(run)
            else:
                self._memo[run] = (run,)
        safe = [run for run in hard if BROKEN not in run]
        self._memo.update(zip(safe, _tokenize_runs(self._nlp, tokenizer, safe)))
        for run in hard:
            if BROKEN in run:  # outside a memory zone, where that token does not break spaCy
                self._memo[run] = tuple(t.text for t in tokenizer(run))

    def _spacy(self, text: str) -> list[str]:
        """The whole text through spaCy, as datatrove does."""
        if BROKEN in text:
            return strip_tokens(t.text for t in self._tokenizer(text))
        with self._nlp.memory_zone():
            return strip_tokens(t.text for t in self._tokenizer(text))


class _CrossRuns:
    """Finds texts where a spaCy special case could match across whitespace runs and change their tokens.

    spaCy matches the special cases that have affixes (under faster_heuristics) on the tokens of the whole text, so a
    match can span runs. It changes tokens when its text, spaces included, is a case ("в т.ч."), or when it
    suppresses an overlapping match inside a run. Each case is cut between its affix-split tokens into a left part,
    which a run's tokens must end with, and a right part, which the next runs' tokens must begin. A run's tokens
    are those the matcher saw except inside another case's output; there only the text is compared, and a cut that
    reaches there is risky, as is one in a spaced case or one whose right part goes on past the next run."""

    def __init__(self, nlp) -> None:
        from spacy.attrs import ORTH
        from spacy.tokenizer import Tokenizer

        tokenizer = nlp.tokenizer
        affixes_only = Tokenizer(
            nlp.vocab,
            rules={},
            prefix_search=tokenizer.prefix_search,
            suffix_search=tokenizer.suffix_search,
            infix_finditer=tokenizer.infix_finditer,
            token_match=tokenizer.token_match,
            url_match=tokenizer.url_match,
        )
        self._outputs = {key: tuple(t[ORTH] for t in value) for key, value in tokenizer.rules.items()}
        self._output_starts: dict[str, list[tuple[str, ...]]] = {}  # a case output's first token -> outputs
        for output in self._outputs.values():
            self._output_starts.setdefault(output[0], []).append(output)
        self._cuts: list[tuple[tuple[str, ...], tuple[str, ...], str]] = []  # (left, right tokens, right text)
        self._spaced: set[int] = set()
        self._lefts: dict[str, list[int]] = {}  # left text -> cuts
        self._rights: dict[str, list[int]] = {}  # right text -> cuts
        self._right_starts: dict[str, list[int]] = {}  # non-empty prefix of a right text -> cuts
        self._by_left_end: dict[str, list[int]] = {}  # last token of a left part -> cuts
        self._by_right_start: dict[str, list[int]] = {}  # first token of a right part -> cuts
        keys = [
            key
            for key in tokenizer.rules
            if not key.isspace()
            and (
                not tokenizer.faster_heuristics
                or " " in key
                or tokenizer.find_prefix(key)
                or tokenizer.find_suffix(key)
                or tokenizer.find_infix(key)
            )
        ]
        regular = [key for key in keys if key == " ".join(key.split())]  # single spaces: one batch call splits them
        irregular = [key for key in keys if key != " ".join(key.split())]
        with nlp.memory_zone():
            split = [tuple(t.text for t in affixes_only(key) if not t.text.isspace()) for key in irregular]
        for key, tokens in zip(regular + irregular, _tokenize_runs(nlp, affixes_only, regular) + split):
            for cut in range(1, len(tokens)):
                right = "".join(tokens[cut:])
                if any(char.isspace() for char in key):
                    self._spaced.add(len(self._cuts))
                self._lefts.setdefault("".join(tokens[:cut]), []).append(len(self._cuts))
                self._rights.setdefault(right, []).append(len(self._cuts))
                for end in range(1, len(right) + 1):
                    self._right_starts.setdefault(right[:end], []).append(len(self._cuts))
                self._by_left_end.setdefault(tokens[cut - 1], []).append(len(self._cuts))
                self._by_right_start.setdefault(tokens[cut], []).append(len(self._cuts))
                self._cuts.append((tokens[:cut], tokens[cut:], right))
        self._left_lengths = sorted({len(left) for left in self._lefts})
        self._right_lengths = sorted({len(right) for right in self._rights})
        self._tails: dict[str, tuple[frozenset[int], frozenset[int]]] = {}  # run -> (cuts it can end, risky ones)
        self._heads: dict[str, tuple[frozenset[int], frozenset[int], frozenset[int]]] = {}  # and the going-on ones

    def forget(self) -> None:
        self._tails.clear()
        self._heads.clear()

    def learn(self, runs: list[str], memo: dict[str, tuple[str, ...]]) -> None:
        for run in runs:
            tokens = memo[run]
            clean_head = clean_tail = len(tokens)  # tokens before the first, after the last case output
            if tokens != self._outputs.get(run):
                for i, token in enumerate(tokens):
                    for output in self._output_starts.get(token, ()):
                        if tokens[i : i + len(output)] == output:
                            clean_head = min(clean_head, i)
                            clean_tail = min(clean_tail, len(tokens) - i - len(output))
            if clean_head == len(tokens):  # the matcher saw these tokens: the end ones find the cuts
                tail = set(self._by_left_end.get(tokens[-1], ()))
                head = set(self._by_right_start.get(tokens[0], ()))
            else:  # match on text
                tail = {c for n in self._left_lengths if n <= len(run) for c in self._lefts.get(run[-n:], ())}
                head = set(self._right_starts.get(run, ()))
                head.update(c for n in self._right_lengths if n <= len(run) for c in self._rights.get(run[:n], ()))
            if tail or head:
                self._mark(run, tokens, clean_head, clean_tail, tail, head)

    def _mark(self, run, tokens, clean_head: int, clean_tail: int, tail: set[int], head: set[int]) -> None:
        ends, risky = set(), set()
        for c in tail:
            left = self._cuts[c][0]
            if len(left) > clean_tail:
                if clean_tail < len(tokens):  # (a left part longer than a clean run starts in an earlier one)
                    risky.add(c)
            elif tokens[-len(left) :] == left:
                ends.add(c)
        if ends or risky:
            self._tails[run] = (frozenset(ends | risky), frozenset(risky))
        begins, risky, goes_on = set(), set(), set()
        for c in head:
            right = self._cuts[c][1]
            if min(len(right), len(tokens)) > clean_head:
                risky.add(c)
            elif tokens[: len(right)] == right:
                begins.add(c)
            elif right[: len(tokens)] == tokens:
                goes_on.add(c)
        if begins or risky or goes_on:
            self._heads[run] = (frozenset(begins | risky | goes_on), frozenset(risky), frozenset(goes_on))

    def crosses(self, runs: list[str]) -> bool:
        if self._tails.keys().isdisjoint(runs):
            return False
        for i, (run, following) in enumerate(zip(runs, runs[1:])):
            tail = self._tails.get(run)
            head = self._heads.get(following) if tail else None
            common = tail[0] & head[0] if head else None
            if not common:
                continue
            if not (common.isdisjoint(tail[1]) and common.isdisjoint(head[1]) and common.isdisjoint(self._spaced)):
                return True
            if any(self._goes_on(self._cuts[c][2][len(following) :], runs[i + 2 :]) for c in common & head[2]):
                return True
        return False

    @staticmethod
    def _goes_on(rest: str, runs: list[str]) -> bool:
        """Whether the runs' text can continue a right part whose `rest` is still to match."""
        for run in runs:
            if run.startswith(rest):
                return True
            if not rest.startswith(run):
                return False
            rest = rest[len(run) :]
        return False


def _tokenize_runs(nlp, tokenizer, runs: list[str]) -> list[tuple[str, ...]]:
    """Each run's tokens from one tokenizer call over the runs joined by newlines (no special case has one)."""
    if not runs:
        return []
    with nlp.memory_zone():
        tokens = [t.text for t in tokenizer("\n".join(runs))]
    out: list[tuple[str, ...]] = []
    run_tokens: list[str] = []
    for token in chain(tokens, ("\n",)):
        if token.isspace():
            out.append(tuple(run_tokens))
            run_tokens = []
        else:
            run_tokens.append(token)
    return out
