"""`curate ablate`: does curation give a better model for the same compute?

Curates the archives with each recipe, trains the same model on exactly the same
number of tokens of each (a small arm repeats epochs) at several seeds, and
compares bits per byte on held-out text that no arm trained on, and HellaSwag,
setting every gap against the seed noise. Each step is printed as the `curate`
command it runs and skipped when its output exists; pretraining resumes from its
checkpoints, so an interrupted ablation continues where it stopped.

  DIR/curated/NAME       curate run per recipe, all with --staging-dir DIR/staged, so recipes that differ only
                         after staging (dedup, --quality-keep-top) extract each archive once; `raw` is curated even
                         when not compared: the pool the tokenizer and the quality model's negatives come from;
                         --curated NAME=DIR uses a curate run output made elsewhere (e.g. on Dataflow) instead
  DIR/quality/model.npz  curate quality train, when a recipe selects by score and --quality-model is not given
  DIR/tokenizer.tiktoken one BPE for every arm, trained on the pool; DIR/tokens/NAME; DIR/heldout/
  DIR/runs/NAME/seed-S   curate pretrain, held-out bits per byte along the way (heldout.jsonl), HellaSwag at the end
  DIR/ablation.json, ablation.png, ablation.html   the comparison, also printed as a table
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from curate_cli.ablate_plan import (
    DEFAULT_HELLASWAG,
    DEFAULT_POSITIVES,
    POSITIVE_FIELDS,
    Plan,
    make_plan,
    repeat_flag,
)
from curate_cli.demo import step
from curate_cli.tokenizer import MIN_VOCAB_SIZE
from curation.ablation import POOL, Arm, Steps
from curation.errors import UsageError
from curation.flags import integer, number
from curation.recipe import DEFAULT_INPUT


def register(subparsers) -> None:
    p = subparsers.add_parser("ablate", help="curate with several recipes, train equal-token models, compare them",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", action="append", metavar="GLOB", help=f"archives, as for curate run (repeatable; default {DEFAULT_INPUT})")
    p.add_argument("--out", default="ablation", metavar="DIR", help="folder for every step's output (default: %(default)s)")
    p.add_argument("--recipes", default="raw,fineweb", metavar="A,B,...",
                   help="recipes to compare: raw (--filters none --no-dedup), fineweb (the default run), fineweb-nodedup, "
                        "quality-top (fineweb, then the top --quality-keep-top by learned score), or --recipe names "
                        "(default: %(default)s)")
    p.add_argument("--recipe", action="append", default=[], metavar="NAME='FLAGS'",
                   help="define a recipe as curate run flags, e.g. strict='--min-lang-score 0.9'; compared after "
                        "--recipes (repeatable)")
    p.add_argument("--curated", action="append", default=[], metavar="NAME=DIR",
                   help="use DIR, an existing curate run output (e.g. curated on Dataflow), as recipe NAME's "
                        "curation instead of curating it here (repeatable)")
    p.add_argument("--seeds", type=integer(1), default=2, help="training seeds per arm, 0..N-1 (default: %(default)s)")
    p.add_argument("--preset", default="cpu-demo",
                   help="curate pretrain preset every run uses; none: TrainConfig's defaults (default: %(default)s)")
    p.add_argument("--tokens", type=integer(1), default=None,
                   help="train tokens per run, rounded up to whole steps (default: the preset's steps)")
    p.add_argument("--train-flags", default="", metavar="'FLAGS'",
                   help="curate pretrain flags for every run, e.g. '--depth 12 --seq-len 1024' (default: none)")
    p.add_argument("--eval-text", action="append", metavar="PATH",
                   help="held-out text no arm trains on: .txt, JSONL/JSON with a text field, or Parquet (repeatable; "
                        "default: the 20 CCNet documents of ../shared/data/warcs/dolma/cc_en_head-*)")
    p.add_argument("--eval-points", type=integer(1), default=8,
                   help="held-out evaluations per run, evenly spaced, the last at the end (default: %(default)s)")
    p.add_argument("--hellaswag", default=None, metavar="PATH",
                   help=f"HellaSwag rows (default: {DEFAULT_HELLASWAG}, skipped when absent)")
    p.add_argument("--hellaswag-rows", type=integer(0), default=1000,
                   help="first N HellaSwag rows per run; 0: no HellaSwag (default: %(default)s)")
    p.add_argument("--tokenizer", default=None, metavar="cl100k_base|PATH",
                   help="tokenizer for every arm (default: a BPE of --vocab-size trained on the raw pool)")
    p.add_argument("--vocab-size", type=integer(MIN_VOCAB_SIZE), default=2048,
                   help="size of the BPE trained on the pool (default: %(default)s)")
    p.add_argument("--quality-model", default=None, metavar="PATH",
                   help="a curate quality train model for quality-top (default: trained here on --quality-positives "
                        "against the raw pool)")
    p.add_argument("--quality-positives", action="append", metavar="PATH",
                   help=f"text the trained quality model scores high (repeatable; default: {', '.join(DEFAULT_POSITIVES)})")
    p.add_argument("--quality-keep-top", type=number(0, 1, low_open=True), default=0.1,
                   help="share quality-top keeps, 0 < F <= 1 (default: %(default)s, DCLM's top 10%%)")
    p.add_argument("--workers", type=integer(1), default=None, help="curate run worker processes (default: all cores)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="training and evaluation device (default: %(default)s)")
    p.add_argument("--launcher", default="", metavar="'COMMAND'",
                   help="start each curate pretrain as COMMAND -m curate_cli.main pretrain ..., e.g. 'torchrun --standalone "
                        "--nproc_per_node 8' to train on 8 GPUs (default: in this process)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from curation.ablation_report import write_outputs
    from curate_cli.ablate_train import setup_torch
    from curation.heldout_text import seen_in, write_benchmarks

    plan = make_plan(args)
    device = setup_torch(args.device, plan.settings["threads"])
    (plan.out / "heldout").mkdir(parents=True, exist_ok=True)
    steps = Steps(plan.out)
    write_benchmarks(plan.heldout, plan.hellaswag, plan.hellaswag_rows, plan.out / "heldout")
    _curate(plan, steps, args.workers)
    manifests, heldout = _tokenize(plan, steps, args.vocab_size)
    results = _train(plan, steps, args, device)
    seen = seen_in(plan.benchmarks, [plan.curated(a.name) for a in plan.arms])
    for name, count in seen.items():
        if count:
            print(f"warning: {count} {name} rows share a word 13-gram with a document an arm kept")
    print(write_outputs(plan.out, _ablation(args, plan, manifests, heldout, results, seen, device)))
    return 0


def _curate(plan: Plan, steps: Steps, workers: int | None) -> None:
    """Every recipe, the pool first, and the quality model before the first recipe that is given it."""
    quality = plan.out / "quality" / "model.npz"
    for arm in ([plan.pool] if plan.pool and plan.pool not in plan.arms else []) + _pool_first(plan.arms):
        if arm.name in plan.given:
            continue
        if plan.positives and arm.name != POOL:
            quality.parent.mkdir(exist_ok=True)
            _once(steps, plan, "quality-model", quality, lambda: step("quality", [
                "train", *repeat_flag("--positives", plan.positives), "--negatives", str(plan.curated(POOL)),
                "--text-field", POSITIVE_FIELDS, "--output", str(quality)]))
        _once(steps, plan, f"curate-{arm.name}", plan.curated(arm.name) / "run.json", lambda arm=arm: step("run", [
            *repeat_flag("--input", plan.inputs), "--output", str(plan.curated(arm.name)),
            "--staging-dir", str(plan.out / "staged"), *(["--workers", str(workers)] if workers else []),
            *arm.curate_flags(plan.model),
            *repeat_flag("--decontaminate", [f"{name}={path}" for name, path in plan.benchmarks.items()])]))
    for arm in plan.arms:
        if json.loads((plan.curated(arm.name) / "stats.json").read_text())["kept"] == 0:
            raise UsageError(f"recipe {arm.name} kept no documents of {plan.curated(arm.name)}; nothing to train on")


def _tokenize(plan: Plan, steps: Steps, vocab_size: int) -> tuple[dict[str, dict], dict]:
    """The tokenizer, every arm's tokens and the held-out text's; their manifests, checked to be large enough."""
    from curation.heldout_text import write_shard

    if plan.tokenizer == str(plan.out / "tokenizer.tiktoken"):
        _once(steps, plan, "tokenizer", Path(plan.tokenizer), lambda: step("tokenizer", [
            "train", "--input", str(plan.curated(POOL)), "--output", plan.tokenizer,
            "--vocab-size", str(vocab_size), "--val-fraction", "0"]))
    for arm in plan.arms:
        _tokenize_one(steps, plan, f"tokens-{arm.name}", plan.curated(arm.name), plan.out / "tokens" / arm.name)
    heldout = plan.out / "heldout"
    if not (steps.has("heldout") and (heldout / "tokens" / "manifest.json").exists()):
        write_shard(plan.heldout, heldout)
    _tokenize_one(steps, plan, "heldout", heldout, heldout / "tokens")
    manifests = {arm.name: _manifest(plan.out / "tokens" / arm.name) for arm in plan.arms}
    _check_sizes(plan, manifests, _manifest(heldout / "tokens"))
    return manifests, _manifest(heldout / "tokens")


def _train(plan: Plan, steps: Steps, args: argparse.Namespace, device: str) -> dict:
    """Every arm at every seed: (held-out curve, HellaSwag result or None) by (arm, seed)."""
    from curate_cli.ablate_train import hellaswag_run, train_run

    results = {}
    for arm in plan.arms:
        for seed in plan.seeds:
            run_dir = plan.run_dir(arm.name, seed)
            steps.claim(f"run-{arm.name}-seed-{seed}", plan.specs[f"run-{arm.name}-seed-{seed}"])
            curve = train_run(run_dir, plan.out / "tokens" / arm.name, plan.out / "heldout" / "tokens",
                              preset=args.preset, flags=plan.train_flags, total_steps=plan.total_steps,
                              batch_tokens=plan.settings["batch_tokens"], seed=seed, points=args.eval_points,
                              device=device, launcher=plan.launcher)
            swag = hellaswag_run(run_dir, Path(plan.hellaswag), args.hellaswag_rows, device) if plan.hellaswag else None
            results[arm.name, seed] = (curve, swag)
    return results


def _pool_first(arms: list[Arm]) -> list[Arm]:
    """The pool, then recipes with dedup, then those without: --no-dedup stages no sketches, so a recipe that
    shares its staging with one with dedup reuses that one's staged files only in this order."""
    return sorted(arms, key=lambda arm: (arm.name != POOL, "--no-dedup" in arm.flags))


