"""The held-out text `curate ablate` scores every arm on: documents that no arm trained on, in one Parquet shard.

Bits per byte on one fixed text compares arms whatever their own data; the text
must come from outside the archives being curated, or an arm that kept it would
be scored on its own training data. The default is 20 Common Crawl documents from
allenai/dolma's test data in ../shared/data (155,003 characters): CCNet's `head`
bucket, the English text most like Wikipedia by KenLM perplexity, from
CC-MAIN-2020-16 WET files, none of the archives in ../shared/data/warcs.
`seen_in` checks any such text against what the arms kept.
"""

from __future__ import annotations

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


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def seen_in(texts: list[str], curated_dirs: list[Path]) -> int:
    """How many held-out documents open with text (their first 200 characters, whitespace collapsed) that a
    document kept by one of the curated outputs contains."""
    import pyarrow.parquet as pq

    kept = []
    for folder in curated_dirs:
        for shard in run_shards(folder):
            kept += [_squeeze(t) for t in pq.read_table(shard, columns=["text"]).column("text").to_pylist() if t]
    corpus = "\n".join(kept)
    return sum(_squeeze(text)[:_OPENING] in corpus for text in texts)
