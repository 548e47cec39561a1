"""Pretraining end to end on a tiny corpus: exact resume, tokenizer-hash refusal, safe checkpoints, the CLI."""

from __future__ import annotations

import argparse
import importlib
import json
import pickle
import random
import subprocess
import sys
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from curation.errors import UsageError
from curation.tokenize import tokenize_shards
from curation.tokenizer import load_tokenizer, mergeable_ranks, save_tiktoken, train_bpe
from pretrain.checkpoint import (
    TokenizerMismatch,
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)
from pretrain.metrics import read_metrics
from pretrain.config import SFTConfig, TrainConfig
from pretrain.train import train
from pretrain.val_loss import token_byte_lengths

torch.set_num_threads(1)

SUBJECTS = ["the cat", "a dog", "my old friend", "the teacher", "a small bird", "our neighbour"]
VERBS = ["sees", "likes", "chases", "finds", "paints", "forgets"]
OBJECTS = ["the ball", "a fish", "the red apple", "some bread", "the moon", "a letter"]


def write_curated(folder: Path, n_docs: int = 300, seed: int = 0) -> Path:
    """A `curate run`-shaped folder (data/*.parquet with id and text) of simple English sentences."""
    rng = random.Random(seed)
    texts = [" ".join(f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
                      for _ in range(rng.randint(5, 30))) for _ in range(n_docs)]
    (folder / "data").mkdir(parents=True)
    pq.write_table(pa.table({"id": [f"doc-{i}" for i in range(n_docs)], "text": texts}),
                   folder / "data" / "part-00000.parquet")
    (folder / "stats.json").write_text("{}")
    return folder


def make_token_dir(root: Path, vocab_size: int) -> Path:
    curated = write_curated(root / "curated")
    texts = pq.read_table(curated / "data").column("text").to_pylist()
    save_tiktoken(train_bpe(texts, vocab_size), root / "bpe.tiktoken")
    tokenize_shards(curated, root / "tokens", str(root / "bpe.tiktoken"), val_fraction=0.1, threads=1, progress=False)
    return root / "tokens"


@pytest.fixture(scope="module")
def token_dir(tmp_path_factory) -> Path:
    return make_token_dir(tmp_path_factory.mktemp("corpus"), vocab_size=320)


@pytest.fixture(scope="module")
def other_token_dir(tmp_path_factory) -> Path:
    return make_token_dir(tmp_path_factory.mktemp("other"), vocab_size=300)


def tiny_config(token_dir: Path, out: Path, **overrides) -> TrainConfig:
    settings = dict(data=str(token_dir), out=str(out), depth=1, seq_len=32, batch_tokens=256, device_batch_size=4,
                    max_steps=12, warmup_steps=2, eval_every=4, eval_tokens=512, save_every=100, lr=1e-2,
                    threads=1, progress=False)
    return TrainConfig(**{**settings, **overrides})


def without_timing(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("tokens_per_s", "elapsed_s")} for r in records]


