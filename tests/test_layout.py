"""The source layout: imports run one way (CLI -> pipelines -> core), and modules stay short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

CLI = ("curation.cli", "curation.commands")
MAX_LINES = 400


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def is_cli(path: Path) -> bool:
    relative = path.relative_to(REPO).as_posix()
    return relative == "curation/cli.py" or relative.startswith("curation/commands/")


@pytest.mark.parametrize("package", ["curation", "filters", "pretrain", "pipelines"])
def test_imports_run_one_way(package):
    for path in modules(package):
        if is_cli(path):
            continue
        names = imported(path)
        upward = {n for n in names if n.startswith(CLI)}
        if package != "pipelines":
            upward |= {n for n in names if n == "pipelines" or n.startswith("pipelines.")}
        assert not upward, f"{path.relative_to(REPO)} imports {sorted(upward)}: arrows go CLI -> pipelines -> core"


@pytest.mark.parametrize("package", ["curation", "filters", "pretrain", "pipelines"])
def test_modules_are_short(package):
    long = {str(p.relative_to(REPO)): n for p in modules(package) if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
