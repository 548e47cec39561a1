"""The one record type that flows through the pipeline once text exists.

A plain dataclass rather than a dict: typos in field names fail loudly, and it
pickles cheaply between Beam stages. Fields mirror the FineWeb schema
(`curation.schema`), plus `signals` (numeric values filters computed, written
only with `--signals`), `duplicate_of` (set by dedup for removed copies) and
`contamination` (the benchmark row a removed document quotes, `--decontaminate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Document:
    id: str
    url: str
    date: str
    dump: str
    file_path: str
    text: str = ""
    language: str = ""
    language_score: float = 0.0
    token_count: int | None = None  # cl100k tokens; computed for kept documents only
    signals: dict[str, float] = field(default_factory=dict)
    duplicate_of: str | None = None
    score: float | None = None  # learned quality score 0..1 (`--quality-model`); None when no model was used
    int_score: int | None = None  # round(5 * score), FineWeb-Edu's 0..5 scale
    contamination: dict | None = None  # {"benchmark", "row", "ngram"} of a document dropped as a benchmark's copy