@pytest.fixture(scope="module")
def full_run(token_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    train(tiny_config(token_dir, out))
    return out


def test_resume_continues_exactly_like_an_uninterrupted_run(token_dir, full_run, tmp_path):
    first = train(tiny_config(token_dir, tmp_path, stop_after=6))
    assert first["step"] == 6
    second = train(tiny_config(token_dir, tmp_path, resume=True))
    assert second["step"] == 12 and second["trained_steps"] == 6
    assert without_timing(read_metrics(tmp_path / "metrics.jsonl")) == without_timing(read_metrics(full_run / "metrics.jsonl"))
    resumed, uninterrupted = load_checkpoint(tmp_path), load_checkpoint(full_run)
    for name, tensor in uninterrupted["model"].items():
        assert torch.equal(resumed["model"][name], tensor), name
    assert resumed["data_position"] == uninterrupted["data_position"] == 12


def test_a_time_budget_checkpoints_and_the_resume_continues_exactly(token_dir, full_run, tmp_path):
    saved = []
    first = train(tiny_config(token_dir, tmp_path, max_seconds=1e-9), on_checkpoint=lambda *s: saved.append(s))
    assert first["step"] == 1 and saved == [(1, tmp_path / "checkpoint.pt")]
    assert first["flops_per_token"] > 0 and first["peak_memory_bytes"] is None  # no CUDA here
    second = train(tiny_config(token_dir, tmp_path, resume=True))
    assert second["step"] == 12
    resumed, uninterrupted = (read_metrics(run / "metrics.jsonl") for run in (tmp_path, full_run))
    assert without_timing(resumed) == without_timing(uninterrupted)


def test_a_run_lowers_val_loss_and_writes_its_artifacts(full_run):
    records = read_metrics(full_run / "metrics.jsonl")
    val = [r for r in records if r["kind"] == "val"]
    assert [r["step"] for r in val] == [0, 4, 8, 12]
    assert val[-1]["val_loss"] < val[0]["val_loss"] - 1.0
    assert 0 < val[-1]["val_bpb"] < val[0]["val_bpb"]
    train_steps = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train_steps] == list(range(1, 13))
    assert all(r["tokens_per_s"] > 0 and "mfu" not in r for r in train_steps)  # no MFU on CPU
    assert (full_run / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((full_run / "config.json").read_text())["depth"] == 1
    assert (full_run / "tokenizer.tiktoken").exists()


def test_two_ddp_processes_train_like_one(token_dir, full_run, tmp_path):
    """torchrun with 2 CPU ranks (gloo) splits each step's batch and averages gradients: same losses."""
    script = tmp_path / "ddp_train.py"
    script.write_text("import json, sys\n"
                      f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
                      "from pretrain.config import TrainConfig\nfrom pretrain.train import train\n"
                      "train(TrainConfig(**json.loads(sys.argv[1])))\n")
    config = asdict(tiny_config(token_dir, tmp_path / "ddp", stop_after=4, max_seconds=3600))  # rank 0's clock rules
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                    str(script), json.dumps(config)], check=True, timeout=300, capture_output=True)
    ddp = [r["loss"] for r in read_metrics(tmp_path / "ddp" / "metrics.jsonl") if r["kind"] == "train"]
    single = [r["loss"] for r in read_metrics(full_run / "metrics.jsonl") if r["kind"] == "train"]
    assert len(ddp) == 4 and ddp == pytest.approx(single[:4], rel=1e-4)


def test_checkpoint_refuses_tokens_from_another_tokenizer(token_dir, other_token_dir, full_run, tmp_path):
    with pytest.raises(TokenizerMismatch):
        train(tiny_config(other_token_dir, full_run, resume=True, max_steps=14))
    with pytest.raises(TokenizerMismatch):
        train(tiny_config(other_token_dir, tmp_path, init_from=str(full_run)))


