"""`curate pretrain`: train the GPT on token arrays, or on curated shards tokenized first (and cached).

Settings are layered: TrainConfig's defaults, then a --preset, then (with --resume)
the run's saved config.json, then the flags given on this command line. So
`curate pretrain --out RUN --resume` continues a run exactly as it was started,
and `--resume --max-steps N` extends it.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import MISSING, fields
from pathlib import Path

from curate_cli.checkpoints import CHECKPOINT_NAME, checked_run
from curate_cli.tokenize import checked_tokenizer
from curation.errors import UsageError
from curation.flags import existing_dir, fraction, integer, number, output_dir, seed
from pretrain.config import PRESETS, ConfigError, TrainConfig

DEFAULT_VAL_FRACTION = 0.005  # as `curate tokenize`


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pretrain", help="train the GPT on token arrays (or on curated shards, tokenized and cached first)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = flag_adder(p, TrainConfig)
    p.add_argument("--data", metavar="DIR",
                   help="a token directory from `curate tokenize`, or an output folder of `curate run`, which is "
                        "tokenized with --tokenizer into DIR/tokens-<hash> and reused while shards and tokenizer "
                        "are unchanged (default with --resume: the run's own)")
    p.add_argument("--out", required=True, metavar="RUN_DIR",
                   help="run directory: checkpoint.pt, metrics.jsonl, loss_curve.png, config.json, tokenizer")
    p.add_argument("--tokenizer", metavar="cl100k_base|PATH",
                   help="tokenizer for curated shards (default: cl100k_base); with a token directory, only a check "
                        "that it is the one the tokens were made with")
    p.add_argument("--val-fraction", type=number(0, 1, low_open=True, high_open=True), default=DEFAULT_VAL_FRACTION,
                   help="val share when tokenizing curated shards, above 0 (training evaluates on it) and below 1 "
                        "(default: %(default)s)")
    p.add_argument("--preset", metavar="NAME",
                   help="a named set of defaults: cpu-demo (2 layers, 50 steps: what `curate demo` trains on the "
                        "sample archives in minutes on 2 CPU cores)")
    add("--depth", type=integer(1))
    add("--seq-len", type=integer(1))
    add("--prev-token", action="store_true")
    add("--copy-head", action="store_true")
    add("--batch-tokens", type=integer(1))
    add("--device-batch-size", type=integer(1))
    length = p.add_mutually_exclusive_group()
    add("--max-steps", to=length, type=integer(1))
    add("--target-tokens", to=length, type=integer(1))
    add("--copy-fraction", type=fraction(high_open=False))
    add("--warmup-steps", type=integer(0))
    add("--schedule", choices=["cosine", "linear"])
    add("--warmdown-frac", type=fraction(high_open=False))
    add_optimizer_flags(add)
    add("--eval-tokens", type=integer(1))
    add("--seed", type=seed())
    add("--compile", choices=["auto", "on", "off"])
    add("--threads", type=integer(1))
    add("--stop-after", type=integer(1), metavar="STEP")
    add("--max-seconds", type=number(0, low_open=True), metavar="S")
    add("--init-from", metavar="RUN_DIR")
    add("--resume", action="store_true", default=False)
    add("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=run)


def flag_adder(parser: argparse.ArgumentParser, config: type):
    """add(flag, **kwargs) for a field of `config` (--seq-len sets seq_len, or pass dest): help and default come
    from the field. Absent flags stay absent (default SUPPRESS), so presets and saved configs show through;
    `to` adds the flag to a group of the parser."""
    settings = {f.name: f for f in fields(config)}

    def add(flag: str, *, to=None, **kwargs) -> None:
        setting = settings[kwargs.setdefault("dest", flag.lstrip("-").replace("-", "_"))]
        note = "; this flag turns it off" if kwargs.get("action") == "store_false" else ""
        kwargs["help"] = (setting.metadata["help"] + default_note(setting.default, note)).replace("%", "%%")
        kwargs.setdefault("default", argparse.SUPPRESS)
        (to or parser).add_argument(flag, **kwargs)

    return add


def default_note(default, note: str = "") -> str:
    if isinstance(default, bool):
        return f" (default: {'on' if default else 'off'}{note})"
    return "" if default is None or default is MISSING else f" (default: {default}{note})"


def add_optimizer_flags(add) -> None:
    """The optimizer, schedule-end, evaluation, checkpoint and device flags `curate pretrain` and `curate sft` share."""
    learning_rate = number(0, low_open=True)
    add("--optimizer", choices=["adamw", "muon"])
    add("--lr", type=learning_rate)
    add("--matrix-lr", type=learning_rate)
    add("--weight-decay", type=number(0))
    add("--final-lr-frac", type=fraction(high_open=False))
    add("--grad-clip", type=number(0))
    add("--eval-every", type=integer(1))
    add("--save-every", type=integer(1))
    add("--device", choices=["auto", "cpu", "cuda"])


def check_new_run(flag: str, path: str, resume: bool) -> Path:
    """`path` as the run folder `curate pretrain` or `curate sft` writes: a folder or nothing yet, and holding no
    checkpoint unless resuming."""
    run_dir = Path(output_dir(flag, path))
    if (run_dir / CHECKPOINT_NAME).exists() and not resume:
        raise UsageError(f"{run_dir} already holds a checkpoint: pass --resume to continue it, or choose another {flag}")
    return run_dir


def run(args: argparse.Namespace) -> int:
    run_dir = check_new_run("--out", args.out, args.resume)
    if args.data is not None:
        existing_dir("--data", args.data, "pass a token directory or a `curate run` output folder")
    if args.tokenizer is not None:
        checked_tokenizer("--tokenizer", args.tokenizer)
    if "init_from" in args:
        checked_run("--init-from", args.init_from, "pass a `curate pretrain` run folder")
    from curation.tokens import TokenDataError
    from pretrain.checkpoint import TokenizerMismatch
    from pretrain.train import train

    settable = {f.name for f in fields(TrainConfig)} - {"data", "out", "resume"}
    explicit = {k: v for k, v in vars(args).items() if k in settable}
    values: dict = {}
    if args.preset is not None:
        if args.preset not in PRESETS:
            raise UsageError(f"--preset {args.preset}: unknown; choose from {', '.join(PRESETS)}")
        values.update(PRESETS[args.preset])
    if args.resume and (run_dir / "config.json").exists():
        saved = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        for pause in ("stop_after", "max_seconds"):  # one-off pauses, not part of the run's recipe
            saved.pop(pause, None)
        values.update(saved)
    elif args.resume:
        print(f"{run_dir}: no checkpoint yet, starting a new run")
    if "max_steps" in explicit or "target_tokens" in explicit:
        values.pop("max_steps", None)
        values.pop("target_tokens", None)
    values.update(explicit)
    values.update(out=str(run_dir), resume=args.resume)
    if args.data is not None:
        values["data"] = str(resolve_token_dir(Path(args.data), args.tokenizer, args.val_fraction))
    elif "data" not in values:
        raise UsageError("--data is required (a token directory or a `curate run` output folder)")
    config = TrainConfig.from_dict(values)
    try:
        summary = train(config)
    except (ConfigError, TokenizerMismatch, TokenDataError) as e:
        raise UsageError(str(e)) from None
    if os.environ.get("RANK", "0") != "0":
        return 0  # under torchrun, rank 0 reports
    if summary["trained_steps"] == 0:
        print(f"{run_dir} is already at step {summary['step']} of {summary['total_steps']}: nothing to train")
        return 0
    val = f", val loss {summary['val_loss']:.4f}, val bpb {summary['val_bpb']:.4f}" if "val_loss" in summary else ""
    print(f"step {summary['step']}/{summary['total_steps']}: train loss {summary['train_loss']:.4f}{val}, "
          f"{summary['tokens_per_s']:,.0f} tokens/s; wrote {run_dir}/checkpoint.pt, metrics.jsonl, loss_curve.png")
    return 0


def resolve_token_dir(data: Path, tokenizer: str | None, val_fraction: float) -> Path:
    """A token directory as given, or the cached tokenization of a curated output folder."""
    from curation.tokenize import TokenizeError, parquet_files, tokenize_shards
    from curation.tokenizer import CL100K
    from curation.tokens import MANIFEST, TokenDataError, read_manifest

    is_token_dir = (data / MANIFEST).exists()
    if not is_token_dir and not (data / "data").is_dir():
        raise UsageError(f"--data {data}: neither a token directory (manifest.json) nor a `curate run` "
                         f"output folder (data/<lang_Script>/*.parquet)")
    if is_token_dir and tokenizer is None:
        return data
    wanted = _hash_of(tokenizer or CL100K)
    try:
        if is_token_dir:
            if read_manifest(data)["tokenizer"]["hash"] != wanted:
                raise UsageError(f"--data {data} was tokenized with another tokenizer than --tokenizer {tokenizer}")
            return data
        cache = data / f"tokens-{wanted[:12]}"
        if cache_is_current(cache, parquet_files(data), wanted, val_fraction):
            print(f"reusing tokens in {cache}")
            return cache
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            raise UsageError(f"{cache} needs (re)tokenizing: run `curate tokenize` (or this command without "
                             f"torchrun) first, so that ranks do not all write it at once")
        print(f"tokenizing {data}/data into {cache}")
        tokenize_shards(data, cache, tokenizer or CL100K, val_fraction=val_fraction)
        return cache
    except (TokenizeError, TokenDataError) as e:
        raise UsageError(str(e)) from None


def _hash_of(tokenizer: str) -> str:
    from curation.tokenizer import load_tokenizer, tokenizer_hash

    try:
        return tokenizer_hash(load_tokenizer(tokenizer))
    except ValueError as e:
        raise UsageError(f"--tokenizer: {e}") from None


def cache_is_current(cache: Path, files: list[Path], tokenizer_hash: str, val_fraction: float) -> bool:
    """The cached tokens came from these very shard files (names and sizes), tokenizer and val fraction."""
    from curation.tokens import MANIFEST, TokenDataError, read_manifest

    if not (cache / MANIFEST).exists():
        return False
    try:
        manifest = read_manifest(cache)
    except TokenDataError:
        return False
    root = cache.parent
    sources = [(f.relative_to(root).as_posix(), f.stat().st_size) for f in files]
    return (manifest["tokenizer"]["hash"] == tokenizer_hash
            and manifest["split"]["val_fraction"] == val_fraction
            and [(s["path"], s["bytes"]) for s in manifest["sources"]] == sources)
