"""`curate ablate`: recipes curated once (sharing staging), equal train tokens per arm, resumable, and its outputs."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE_WARCS
from curate_cli.ablate import DEFAULT_HELLASWAG
from curate_cli.main import main
from curation.ablation import Arm, plan_arms
from curation.ablation_stats import paired_test, summary, t_two_sided_p
from curation.errors import UsageError

# Written for this test: held-out text that is in no archive of sample_warcs/.
HELDOUT = """The harbour town kept its old lighthouse long after the last keeper left. Every evening a volunteer climbed
the spiral stairs, wound the clockwork and wrote the weather in a logbook that nobody asked to read. Visitors came in
summer to photograph the white tower against the cliffs, and in winter the gulls had it to themselves.

A bicycle chain needs cleaning more often than most riders think. Grit mixes with oil into a paste that wears the
sprockets, so a quick wipe after a wet ride and a drop of fresh lubricant on each link adds months to the life of the
whole drivetrain. Riders who commute through the winter should check the chain every week.
"""


def ablate_argv(out: Path, heldout: Path, recipes: str) -> list[str]:
    """A tiny ablation: 2 steps of 2,048 tokens (cpu-demo), one seed, a 512-token BPE, two held-out points."""
    return ["ablate", "--input", str(SAMPLE_WARCS / "*.warc*"), "--out", str(out), "--recipes", recipes,
            "--seeds", "1", "--tokens", "4096", "--eval-points", "2", "--vocab-size", "512", "--hellaswag-rows", "3",
            "--eval-text", str(heldout), "--train-flags", "--threads 1", "--workers", "1", "--device", "cpu"]


@pytest.fixture(scope="module")
def ablation(tmp_path_factory) -> Path:
    """raw vs fineweb on sample_warcs/, run once for the tests below."""
    root = tmp_path_factory.mktemp("ablate")
    heldout = root / "heldout.txt"
    heldout.write_text(HELDOUT, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        assert main(ablate_argv(root / "out", heldout, "raw,fineweb")) == 0
    return root


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def train_steps(run_dir: Path) -> list[int]:
    return [r["step"] for r in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines()) if r["kind"] == "train"]


def test_two_arms_train_on_equal_tokens_and_write_json_png_html(ablation, capsys):
    out = ablation / "out"
    result = read_json(out / "ablation.json")
    assert [arm["name"] for arm in result["arms"]] == ["raw", "fineweb"]
    assert result["train"]["train_tokens"] == 4096 and result["train"]["steps"] == 2
    hashes = {read_json(out / "tokens" / arm / "manifest.json")["tokenizer"]["hash"] for arm in ("raw", "fineweb")}
    assert len(hashes) == 1  # one tokenizer for every arm
    for arm in result["arms"]:
        assert arm["train_tokens"] == 4096
        assert arm["repeats"] == pytest.approx(4096 / arm["unique_tokens"])
        # what each run really trained on: 2 optimizer steps of 2,048 tokens, each step once
        assert train_steps(out / "runs" / arm["name"] / "seed-0") == [1, 2]
        (run,) = arm["results"]
        assert run["seed"] == 0 and math.isfinite(run["eval_bpb"]) and 0 < run["eval_bpb"] < 10
        assert [p["tokens"] for p in run["curve"]] == [2048, 4096] and run["curve"][-1]["eval_bpb"] == run["eval_bpb"]
        assert ("hellaswag_acc_norm" in run) == Path(REPO, DEFAULT_HELLASWAG).is_file()
    raw, fineweb = result["arms"]
    assert raw["documents"] > fineweb["documents"] > 0  # the filters and dedup removed documents
    # every arm was decontaminated against the held-out text (and the scored HellaSwag rows), so none quotes them
    assert result["heldout"]["seen_in_training"] == 0
    assert [json.loads(line)["text"] for line in (out / "heldout" / "heldout.jsonl").read_text().splitlines()] \
        == [HELDOUT.strip()]
    for arm in ("raw", "fineweb"):
        staging = Path(read_json(out / "curated" / arm / "run.json")["staging"]["dir"])
        names = [name for name, _ in read_json(staging / "recipe.json")["decontaminate"]]
        assert names == (["heldout", "hellaswag"] if result["hellaswag"] else ["heldout"])
    if result["hellaswag"]:
        assert result["hellaswag"]["seen_in_training"] == 0
        assert len((out / "heldout" / "hellaswag.jsonl").read_text().splitlines()) == 3
    # each staging fingerprint extracted the 3 archives once: raw and fineweb stage differently
    assert raw["curation"]["staging"] != fineweb["curation"]["staging"]
    assert raw["curation"]["processed"] == fineweb["curation"]["processed"] == 3
    (gap,) = [c for c in result["comparisons"] if c["metric"] == "eval_bpb"]
    assert gap["a"] == "raw" and gap["b"] == "fineweb" and gap["p"] is None  # one seed: no test
    assert gap["mean_difference"] == pytest.approx(fineweb["results"][0]["eval_bpb"] - raw["results"][0]["eval_bpb"])
    assert (out / "ablation.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = (out / "ablation.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert f"{raw['results'][0]['eval_bpb']:.4f}" in page and "fineweb" in page


def test_a_rerun_skips_done_steps_an_added_arm_shares_staging_and_an_interrupted_run_resumes(ablation, monkeypatch,
                                                                                               capfd):
    out, heldout = ablation / "out", ablation / "heldout.txt"
    monkeypatch.chdir(REPO)
    done = {p: p.stat().st_mtime_ns for p in [*out.glob("curated/*/run.json"), *out.glob("runs/*/seed-0/checkpoint.pt")]}
    from pretrain import evals

    scored = evals.val_bpb
    def interrupt(*args, **kwargs):  # the new arm's first held-out point: as if killed there
        raise KeyboardInterrupt

    monkeypatch.setattr(evals, "val_bpb", interrupt)
    # the new arm's first segment trains through --launcher: a subprocess, as torchrun would start it
    argv = ablate_argv(out, heldout, "raw,fineweb,fineweb-nodedup")
    assert main([*argv, "--launcher", sys.executable]) == 130
    new_run = out / "runs" / "fineweb-nodedup" / "seed-0"
    assert train_steps(new_run) == [1] and not (new_run / "heldout.jsonl").exists()
    monkeypatch.setattr(evals, "val_bpb", scored)
    capfd.readouterr()
    assert main(argv) == 0
    printed = capfd.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in done} == done  # nothing curated or trained again
    # resumed from the step-1 checkpoint: scored it, then trained step 2 only
    assert "already at step 1 of 2" in printed and "starting a new run" not in printed
    assert train_steps(new_run) == [1, 2]
    result = read_json(out / "ablation.json")
    arms = {arm["name"]: arm for arm in result["arms"]}
    assert {arm["train_tokens"] for arm in arms.values()} == {4096}
    assert [p["step"] for p in arms["fineweb-nodedup"]["results"][0]["curve"]] == [1, 2]
    # fineweb-nodedup differs from fineweb only after staging: it reused fineweb's staged files
    assert arms["fineweb-nodedup"]["curation"]["staging"] == arms["fineweb"]["curation"]["staging"]
    assert arms["fineweb-nodedup"]["curation"]["processed"] == 0 and arms["fineweb-nodedup"]["curation"]["reused"] == 3
    assert arms["fineweb-nodedup"]["documents"] > arms["fineweb"]["documents"]  # dedup dropped copies in fineweb
    assert len(result["comparisons"]) == 3 * (1 + ("hellaswag_acc_norm" in arms["raw"]["summary"]))


def test_a_rerun_with_other_settings_is_refused_before_any_work(ablation, monkeypatch, capsys):
    out, heldout = ablation / "out", ablation / "heldout.txt"
    monkeypatch.chdir(REPO)
    before = sorted(p.name for p in (out / "steps").iterdir())
    argv = ablate_argv(out, heldout, "raw,fineweb")
    argv[argv.index("--tokens") + 1] = "8192"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "step run-raw-seed-0 was started with other settings (steps differ)" in err
    assert sorted(p.name for p in (out / "steps").iterdir()) == before


@pytest.mark.parametrize("extra, message", [
    (["--recipes", "raw,nope"], "--recipes: unknown recipe nope"),
    (["--recipes", "raw"], "at least two recipes"),
    (["--recipe", "mine=--output elsewhere"], "--recipe mine: --output is set by curate ablate"),
    (["--recipe", "mine=--min-lang-score 2"], "--recipe mine: argument --min-lang-score: must be at least 0.0"),
    (["--recipe", "mine=--languages eng"], "recipe mine: unknown language code(s) eng"),
    (["--recipe", "fineweb=--no-dedup"], "--recipe fineweb: a built-in recipe"),
    (["--train-flags", "--seed 3"], "--train-flags: --seed is set by curate ablate"),
    (["--train-flags", "--batch-tokens 1000"], "--train-flags: batch_tokens 1000 must be a multiple"),
    (["--preset", "huge"], "--preset huge: unknown"),
    (["--seeds", "0"], "argument --seeds: must be at least 1, not 0"),
    (["--eval-text", "{missing}"], "--eval-text '{missing}': no such file or folder"),
    (["--quality-model", "{missing}"], "--quality-model '{missing}': no such file"),
    (["--out", "{file}"], "--out '{file}' is a file, not a folder"),
    (["--curated", "nope={dir}"], "--curated nope: not a recipe of this ablation (raw, fineweb)"),
    (["--curated", "raw={missing}"], "--curated raw '{missing}': no such folder"),
    (["--curated", "raw={dir}"], "--curated raw '{dir}': not a curate run output (no run.json, stats.json, data)"),
    (["--curated", "raw"], "--curated 'raw': expected NAME=DIR"),
])
def test_a_mistake_is_one_line_and_exit_2_and_writes_nothing(tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(REPO)
    (tmp_path / "file").write_text("x")
    heldout = tmp_path / "heldout.txt"
    heldout.write_text(HELDOUT)
    (tmp_path / "dir").mkdir()
    fill = {"missing": str(tmp_path / "missing"), "file": str(tmp_path / "file"), "dir": str(tmp_path / "dir")}
    argv = ablate_argv(tmp_path / "out", heldout, "raw,fineweb") + [e.format(**fill) for e in extra]
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own errors exit
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message.format(**fill) in err, err
    assert not (tmp_path / "out").exists()


def test_arms_curated_elsewhere_are_trained_on_as_given_and_not_curated_again(ablation, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    curated = ablation / "out" / "curated"
    out = tmp_path / "given"
    argv = ablate_argv(out, ablation / "heldout.txt", "raw,fineweb")
    assert main([*argv, "--curated", f"raw={curated / 'raw'}", "--curated", f"fineweb={curated / 'fineweb'}"]) == 0
    assert not (out / "curated").exists() and not (out / "staged").exists()  # nothing curated here
    result = read_json(out / "ablation.json")
    before = read_json(ablation / "out" / "ablation.json")
    for arm, old in zip(result["arms"], before["arms"]):
        assert arm["curation"]["given"] == str(curated / arm["name"])
        assert (arm["documents"], arm["unique_tokens"]) == (old["documents"], old["unique_tokens"])
    assert "--curated raw=" in result["command"]


def test_every_arm_but_raw_gets_the_quality_model_so_fineweb_and_quality_top_share_staging():
    arms = plan_arms("raw,fineweb,quality-top", ["top30=--quality-keep-top 0.3"], keep_top=0.1)
    assert [a.name for a in arms] == ["raw", "fineweb", "quality-top", "top30"]
    assert [a.needs_model for a in arms] == [False, False, True, True]
    assert arms[0].curate_flags("m.npz") == ["--filters", "none", "--no-dedup"]
    assert arms[1].curate_flags("m.npz") == ["--quality-model", "m.npz"]
    assert arms[2].curate_flags("m.npz") == ["--quality-keep-top", "0.1", "--quality-model", "m.npz"]
    assert Arm("own", ("--quality-model", "x.npz")).curate_flags("m.npz") == ["--quality-model", "x.npz"]
    with pytest.raises(UsageError, match="defined twice"):
        plan_arms("raw,fineweb", ["a=", "a=--signals"], keep_top=0.1)


def test_recipes_with_dedup_are_curated_before_those_without():
    """--no-dedup stages no sketches: fineweb-nodedup reuses fineweb's staged files only when it comes second."""
    from curate_cli.ablate import _pool_first

    arms = plan_arms("fineweb-nodedup,raw,fineweb,quality-top", [], keep_top=0.1)
    assert [a.name for a in _pool_first(arms)] == ["raw", "fineweb", "quality-top", "fineweb-nodedup"]


