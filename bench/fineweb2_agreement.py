"""Keep/drop agreement of our FineWeb-2 filtering with the peer's, per language: issue 24's acceptance check.

The peer is datatrove 0.10.1 running FineWeb-2's filters (bench/datatrove_fineweb2.py, in the virtualenv of
compare_datatrove.py). Dedup is off and lid.176.ftz stands in for GlotLID on both sides, and neither side
runs the URL filter (the peer has none). Inputs:
(a) whatlang: the 69 paragraphs of ../shared/data/langid/whatlang/examples.json, one document each. The peer
    reads them as JSONL; ours judges the same texts with curation's FileCurator (language ID, then that
    language's filters), fed as WET conversion records: extraction is out of the comparison.
(b) every page of ../shared/data/warcs/resiliparse/*.warc.gz (Chinese, Russian, Japanese, ...), end to end:
    the peer reads with WarcReader and extracts with Trafilatura; ours is `python -m pipelines.curate
    --languages all --no-dedup --direct_num_workers 1`.
(c) the benchmark WARC's German pages, end to end, ours with `--languages de`; plus the Jaccard similarity of
    the two sets of kept German URLs (target >= 0.95).
A document is compared when either tool identifies it in a language FineWeb-2 has a config for (for (c):
German); English has none (ours judges it by FineWeb's English recipe). Documents are matched by
WARC-Record-ID (whatlang's by language code). For each input and language it prints how many documents get
the same decision and the same reason, the pairs of reasons where only the reason differs, then every
mismatch with both tools' language, score and reason and our verdict on the peer's own text: when that
equals the peer's, the texts differed (decoding, extraction), else the filters did. Exits 1 on any mismatch.

usage: python bench/fineweb2_agreement.py [--inputs whatlang,resiliparse,bench,bench-all] [--rerun-peer]
Everything it writes lives in bench/.cache/fineweb2_agreement/; the peer's outputs are reused while newer
than their input and bench/datatrove_fineweb2.py.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

from warcio.warcwriter import WARCWriter

from benchwarc import bench_warc
from compare_datatrove import (  # it also puts the repository on sys.path, for the imports below
    CACHE,
    ROOT,
    TEXT_FILTERS,
    Outcome,
    ensure_venv,
    jaccard,
    our_outcomes,
    peer_outcomes,
    run_fw2_peer,
    run_ours,
    web_only,
)
from curation.curate_file import FileCurator
from curation.recipe import add_arguments
from curation.staged import REASON
from curation.stats import Stats
from filters.fineweb2 import recipe
from pipelines.config import config_from_args

WORK = CACHE / "fineweb2_agreement"
WHATLANG = ROOT.parent / "shared" / "data" / "langid" / "whatlang" / "examples.json"
RESILIPARSE = ROOT.parent / "shared" / "data" / "warcs" / "resiliparse"
PEER_SCRIPT = ROOT / "bench" / "datatrove_fineweb2.py"
GERMAN = "deu_Latn"
NOT_READ = Outcome.absent("not read by the peer")
NO_ROW = Outcome.absent("no row: dropped before language ID (read, URL filter, pre-check or extraction)")


def write_wet(texts: dict[str, str], path: Path) -> None:
    """One WET conversion record per text, its key as the target URI."""
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for key, text in texts.items():
            payload = io.BytesIO(text.encode("utf-8"))
            writer.write_record(writer.create_warc_record(key, "conversion", payload=payload,
                                                          warc_headers_dict={"Content-Type": "text/plain"}))


def judge_texts(texts: dict[str, str], work: Path) -> dict[str, Outcome]:
    """key -> our outcome for each text: FileCurator's language ID and filters, as `curate run --format wet
    --languages all` stages them (no extraction: a WET record's text is the document)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    wet = work / "texts.warc.wet.gz"
    write_wet(texts, wet)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--input", str(wet), "--output", str(work / "out"), "--format", "wet",
                              "--languages", "all", "--filters", TEXT_FILTERS, "--signals"])
    curator = FileCurator(config_from_args(args))
    curator.start()
    try:
        with wet.open("rb") as f:
            rows = list(curator.curate(f, str(wet), Stats()))
    finally:
        curator.close()
    return {row["url"]: Outcome.ours(row, kept=row[REASON] is None) for row in rows}


def has_config(name: str | None) -> bool:
    return name is not None and recipe(name) is not None


def in_scope(peer: Outcome, ours: Outcome, only: str | None) -> bool:
    names = {peer.name, ours.name}
    return only in names if only else any(has_config(name) for name in names)


def compare(title: str, peer: dict[str, Outcome], ours: dict[str, Outcome], only: str | None = None,
            rejudge: bool = True) -> int:
    """Print agreement per language for the documents in scope; returns the number of mismatches."""
    per_language: dict[str, Counter] = defaultdict(Counter)
    mismatches = []
    other_reason: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)  # same decision
    for key in sorted(peer.keys() | ours.keys()):
        theirs, mine = peer.get(key, NOT_READ), ours.get(key, NO_ROW)
        if not in_scope(theirs, mine, only):
            continue
        language = theirs.name if has_config(theirs.name) else mine.name
        counts = per_language[language]
        counts["documents"] += 1
        counts["peer kept"] += theirs.kept
        counts["ours kept"] += mine.kept
        counts["same decision"] += theirs.kept == mine.kept
        counts["same reason"] += theirs.reason == mine.reason
        if theirs.kept != mine.kept:
            mismatches.append((key, theirs, mine))
        elif theirs.reason != mine.reason:
            other_reason[theirs.reason, mine.reason].append(theirs.url or mine.url or key)
    total = sum(per_language.values(), Counter())
    print(f"\n{title}: {total['same decision']}/{total['documents']} documents get the same decision "
          f"({total['same reason']} the same reason)")
    columns = ("documents", "peer kept", "ours kept", "same decision", "same reason")
    print(f"  {'language':12s}" + "".join(f"{c:>15s}" for c in columns))
    for language, counts in sorted(per_language.items(), key=lambda kv: (-kv[1]["documents"], kv[0] or "")):
        print(f"  {language or '-':12s}" + "".join(f"{counts[c]:>15d}" for c in columns))
    for (theirs_reason, our_reason), keys in sorted(other_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"  same decision, other reason ({len(keys)}): peer {theirs_reason}, ours {our_reason}; e.g. {keys[0]}")
    texts = {key: theirs.text for key, theirs, _ in mismatches if theirs.text} if rejudge else {}
    on_their_text = judge_texts(texts, WORK / "rejudge") if texts else {}
    for key, theirs, mine in mismatches:
        print(f"  MISMATCH {theirs.url or mine.url or key}\n      peer: {theirs.describe()}\n"
              f"      ours: {mine.describe(signals=True)}")
        if key in on_their_text:
            print(f"      ours on the peer's text: {on_their_text[key].describe(signals=True)}")
    return len(mismatches)


def fresh(output: Path, source: Path) -> bool:
    """The peer's output exists and is newer than its input and the peer script."""
    return output.exists() and output.stat().st_mtime > max(source.stat().st_mtime, PEER_SCRIPT.stat().st_mtime)


def peer_run(source: Path, name: str, rerun: bool, jsonl: bool = False) -> dict[str, Outcome]:
    output = WORK / f"{name}.peer.jsonl"
    if rerun or not fresh(output, source):
        run_fw2_peer(source, output, jsonl=jsonl, text=True)
    return peer_outcomes(output)


def ours_run(warc: Path, name: str, languages: str) -> dict[str, Outcome]:
    out = WORK / f"{name}.ours"
    run_ours(out, 5.0, warc, languages, "--filters", TEXT_FILTERS, "--signals")
    return our_outcomes(out)


def whatlang(rerun: bool) -> int:
    texts = {code: text.strip() for code, text in json.loads(WHATLANG.read_text(encoding="utf-8")).items()}
    source = WORK / "whatlang.jsonl"
    if not source.exists():
        source.write_text("".join(json.dumps({"id": code, "text": text}, ensure_ascii=False) + "\n"
                                  for code, text in texts.items()), encoding="utf-8")
    peer = peer_run(source, "whatlang", rerun, jsonl=True)
    return compare("(a) whatlang paragraphs (no extraction)", peer, judge_texts(texts, WORK / "whatlang.ours"),
                   rejudge=False)


def resiliparse(rerun: bool) -> int:
    peer: dict[str, Outcome] = {}
    ours: dict[str, Outcome] = {}
    for warc in sorted(RESILIPARSE.glob("*.warc.gz")):
        name = f"resiliparse-{warc.name.removesuffix('.warc.gz')}"
        peer.update(peer_run(warc, name, rerun))
        ours.update(ours_run(warc, name, "all"))
    return compare("(b) resiliparse WARCs, end to end", peer, ours)


def bench(rerun: bool) -> int:
    warc = bench_warc()
    peer = peer_run(warc, "bench", rerun)
    ours = ours_run(warc, "bench", "de")
    mismatches = compare("(c) benchmark WARC, German pages, end to end", peer, ours, only=GERMAN)
    peer_kept = {o.url for o in peer.values() if o.kept and o.name == GERMAN}
    ours_kept = {o.url for o in ours.values() if o.kept and o.name == GERMAN}
    print(f"  kept German URLs: peer {len(peer_kept)}, ours {len(ours_kept)}, both {len(peer_kept & ours_kept)}; "
          f"Jaccard {jaccard(peer_kept, ours_kept):.3f} (http(s) URLs only: "
          f"{jaccard(web_only(peer_kept), web_only(ours_kept)):.3f}; target >= 0.95)")
    return mismatches


def bench_all(rerun: bool) -> int:
    warc = bench_warc()
    return compare("(c') benchmark WARC, every language with a config, end to end", peer_run(warc, "bench", rerun),
                   ours_run(warc, "bench-all", "all"))


INPUTS = {"whatlang": whatlang, "resiliparse": resiliparse, "bench": bench, "bench-all": bench_all}
DEFAULT_INPUTS = "whatlang,resiliparse,bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", default=DEFAULT_INPUTS,
                        help=f"comma list of {', '.join(INPUTS)} (default: %(default)s; bench-all: the benchmark "
                             "WARC's pages of every language, ours with --languages all)")
    parser.add_argument("--rerun-peer", action="store_true", help="run the peer again even if its outputs are fresh")
    args = parser.parse_args()
    unknown = set(args.inputs.split(",")) - set(INPUTS)
    if unknown:
        parser.error(f"unknown inputs: {', '.join(sorted(unknown))}")
    ensure_venv()
    WORK.mkdir(parents=True, exist_ok=True)
    mismatches = sum(INPUTS[name](args.rerun_peer) for name in args.inputs.split(","))
    print(f"\n{mismatches} documents with another keep/drop decision than the peer's (acceptance: 0)")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
