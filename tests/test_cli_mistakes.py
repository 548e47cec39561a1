"""A user's mistake is one line on stderr and exit 2, before any work starts, for every subcommand but run and dedup
(tests/test_pipeline.py and tests/test_dedup_pipeline.py cover those).

The classes of mistakes: an out-of-range number, a missing input, the wrong kind of input (a file where a folder is
expected or the reverse), and an output that exists but is the wrong kind. Every case is the real command line in a
subprocess; they run a few at a time, so the whole file takes seconds.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO
from curate_cli.main import build_parser

# (argv, what stderr's one line must contain); {file}, {dir}, {missing}, {new} and {run} are paths made by `paths`
# below: a text file, an empty folder, an input that does not exist, an output that does not exist (yet: a mistake
# must not create it), and a folder with a checkpoint.pt.
NUMBERS = [
    (["cc-paths", "CC-MAIN-2024-33", "--limit", "0"], "argument --limit: must be at least 1, not 0"),
    (["index", "{dir}", "--threads", "0"], "argument --threads: must be at least 1, not 0"),
    (["search", "x", "-k", "0"], "argument -k: must be at least 1, not 0"),
    (["search", "x", "--window", "0"], "argument --window: must be at least 1, not 0"),
    (["report", "{dir}", "--examples", "-1"], "argument --examples: must be at least 0, not -1"),
    (["contamination", "{dir}", "--against", "x={file}", "--examples", "-1"], "argument --examples: must be at least 0, not -1"),
    (["quality", "train", "--positives", "{file}", "--negatives", "{file}", "--output", "{new}", "--holdout", "1"],
     "argument --holdout: must be at least 0.0 and below 1.0, not 1"),
    (["quality", "train", "--positives", "{file}", "--negatives", "{file}", "--output", "{new}", "--bits", "40"],
     "argument --bits: must be at least 8 and at most 28, not 40"),
    (["quality", "score", "--model", "{file}", "{file}", "--show", "-1"], "argument --show: must be at least 0, not -1"),
    (["tokenize", "--input", "{dir}", "--output", "{new}", "--val-fraction", "2"],
     "argument --val-fraction: must be at least 0.0 and below 1.0, not 2"),
    (["tokenize", "--input", "{dir}", "--output", "{new}", "--val-fraction", "nan"],
     "argument --val-fraction: 'nan' is not a number"),
    (["tokenizer", "train", "--input", "{dir}", "--output", "{new}", "--vocab-size", "262"],
     "argument --vocab-size: must be at least 263, not 262"),
    (["tokens", "show", "{dir}", "--doc", "-1"], "argument --doc: must be at least 0, not -1"),
    (["pretrain", "--data", "{dir}", "--out", "{new}", "--lr", "0"], "argument --lr: must be above 0, not 0"),
    (["pretrain", "--data", "{dir}", "--out", "{new}", "--depth", "zero"], "argument --depth: 'zero' is not a whole number"),
    (["sample", "--ckpt", "{run}", "--top-p", "0"], "argument --top-p: must be above 0 and at most 1, not 0"),
    (["sample", "--ckpt", "{run}", "--temperature", "-0.5"], "argument --temperature: must be at least 0, not -0.5"),
    (["demo", "--val-fraction", "0"], "argument --val-fraction: must be above 0 and below 1, not 0"),
    (["sft", "--init", "{run}", "--out", "{new}", "--identity-examples", "-1"],
     "argument --identity-examples: must be at least 0, not -1"),
    (["chat", "--ckpt", "{run}", "--top-k", "-1"], "argument --top-k: must be at least 0, not -1"),
    (["eval", "--ckpt", "{run}", "--task", "bpb", "--limit", "0"], "argument --limit: must be at least 1, not 0"),
]

MISSING = [
    (["query", "SELECT 1", "--output", "{missing}"], "--output '{missing}': no such folder"),
    (["index", "{missing}"], "OUT_DIR '{missing}': no such folder"),
    (["search", "x", "--output", "{missing}"], "--output '{missing}': no such folder"),
    (["stats", "{missing}"], "OUT_DIR '{missing}': no such folder"),
    (["report", "{missing}"], "OUT_DIR '{missing}': no such folder"),
    (["report", "{dir}", "--output", "{missing}/r.html"], "--output '{missing}/r.html': folder '{missing}' does not exist"),
    (["quality", "train", "--positives", "{file}", "--negatives", "{missing}", "--output", "{new}"],
     "--negatives '{missing}': no such file or folder"),
    (["quality", "score", "--model", "{missing}", "{file}"], "--model '{missing}': no such file"),
    (["quality", "score", "--model", "{file}", "{missing}"], "PATH '{missing}': no such file or folder"),
    (["tokenize", "--input", "{missing}", "--output", "{new}"], "--input '{missing}': no such folder"),
    (["tokenize", "--input", "{dir}", "--output", "{new}", "--tokenizer", "{missing}"], "--tokenizer '{missing}': no such file"),
    (["tokenizer", "train", "--input", "{missing}", "--output", "{new}"], "--input '{missing}': no such folder"),
    (["tokenizer", "train", "--input", "{dir}", "--output", "{missing}/x.tiktoken"],
     "--output '{missing}/x.tiktoken': folder '{missing}' does not exist"),
    (["tokens", "check", "{missing}"], "TOK_DIR '{missing}': no such folder"),
    (["tokens", "show", "{missing}", "--doc", "0"], "TOK_DIR '{missing}': no such folder"),
    (["pretrain", "--data", "{missing}", "--out", "{new}"], "--data '{missing}': no such folder"),
    (["pretrain", "--data", "{dir}", "--out", "{new}", "--init-from", "{missing}"],
     "--init-from '{missing}': no such file or folder"),
    (["sample", "--ckpt", "{missing}"], "--ckpt '{missing}': no such file or folder"),
    (["demo", "--out", "{new}", "--input", "{missing}/*.warc"],
     "--input '{missing}/*.warc': no such file or folder, and no file matches it"),
    (["sft", "--init", "{missing}", "--out", "{new}", "--identity-examples", "5"], "--init '{missing}': no such folder"),
    (["sft", "--init", "{run}", "--out", "{new}", "--data", "{missing}"], "--data '{missing}': no such file"),
    (["sft", "--init", "{run}", "--out", "{new}", "--search-examples", "5", "--search-corpus", "{missing}"],
     "--search-corpus '{missing}': no such folder"),
    (["chat", "--ckpt", "{missing}"], "--ckpt '{missing}': no such file or folder"),
    (["chat", "--ckpt", "{run}", "--search", "{missing}"], "--search '{missing}': no such folder"),
    (["eval", "--ckpt", "{missing}", "--task", "idk"], "--ckpt '{missing}': no such file or folder"),
    (["eval", "--ckpt", "{run}", "--task", "hellaswag", "--data", "{missing}"], "--data '{missing}': no such file"),
    (["eval", "--ckpt", "{run}", "--task", "open-book", "--search", "{missing}"], "--search '{missing}': no such folder"),
    (["eval", "--ckpt", "{run}", "--task", "gsm8k", "--corpus", "{missing}"], "--corpus '{missing}': no such folder"),
    (["contamination", "{missing}", "--against", "x={file}"], "OUT_DIR '{missing}': no such folder"),
    (["contamination", "{dir}", "--against", "x={file}"], "no kept documents in"),
]

WRONG_KIND = [
    (["query", "SELECT 1", "--output", "{file}"], "--output '{file}' is a file, not a folder"),
    (["index", "{file}"], "OUT_DIR '{file}' is a file, not a folder"),
    (["search", "x", "--output", "{file}"], "--output '{file}' is a file, not a folder"),
    (["stats", "{file}"], "OUT_DIR '{file}' is a file, not a folder"),
    (["report", "{file}"], "OUT_DIR '{file}' is a file, not a folder"),
    (["quality", "score", "--model", "{dir}", "{file}"], "--model '{dir}' is a folder, not a file"),
    (["tokenize", "--input", "{file}", "--output", "{new}"], "--input '{file}' is a file, not a folder"),
    (["tokenize", "--input", "{dir}", "--output", "{new}", "--tokenizer", "{dir}"], "--tokenizer '{dir}' is a folder, not a file"),
    (["tokenizer", "train", "--input", "{file}", "--output", "{new}"], "--input '{file}' is a file, not a folder"),
    (["tokens", "check", "{file}"], "TOK_DIR '{file}' is a file, not a folder"),
    (["tokens", "show", "{file}", "--doc", "0"], "TOK_DIR '{file}' is a file, not a folder"),
    (["pretrain", "--data", "{file}", "--out", "{new}"], "--data '{file}' is a file, not a folder"),
    (["pretrain", "--data", "{dir}", "--out", "{new}", "--tokenizer", "{dir}"], "--tokenizer '{dir}' is a folder, not a file"),
    (["pretrain", "--data", "{dir}", "--out", "{new}", "--init-from", "{file}"], "--init-from '{file}' is a file but not a checkpoint"),
    (["sample", "--ckpt", "{file}"], "--ckpt '{file}' is a file but not a checkpoint"),
    (["sample", "--ckpt", "{dir}"], "--ckpt '{dir}': no checkpoint.pt there"),
    (["sft", "--init", "{file}", "--out", "{new}", "--identity-examples", "5"], "--init '{file}' is a file, not a folder"),
    (["sft", "--init", "{run}", "--out", "{new}", "--data", "{dir}"], "--data '{dir}' is a folder, not a file"),
    (["sft", "--init", "{run}", "--out", "{new}", "--search-examples", "5", "--search-corpus", "{file}"],
     "--search-corpus '{file}' is a file, not a folder"),
    (["chat", "--ckpt", "{file}"], "--ckpt '{file}' is a file but not a checkpoint"),
    (["chat", "--ckpt", "{run}", "--search", "{file}"], "--search '{file}' is a file, not a folder"),
    (["eval", "--ckpt", "{dir}", "--task", "idk"], "--ckpt '{dir}': no checkpoint.pt there"),
    (["eval", "--ckpt", "{run}", "--task", "gsm8k", "--data", "{dir}"], "--data '{dir}' is a folder, not a file"),
    (["eval", "--ckpt", "{run}", "--task", "bpb", "--data", "{file}"], "--data '{file}' is a file, not a folder"),
    (["eval", "--ckpt", "{run}", "--task", "bpb", "--corpus", "{dir}"], "--corpus goes with --task hellaswag or gsm8k"),
    (["contamination", "{file}", "--against", "x={file}"], "OUT_DIR '{file}' is a file, not a folder"),
]

OUTPUTS = [
    (["tokenize", "--input", "{dir}", "--output", "{file}"], "--output '{file}' is a file, not a folder"),
    (["tokenizer", "train", "--input", "{dir}", "--output", "{dir}"], "--output '{dir}' is a folder, not a file"),
    (["quality", "train", "--positives", "{file}", "--negatives", "{file}", "--output", "{dir}"],
     "--output '{dir}' is a folder, not a file"),
    (["report", "{dir}", "--output", "{dir}"], "--output '{dir}' is a folder, not a file"),
    (["pretrain", "--data", "{dir}", "--out", "{file}"], "--out '{file}' is a file, not a folder"),
    (["pretrain", "--data", "{dir}", "--out", "{run}"], "already holds a checkpoint: pass --resume"),
    (["sft", "--init", "{run}", "--out", "{file}", "--identity-examples", "5"], "--out '{file}' is a file, not a folder"),
    (["demo", "--out", "{file}"], "--out '{file}' is a file, not a folder"),
]

CASES = {"numbers": NUMBERS, "missing": MISSING, "wrong kind": WRONG_KIND, "outputs": OUTPUTS}
ALL = [(kind, argv, message) for kind, cases in CASES.items() for argv, message in cases]


def _id(case) -> str:
    kind, argv, _ = case
    return f"{kind}: {' '.join(argv)}"


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("mistakes")
    (root / "file.txt").write_text("some text\n")
    (root / "folder").mkdir()
    (root / "run").mkdir()
    (root / "run" / "checkpoint.pt").write_bytes(b"PK\x03\x04 not really")
    return {"file": str(root / "file.txt"), "dir": str(root / "folder"), "missing": str(root / "missing"),
            "new": str(root / "new"), "run": str(root / "run")}


@pytest.fixture(scope="module")
def results(paths) -> dict[str, subprocess.CompletedProcess]:
    """Every case run once, a few at a time (each is about 0.3 s of Python start-up and imports)."""
    def run(case):
        argv = [a.format(**paths) for a in case[1]]
        return subprocess.run([sys.executable, "-m", "curate_cli.main", *argv], capture_output=True, text=True,
                              cwd=REPO, timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(map(_id, ALL), pool.map(run, ALL)))


@pytest.mark.parametrize("case", ALL, ids=_id)
def test_a_mistake_is_one_line_and_exit_2(case, paths, results):
    result = results[_id(case)]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    argv = case[1]
    command = " ".join(argv[:2]) if argv[0] in NESTED else argv[0]  # `curate tokens check`, as its usage line says
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"curate {command}: error: "), lines[0]
    assert case[2].format(**paths) in lines[0]
    assert result.stdout == ""


NESTED = {"quality", "tokenizer", "tokens"}  # commands whose first argument is an action
# The subcommands swept here: all but run and dedup (their own tests) and ablate (newer than this file).
SWEPT = {"cc-paths", "query", "index", "search", "stats", "report", "contamination", "quality", "tokenize",
         "tokenizer", "tokens", "pretrain", "sample", "demo", "sft", "chat", "eval"}


def test_every_subcommand_is_covered():
    subcommands = build_parser()._subparsers._group_actions[0].choices
    covered = {argv[0] for _, argv, _ in ALL}
    assert covered == SWEPT and SWEPT <= set(subcommands)
    for kind, cases in CASES.items():
        assert cases, kind


def test_the_mistakes_left_no_output(paths, results):
    """Nothing was written: no output created, nothing added to the inputs."""
    assert not Path(paths["new"]).exists() and not Path(paths["missing"]).exists()
    assert not any(Path(paths["dir"]).iterdir()) and [p.name for p in Path(paths["run"]).iterdir()] == ["checkpoint.pt"]


# ---- in process: every numeric flag, at and just past its bounds (argparse only; no subprocess needed) --------------

RUN = ["--ckpt", "r"]
OUT_OF_RANGE = [
    ("index o", "--threads", "0"),
    ("search q", "-k", "0"), ("search q", "--window", "0"),
    ("report", "--examples", "-1"),
    ("cc-paths c", "--limit", "0"),
    ("quality train --positives p --negatives n --output m", "--max-docs", "0"),
    ("quality train --positives p --negatives n --output m", "--holdout", "-0.1"),
    ("quality train --positives p --negatives n --output m", "--epochs", "0"),
    ("quality train --positives p --negatives n --output m", "--learning-rate", "0"),
    ("quality train --positives p --negatives n --output m", "--bits", "7"),
    ("quality train --positives p --negatives n --output m", "--char-ngrams", "5,"),
    ("quality train --positives p --negatives n --output m", "--seed", "-1"),
    ("quality score --model m p", "--max-docs", "0"),
    ("tokenize --input i --output o", "--threads", "0"),
    ("tokenize --input i --output o", "--shard-tokens", "0"),
    ("tokenize --input i --output o", "--val-fraction", "1"),
    ("tokenizer train --input i --output o", "--val-fraction", "-0.01"),
    ("tokenizer train --input i --output o", "--max-chars", "0"),
    ("pretrain --out o", "--val-fraction", "1"),
    ("pretrain --out o", "--seq-len", "0"), ("pretrain --out o", "--batch-tokens", "0"),
    ("pretrain --out o", "--device-batch-size", "0"), ("pretrain --out o", "--max-steps", "0"),
    ("pretrain --out o", "--target-tokens", "0"), ("pretrain --out o", "--warmup-steps", "-1"),
    ("pretrain --out o", "--warmdown-frac", "1.01"), ("pretrain --out o", "--matrix-lr", "-1"),
    ("pretrain --out o", "--weight-decay", "-0.1"), ("pretrain --out o", "--final-lr-frac", "2"),
    ("pretrain --out o", "--grad-clip", "-1"), ("pretrain --out o", "--eval-every", "0"),
    ("pretrain --out o", "--eval-tokens", "0"), ("pretrain --out o", "--save-every", "0"),
    ("pretrain --out o", "--seed", "4294967296"), ("pretrain --out o", "--threads", "0"),
    ("pretrain --out o", "--stop-after", "0"),
    ("sample --ckpt r", "--max-new-tokens", "0"), ("sample --ckpt r", "--top-k", "-1"),
    ("sample --ckpt r", "--top-p", "1.01"), ("sample --ckpt r", "--seed", "-1"), ("sample --ckpt r", "--num-samples", "0"),
    ("demo", "--vocab-size", "260"), ("demo", "--val-fraction", "1"), ("demo", "--max-steps", "0"),
    ("sft --out o", "--idk-examples", "-1"), ("sft --out o", "--search-examples", "-1"),
    ("sft --out o", "--val-fraction", "1"), ("sft --out o", "--batch-size", "0"), ("sft --out o", "--epochs", "0"),
    ("sft --out o", "--max-steps", "0"), ("sft --out o", "--lr", "0"), ("sft --out o", "--threads", "0"),
    ("chat --ckpt r", "--max-new-tokens", "0"), ("chat --ckpt r", "--temperature", "-1"),
    ("chat --ckpt r", "--seed", "-1"),
    ("eval --ckpt r --task bpb", "--max-new-tokens", "0"),
]


@pytest.mark.parametrize("command, flag, value", OUT_OF_RANGE, ids=lambda v: v if isinstance(v, str) else None)
def test_every_numeric_flag_is_range_checked(command, flag, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command.split(), flag, value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1
    assert f"argument {flag}: " in err and (" must be " in err or " is not " in err), err


EDGES = [  # the ends of each range that are allowed, and the defaults that mean "all" or "off"
    ("sample --ckpt r --top-k 0 --top-p 1 --temperature 0 --seed 0", {"top_k": 0, "top_p": 1.0, "temperature": 0.0}),
    ("chat --ckpt r --top-k 0 --temperature 0", {"top_k": 0, "temperature": 0.0}),
    ("tokenize --input i --output o --val-fraction 0", {"val_fraction": 0.0}),
    ("tokenizer train --input i --output o --vocab-size 263", {"vocab_size": 263}),
    ("quality train --positives p --negatives n --output m --holdout 0 --bits 28 --char-ngrams 1,8",
     {"holdout": 0.0, "bits": 28, "char_ngrams": (1, 8)}),
    ("quality train --positives p --negatives n --output m", {"char_ngrams": (5,), "seed": 0}),
    ("report --examples 0", {"examples": 0}),
    ("pretrain --out o --grad-clip 0 --warmup-steps 0 --warmdown-frac 1 --final-lr-frac 0 --seed 4294967295",
     {"grad_clip": 0.0, "warmup_steps": 0, "warmdown_frac": 1.0, "final_lr_frac": 0.0, "seed": 2**32 - 1}),
    ("sft --out o --identity-examples 0 --val-fraction 0", {"identity_examples": 0, "val_fraction": 0.0}),
]


@pytest.mark.parametrize("command, expected", EDGES, ids=[c for c, _ in EDGES])
def test_the_ends_of_each_range_and_the_defaults_still_parse(command, expected):
    args = vars(build_parser().parse_args(command.split()))
    assert {k: args[k] for k in expected} == expected


def test_suppressed_defaults_stay_absent():
    """pretrain and sft leave unset flags out, so presets and a resumed run's config.json show through."""
    for command in ("pretrain --out o", "sft --out o"):
        args = vars(build_parser().parse_args(command.split()))
        assert not {"lr", "seed", "max_steps", "threads", "warmup_steps"} & set(args), command