def _once(steps: Steps, plan: Plan, key: str, marker: Path, action) -> None:
    """Run a step unless this directory finished it with these settings (its output `marker` exists)."""
    if steps.has(key) and marker.exists():
        return
    steps.claim(key, plan.specs[key])
    action()


def _tokenize_one(steps: Steps, plan: Plan, key: str, source: Path, dest: Path) -> None:
    _once(steps, plan, key, dest / "manifest.json", lambda: step("tokenize", [
        "--input", str(source), "--output", str(dest), "--tokenizer", plan.tokenizer, "--val-fraction", "0"]))


def _manifest(tok_dir: Path) -> dict:
    return json.loads((tok_dir / "manifest.json").read_text(encoding="utf-8"))


def _check_sizes(plan: Plan, manifests: dict[str, dict], heldout: dict) -> None:
    """Every arm must fill one batch, and the held-out text one window, before any training starts."""
    seq_len, batch = plan.settings["seq_len"], plan.settings["batch_tokens"]
    for name, manifest in manifests.items():
        tokens = manifest["splits"]["train"]["num_tokens"]
        if (tokens - 1) // seq_len < batch // seq_len:
            raise UsageError(f"recipe {name} kept {tokens} tokens, fewer than one batch of {batch}: curate more "
                             f"input or lower --batch-tokens in --train-flags")
    if (heldout["splits"]["train"]["num_tokens"] - 1) // seq_len < 1:
        raise UsageError(f"the held-out text is shorter than one window of {seq_len + 1} tokens: give more --eval-text")


