"""The array steps of deduplication: sketches in, duplicate clusters out, on numpy batches of fixed-size records.

A document is addressed by its *location* `loc = file_index << 32 | row`: the
position of its staged row in the run's sorted list of staged files. Batches
are plain structured arrays, sent between steps as their bytes (never
pickled), so a step holds a few dozen bytes per document, never its text.

The survivor of a duplicate cluster is the document with the smallest
(record key, loc): the record key hashes every field of the document, so the
survivor depends on content alone (loc only orders records identical in every
field, which sit in one file, by row).

Clusters never span languages: each document's keys are XORed with a salt of
its language (and of its dump, with scope dump), as FineWeb-2 deduplicated
each language on its own. The survivor's cluster size is the sum of its
members' *weights*: 1 each, or for `curate dedup`'s inputs the cluster size
they already carry, so merging runs adds up what each run removed.

Steps (`pipelines/dedup.py` wires them, one partition per call):
1. `exact_copies`: entries (exact key, record key, loc) -> each group's
   representative, the smallest; the others are its exact copies.
2. `bucket_edges`: (band key, loc) of representatives -> star edges from every
   bucket member to the bucket's smallest loc (connectivity is all that matters).
3. connected components of the edges (distributed, in `pipelines/dedup.py`);
   `component_survivor` picks each component's survivor.
4. `member_verdicts`: exact copies follow their representative's survivor.
5. `survivor_sizes`: every survivor's cluster size, from the verdicts naming it;
   `verdict_columns`: one staged file's losers and sized survivors, by row.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pyarrow as pa

from curation.languages import output_language
from curation.minhash import scope_salt

EXACT, MINHASH = 0, 1
REASONS = ("exact_duplicate", "minhash_duplicate")
ROW_BITS = 32

EXACT_ENTRY = np.dtype([("e0", "<u8"), ("e1", "<u8"), ("r0", "<u8"), ("r1", "<u8"), ("loc", "<u8"), ("w", "<u4")])
BAND_ENTRY = np.dtype([("band", "<u8"), ("loc", "<u8")])
PAIR = np.dtype([("a", "<u8"), ("b", "<u8")])  # (document, its survivor)
COPY = np.dtype([("a", "<u8"), ("b", "<u8"), ("w", "<u4")])  # (representative, exact copy, the copy's weight)
VERDICT = np.dtype([("loc", "<u8"), ("survivor", "<u8"), ("reason", "<u1"), ("w", "<u4")])


def locations(file_index: int, rows: np.ndarray) -> np.ndarray:
    return (np.uint64(file_index) << np.uint64(ROW_BITS)) | rows.astype(np.uint64)


def file_of(loc: np.ndarray | int):
    return loc >> (np.uint64(ROW_BITS) if isinstance(loc, np.ndarray) else ROW_BITS)


def row_of(loc: np.ndarray | int):
    mask = (1 << ROW_BITS) - 1
    return loc & (np.uint64(mask) if isinstance(loc, np.ndarray) else mask)


def fixed_binary(column: pa.ChunkedArray | pa.Array, width: int, byteorder: str = "<") -> np.ndarray:
    """A non-null fixed_size_binary column -> (n, width / 8) uint64; big-endian ('>') keeps bytes order as number order."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    data = np.frombuffer(array.buffers()[1], dtype=f"{byteorder}u8")
    words = width // 8
    return data[array.offset * words : (array.offset + len(array)) * words].reshape(-1, words).astype("<u8")


def salts(languages: list[str], dumps: list[str] | None = None) -> np.ndarray:
    """(n, 2) uint64: each document's salt (`curation.minhash.scope_salt` of its language's output name, and of its
    dump when `dumps` are given), XORed into its exact and band keys so that clusters stay within one of each."""
    names = {code: output_language(code or "") for code in set(languages)}
    scopes = [names[code] for code in languages] if dumps is None else \
        [f"{dump}\0{names[code]}" for dump, code in zip(dumps, languages)]
    table = {scope: np.frombuffer(scope_salt(scope), dtype="<u8") for scope in set(scopes)}
    return np.array([table[s] for s in scopes], dtype="<u8").reshape(-1, 2)


def weights(sizes: pa.ChunkedArray | pa.Array | None, n: int) -> np.ndarray:
    """(n,) uint32: each row's weight in its cluster's size, the cluster size it already carries (`sizes`, a
    `curate dedup` input's column; None when it has none) or 1."""
    if sizes is None:
        return np.ones(n, dtype="<u4")
    return np.clip(sizes.fill_null(1).to_numpy(zero_copy_only=False), 1, 2**32 - 1).astype("<u4")


