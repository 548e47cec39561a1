"""`curate ablate`'s plan: every setting checked, and every step's settings compared with what the ablation
directory was made with, before any work starts.

A step's settings include those of the steps it reads (a run's include its arm's
tokens', which include the tokenizer's and the curation's), so changing anything
upstream is caught at the step that would have mixed old and new.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from curation.ablation import POOL, Arm, FlagsParser, Steps, plan_arms, pool_arm, spec_hash
from curation.digest import file_digest
from curation.errors import UsageError
from curation.flags import existing_dir, existing_file, existing_path, output_dir
from curation.recipe import DEFAULT_INPUT, add_arguments
from pretrain.config import ConfigError, TrainConfig, batch_geometry, check_config

DEFAULT_POSITIVES = ("../shared/data/sft/gsm8k/test.jsonl", "../shared/data/sft/fastchat_dummy_conversation.json")
POSITIVE_FIELDS = "text,question,answer,conversations"
DEFAULT_HELLASWAG = "../shared/data/eval/hellaswag_val/hellaswag_val.jsonl.gz"


@dataclass
class Plan:
    """Everything an ablation does, checked before any of it runs."""

    out: Path
    inputs: list[str]
    arms: list[Arm]
    pool: Arm | None  # curated when the tokenizer or the quality model learns from it
    model: str | None  # the quality model every arm but the pool gets
    positives: list[str] | None  # when the model is trained here
    tokenizer: str
    heldout: list[str]
    hellaswag: str | None
    hellaswag_rows: int
    train_flags: list[str]
    launcher: list[str]
    settings: dict
    total_steps: int
    seeds: list[int]
    given: dict[str, Path] = field(default_factory=dict)  # --curated: arms curated elsewhere
    benchmarks: dict[str, Path] = field(default_factory=dict)  # every arm's --decontaminate files (write_benchmarks)
    specs: dict[str, dict] = field(default_factory=dict)

    def curated(self, name: str) -> Path:
        return self.given.get(name) or self.out / "curated" / name

    def run_dir(self, name: str, seed: int) -> Path:
        return self.out / "runs" / name / f"seed-{seed}"


def make_plan(args: argparse.Namespace) -> Plan:
    """Every setting checked, and every step's settings compared with what DIR was made with: no work yet."""
    from curate_cli.ablate_train import train_settings
    from curation.heldout_text import DEFAULT_EVAL_TEXT, read_documents

    out = Path(output_dir("--out", args.out))
    inputs = args.input or [DEFAULT_INPUT]
    arms = plan_arms(args.recipes, args.recipe, args.quality_keep_top)
    given = _given(args.curated, [a.name for a in arms] + [POOL])
    trained_model = args.quality_model is None and any(arm.needs_model and arm.name not in given for arm in arms)
    if args.quality_model is not None:
        existing_file("--quality-model", args.quality_model)
    positives = list(args.quality_positives or DEFAULT_POSITIVES) if trained_model else None
    for path in positives or []:
        existing_path("--quality-positives", path, "pass --quality-positives PATH or --quality-model MODEL")
    model = args.quality_model or (str(out / "quality" / "model.npz") if trained_model else None)
    if args.tokenizer not in (None, "cl100k_base"):
        existing_file("--tokenizer", args.tokenizer)
    tokenizer = args.tokenizer or str(out / "tokenizer.tiktoken")
    pool = pool_arm(arms) if args.tokenizer is None or trained_model else None
    eval_paths = args.eval_text or list(DEFAULT_EVAL_TEXT)
    for path in eval_paths:
        existing_path("--eval-text", path, "" if args.eval_text else "the default held-out text is missing: pass --eval-text")
    try:
        heldout = read_documents(eval_paths)
    except (OSError, ValueError) as e:
        raise UsageError(f"--eval-text: {e}") from None
    hellaswag = None
    if args.hellaswag_rows:
        hellaswag = existing_file("--hellaswag", args.hellaswag) if args.hellaswag else None
        hellaswag = hellaswag or (DEFAULT_HELLASWAG if Path(DEFAULT_HELLASWAG).is_file() else None)
    train_flags = _split("--train-flags", args.train_flags)
    settings = train_settings(args.preset, train_flags)
    _check_geometry(settings)
    preset_steps = settings.pop("max_steps")
    settings.pop("target_tokens")
    if args.tokens is None and preset_steps is None:
        raise UsageError(f"--preset {args.preset} sets no step count: pass --tokens")
    tokens = args.tokens or preset_steps * settings["batch_tokens"]
    plan = Plan(out=out, inputs=inputs, arms=arms, pool=pool, model=model, positives=positives, tokenizer=tokenizer,
                heldout=heldout, hellaswag=hellaswag, hellaswag_rows=args.hellaswag_rows, train_flags=train_flags,
                launcher=_split("--launcher", args.launcher), settings=settings,
                total_steps=math.ceil(tokens / settings["batch_tokens"]), seeds=list(range(args.seeds)), given=given,
                benchmarks={"heldout": out / "heldout" / "heldout.jsonl",
                            **({"hellaswag": out / "heldout" / "hellaswag.jsonl"} if hellaswag else {})})
    for arm in ([pool] if pool and pool not in arms else []) + arms:
        if arm.name not in plan.given:
            _check_recipe(plan, arm, trained_model)
    _specs(plan, args, trained_model)
    steps = Steps(out)
    for key, spec in plan.specs.items():
        steps.check(key, spec)
    return plan


