"""Import FineWeb-2's per-language recipe data into `filters/data/fineweb2/` (run again when upstream changes).

Reads the upstream files (default `../shared/data/fineweb2`, next to the repository) and writes compact,
deterministic package data that `filters.fineweb2` reads with the standard library only:

- `configs.json`: the filtering fields of each `configs/<iso639-3>_<Script>.yml`, one language per line as a
  list in the order of `fields` (field names repeated 1,929 times would double the file), and `fallback`:
  each field's median over the configs of `fallback_languages`, those of which FineWeb-2 kept at least
  1,000,000 documents (`fineweb2-language-distribution.csv`). The median over all configs would be ruled by
  the long tail of tiny, mostly Bible-text languages (a top 2-gram limit of 0.87, which never fires, next
  to a newline ratio of 0.071 that drops most lists); the large languages' thresholds were fitted on much
  data and agree with each other;
- `languages.json`: ISO 639-1 and 639-3 code -> the FineWeb-2 name of its default script, from datatrove's
  `tokenizer_assignment.csv` (`default_code_1` picks among a 639-1 code's languages, `default_script` among a
  language's scripts);
- `rehydration.json.gz`: every `rehydration/up_to_NN_reps.json`, as {"NN": upstream dict}; gzip (mtime 0)
  because the JSON is 1.2 MB and never read by people;
- `SOURCE.md` and the two upstream LICENSE files.

PyYAML is needed here only (it is in the development virtualenv); the package never parses YAML.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import shutil
import statistics
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "fineweb2"
DEFAULT_TARGET = REPO / "filters" / "data" / "fineweb2"
FIELDS = (
    "language_score",
    "dup_line_frac",
    "top_n_grams",
    "dup_n_grams",
    "line_punct_thr",
    "new_line_ratio",
    "min_avg_word_length",
    "max_avg_word_length",
    "max_non_alpha_words_ratio",
    "stopwords",
)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's is 10x faster, same values
FALLBACK_MIN_DOCUMENTS = 1_000_000
LICENSES = ("LICENSE-fineweb-2-Apache-2.0", "LICENSE-datatrove-Apache-2.0")

SOURCE_MD = """\
# FineWeb-2 recipe data

Written by `tools/import_fineweb2.py` from FineWeb-2's release data; do not edit by hand. Values are
unchanged; only the format is. All upstream files are Apache-2.0 (the two LICENSE files here).

- `configs.json`: huggingface/fineweb-2 `configs/*.yml` (commit d0defb24, 2025-10-27), the fields
  FineWeb-2's filtering step reads ({n_configs} languages). `fallback` is each field's median over the
  {n_large} languages with at least 1,000,000 documents in `fineweb2-language-distribution.csv` (same commit).
  License: LICENSE-fineweb-2-Apache-2.0.
- `rehydration.json.gz`: huggingface/fineweb-2 `misc/rehydration/weights/up_to_NN_reps.json` (same commit),
  NN = {reps}: upsampling weight by MinHash cluster size. License: LICENSE-fineweb-2-Apache-2.0.
- `languages.json`: huggingface/datatrove `src/datatrove/assets/tokenizer_assignment.csv` (commit
  a649de79), the default FineWeb-2 name of each ISO 639-1/639-3 code ({n_codes} codes).
  License: LICENSE-datatrove-Apache-2.0.

