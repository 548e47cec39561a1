"""What `curate ablate` compares: its arms (a name and the `curate run` flags of a recipe), and the settings each
step of an ablation directory was made with.

An arm is one curation recipe; every arm is then tokenized with the same tokenizer
and trained with the same model, hyper-parameters, seeds and number of tokens, so
only the recipe differs. The built-in `raw` recipe is also the pool: what the
other recipes select from, so the shared tokenizer and the quality model's
negatives come from it. When the ablation has a quality model, every arm but
`raw` gets it (`--quality-model`): its score columns change nothing else, and an
identical staging fingerprint lets fineweb, fineweb-nodedup and quality-top share
one staging, so the archives are extracted once for all of them.

Each step records its settings in DIR/steps/<step>.json before it starts; a rerun
with the same settings skips finished steps and resumes unfinished ones, and a
rerun whose settings differ is refused, before any work, rather than mixing them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from curation.atomic import write_atomic
from curation.errors import UsageError
from curation.recipe import add_arguments

POOL = "raw"
DCLM_KEEP_TOP = 0.1  # DCLM kept the top 10% of documents by fastText score
_BUILTIN = {
    POOL: ["--filters", "none", "--no-dedup"],  # extraction and language ID only
    "fineweb": [],  # the default `curate run`: FineWeb's filters, global MinHash dedup
    "fineweb-nodedup": ["--no-dedup"],
    "quality-top": ["--quality-keep-top", "{keep_top}"],  # fineweb, then the top fraction by learned score
}
BUILTIN_NAMES = tuple(_BUILTIN)
# `curate ablate` decides these for every arm: the inputs, where outputs and staging go, and how many workers.
RESERVED_FLAGS = ("--input", "--crawl", "--limit", "--cc-base", "--output", "--staging-dir", "--fresh", "--workers",
                  "--decontaminate")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\Z")


@dataclass(frozen=True)
class Arm:
    name: str
    flags: tuple[str, ...]  # `curate run` flags of the recipe, before the ablation's quality model is added

    @property
    def needs_model(self) -> bool:
        """Selects by learned score without naming a model: the ablation's model is given to it."""
        return (any(f in self.flags for f in ("--quality-keep-top", "--min-quality"))
                and "--quality-model" not in self.flags)

    def curate_flags(self, model: str | None) -> list[str]:
        """The recipe's flags, plus the ablation's quality model for every arm but the pool."""
        given = "--quality-model" in self.flags
        return [*self.flags, *(["--quality-model", model] if model and self.name != POOL and not given else [])]


class FlagsParser(argparse.ArgumentParser):
    """Another command's flags, given inside one of ours, parsed without exiting: a mistake says where it is."""

    def __init__(self, prog: str, **kwargs):
        kwargs.setdefault("add_help", False)
        super().__init__(prog=prog, allow_abbrev=False, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def refuse_reserved(where: str, flags: list[str], reserved: tuple[str, ...], what: str) -> None:
    """A UsageError when `flags` set one of the `reserved` flags, which curate ablate sets itself."""
    found = sorted({f.split("=", 1)[0] for f in flags} & set(reserved))
    if found:
        raise UsageError(f"{where}: {', '.join(found)} is set by curate ablate for every {what}")


def parse_recipe_flags(name: str, flags: list[str]) -> argparse.Namespace:
    """Check that `flags` are `curate run` flags that an arm may set; their parsed values."""
    refuse_reserved(f"--recipe {name}", flags, RESERVED_FLAGS, "arm")
    parser = FlagsParser(f"--recipe {name}")
    add_arguments(parser)
    return parser.parse_args(flags)


def plan_arms(recipes: str, custom: list[str], keep_top: float) -> list[Arm]:
    """The arms of `--recipes a,b` and `--recipe NAME='flags'` (each custom one defined once, added after the list)."""
    defined: dict[str, tuple[str, ...]] = {}
    for spec in custom:
        name, sep, text = spec.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise UsageError(f"--recipe {spec!r}: expected NAME='curate run flags', NAME of a-z, 0-9, '.', '_', '-'")
        if name in _BUILTIN or name in defined:
            raise UsageError(f"--recipe {name}: {'a built-in recipe' if name in _BUILTIN else 'defined twice'}; "
                             f"choose another name")
        try:
            flags = shlex.split(text)
        except ValueError as e:
            raise UsageError(f"--recipe {name}: {e}") from None
        parse_recipe_flags(name, flags)
        defined[name] = tuple(flags)
    names = [n.strip() for n in recipes.split(",") if n.strip()]
    names += [n for n in defined if n not in names]
    unknown = [n for n in names if n not in _BUILTIN and n not in defined]
    if unknown:
        raise UsageError(f"--recipes: unknown recipe {', '.join(unknown)}; built-in: {', '.join(_BUILTIN)}, "
                         f"or define one with --recipe NAME='curate run flags'")
    if len(set(names)) != len(names):
        raise UsageError(f"--recipes {recipes}: a recipe is listed twice")
    if len(names) < 2:
        raise UsageError("an ablation compares at least two recipes (--recipes a,b)")
    return [Arm(n, defined[n] if n in defined else tuple(f.format(keep_top=keep_top) for f in _BUILTIN[n])) for n in names]


def pool_arm(arms: list[Arm]) -> Arm:
    """The built-in `raw` arm, curated whether or not it is compared: the pool the tokenizer and negatives come from."""
    return next((a for a in arms if a.name == POOL), Arm(POOL, tuple(_BUILTIN[POOL])))


def spec_hash(spec: dict) -> str:
    return hashlib.blake2b(json.dumps(spec, sort_keys=True).encode(), digest_size=8).hexdigest()


class Steps:
    """DIR/steps/<step>.json: the settings each step was started with, so a rerun skips, resumes or refuses."""

    def __init__(self, root: Path):
        self.dir = root / "steps"

    def check(self, step: str, spec: dict) -> None:
        """Refuse a step that this directory started with other settings."""
        path = self.dir / f"{step}.json"
        if not path.exists():
            return
        old = json.loads(path.read_text(encoding="utf-8"))
        if old != spec:
            keys = sorted(k for k in set(old) | set(spec) if old.get(k) != spec.get(k))
            raise UsageError(f"{self.dir.parent}: step {step} was started with other settings ({', '.join(keys)} "
                             f"differ); rerun with the same settings, or choose another --out")

    def has(self, step: str) -> bool:
        """The step was started here (with the settings `check` compared)."""
        return (self.dir / f"{step}.json").exists()

    def claim(self, step: str, spec: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.dir / f"{step}.json", (json.dumps(spec, indent=2, sort_keys=True) + "\n").encode())