def _ablation(args, plan: Plan, manifests: dict, heldout: dict, results: dict, seen: dict[str, int], device: str) -> dict:
    """ablation.json's content before the summaries: settings, then per arm its data and per-seed results."""
    from pretrain.sample import load_run

    batch = plan.settings["batch_tokens"]
    model, tokenizer, _ = load_run(plan.run_dir(plan.arms[0].name, 0), "cpu")
    arms = []
    for arm in plan.arms:
        train = manifests[arm.name]["splits"]["train"]
        run_info = json.loads((plan.curated(arm.name) / "run.json").read_text())
        runs = []
        for seed in plan.seeds:
            curve, swag = results[arm.name, seed]
            runs.append({"seed": seed, "eval_bpb": curve[-1]["eval_bpb"], "eval_loss": curve[-1]["eval_loss"],
                         **({"hellaswag_acc_norm": swag["acc_norm"], "hellaswag_acc": swag["acc"]} if swag else {}),
                         "curve": curve})
        arms.append({"name": arm.name, "curate_flags": arm.curate_flags(plan.model), "documents": train["num_docs"],
                     "unique_tokens": train["num_tokens"], "text_bytes": train["text_bytes"],
                     "bytes_per_token": train["text_bytes"] / max(1, train["num_tokens"] - train["num_docs"]),
                     "train_tokens": plan.total_steps * batch, "repeats": plan.total_steps * batch / train["num_tokens"],
                     "curation": {**run_info["files"], "staging": Path(run_info["staging"]["dir"]).name,
                                  **({"given": str(plan.given[arm.name])} if arm.name in plan.given else {})},
                     "results": runs})
    return {
        "command": _command(args, plan),
        "inputs": plan.inputs,
        "tokenizer": {"source": plan.tokenizer, "n_vocab": tokenizer.n_vocab,
                      "trained_on": f"curated/{POOL}" if args.tokenizer is None else None},
        "quality_model": plan.model and {"path": plan.model, "trained_on": plan.positives and {
            "positives": plan.positives, "negatives": f"curated/{POOL}"}},
        "heldout": {"paths": args.eval_text or "default", "documents": len(plan.heldout),
                    "tokens": heldout["splits"]["train"]["num_tokens"], "bytes": heldout["splits"]["train"]["text_bytes"],
                    "seen_in_training": seen["heldout"]},
        "hellaswag": plan.hellaswag and {"data": plan.hellaswag, "rows": args.hellaswag_rows,
                                         "seen_in_training": seen.get("hellaswag", 0)},
        "train": {"preset": args.preset, "train_flags": plan.train_flags, "params": model.num_params(),
                  "depth": plan.settings["depth"], "seq_len": plan.settings["seq_len"], "batch_tokens": batch,
                  "steps": plan.total_steps, "train_tokens": plan.total_steps * batch, "seeds": plan.seeds,
                  "device": device},
        "arms": arms,
    }


def _command(args: argparse.Namespace, plan: Plan) -> str:
    """The command line that repeats this ablation, every setting spelled out."""
    parts = ["curate", "ablate", *repeat_flag("--input", plan.inputs), "--out", args.out, "--recipes", args.recipes,
             *repeat_flag("--recipe", args.recipe), *repeat_flag("--curated", args.curated), "--seeds", str(args.seeds), "--preset", args.preset,
             "--tokens", str(plan.total_steps * plan.settings["batch_tokens"])]
    parts += ["--train-flags", args.train_flags] if args.train_flags else []
    parts += repeat_flag("--eval-text", args.eval_text or [])
    parts += ["--eval-points", str(args.eval_points), "--hellaswag-rows", str(args.hellaswag_rows if plan.hellaswag else 0)]
    parts += ["--tokenizer", args.tokenizer] if args.tokenizer else ["--vocab-size", str(args.vocab_size)]
    parts += ["--quality-model", args.quality_model] if args.quality_model else repeat_flag("--quality-positives", plan.positives or [])
    if any(arm.needs_model for arm in plan.arms):
        parts += ["--quality-keep-top", str(args.quality_keep_top)]
    return shlex.join(parts)