def test_loading_a_checkpoint_never_runs_its_code(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    (tmp_path / "checkpoint.pt").write_bytes(pickle.dumps({"model": Exploit()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(tmp_path)
    assert not marker.exists()


def test_a_failed_save_leaves_the_previous_checkpoint(tmp_path):
    save_checkpoint(tmp_path, {"step": 1, "weights": torch.ones(3)})
    with pytest.raises(Exception):
        save_checkpoint(tmp_path, {"step": 2, "weights": lambda: None})  # unpicklable: fails mid-save
    assert load_checkpoint(tmp_path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_rng_states_round_trip():
    state = capture_rng_state()
    before = (random.random(), np.random.rand(), torch.rand(1).item())
    restore_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == before


def test_token_byte_lengths_skip_special_and_padding_ids():
    enc = load_tokenizer("cl100k_base")
    lengths = token_byte_lengths(enc, 100_352)
    ranks = mergeable_ranks(enc)
    assert lengths.sum().item() == sum(len(t) for t in ranks)
    assert lengths[enc.encode_single_token("<|endoftext|>")] == 0 and lengths[-1] == 0
    assert lengths[enc.encode_single_token(" hello")] == 6


# ---- the commands ----------------------------------------------------------------------------------

def curate(command: str, *argv: str) -> int:
    """Run one subcommand through its own argparse registration, as `curate` would."""
    parser = argparse.ArgumentParser(prog="curate")
    importlib.import_module(f"curate_cli.{command}").register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([command, *argv])
    args.extra = []
    return args.func(args)


def test_pretrain_command_tokenizes_curated_shards_once_and_resumes(tmp_path, capsys):
    curated = write_curated(tmp_path / "curated", n_docs=120)
    save_tiktoken(train_bpe(pq.read_table(curated / "data").column("text").to_pylist(), 300), tmp_path / "bpe.tiktoken")
    common = ["--data", str(curated), "--tokenizer", str(tmp_path / "bpe.tiktoken"), "--val-fraction", "0.1",
              "--depth", "1", "--seq-len", "32", "--batch-tokens", "128", "--device-batch-size", "4",
              "--eval-every", "2", "--eval-tokens", "256", "--threads", "1", "--no-progress"]
    run = tmp_path / "run"
    assert curate("pretrain", *common, "--out", str(run), "--max-steps", "2") == 0
    (cache,) = curated.glob("tokens-*")
    manifest_mtime = (cache / "manifest.json").stat().st_mtime_ns
    with pytest.raises(UsageError, match="--resume"):
        curate("pretrain", *common, "--out", str(run), "--max-steps", "4")
    assert curate("pretrain", *common, "--out", str(run), "--max-steps", "4", "--resume") == 0
    assert (cache / "manifest.json").stat().st_mtime_ns == manifest_mtime
    assert "reusing tokens" in capsys.readouterr().out
    assert load_checkpoint(run)["step"] == 4
    assert curate("pretrain", "--out", str(run), "--resume") == 0  # everything else from the run's config
    assert "nothing to train" in capsys.readouterr().out


def test_sample_command_continues_the_prompt_reproducibly(full_run, capsys):
    argv = ["--ckpt", str(full_run), "--prompt", "The cat", "--max-new-tokens", "20", "--seed", "3", "--device", "cpu"]
    assert curate("sample", *argv) == 0
    first = capsys.readouterr().out
    assert first.startswith("The cat") and len(first) > len("The cat\n")
    assert curate("sample", *argv) == 0
    assert capsys.readouterr().out == first


def test_unknown_preset_and_missing_data_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="preset"):
        curate("pretrain", "--out", str(tmp_path / "r"), "--preset", "nope", "--data", str(tmp_path))
    with pytest.raises(UsageError, match="--data"):
        curate("pretrain", "--out", str(tmp_path / "r"))
    with pytest.raises(UsageError, match="neither a token directory"):
        curate("pretrain", "--out", str(tmp_path / "r"), "--data", str(tmp_path))


def test_the_commands_know_the_checkpoint_name_without_torch():
    from curate_cli.checkpoints import CHECKPOINT_NAME as commands_name
    from pretrain.checkpoint import CHECKPOINT_NAME

    assert commands_name == CHECKPOINT_NAME


@pytest.mark.parametrize("command, config, own", [
    ("pretrain", TrainConfig, {"data", "out"}),  # --data also takes curated shards; --out is required
    ("sft", SFTConfig, {"init", "data", "out"}),  # --init defaults to the run's; --data repeats; --out is required
])
def test_training_flags_come_from_the_config(command, config, own):
    """Every config field is a flag of the command, and (but for the command's own few) its help and default are
    the field's, so the two cannot drift apart."""
    parser = argparse.ArgumentParser(prog="curate")
    importlib.import_module(f"curate_cli.{command}").register(parser.add_subparsers())
    subparser = parser._subparsers._group_actions[0].choices[command]
    flags = {action.dest: action for action in subparser._actions}
    usage = subparser.format_help()
    for field in fields(config):
        assert field.name in flags, f"{config.__name__}.{field.name} is not a flag of curate {command}"
        assert flags[field.name].option_strings[0] in usage
        if field.name in own:
            continue
        help_text = flags[field.name].help.replace("%%", "%")
        assert help_text.startswith(field.metadata["help"])
        if field.default is not None and not isinstance(field.default, bool):
            assert help_text.endswith(f"(default: {field.default})")


def test_demo_runs_every_step_from_curated_shards(tmp_path, capsys):
    write_curated(tmp_path / "demo" / "curated")  # stands in for `curate run`, which has its own tests
    code = curate("demo", "--out", str(tmp_path / "demo"), "--vocab-size", "300", "--val-fraction", "0.1",
                  "--max-steps", "2", "--device", "cpu")
    assert code == 0
    out = capsys.readouterr().out
    for command in ("tokenizer train", "tokenize", "pretrain", "sample"):
        assert f"$ curate {command} " in out
    assert load_checkpoint(tmp_path / "demo" / "run")["step"] == 2
