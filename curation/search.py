"""BM25 search over a `curate index` index: best documents first, each with its best passage.

Scores are Okapi BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)))
over the distinct terms of the query, computed by duckdb from the Parquet postings;
ties go to the earlier shard and row, so results are deterministic. The passage is the window
of PASSAGE_WORDS words whose distinct query terms weigh most (by idf), moved so
that its matches sit in the middle: a linear scan of the document's words.

Opening the index checks every shard (size and mtime, else content hash) and asks
for `curate index` when one changed, went away or is new, rather than answer from
documents the corpus no longer holds or miss ones it does.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from curation.digest import file_digest
from curation.run_output import run_shards
from curation.search_index import MAX_TERM_CHARS, SearchIndexError, index_dir, read_manifest, shard_key, terms_sql

K1, B = 1.2, 0.75
PASSAGE_WORDS = 60
MAX_QUERY_TERMS = 64  # a query's first 64 terms count: bounds the work of a pasted page
# Python's spelling of the index's term pattern, to find the query's terms in a passage.
_TERM = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Hit:
    id: str
    url: str
    score: float
    passage: str  # whitespace-normalised words of the document around the matches
    focus: int  # index, in the passage's words, of the middle of the matches (where a shorter cut should centre)


class Searcher:
    """An open index; `search(query, k)` returns up to k hits, best first."""

    def __init__(self, out_dir: str | os.PathLike):
        import duckdb

        self.out_dir = Path(out_dir)
        manifest = read_manifest(out_dir)
        _check_fresh(self.out_dir, manifest)
        self.num_docs = manifest["docs"]
        self.avg_len = manifest["terms"] / max(1, manifest["docs"])
        idx = index_dir(out_dir)
        self.con = duckdb.connect()
        self.con.execute("SET parquet_metadata_cache = true")  # footers are read once, not per query
        for view, kind in (("postings", "postings"), ("docs", "doc_table")):
            files = ", ".join("'" + str(idx / e[kind]).replace("'", "''") + "'" for e in manifest["shards"].values())
            self.con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{files}])")
        self.con.execute("CREATE TEMP TABLE lengths AS SELECT part, doc, len FROM docs")  # 16 bytes a document
        self._excluded: frozenset[str] | None = None

    def search(self, query: str, k: int = 5, exclude_ids: frozenset[str] | set[str] = frozenset(),
               window: int = PASSAGE_WORDS) -> list[Hit]:
        """The k best documents for the query (none when no term matches), skipping ids in `exclude_ids`.

        One SQL statement: the query's terms, their postings (row groups pruned by
        the sorted term column), document frequencies over the whole corpus, scores;
        ids, urls and texts are read for the k best only (and ids for all, when some are excluded).
        """
        if k < 1:
            return []
        if exclude_ids != self._excluded:
            self.con.execute("CREATE OR REPLACE TEMP TABLE excluded AS SELECT unnest($ids::VARCHAR[]) AS id",
                             {"ids": sorted(exclude_ids)})
            self._excluded = frozenset(exclude_ids)
        exclude = "JOIN docs d USING (part, doc) WHERE d.id NOT IN (SELECT id FROM excluded)" if exclude_ids else ""
        rows = self.con.execute(f"""
            WITH q AS (SELECT DISTINCT unnest(list_slice({terms_sql('$query')}, 1, {MAX_QUERY_TERMS})) AS term),
            p AS MATERIALIZED (SELECT term, part, doc, tf FROM postings WHERE term IN (SELECT term FROM q)),
            df AS (SELECT term, ln(1 + ($n - count(*) + 0.5) / (count(*) + 0.5)) AS idf FROM p GROUP BY term),
            s AS (SELECT part, doc, sum(df.idf * p.tf * {K1 + 1} / (p.tf + {K1} * ({1 - B} + {B} * l.len / $avg))) AS score
                  FROM p JOIN df USING (term) JOIN lengths l USING (part, doc) GROUP BY part, doc),
            top AS (SELECT s.* FROM s {exclude} ORDER BY score DESC, part, doc LIMIT $k)
            SELECT d.id, d.url, d.text, top.score, (SELECT map(list(term), list(idf)) FROM df)
            FROM top JOIN docs d USING (part, doc) ORDER BY top.score DESC, d.id, d.url""",
            {"query": query, "n": self.num_docs, "avg": self.avg_len, "k": k}).fetchall()
        if not rows:
            return []
        idf = dict(rows[0][4])
        return [Hit(doc_id, url, float(score), *best_passage(text, idf, window)) for doc_id, url, text, score, _ in rows]


def _check_fresh(out_dir: Path, manifest: dict) -> None:
    indexed = manifest["shards"]
    current = {shard_key(out_dir, p): p for p in run_shards(out_dir)}
    problems = sorted(set(indexed) - set(current)) + sorted(set(current) - set(indexed))
    for name in set(indexed) & set(current):
        stat, entry = os.stat(current[name]), indexed[name]
        if (stat.st_size, stat.st_mtime_ns) != (entry["size"], entry["mtime_ns"]) and \
                file_digest(current[name]) != entry["blake2b"]:
            problems.append(name)
    if problems:
        raise SearchIndexError(f"the index of {out_dir} is out of date ({', '.join(problems[:3])}"
                               f"{', ...' if len(problems) > 3 else ''}): run `curate index {out_dir}`")


def word_terms(word: str) -> list[str]:
    """The index's terms of one word (lower-cased runs of letters and digits, at most MAX_TERM_CHARS)."""
    return [t for t in _TERM.findall(word.lower()) if len(t) <= MAX_TERM_CHARS]


