"""`curate ablate`, training half: each arm trained with the same model, hyper-parameters, seeds and number of
tokens, scored on the held-out text along the way and on HellaSwag at the end.

A run trains in segments, `curate pretrain --resume --stop-after STEP`, one per
point of its held-out curve, and each segment's checkpoint is scored before the
next one starts. Pretraining resumes exactly (same batches, RNG and optimizer
state), so the segments end with the weights one uninterrupted run would have,
and an interrupted ablation continues from the last checkpoint; points already in
RUN/heldout.jsonl are not scored again.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from curate_cli import pretrain as pretrain_command
from curate_cli.demo import step
from curation.ablation import FlagsParser, refuse_reserved
from curation.atomic import write_atomic
from curation.errors import UsageError
from pretrain.config import PRESETS, TrainConfig

HELDOUT = "heldout.jsonl"
HELLASWAG = "hellaswag.json"
# Set by curate ablate for every run, never by --train-flags.
RESERVED_TRAIN_FLAGS = ("--data", "--out", "--tokenizer", "--val-fraction", "--preset", "--max-steps", "--target-tokens",
                        "--seed", "--resume", "--stop-after", "--init-from", "--device")


def train_settings(preset: str, flags: list[str]) -> dict:
    """What every run trains with: TrainConfig's defaults, then the preset, then --train-flags (`curate pretrain` flags)."""
    if preset != "none" and preset not in PRESETS:
        raise UsageError(f"--preset {preset}: unknown; choose from none, {', '.join(PRESETS)}")
    refuse_reserved("--train-flags", flags, RESERVED_TRAIN_FLAGS, "run")
    parser = FlagsParser("--train-flags")
    pretrain_command.register(parser.add_subparsers())
    given = vars(parser.parse_args(["pretrain", "--out", "-", *flags]))
    values = asdict(TrainConfig(data="", out=""))
    values.update(PRESETS.get(preset, {}))
    values.update({k: v for k, v in given.items() if k in values and k not in ("data", "out", "resume")})
    return values


def curve_steps(total_steps: int, points: int) -> list[int]:
    """Up to `points` steps spread evenly over the run, the last one included."""
    return sorted({max(1, round(total_steps * i / points)) for i in range(1, points + 1)})


def setup_torch(device: str, threads: int | None) -> str:
    """The device to train and evaluate on ("auto" prefers CUDA); evaluation uses the runs' --threads too."""
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda, but torch sees no CUDA device")
    if threads:
        torch.set_num_threads(threads)
    return "cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu"


def read_curve(run_dir: Path) -> list[dict]:
    path = run_dir / HELDOUT
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def pretrain_segment(argv: list[str], launcher: list[str]) -> None:
    """`curate pretrain ARGV` in this process, or as `LAUNCHER -m curate_cli.main pretrain ARGV` (e.g. torchrun, for
    several GPUs); a failure stops the ablation."""
    import shlex
    import subprocess

    if not launcher:
        step("pretrain", argv)
        return
    command = [*launcher, "-m", "curate_cli.main", "pretrain", *argv]
    print(f"\n$ {shlex.join(command)}", flush=True)
    code = subprocess.run(command).returncode
    if code:
        raise UsageError(f"`{shlex.join(command)}` failed with exit code {code}")


def train_run(run_dir: Path, tokens: Path, heldout: Path, *, preset: str, flags: list[str], total_steps: int,
              batch_tokens: int, seed: int, points: int, device: str, launcher: list[str]) -> list[dict]:
    """Train one arm at one seed to `total_steps`, scoring held-out bits per byte at each curve point; the curve."""
    from pretrain.evals import val_bpb
    from pretrain.sample import load_run

    curve = read_curve(run_dir)
    done = {record["step"] for record in curve}
    base = ["--data", str(tokens), "--out", str(run_dir), *(["--preset", preset] if preset != "none" else []), *flags,
            "--max-steps", str(total_steps),
            "--seed", str(seed), "--device", device, "--resume", "--no-progress"]
    for point in curve_steps(total_steps, points):
        if point in done:
            continue
        pretrain_segment([*base, "--stop-after", str(point)], launcher)
        model, _, checkpoint = load_run(run_dir, device)
        if checkpoint["step"] != point:  # trained past a point it has no score for: only by hand
            raise UsageError(f"{run_dir} is at step {checkpoint['step']}, past held-out point {point}, which it has "
                             f"no score for; delete {run_dir} to train it again")
        scored = val_bpb(model, checkpoint, str(heldout), device=device, split="train")
        curve.append({"step": point, "tokens": point * batch_tokens, "eval_bpb": scored["val_bpb"],
                      "eval_loss": scored["val_loss"]})
        write_atomic(run_dir / HELDOUT, "".join(json.dumps(r) + "\n" for r in curve).encode())
        print(f"{run_dir}: step {point}/{total_steps}, held-out bits per byte {scored['val_bpb']:.4f}", flush=True)
    return sorted(curve, key=lambda record: record["step"])


def hellaswag_run(run_dir: Path, data: Path, rows: int, device: str) -> dict:
    """HellaSwag on the first `rows` rows with the run's final weights, kept in RUN/hellaswag.json."""
    from pretrain.evals import hellaswag
    from pretrain.sample import load_run

    path = run_dir / HELLASWAG
    settings = {"data": str(data), "rows": rows}
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved["settings"] == settings:
            return saved
    model, tokenizer, _ = load_run(run_dir, device)
    result = {"settings": settings, **hellaswag(model, tokenizer, data, rows, device)}
    write_atomic(path, (json.dumps(result) + "\n").encode())
    print(f"{run_dir}: hellaswag acc_norm {result['acc_norm']:.4f} over {result['examples']} rows", flush=True)
    return result
