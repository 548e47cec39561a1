"""The trainers' settings, without torch: `curate pretrain` and `curate sft` build their flags from these fields.

Each field carries its default and a one-line help (`setting`), so the command line,
config.json and the trainers agree by construction. The checks that need no device
(`check_config`, `batch_geometry`) live here too, so a plan can be refused before
torch loads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

TOKENS_PER_PARAM = 20  # Chinchilla's compute-optimal ratio: the default training length
IDENTITY_NAME = "Curie"
IDENTITY_MAKER = "the curation project"


class ConfigError(ValueError):
    """Settings that cannot work together (batch sizes that do not divide, a resume that changes the model)."""


def setting(default, help: str):
    """A config field with its one-line help, which `curate` shows for its flag."""
    return field(default=default, metadata={"help": help})


def default_system_prompt(name: str = IDENTITY_NAME, maker: str = IDENTITY_MAKER) -> str:
    """The identity ("knowledge of self") a chat starts with unless told otherwise."""
    return f"You are {name}, a small language model trained by {maker} on curated Common Crawl text."


@dataclass
class TrainConfig:
    data: str = field(metadata={"help": "token directory (output of `curate tokenize`)"})
    out: str = field(metadata={"help": "run directory: checkpoint, metrics, plot, tokenizer"})
    depth: int = setting(4, "transformer layers; width is 64*depth, heads of 64-128 channels")
    seq_len: int = setting(256, "context length in tokens")
    prev_token: bool = setting(False, "add an embedding of the previous token to each position's input, so that "
                                      "one attention layer can copy from the context")
    copy_head: bool = setting(False, "let the model copy its next token from the context through a pointer head "
                                     "(pretrain/copy_head.py), besides generating it")
    batch_tokens: int = setting(8192, "tokens per optimizer step over all GPUs and micro-batches")
    device_batch_size: int = setting(16, "sequences per forward pass; the rest is gradient accumulation")
    max_steps: int | None = setting(None, "optimizer steps to train for")
    target_tokens: int | None = setting(None, f"tokens to train on (default when neither this nor the step count is "
                                              f"given: {TOKENS_PER_PARAM} per parameter)")
    optimizer: str = setting("adamw", "muon: Muon for block matrices, AdamW for the embedding tables")
    lr: float = setting(3e-3, "AdamW peak learning rate, above 0 (the input embedding table gets 100x)")
    matrix_lr: float = setting(0.02, "Muon peak learning rate, above 0")
    weight_decay: float = setting(0.1, "decoupled weight decay of matrices")
    copy_fraction: float = setting(0.0, "share of training windows made copy-structured (a random 8-32-token segment "
                                        "of the window, repeated to fill it), which teaches copying from the context, "
                                        "0 to 1")
    warmup_steps: int = setting(20, "linear learning-rate warmup")
    schedule: str = setting("cosine", "after warmup: cosine decay, or flat then linear warmdown")
    warmdown_frac: float = setting(0.4, "share of steps in the linear warmdown, 0 to 1")
    final_lr_frac: float = setting(0.1, "final learning rate as a share of the peak, 0 to 1")
    grad_clip: float = setting(1.0, "clip the global gradient norm (0: off)")
    eval_every: int = setting(100, "steps between val evaluations (also at the start and the end)")
    eval_tokens: int = setting(65536, "val tokens per evaluation")
    save_every: int = setting(500, "steps between checkpoints (also at the end)")
    seed: int = setting(1337, "seed of initialisation and data order")
    device: str = setting("auto", "auto: CUDA when available")
    compile: str = setting("auto", "torch.compile; auto: on for CUDA, off on CPU")
    resume: bool = setting(False, "continue the run in the run directory from its checkpoint")
    stop_after: int | None = setting(None, "checkpoint and exit at this step (a resume continues the run)")
    max_seconds: float | None = setting(None, "checkpoint and exit once this session's training steps have taken "
                                              "this many seconds (a resume continues the run)")
    init_from: str | None = setting(None, "start from another run's weights with a fresh optimizer and schedule")
    progress: bool = setting(True, "a progress bar and val lines (on rank 0)")
    threads: int | None = setting(None, "torch CPU threads (default: torch's choice)")

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


# Named starting points for TrainConfig; explicit settings override them.
PRESETS = {
    # For `curate demo` on sample_warcs/ (~18k train tokens with a 2048-token BPE): a few minutes on 2 shared CPU
    # cores, stopping near the lowest val loss, before the model starts to memorise the tiny corpus.
    "cpu-demo": {"depth": 2, "seq_len": 128, "batch_tokens": 2048, "device_batch_size": 16, "max_steps": 50,
                 "optimizer": "muon", "warmup_steps": 5, "eval_every": 10, "eval_tokens": 16384, "save_every": 25},
    # For `curate demo --chat`: a window that holds a question, a search request and its results, and half the
    # windows copy-structured so that the model learns to copy from its context before SFT asks it to.
    "cpu-chat": {"depth": 2, "seq_len": 256, "prev_token": True, "copy_head": True, "batch_tokens": 4096, "device_batch_size": 16,
                 "max_steps": 800, "optimizer": "adamw", "lr": 3e-3, "schedule": "linear", "warmdown_frac": 0.2,
                 "warmup_steps": 10, "copy_fraction": 0.5, "eval_every": 100, "eval_tokens": 16384,
                 "save_every": 100},
}


# `curate demo --chat`'s SFT (SFTConfig fields): every kind of conversation, sized so that the `cpu-chat` base
# learns to search and to copy from the results within the 30-minute budget of the whole chain on 2 CPU cores.
CHAT_DEMO_SFT = {"identity_examples": 600, "idk_examples": 600, "interrogate": 1000, "search_examples": 12000,
                 "max_steps": 900, "lr": 1e-3}


def check_config(config: TrainConfig) -> None:
    if config.optimizer not in ("adamw", "muon"):
        raise ConfigError(f"optimizer must be adamw or muon, not {config.optimizer!r}")
    if config.schedule not in ("cosine", "linear"):
        raise ConfigError(f"schedule must be cosine or linear, not {config.schedule!r}")
    positive = ("depth", "seq_len", "batch_tokens", "device_batch_size", "eval_every", "eval_tokens", "save_every")
    optional_positive = ("max_steps", "target_tokens", "stop_after", "threads")
    for name in positive + optional_positive:
        value = getattr(config, name)
        if (value is not None or name in positive) and value < 1:
            raise ConfigError(f"{name} must be at least 1, got {value}")
    if not 0 <= config.copy_fraction <= 1:
        raise ConfigError(f"copy_fraction must be from 0 to 1, got {config.copy_fraction}")
    if config.max_seconds is not None and not config.max_seconds > 0:
        raise ConfigError(f"max_seconds must be above 0, got {config.max_seconds}")


def batch_geometry(config: TrainConfig, world: int) -> tuple[int, int]:
    """(rows per optimizer step, micro-batches per rank), refusing batch sizes that do not divide."""
    rows, leftover = divmod(config.batch_tokens, config.seq_len)
    per_micro_round = config.device_batch_size * world
    if leftover or rows % per_micro_round:
        raise ConfigError(f"batch_tokens {config.batch_tokens} must be a multiple of seq_len x device_batch_size x "
                         f"ranks = {config.seq_len} x {config.device_batch_size} x {world}")
    return rows, rows // per_micro_round


def training_steps(config: TrainConfig, num_params: int) -> int:
    if config.max_steps is not None:
        return config.max_steps
    target = config.target_tokens if config.target_tokens is not None else TOKENS_PER_PARAM * num_params
    return max(1, math.ceil(target / config.batch_tokens))


@dataclass
class SFTConfig:
    init: str = field(metadata={"help": "the pretrained run directory to start from"})
    data: list[str] = field(default_factory=list, metadata={
        "help": "conversation files: OpenAI JSONL, ShareGPT JSON or GSM8K JSONL"})
    out: str = setting("sft", "output run: checkpoint.pt, metrics.jsonl, loss_curve.png, config.json, chat.json, "
                              "tokenizer")
    identity_name: str = setting(IDENTITY_NAME, "the model's name: in the default system prompt, and replacing "
                                                "'Vicuna' in FastChat's identity conversations")
    identity_maker: str = setting(IDENTITY_MAKER, "who made it: replaces 'Large Model Systems Organization (LMSYS)'")
    rewrite_identity: bool = setting(True, "rewrite 'Vicuna' and 'LMSYS' in the data to the identity's name and maker")
    system_prompt: str | None = setting(None, f"system prompt added to conversations without one (default: "
                                              f"{default_system_prompt('NAME', 'MAKER')!r}); '' for none")
    identity_examples: int = setting(0, "template conversations ('Who are you?' -> 'I am NAME, ...') to mix in; "
                                        "a tiny model needs hundreds to answer with its name")
    idk_examples: int = setting(0, "'I don't know' conversations about made-up people and words to mix in (with "
                                   "a search corpus, the assistant searches before it refuses)")
    interrogate: int = setting(0, "self-interrogation: quote questions on the base run's pretraining text, asked "
                                  "closed book; right answers are kept, wrong ones become 'I'm not sure.' (with a "
                                  "search corpus: a search, then the answer from the results)")
    search_examples: int = setting(0, "conversations in which the assistant searches a quote question and answers "
                                      "from the results, or says 'I don't know' when they lack the answer")
    search_corpus: str | None = setting(None, "a `curate run` output folder indexed with `curate index`: what "
                                              "the assistant searches in the SFT conversations")
    val_fraction: float = setting(0.05, "share of conversations held out for the val assistant loss, in [0, 1)")
    batch_size: int = setting(16, "packed rows (of the model's seq_len) per optimizer step")
    device_batch_size: int = setting(16, "rows per forward pass; the rest is gradient accumulation")
    max_steps: int | None = setting(None, "optimizer steps to train for")
    epochs: int = setting(1, "passes over the packed rows, unless the step count is given")
    optimizer: str = setting("adamw", "muon: Muon for block matrices, AdamW for the embedding tables")
    lr: float = setting(1e-3, "AdamW peak learning rate, above 0 (the input embedding table gets 100x)")
    matrix_lr: float = setting(0.01, "Muon peak learning rate, above 0")
    weight_decay: float = setting(0.0, "decoupled weight decay of matrices")
    warmup_steps: int = setting(5, "linear learning-rate warmup, then linear decay")
    final_lr_frac: float = setting(0.0, "final learning rate as a share of the peak, 0 to 1")
    grad_clip: float = setting(1.0, "clip the global gradient norm (0: off)")
    eval_every: int = setting(50, "steps between val evaluations (also at the start and the end)")
    save_every: int = setting(200, "steps between checkpoints (also at the end)")
    seed: int = setting(1337, "seed of the data order, val split and 'I don't know' names")
    device: str = setting("auto", "auto: CUDA when available")
    threads: int | None = setting(None, "torch CPU threads (default: torch's choice)")
    resume: bool = setting(False, "continue the run in the output directory from its checkpoint")
    progress: bool = setting(True, "a progress bar and val lines")

    @classmethod
    def from_dict(cls, values: dict) -> "SFTConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    @property
    def resolved_system_prompt(self) -> str:
        return self.system_prompt if self.system_prompt is not None else default_system_prompt(
            self.identity_name, self.identity_maker)