def best_passage(text: str, idf: dict[str, float], window: int = PASSAGE_WORDS) -> tuple[str, int]:
    """(passage, focus): `window` words around the tightest span holding the query terms that weigh most.

    One regex pass finds the query's terms (whole runs of letters and digits, any
    case); then two linear scans over those matches: a sliding window finds the
    largest idf weight of distinct terms that `window` words can hold, and two
    pointers the shortest span of that weight (a phrase beats the same words
    scattered). The window centres on that span.
    """
    spans = [m.span() for m in _WORD.finditer(text)]
    n = len(spans)
    events = _term_events(text, [start for start, _ in spans], idf) if idf else []
    if not events:
        return _join(text, spans[:window]), min(window, n) // 2
    best = _distinct_weight_scan(events, idf, window)
    first, last = _shortest_span(events, idf, best - 1e-9)
    middle = (first + last) // 2
    start = min(first, max(middle - window // 2, last - window + 1))  # the whole span stays inside
    start = min(max(0, start), max(0, n - window))
    return _join(text, spans[start:start + window]), middle - start


_WORD = re.compile(r"\S+")


def _join(text: str, spans: list[tuple[int, int]]) -> str:
    return " ".join(text[a:b] for a, b in spans)


def _term_events(text: str, word_starts: list[int], idf: dict[str, float]) -> list[tuple[int, str]]:
    """(word index, term) of every occurrence of a query term, in text order."""
    alternatives = "|".join(re.escape(t) for t in sorted(idf, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)
    events = []
    for m in pattern.finditer(text):
        term = m.group().lower()
        if term in idf:
            events.append((bisect_right(word_starts, m.start()) - 1, term))
    return events


def _distinct_weight_scan(events: list[tuple[int, str]], idf: dict[str, float], window: int) -> float:
    """The largest summed idf of distinct terms among the matches of any `window` consecutive words."""
    counts: dict[str, int] = {}
    score = best = 0.0
    left = 0
    for word, term in events:
        counts[term] = counts.get(term, 0) + 1
        score += idf[term] if counts[term] == 1 else 0.0
        while events[left][0] <= word - window:
            old = events[left][1]
            counts[old] -= 1
            score -= idf[old] if counts[old] == 0 else 0.0
            left += 1
        best = max(best, score)
    return best


def _shortest_span(events: list[tuple[int, str]], idf: dict[str, float], target: float) -> tuple[int, int]:
    """(first, last) word of the shortest, then earliest, span whose distinct terms weigh at least `target`."""
    counts: dict[str, int] = {}
    score, left, found = 0.0, 0, (events[0][0], events[-1][0])
    for word, term in events:
        counts[term] = counts.get(term, 0) + 1
        score += idf[term] if counts[term] == 1 else 0.0
        while score >= target:
            if word - events[left][0] < found[1] - found[0]:
                found = (events[left][0], word)
            old = events[left][1]
            counts[old] -= 1
            score -= idf[old] if counts[old] == 0 else 0.0
            left += 1
    return found
