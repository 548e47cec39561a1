"""The held-out text `curate ablate` scores every arm on: documents that no arm trained on, in one Parquet shard.

Bits per byte on one fixed text compares arms whatever their own data; the text
must come from outside the archives being curated, or an arm that kept it would
be scored on its own training data. The default is 20 Common Crawl documents from
allenai/dolma's test data in ../shared/data (155,003 characters): CCNet's `head`
bucket, the English text most like Wikipedia by KenLM perplexity, from
CC-MAIN-2020-16 WET files, none of the archives in ../shared/data/warcs.
Every arm is curated with these documents (and the HellaSwag rows it is scored on) as `--decontaminate`
benchmarks (`write_benchmarks`); `seen_in` measures what the arms kept of them all the same (an arm curated
elsewhere was not decontaminated here).
"""

from __future__ import annotations

import json
from pathlib import Path

from curation.atomic import write_atomic
from curation.run_output import run_shards

DEFAULT_EVAL_TEXT = (
    "../shared/data/warcs/dolma/cc_en_head-0091.jsonl.gz",
    "../shared/data/warcs/dolma/cc_en_head-0174.jsonl.gz",
)
SHARD = "data/part-00000.parquet"
_OPENING = 200  # characters of a held-out document looked for in the training text


def read_documents(paths: list[str]) -> list[str]:
    """The documents of text files (one each), JSONL/JSON records' `text`, or Parquet `text` columns."""
    from curation.training_text import read_texts

    texts = [text for path in paths for text in read_texts(path, ("text",))]
    if not texts:
        raise ValueError(f"no text in {', '.join(paths)} (a .txt file, or records with a 'text' field)")
    return texts


def write_shard(texts: list[str], folder: Path) -> Path:
    """FOLDER/data/part-00000.parquet with `id` and `text`, written atomically: what `curate tokenize` reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / SHARD
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({"id": [f"heldout-{i:06d}" for i in range(len(texts))], "text": texts})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    write_atomic(path, sink.getvalue().to_pybytes())
    return path


def write_benchmarks(texts: list[str], hellaswag: str | None, rows: int, folder: Path) -> dict[str, Path]:
    """FOLDER/heldout.jsonl, a row per held-out document, and with `hellaswag` FOLDER/hellaswag.jsonl, its first
    `rows` rows (those scored): name -> file, what every arm is decontaminated against."""
    import gzip

    files = {"heldout": folder / "heldout.jsonl"}
    lines = [json.dumps({"text": text}) for text in texts]
    write_atomic(files["heldout"], ("\n".join(lines) + "\n").encode())
    if hellaswag is not None and rows:
        files["hellaswag"] = folder / "hellaswag.jsonl"
        with gzip.open(hellaswag, "rt", encoding="utf-8") as f:
            scored = [line.rstrip("\n") for line, _ in zip(f, range(rows))]
        write_atomic(files["hellaswag"], ("\n".join(scored) + "\n").encode())
    return files


def seen_in(benchmarks: dict[str, Path], curated_dirs: list[Path]) -> dict[str, int]:
    """Per benchmark of `write_benchmarks`: its rows that share a word 13-gram with a document some curated
    output kept (`curation.contamination`)."""
    from curation.contamination import load_index, report

    index = load_index([f"{name}={path}" for name, path in benchmarks.items()], "--eval-text")
    shards = [shard for folder in curated_dirs for shard in run_shards(folder)]
    return {name: b["contaminated_rows"] for name, b in report(index, shards, examples=0)["benchmarks"].items()}
