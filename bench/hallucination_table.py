"""The defences against hallucination, measured: the README's table (issue #26).

Every row fine-tunes the same base (DEMO/base, from `curate demo --out DEMO --chat`) with `curate sft`, once
per seed, and asks it `curate eval --task hallucination --search UNSEEN --json`: known questions (its own
pretraining text), searchable ones (held-out documents of UNSEEN, a corpus it never trained on) and unknown
ones (made-up people and quotes). Rows add one defence each:

  base SFT            identity conversations
  + "I don't know"    + refusals of made-up people and words
  + self-interrog.    + probes of the base model on its pretraining text: right ones answered, wrong "I'm not sure."
  + search (auto)     the demo's own SFT: + search conversations; wrong probes and made-up names search first
                      (evaluated in --search-mode auto, always and never)

Printed per row and kind: the share right, refused and wrong (made up), mean and min-max over the seeds.
The last row at the demo's seed is DEMO/chat itself; the other runs go to DEMO/table/.

usage: python bench/hallucination_table.py --demo DEMO --search UNSEEN [--seeds 1337 1338] [--limit 100] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pretrain.config import CHAT_DEMO_SFT  # noqa: E402

DEMO_SEED = 1337  # SFTConfig's default seed: the demo's SFT
SHORT_STEPS = 300  # rows without search conversations hold ~1-2k conversations: 2-4 epochs
ROWS = {
    "base SFT": ["--identity-examples", "600", "--max-steps", str(SHORT_STEPS)],
    "+ \"I don't know\"": ["--identity-examples", "600", "--idk-examples", "600", "--max-steps", str(SHORT_STEPS)],
    "+ self-interrogation": ["--identity-examples", "600", "--idk-examples", "600", "--interrogate", "1000",
                             "--max-steps", str(SHORT_STEPS)],
    "+ search when unsure": [part for field, value in CHAT_DEMO_SFT.items()
                             for part in ("--" + field.replace("_", "-"), str(value))],
}
SEARCH_ROW = "+ search when unsure"


def curate(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "curate_cli.main", *args], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return done.stdout


def train(demo: Path, row: str, seed: int) -> Path:
    """The row's SFT run at this seed (trained unless it is there already, or is the demo's own)."""
    if row == SEARCH_ROW and seed == DEMO_SEED:
        return demo / "chat"
    out = demo / "table" / f"{list(ROWS).index(row)}-seed{seed}"
    flags = list(ROWS[row]) + (["--search-corpus", str(demo / "curated")] if row == SEARCH_ROW else [])
    curate("sft", "--init", str(demo / "base"), "--out", str(out), "--seed", str(seed), "--threads", "1",
           "--device", "cpu", "--no-progress", "--resume", *flags)
    return out


def evaluate(run: Path, search: Path, limit: int, mode: str) -> dict:
    return json.loads(curate("eval", "--ckpt", str(run), "--task", "hallucination", "--search", str(search),
                             "--search-mode", mode, "--limit", str(limit), "--json", "--device", "cpu"))


def job(demo: Path, search: Path, limit: int, row: str, seed: int) -> list[tuple[str, str, int, dict]]:
    run = train(demo, row, seed)
    modes = ("auto", "always", "never") if row == SEARCH_ROW else ("never",)
    return [(row, mode, seed, evaluate(run, search, limit, mode)) for mode in modes]


def share(results: list[dict], kind: str, outcome: str) -> str:
    values = [100 * r[kind][outcome] / r[kind]["n"] for r in results if r[kind]["n"]]
    if not values:
        return "-"
    spread = f" ({min(values):.0f}-{max(values):.0f})" if len(values) > 1 else ""
    return f"{statistics.mean(values):.0f}%{spread}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", type=Path, required=True, help="a `curate demo --chat` output folder")
    parser.add_argument("--search", type=Path, required=True, help="an indexed corpus the demo never trained on")
    parser.add_argument("--seeds", type=int, nargs="+", default=[DEMO_SEED, DEMO_SEED + 1])
    parser.add_argument("--limit", type=int, default=100, help="questions of each kind (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at once, one thread each")
    args = parser.parse_args()
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(job, args.demo, args.search, args.limit, row, seed)
                   for seed in args.seeds for row in ROWS]
        results = [item for future in futures for item in future.result()]
    (args.demo / "table").mkdir(exist_ok=True)
    (args.demo / "table" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    first = results[0][3]
    print(f"seeds {' '.join(map(str, args.seeds))}; questions: known {first['known']['n']}, searchable "
          f"{first['searchable']['n']}, unknown {first['unknown']['n']}; mean over seeds (min-max)\n")
    print("| SFT | search | known right | known wrong | searchable right | searchable wrong | unknown refused | "
          "unknown wrong | searched (known/searchable/unknown) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in ROWS:
        for mode in ("auto", "always", "never") if row == SEARCH_ROW else ("never",):
            runs = [r for name, m, _, r in results if name == row and m == mode]
            searched = "/".join(share(runs, kind, "searched") for kind in ("known", "searchable", "unknown"))
            print(f"| {row} | {mode if row == SEARCH_ROW else '-'} | {share(runs, 'known', 'right')} | "
                  f"{share(runs, 'known', 'wrong')} | {share(runs, 'searchable', 'right')} | "
                  f"{share(runs, 'searchable', 'wrong')} | {share(runs, 'unknown', 'refused')} | "
                  f"{share(runs, 'unknown', 'wrong')} | {searched} |")


if __name__ == "__main__":
    main()