def _given(specs: list[str], names: list[str]) -> dict[str, Path]:
    """--curated NAME=DIR: each a recipe of this ablation, given once, and a `curate run` output."""
    given: dict[str, Path] = {}
    for spec in specs:
        name, sep, folder = spec.partition("=")
        if not sep or not folder:
            raise UsageError(f"--curated {spec!r}: expected NAME=DIR")
        if name not in names:
            raise UsageError(f"--curated {name}: not a recipe of this ablation ({', '.join(dict.fromkeys(names))})")
        if name in given:
            raise UsageError(f"--curated {name}: given twice")
        existing_dir(f"--curated {name}", folder)
        missing = [f for f in ("run.json", "stats.json", "data") if not (Path(folder) / f).exists()]
        if missing:
            raise UsageError(f"--curated {name} {folder!r}: not a curate run output (no {', '.join(missing)})")
        given[name] = Path(folder)
    return given


def _split(flag: str, text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None


def _check_geometry(settings: dict) -> None:
    try:
        config = TrainConfig.from_dict({**settings, "data": "", "out": ""})
        check_config(config)
        batch_geometry(config, 1)
    except ConfigError as e:
        raise UsageError(f"--train-flags: {e}") from None


def _check_recipe(plan: Plan, arm: Arm, trained_model: bool) -> None:
    """The arm's whole `curate run` command line, checked as curate run checks it (the model it will be given
    may not exist yet)."""
    from pipelines.config import config_from_args

    argv = [*repeat_flag("--input", plan.inputs), "--output", str(plan.curated(arm.name)),
            "--staging-dir", str(plan.out / "staged"), *arm.curate_flags(plan.model)]
    parser = FlagsParser(f"--recipe {arm.name}")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if trained_model and args.quality_model == plan.model:
        args.quality_model = args.min_quality = args.quality_keep_top = None
    try:
        config_from_args(args)
    except UsageError as e:
        raise UsageError(f"recipe {arm.name}: {e}") from None


def _model_id(plan: Plan, path: str, quality_spec: dict | None) -> str:
    return spec_hash(quality_spec) if path == plan.model and quality_spec else file_digest(path)


def _specs(plan: Plan, args: argparse.Namespace, trained_model: bool) -> None:
    """The settings of every step; a step's settings include those of the steps it reads."""
    specs = plan.specs
    texts = hashlib.blake2b("\x00".join(plan.heldout).encode(), digest_size=16).hexdigest()
    decontaminate = {"heldout": texts, "hellaswag": plan.hellaswag and [file_digest(plan.hellaswag), plan.hellaswag_rows]}

    def curate_spec(arm: Arm) -> dict:
        if arm.name in plan.given:  # curated elsewhere: what it holds, by the digest of its accounting
            folder = plan.given[arm.name]
            return {"given": str(folder), "stats": file_digest(folder / "stats.json"), "run": file_digest(folder / "run.json")}
        flags = arm.curate_flags(plan.model)
        model = flags[flags.index("--quality-model") + 1] if "--quality-model" in flags else None
        return {"inputs": plan.inputs, "flags": flags, "model": model and _model_id(plan, model, specs.get("quality-model")),
                "decontaminate": decontaminate}

    if plan.pool:
        specs[f"curate-{POOL}"] = curate_spec(plan.pool)
    if trained_model:
        specs["quality-model"] = {"positives": plan.positives, "fields": POSITIVE_FIELDS,
                                  "negatives": spec_hash(specs[f"curate-{POOL}"])}
    for arm in plan.arms:
        specs[f"curate-{arm.name}"] = curate_spec(arm)
    if args.tokenizer is None:
        specs["tokenizer"] = {"pool": spec_hash(specs[f"curate-{POOL}"]), "vocab_size": args.vocab_size}
        tokenizer = spec_hash(specs["tokenizer"])
    else:
        tokenizer = args.tokenizer if args.tokenizer == "cl100k_base" else file_digest(args.tokenizer)
    for arm in plan.arms:
        specs[f"tokens-{arm.name}"] = {"curated": spec_hash(specs[f"curate-{arm.name}"]), "tokenizer": tokenizer}
    specs["heldout"] = {"documents": texts, "tokenizer": tokenizer}
    for arm in plan.arms:
        for seed in plan.seeds:
            specs[f"run-{arm.name}-seed-{seed}"] = {
                "tokens": spec_hash(specs[f"tokens-{arm.name}"]), "heldout": spec_hash(specs["heldout"]),
                "preset": args.preset, "train_flags": plan.train_flags, "steps": plan.total_steps, "seed": seed,
                "eval_points": args.eval_points}


def repeat_flag(flag: str, values: list[str]) -> list[str]:
    return [part for value in values for part in (flag, value)]
