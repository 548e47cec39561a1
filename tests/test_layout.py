"""The source layout: one layer per folder, imports run one way, and modules stay short enough to read.

    curate_cli  ->  pipelines (Beam), pretrain (torch)  ->  curation (framework-free core)  ->  filters (stdlib)

pipelines and pretrain never import each other, and nothing but tests imports the CLI. Imports inside
functions count, and so does importlib.import_module with a literal name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO

MAX_LINES = 400
# What each layer may import besides itself.
MAY_IMPORT = {
    "curate_cli": {"pipelines", "pretrain", "curation", "filters"},
    "pipelines": {"curation", "filters"},
    "pretrain": {"curation", "filters"},
    "curation": {"filters"},
    "filters": set(),
}
# Code that drives the CLI as a user does (by command line), never by import.
NOT_THE_CLI = ("bench", "tools")


def modules(folder: str) -> list[Path]:
    return sorted(p for p in (REPO / folder).rglob("*.py") if ".cache" not in p.parts)


def imported(path: Path) -> set[str]:
    """Every module a file imports: at the top, inside functions, relatively, or by importlib with a literal name."""
    package = path.relative_to(REPO).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            names.add(".".join(part for part in (base, node.module) if part))
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
              and node.args):
            name = node.args[0]
            if isinstance(name, ast.JoinedStr) and name.values and isinstance(name.values[0], ast.Constant):
                name = name.values[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                names.add(name.value)
    return names


def layer_of(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("layer", MAY_IMPORT)
def test_imports_follow_the_layers(layer):
    wrong = {}
    for path in modules(layer):
        upward = sorted(n for n in imported(path) if layer_of(n) in MAY_IMPORT and layer_of(n) != layer
                        and layer_of(n) not in MAY_IMPORT[layer])
        if upward:
            wrong[str(path.relative_to(REPO))] = upward
    assert not wrong, f"{layer} may import only {sorted(MAY_IMPORT[layer]) or 'itself'}: {wrong}"


@pytest.mark.parametrize("folder", NOT_THE_CLI)
def test_only_tests_import_the_cli(folder):
    wrong = {str(p.relative_to(REPO)): n for p in modules(folder) if (n := sorted(
        name for name in imported(p) if layer_of(name) == "curate_cli"))}
    assert not wrong, f"only tests import curate_cli (run it as `python -m curate_cli.main`): {wrong}"


@pytest.mark.parametrize("layer", MAY_IMPORT)
def test_modules_are_short(layer):
    long = {str(p.relative_to(REPO)): n for p in modules(layer) if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_curate_command_is_the_cli_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    scripts = project["project"]["scripts"]
    assert scripts and all(target.startswith("curate_cli.") for target in scripts.values()), scripts
    assert "curate_cli*" in project["tool"]["setuptools"]["packages"]["find"]["include"]


def test_the_cli_and_the_training_config_load_without_torch_or_beam():
    """`curate --help` registers every subcommand and builds the training flags without the heavy frameworks."""
    code = ("import sys; import curate_cli.main, pretrain.config; curate_cli.main.build_parser(); "
            "print(sorted({'torch', 'apache_beam'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