@pytest.mark.parametrize("t, dof", [(12.706, 1), (4.303, 2), (3.182, 3), (2.776, 4), (2.571, 5), (2.228, 10)])
def test_t_test_p_values_match_the_table_of_5_percent_critical_values(t, dof):
    assert t_two_sided_p(t, dof) == pytest.approx(0.05, abs=2e-4)
    assert t_two_sided_p(0.0, dof) == 1.0 and t_two_sided_p(t + 5, dof) < 0.05 < t_two_sided_p(t - 0.5, dof)


def test_paired_test_separates_a_consistent_gap_from_noise():
    same = paired_test([2.0, 2.1, 1.9], [2.0, 2.1, 1.9])
    assert same["mean_difference"] == 0 and same["p"] == 1.0 and not same["significant"]
    assert paired_test([1.0, 1.5, 2.0], [0.5, 1.0, 1.5])["significant"]  # the same gap at every seed: no noise
    assert paired_test([2.0], [1.9])["p"] is None  # one seed: no test
    consistent = paired_test([2.00, 2.10, 1.95], [1.90, 1.99, 1.86])
    assert consistent["significant"] and consistent["mean_difference"] == pytest.approx(-0.1)
    noisy = paired_test([2.00, 2.10, 1.95], [2.05, 1.98, 1.93])
    assert not noisy["significant"] and noisy["dof"] == 2
    assert summary([1.0, 2.0, 3.0]) == {"mean": 2.0, "std": 1.0, "min": 1.0, "max": 3.0, "n": 3}


def test_runs_train_with_defaults_then_the_preset_then_train_flags_and_are_scored_at_even_steps():
    from curate_cli.ablate_train import curve_steps, train_settings

    settings = train_settings("cpu-demo", ["--depth", "3"])
    assert (settings["depth"], settings["seq_len"], settings["max_steps"], settings["optimizer"]) == (3, 128, 50, "muon")
    assert (train_settings("none", [])["max_steps"], train_settings("none", [])["depth"]) == (None, 4)
    assert curve_steps(128, 8) == [16, 32, 48, 64, 80, 96, 112, 128]
    assert curve_steps(2, 8) == [1, 2] and curve_steps(5, 1) == [5]