`filters/fineweb2.py` also holds datatrove's `TERMINAL_PUNCTUATION` set (datatrove 0.10.1,
`src/datatrove/utils/text.py`; LICENSE-datatrove-Apache-2.0), which FineWeb-2's quality filters used.
"""


def read_configs(source: Path) -> dict[str, list]:
    """{name: [values in FIELDS order]}; fails on a config whose fields differ from FIELDS."""
    configs = {}
    for path in sorted((source / "configs").glob("*.yml")):
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        if set(config) != set(FIELDS):
            raise ValueError(f"{path.name}: fields {sorted(config)}, expected {sorted(FIELDS)}")
        if not all(isinstance(word, str) for word in config["stopwords"]):
            raise ValueError(f"{path.name}: a stop word YAML read as a non-string")
        configs[path.stem] = [config[field] for field in FIELDS]
    return configs


def large_languages(source: Path, configs: dict[str, list]) -> list[str]:
    """The configs' languages of which FineWeb-2 kept at least FALLBACK_MIN_DOCUMENTS (train split) documents."""
    with open(source / "fineweb2-language-distribution.csv", newline="", encoding="utf-8") as f:
        kept = {row["subset"]: int(row["documents"]) for row in csv.DictReader(f) if row["split"] == "train"}
    return sorted(name for name in configs if kept.get(name, 0) >= FALLBACK_MIN_DOCUMENTS)


def median_config(configs: list[list]) -> list:
    """Each field's median over `configs` (per n for the n-gram limits), with no stop words."""
    columns = dict(zip(FIELDS, zip(*configs)))
    medians = []
    for field, column in columns.items():
        if field == "stopwords":
            medians.append([])
        elif field.endswith("_n_grams"):
            by_n: dict[int, list[float]] = {}
            for pairs in column:
                for n, limit in pairs:
                    by_n.setdefault(n, []).append(limit)
            medians.append([[n, statistics.median(limits)] for n, limits in sorted(by_n.items())])
        else:
            medians.append(statistics.median(column))
    return medians


def read_default_names(source: Path) -> dict[str, str]:
    """{ISO 639-1 or 639-3 code: "<code_3>_<Script>"} for each code's default row."""
    names = {}
    with open(source / "tokenizer_assignment.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = f"{row['code_3']}_{row['script']}"
            if row["default_script"] == "TRUE":
                names[row["code_3"]] = name
                if row["code_1"] and row["default_code_1"] == "TRUE":
                    names[row["code_1"]] = name
    return names


def read_rehydration(source: Path) -> dict[str, dict]:
    """{"3": upstream up_to_03_reps.json, ..., "10": ...}."""
    paths = sorted((source / "rehydration").glob("up_to_*_reps.json"))
    return {str(int(path.stem.split("_")[2])): json.loads(path.read_text(encoding="utf-8")) for path in paths}


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def write(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    configs = read_configs(source)
    large = large_languages(source, configs)
    lines = [f"{dumps(name)}:{dumps(values)}" for name, values in sorted(configs.items())]
    (target / "configs.json").write_text(
        f'{{"fields":{dumps(FIELDS)},\n"fallback":{dumps(median_config([configs[name] for name in large]))},\n'
        f'"fallback_languages":{dumps(large)},\n"configs":{{\n' + ",\n".join(lines) + "\n}}\n",
        encoding="utf-8",
    )
    names = read_default_names(source)
    (target / "languages.json").write_text(
        "{\n" + ",\n".join(f"{dumps(code)}:{dumps(name)}" for code, name in sorted(names.items())) + "\n}\n",
        encoding="utf-8",
    )
    rehydration = read_rehydration(source)
    (target / "rehydration.json.gz").write_bytes(gzip.compress(dumps(rehydration).encode(), 9, mtime=0))
    reps = ", ".join(sorted(rehydration, key=int))
    (target / "SOURCE.md").write_text(
        SOURCE_MD.format(n_configs=len(configs), n_large=len(large), reps=reps, n_codes=len(names)), encoding="utf-8"
    )
    for name in LICENSES:
        shutil.copyfile(source / name, target / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"default: {DEFAULT_SOURCE}")
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET, help=f"default: {DEFAULT_TARGET}")
    args = parser.parse_args()
    write(args.source, args.target)
    for path in sorted(args.target.iterdir()):
        print(f"{path.stat().st_size:>9,}  {path}")


if __name__ == "__main__":
    main()
