"""`curate quality train|score`: train the learned quality classifier behind `curate run --quality-model`, or inspect one.

The DCLM recipe: reference text you want more of (positives) against ordinary
crawl text (negatives, e.g. the output of `curate run`); the model learns what
separates them, and `curate run --quality-model` writes its score into every shard.
"""

from __future__ import annotations

import argparse
import itertools
import time

from curation.errors import UsageError
from curation.flags import existing_file, existing_path, fraction, integer, number, output_file, seed

TEXT_FIELD_HELP = ("comma list of fields/columns holding the text; missing ones are skipped, so one list can serve "
                   "both sides (default: text); a chat list such as ShareGPT 'conversations' contributes its messages")


def register(subparsers) -> None:
    p = subparsers.add_parser("quality", help="train or inspect the learned quality score (score/int_score columns)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="quality_command", metavar="ACTION")
    actions.required = True

    train = actions.add_parser(
        "train", help="train a hashed n-gram logistic regression: positives vs negatives",
        description="Train on PATHs of Parquet, JSONL/JSON or .txt files (or directories of them; a `curate run` "
                    "output directory means its kept documents); report held-out precision, recall and AUC.",
    )
    train.add_argument("--positives", action="append", required=True, metavar="PATH",
                       help="reference text to score high: a file or directory (repeatable)")
    train.add_argument("--negatives", action="append", required=True, metavar="PATH",
                       help="ordinary text to score low, e.g. a `curate run` output directory (repeatable)")
    train.add_argument("--output", required=True, metavar="MODEL", help="model file to write (.npz; no pickle inside)")
    train.add_argument("--text-field", default="text", metavar="FIELDS", help=TEXT_FIELD_HELP)
    train.add_argument("--max-docs", type=integer(1), default=None, metavar="N",
                       help="read at most N documents per side, the first N found (default: all)")
    train.add_argument("--holdout", type=fraction(), default=0.2,
                       help="fraction of documents, chosen by a hash of their text, held out for the metrics, in [0, 1) "
                            "(default: 0.2)")
    train.add_argument("--epochs", type=integer(1), default=5, help="passes over the training documents (default: 5)")
    train.add_argument("--learning-rate", type=number(0, low_open=True), default=0.5,
                       help="AdaGrad step size, above 0 (default: 0.5)")
    train.add_argument("--bits", type=integer(8, 28), default=18,
                       help="2**BITS hashed weights, 8..28; 18 (1 MB) stays in cache, more means fewer hash collisions "
                            "on large training sets but slower scoring (default: 18)")
    train.add_argument("--char-ngrams", type=_orders, default="5", metavar="N[,N...]",
                       help="byte n-gram orders (1..8) used besides words and word bigrams (default: 5)")
    train.add_argument("--seed", type=seed(), default=0, help="seed for the order of training documents (default: 0)")
    train.set_defaults(func=run_train)

    score = actions.add_parser("score", help="score documents with a model: distribution, best and worst",
                               description="Print a model's training metrics, the int_score histogram of the "
                                           "documents in PATHs, and the highest and lowest scoring documents.")
    score.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to score (as for train)")
    score.add_argument("--model", required=True, metavar="MODEL", help="a model written by `curate quality train`")
    score.add_argument("--text-field", default="text", metavar="FIELDS", help=TEXT_FIELD_HELP)
    score.add_argument("--max-docs", type=integer(1), default=None, metavar="N", help="score at most N documents (default: all)")
    score.add_argument("--show", type=integer(0), default=3, metavar="K", help="print the K best and K worst documents (default: 3)")
    score.set_defaults(func=run_score)


def _orders(text: str) -> tuple[int, ...]:
    """--char-ngrams: a comma list of n-gram orders, each 1..8."""
    order = integer(1, 8)
    return tuple(order(part.strip()) for part in text.split(","))


def _read(paths: list[str], fields: list[str], limit: int | None, what: str) -> list[str]:
    """The documents of `paths`; a UsageError, before any training or scoring, when none had text in `fields`."""
    from curation.training_text import read_texts, record_fields

    texts = itertools.chain.from_iterable(read_texts(path, fields) for path in paths)
    try:
        found = list(itertools.islice(texts, limit))
        seen = {} if found else record_fields(paths)
    except (OSError, ValueError) as e:  # missing file, bad JSON or Parquet
        raise UsageError(str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    if not found:
        raise UsageError(_no_text(what, fields, seen))
    return found


def _no_text(what: str, fields: list[str], seen: dict[str, bool]) -> str:
    """One line: the fields asked for, the fields the records have, and the --text-field that reads the latter."""
    asked = " or ".join(f'"{name}"' for name in fields)
    message = f"{what}: no document has text in its {asked} field"
    if seen:
        message += f" (fields seen: {', '.join(sorted(seen))})"
    suggested = [name for name, has_text in seen.items() if has_text]
    if suggested:
        message += f"; try --text-field {','.join(suggested)}"
    return message


def _fields(spec: str) -> list[str]:
    fields = [f.strip() for f in spec.split(",") if f.strip()]
    if not fields:
        raise UsageError("--text-field needs at least one name")
    return fields


def run_train(args: argparse.Namespace) -> int:
    for flag, paths in (("--positives", args.positives), ("--negatives", args.negatives)):
        for path in paths:
            existing_path(flag, path)
    output_file("--output", args.output)
    fields = _fields(args.text_field)
    from curation.quality import Features, TrainConfig, train

    features = Features(bits=args.bits, char_ngrams=args.char_ngrams)
    positives = _read(args.positives, fields, args.max_docs, "--positives")
    negatives = _read(args.negatives, fields, args.max_docs, "--negatives")
    print(f"read {len(positives)} positive and {len(negatives)} negative documents")
    config = TrainConfig(epochs=args.epochs, learning_rate=args.learning_rate, holdout=args.holdout, seed=args.seed)
    started = time.perf_counter()
    try:
        model = train(positives, negatives, features, config)
    except ValueError as e:
        raise UsageError(str(e)) from e
    seconds = time.perf_counter() - started
    model.save(args.output)
    docs = model.info["documents"]
    print(f"trained on {docs['train']} documents for {args.epochs} epochs in {seconds:.1f}s -> {args.output}")
    print(_metrics_line(model.info["held_out"]))
    return 0


def _metrics_line(metrics: dict) -> str:
    def fmt(value):
        return "n/a" if value is None else f"{value:.3f}"

    return (f"held out: {metrics['positives']} positives, {metrics['negatives']} negatives; "
            f"precision {fmt(metrics['precision'])}, recall {fmt(metrics['recall'])} (at score >= 0.5), "
            f"AUC {fmt(metrics['auc'])}")


def run_score(args: argparse.Namespace) -> int:
    existing_file("--model", args.model, "train one with `curate quality train`")
    for path in args.paths:
        existing_path("PATH", path)
    fields = _fields(args.text_field)
    from curation.quality import int_score, load_model

    try:
        model = load_model(args.model)
    except ValueError as e:
        raise UsageError(f"cannot load quality model {args.model}: {e}") from e
    if "held_out" in model.info:
        print(f"model: {_metrics_line(model.info['held_out'])}")
    texts = _read(args.paths, fields, args.max_docs, "PATH")
    scored = sorted(((model.score(t), t) for t in texts), key=lambda pair: pair[0])
    histogram = [0] * 6
    for score, _ in scored:
        histogram[int_score(score)] += 1
    mean = sum(score for score, _ in scored) / len(scored)
    print(f"{len(scored)} documents, mean score {mean:.3f}")
    print("int_score  " + "  ".join(f"{i}: {n}" for i, n in enumerate(histogram)))
    k = min(args.show, len(scored) // 2)
    for title, rows in (("highest", scored[::-1][:k]), ("lowest", scored[:k])):
        if rows:
            print(f"{title}:")
            for score, text in rows:
                print(f"  {score:.3f}  {' '.join(text.split())[:100]}")
    return 0
