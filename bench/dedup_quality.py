"""Dedup quality: what the MinHash settings (5-grams, 14 bands x 8 rows) catch, on real and on synthetic pairs.

1. Clough & Stevenson plagiarism corpus (../shared/data/neardup/): each answer is put
   with its Wikipedia source text in a dump of its own and the real dedup phase
   runs with --dedup-scope dump; a pair is detected when one of the two is
   removed. Printed per category: cut (copy-paste), light and heavy revision, non
   (written independently, should not be detected), with the pairs' mean shingle Jaccard.
2. Synthetic pairs with exact, controlled shingle Jaccard 0.5 .. 1.0: the fraction that
   share at least one band key (the pipeline's candidate rule, computed with the same
   `Sketcher`), next to the theoretical 1 - (1 - s^8)^14.

usage: python bench/dedup_quality.py [--pairs 300]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curation.document import Document  # noqa: E402
from curation.minhash import NGRAM, Sketcher, candidate_probability, jaccard, normalize  # noqa: E402

PAIRS = ROOT.parent / "shared" / "data" / "neardup" / "clough_stevenson_plagiarism" / "pairs.jsonl"
CATEGORIES = ("cut", "light", "heavy", "non")


def shingle_set(text: str) -> set[str]:
    words = normalize(text).split()
    n = min(NGRAM, len(words))
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)} if words else set()


def run_deduplicate(docs: list[Document]) -> set[str]:
    """Dumps in which the real dedup phase removed a document."""
    from pipelines.dedup_shards import deduplicate_documents

    with tempfile.TemporaryDirectory() as tmp:
        return {docs[row].dump for _, row, _, _ in deduplicate_documents([docs], tmp, scope="dump")}


def clough_stevenson() -> None:
    if not PAIRS.exists():
        print(f"skipped Clough & Stevenson: {PAIRS} not found")
        return
    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]
    docs = []
    for i, pair in enumerate(pairs):
        dump = f"pair-{i:03d}"
        docs.append(Document(id=f"answer-{pair['answer_file']}", url="", date="", dump=dump, file_path="", text=pair["answer_text"]))
        docs.append(Document(id=f"source-{pair['source_file']}", url="", date="", dump=dump, file_path="", text=pair["source_text"]))
    detected = run_deduplicate(docs)
    by_category = defaultdict(list)
    for i, pair in enumerate(pairs):
        similarity = jaccard(shingle_set(pair["answer_text"]), shingle_set(pair["source_text"]))
        by_category[pair["category"]].append((f"pair-{i:03d}" in detected, similarity))
    print("== Clough & Stevenson: answer vs its source, real dedup phase (scope dump, one pair per dump)")
    print("(expected: the mean over the pairs of 1-(1-J^8)^14 for their exact shingle Jaccard J)")
    print(f"{'category':<10}{'pairs':>7}{'detected':>10}{'rate':>8}{'expected':>10}{'mean J':>8}{'max J':>8}")
    for category in CATEGORIES:
        rows = by_category.get(category, [])
        if not rows:
            continue
        hits = sum(hit for hit, _ in rows)
        expected = sum(candidate_probability(s) for _, s in rows) / len(rows)
        mean = sum(s for _, s in rows) / len(rows)
        print(f"{category:<10}{len(rows):>7}{hits:>10}{hits / len(rows):>8.2f}{expected:>10.2f}{mean:>8.3f}{max(s for _, s in rows):>8.3f}")


def synthetic_pair(rng: random.Random, target: float, length: int = 200) -> tuple[str, str]:
    """Two texts of `length` random words whose shingle sets have Jaccard closest to `target`.

    B repeats A's first m words, then continues with fresh words: of the n = length-4
    shingles each text has, m-4 are shared, so J = (m-4) / (2n - (m-4)).
    """
    n = length - NGRAM + 1
    shared = round(2 * n * target / (1 + target))
    m = shared + NGRAM - 1 if shared else 0
    a = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) for _ in range(length)]
    b = a[:m] + ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) for _ in range(length - m)]
    return " ".join(a), " ".join(b)


def synthetic_curve(pairs_per_level: int) -> None:
    sketcher = Sketcher()
    rng = random.Random(0)
    print(f"\n== synthetic pairs, {pairs_per_level} per level: measured candidate rate vs theoretical 1-(1-s^8)^14")
    print(f"{'target s':>9}{'true s':>9}{'measured':>10}{'theory':>9}{'diff':>8}")
    for step in range(11):
        target = 0.5 + step * 0.05
        hits, similarities = 0, []
        for _ in range(pairs_per_level):
            a, b = synthetic_pair(rng, target)
            similarities.append(jaccard(shingle_set(a), shingle_set(b)))
            (exact_a, bands_a), (exact_b, bands_b) = sketcher.sketch(a), sketcher.sketch(b)
            hits += exact_a == exact_b or bool((bands_a == bands_b).any())
        s = sum(similarities) / len(similarities)
        measured, theory = hits / pairs_per_level, candidate_probability(s)
        print(f"{target:>9.2f}{s:>9.3f}{measured:>10.3f}{theory:>9.3f}{measured - theory:>+8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=300, help="synthetic pairs per similarity level (default: 300)")
    args = parser.parse_args()
    clough_stevenson()
    synthetic_curve(args.pairs)


if __name__ == "__main__":
    main()
