"""Our filters against datatrove's on the same texts; called by compare_datatrove.py inside its virtualenv.

Reads what datatrove_fineweb.py wrote: the documents that passed language ID
(OUT/after_language) and what each filter removed (OUT/removed/<stage>). For
each document it compares where datatrove dropped it with where our filter
chain drops the same text, so extraction and language-ID differences drop out.
It then swaps our word splitter for the two reference tokenizers (spaCy's, as
datatrove >= 0.3 uses for English, and NLTK's Treebank tokenizer, as FineWeb
used; applied per line because NLTK's Punkt model cannot be downloaded here)
and counts how many of our decisions change. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import filters  # noqa: E402
from bench.datatrove_fineweb import our_reason, read_jsonl  # noqa: E402
from filters import fineweb, gopher_quality, gopher_repetition, words  # noqa: E402

TEXT_STAGES = ("gopher_repetition", "gopher_quality", "c4", "fineweb")


def datatrove_outcomes(out: Path) -> dict[str, str]:
    """url -> "kept" or "<stage>:<our reason name>" for every document that passed language ID."""
    outcome = {doc["metadata"]["url"]: "kept" for doc in read_jsonl(out / "after_language")}
    for stage in TEXT_STAGES:
        for doc in read_jsonl(out / "removed" / stage):
            outcome[doc["metadata"]["url"]] = f"{stage}:{our_reason(stage, doc)}"
    return outcome


def our_outcome(text: str, chain: list) -> str:
    for f in chain:
        verdict = f(text)
        if not verdict.keep:
            return verdict.reason
        text = verdict.text if verdict.text is not None else text
    return "kept"


def use_splitter(split) -> None:
    """Make the filters split words with `split` (they import split_words by name)."""
    for module in (gopher_repetition, gopher_quality, fineweb):
        module.split_words = split


def reference_splitters() -> dict:
    from datatrove.utils.text import split_into_words
    from nltk.tokenize import NLTKWordTokenizer

    treebank = NLTKWordTokenizer()
    return {
        "spacy (datatrove 0.10)": lambda text: tuple(split_into_words(text, "eng")),
        "nltk treebank per line (FineWeb, no punkt)": lambda text: tuple(
            token for line in text.splitlines() for token in treebank.tokenize(line)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True, type=Path, help="datatrove_fineweb.py's output folder")
    args = parser.parse_args()

    docs = {doc["metadata"]["url"]: doc["text"] for doc in read_jsonl(args.output / "after_language")}
    theirs = datatrove_outcomes(args.output)
    chain = filters.build_text_filters(list(filters.FILTER_NAMES))
    ours = {url: our_outcome(text, chain) for url, text in docs.items()}
    disagreements = sorted((url, theirs[url], ours[url]) for url in docs if theirs[url] != ours[url])

    tokenizers = {}
    for name, split in reference_splitters().items():
        counts = [len(words.split_words(text)) / max(1, len(split(text))) for text in docs.values()]
        use_splitter(split)
        swapped = {url: our_outcome(text, chain) for url, text in docs.items()}
        use_splitter(words.split_words)
        tokenizers[name] = {
            "token_count_ratio_median": statistics.median(counts),
            "token_count_ratio_p5_p95": [statistics.quantiles(counts, n=20)[0], statistics.quantiles(counts, n=20)[-1]],
            "decisions_changed": sum(swapped[url] != ours[url] for url in docs),
            "changed": sorted((url, ours[url], swapped[url]) for url in docs if swapped[url] != ours[url]),
        }
    print(
        json.dumps(
            {
                "documents": len(docs),
                "same_outcome": len(docs) - len(disagreements),
                "datatrove": dict(Counter(theirs.values())),
                "ours": dict(Counter(ours.values())),
                "disagreements": disagreements,
                "tokenizers": tokenizers,
            }
        )
    )


if __name__ == "__main__":
    main()
