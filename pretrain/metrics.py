"""A run's metrics.jsonl (one JSON object per train step and per evaluation) and its loss-curve PNG.

Shared by pretraining and SFT, so both runs read and plot the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

METRICS_NAME = "metrics.jsonl"
PLOT_NAME = "loss_curve.png"


class MetricsLog:
    """metrics.jsonl: one JSON object per train step and per evaluation.

    On resume, records past the checkpoint's step (written by the interrupted run
    after its last save) are dropped, so the file reads as one uninterrupted run.
    """

    def __init__(self, path: Path, keep_through_step: int):
        self.path = path
        kept = [line for line in read_metrics(path) if line["step"] <= keep_through_step] if keep_through_step else []
        path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")

    def write(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def read_metrics(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plot_losses(metrics_path: Path, png_path: Path) -> None:
    """Train loss per step and val loss per evaluation, one PNG (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_metrics(metrics_path)
    train = [(r["step"], r["loss"]) for r in records if r["kind"] == "train"]
    val = [(r["step"], r["val_loss"]) for r in records if r["kind"] == "val"]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train), label="train loss", linewidth=0.8, alpha=0.7)
    if val:
        ax.plot(*zip(*val), "o-", label="val loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats/token)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
