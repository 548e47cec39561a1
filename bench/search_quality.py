"""Search quality and speed of `curate index` / `curate search`: recall@1 of phrase queries, queries/s, index size.

Each query is 8 consecutive words from a seeded random place in a document; a hit
is that document at rank 1 (recall@1) or in the top 5 (recall@5). Baseline for
speed: the same phrases found by a duckdb scan of the shards (`contains(text,
phrase)`, exact substrings), which needs no index but reads every text for every query.
Index size and build time are measured on a fresh copy of the shards, and again
on the corpus repeated `--scale` times in one shard (ids made distinct; a curated
shard holds ~128 MB of text), to read them per GB. The repeated corpus repeats
the texts too, so it compresses better than new text would: the size per GB to
trust is the one of the unrepeated corpus.

usage: python bench/search_quality.py --input OUT_DIR [--queries 300] [--scale 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.run_output import run_shards
from curation.search import Searcher
from curation.search_index import build_index, index_dir

PHRASE_WORDS = 8


def phrase_queries(out_dir: Path, n: int, seed: int) -> list[tuple[str, str]]:
    """(doc id, phrase) for n documents (all if fewer), each phrase 8 words from a seeded place."""
    rows = duckdb.sql(f"SELECT id, text FROM read_parquet('{out_dir}/data/**/*.parquet') ORDER BY id").fetchall()
    rng = random.Random(seed)
    queries = []
    for doc_id, text in rng.sample(rows, min(n, len(rows))):
        words = text.split()
        start = rng.randrange(max(1, len(words) - PHRASE_WORDS))
        queries.append((doc_id, " ".join(words[start:start + PHRASE_WORDS])))
    return queries


def scaled_copy(src: Path, dst: Path, scale: int) -> None:
    """One shard holding every document `scale` times, each copy's ids suffixed so every document is distinct."""
    (dst / "data").mkdir(parents=True)
    table = pa.concat_tables(pq.read_table(path) for path in run_shards(src))
    column = table.schema.get_field_index("id")
    copies = [table.set_column(column, "id", pc.binary_join_element_wise(table["id"], pa.scalar(f"#{c}"), ""))
              for c in range(scale)]
    pq.write_table(pa.concat_tables(copies), dst / "data" / "part-00000-of-00001.parquet", compression="zstd",
                   row_group_size=20_000)  # as `curate run` writes shards


def index_size(out_dir: Path) -> dict:
    summary = build_index(out_dir)
    postings = sum(p.stat().st_size for p in index_dir(out_dir).glob("postings-*.parquet"))
    return {"docs": summary.docs, "text_mb": summary.text_bytes / 1e6, "index_mb": summary.index_bytes / 1e6,
            "ratio": summary.index_bytes / summary.text_bytes, "postings_ratio": postings / summary.text_bytes,
            "seconds": summary.seconds, "mb_per_s": summary.text_bytes / 1e6 / summary.seconds}


def scan_queries_per_s(out_dir: Path, queries: list[tuple[str, str]]) -> float:
    scan = duckdb.connect()
    scan.execute(f"CREATE VIEW docs AS SELECT * FROM read_parquet('{out_dir}/data/**/*.parquet')")
    t0 = time.perf_counter()
    for _, phrase in queries:
        scan.execute("SELECT id FROM docs WHERE contains(text, $p) LIMIT 5", {"p": phrase}).fetchall()
    return len(queries) / (time.perf_counter() - t0)


def our_queries_per_s(out_dir: Path, queries: list[tuple[str, str]]) -> tuple[float, list]:
    searcher = Searcher(out_dir)
    searcher.search(queries[0][1])  # warm up duckdb
    t0 = time.perf_counter()
    results = [searcher.search(phrase, k=5) for _, phrase in queries]
    return len(queries) / (time.perf_counter() - t0), results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True, help="output folder of `curate run` (OUT_DIR/data/<lang_Script>/*.parquet)")
    ap.add_argument("--queries", type=int, default=300, help="phrase queries (one per document, at most)")
    ap.add_argument("--scale", type=int, default=20, help="times the corpus is repeated for the size/time at scale")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        shutil.copytree(Path(args.input) / "data", out / "data")
        built = index_size(out)
        t0 = time.perf_counter()
        unchanged = build_index(out)
        noop = time.perf_counter() - t0
        print(f"index: {built['docs']} docs, {built['text_mb']:.2f} MB of text -> {built['index_mb']:.2f} MB "
              f"({built['ratio'] * 1000:.0f} MB per GB of text: postings {built['postings_ratio'] * 1000:.0f}, "
              f"the rest the stored documents), built in {built['seconds']:.2f} s ({built['mb_per_s']:.1f} MB of "
              f"text/s); an update with nothing new: {noop * 1000:.0f} ms, {len(unchanged.indexed)} shards indexed")

        queries = phrase_queries(out, args.queries, args.seed)
        ours, results = our_queries_per_s(out, queries)
        at1 = sum(bool(hits) and hits[0].id == doc_id for (doc_id, _), hits in zip(queries, results))
        at5 = sum(doc_id in {h.id for h in hits} for (doc_id, _), hits in zip(queries, results))
        print(f"phrase queries ({PHRASE_WORDS} words): {len(queries)}; recall@1 {at1 / len(queries):.3f} ({at1}), "
              f"recall@5 {at5 / len(queries):.3f} ({at5})")
        scan = scan_queries_per_s(out, queries)
        print(f"queries/s: ours {ours:.1f} (top 5 with passages), duckdb scan {scan:.1f} (ids only); "
              f"ours/scan {ours / scan:.2f}x")

        scaled = Path(tmp) / "scaled"
        scaled_copy(out, scaled, args.scale)
        big = index_size(scaled)
        print(f"index at {args.scale}x: {big['docs']} docs, {big['text_mb']:.1f} MB of text -> {big['index_mb']:.1f} MB, "
              f"built in {big['seconds']:.1f} s ({big['mb_per_s']:.1f} MB of text/s, "
              f"{big['seconds'] / big['text_mb'] * 1000 / 60:.1f} min per GB)")
        ours, _ = our_queries_per_s(scaled, queries)
        scan = scan_queries_per_s(scaled, queries)
        print(f"queries/s at {args.scale}x: ours {ours:.1f}, duckdb scan {scan:.1f}; ours/scan {ours / scan:.2f}x")


if __name__ == "__main__":
    main()
