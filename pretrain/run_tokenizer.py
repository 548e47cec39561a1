"""A run's tokenizer: recorded when it trains, carried to runs that start from it, loaded with it.

tokenizer.json names the tokenizer (cl100k_base) or, for a trained BPE, points at
the copy in the run, so `curate sample` needs only RUN_DIR.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from curation.tokenizer import CL100K, load_tokenizer, save_tiktoken

TOKENIZER_NAME = "tokenizer.tiktoken"
INFO_NAME = "tokenizer.json"


def copy_tokenizer(tokenizer, manifest: dict, run_dir: Path) -> None:
    """Record the tokenizer in the run: a trained BPE is copied, cl100k_base is named."""
    source = manifest["tokenizer"]["source"]
    if source != CL100K:
        save_tiktoken(tokenizer, run_dir / TOKENIZER_NAME)
        source = TOKENIZER_NAME
    (run_dir / INFO_NAME).write_text(json.dumps({"source": source, "hash": manifest["tokenizer"]["hash"]}) + "\n",
                                     encoding="utf-8")


def copy_tokenizer_files(init: Path, out: Path) -> None:
    """A run started from another (SFT) names (or carries) the same tokenizer as that run."""
    init_dir = init if init.is_dir() else init.parent
    for name in (INFO_NAME, TOKENIZER_NAME):
        if (init_dir / name).exists() and init_dir.resolve() != out.resolve():
            shutil.copyfile(init_dir / name, out / name)


def load_run_tokenizer(run_dir: Path):
    """The tokenizer a run recorded."""
    info = json.loads((run_dir / INFO_NAME).read_text(encoding="utf-8"))
    return load_tokenizer(str(run_dir / TOKENIZER_NAME) if info["source"] == TOKENIZER_NAME else info["source"])