def exact_entries(exact: np.ndarray, record: np.ndarray, loc: np.ndarray, weight: np.ndarray) -> np.ndarray:
    out = np.empty(len(loc), dtype=EXACT_ENTRY)
    out["e0"], out["e1"], out["r0"], out["r1"], out["loc"] = exact[:, 0], exact[:, 1], record[:, 0], record[:, 1], loc
    out["w"] = weight
    return out


def partitions(entries: np.ndarray, part: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(partition, its entries, in their order) for every partition number that occurs in `part`."""
    order = np.argsort(part, kind="stable")
    part = part[order]
    starts = np.flatnonzero(_group_starts(part))
    for start, end in zip(starts, list(starts[1:]) + [len(part)]):
        yield int(part[start]), entries[order[start:end]]


def concat(blobs, dtype: np.dtype) -> np.ndarray:
    return np.concatenate([np.frombuffer(b, dtype=dtype) for b in blobs]) if blobs else np.empty(0, dtype=dtype)


def _group_starts(*keys: np.ndarray) -> np.ndarray:
    """For sorted keys: True where a new group of equal keys starts."""
    starts = np.ones(len(keys[0]), dtype=bool)
    if len(keys[0]) > 1:
        starts[1:] = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    return starts


def exact_copies(entries: np.ndarray) -> np.ndarray:
    """COPY (representative, copy, weight) for every exact copy: the smallest (record key, loc) of each exact key
    represents it."""
    e = entries[np.lexsort((entries["loc"], entries["r1"], entries["r0"], entries["e1"], entries["e0"]))]
    starts = _group_starts(e["e0"], e["e1"])
    representative = e["loc"][starts][np.cumsum(starts) - 1]
    copies = np.empty(int((~starts).sum()), dtype=COPY)
    copies["a"], copies["b"], copies["w"] = representative[~starts], e["loc"][~starts], e["w"][~starts]
    return copies


def bucket_edges(entries: np.ndarray) -> np.ndarray:
    """Distinct PAIR (member, bucket's smallest loc) for every bucket of two or more documents."""
    e = entries[np.lexsort((entries["loc"], entries["band"]))]
    starts = _group_starts(e["band"])
    center = e["loc"][starts][np.cumsum(starts) - 1]
    edges = np.empty(int((~starts).sum()), dtype=PAIR)
    edges["a"], edges["b"] = e["loc"][~starts], center[~starts]
    return np.unique(edges)


def component_survivor(members: list[tuple[bytes, int, int]]) -> int:
    """The loc of the smallest (record key, loc) among a component's (record key, loc, weight) members."""
    return min(members)[1]


def member_verdicts(copies: np.ndarray, survivors: np.ndarray) -> np.ndarray:
    """VERDICT for every exact copy (COPY): the survivor of its representative's component (PAIR (rep, survivor) in
    `survivors`), or the representative itself; an exact duplicate when that is the representative."""
    out = np.empty(len(copies), dtype=VERDICT)
    out["loc"], out["w"] = copies["b"], copies["w"]
    survivor = copies["a"].copy()
    if len(survivors) and len(copies):
        known = np.sort(survivors, order="a")
        at = np.minimum(np.searchsorted(known["a"], copies["a"]), len(known) - 1)
        found = known["a"][at] == copies["a"]
        survivor[found] = known["b"][at[found]]
    out["survivor"] = survivor
    out["reason"] = np.where(survivor == copies["a"], EXACT, MINHASH)
    return out


def survivor_sizes(verdicts: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cluster sizes) of the survivors that `verdicts` (VERDICTs naming survivors of one file) name: each
    survivor's own weight (`own`, by row of its file) plus the weights of the documents removed as its duplicates."""
    rows, inverse = np.unique(row_of(verdicts["survivor"]).astype(np.int64), return_inverse=True)
    sizes = own[rows].astype(np.int64)
    np.add.at(sizes, inverse, verdicts["w"].astype(np.int64))
    return rows, sizes


def verdict_columns(rows: np.ndarray, reasons: np.ndarray, ids: list[str], survivors: np.ndarray, sizes: np.ndarray) -> dict:
    """The columns of one staged file's verdicts, sorted by row: its losers (`rows`, reason codes, survivor `ids`)
    with no cluster size, then its survivors (`survivors` rows, their `sizes`) with no reason."""
    all_rows = np.concatenate([rows, survivors]).astype(np.int64)
    order, losers = np.argsort(all_rows, kind="stable").tolist(), len(rows)
    return {"row": all_rows[order], "filter_reason": [REASONS[reasons[i]] if i < losers else None for i in order],
            "duplicate_of": [ids[i] if i < losers else None for i in order],
            "cluster_size": [None if i < losers else int(sizes[i - losers]) for i in order]}
