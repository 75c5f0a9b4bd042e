"""The house is drawn from its imports: each floor imports only from the floors below it, and
siblings of the engine use only its public root (no `reachability._name`, no engine module).

kubefacts (bottom) <- reachability core <- reachability.lint / .diff <- reachability.cli
                   <- components                      <- policy, e2e
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

OURS = ("kubefacts", "reachability", "components", "policy", "e2e")
ENGINE_SIBLINGS = ("reachability.lint", "reachability.diff")

# package -> the imports of ours it may make (a prefix match on the imported module)
ALLOWED: dict[str, tuple[str, ...]] = {
    "kubefacts": ("kubefacts",),
    "components": ("kubefacts", "components"),
    "reachability.lint": ("kubefacts", "reachability", "reachability.lint"),
    "reachability.diff": ("kubefacts", "reachability", "reachability.diff"),
    "reachability.cli": (
        "kubefacts",
        "reachability",
        "reachability.lint",
        "reachability.diff",
        "reachability.cli",
    ),
    "reachability": ("kubefacts", "reachability"),
    "policy": ("kubefacts", "reachability", "reachability.lint", "policy"),
    "e2e": ("kubefacts", "reachability", "e2e"),
}


def _package_of(module: str) -> str:
    if module == "reachability.__main__":
        return "reachability.cli"
    for package in sorted(ALLOWED, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            return package
    raise AssertionError(f"{module} belongs to no floor of the house")


def _modules() -> Iterator[tuple[str, Path]]:
    for top in OURS:
        for path in sorted((REPO_ROOT / top).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imports(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import of ours, relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from reachability import _block_yaml` names a private module too
            names = [base, *(f"{base}.{a.name}" for a in node.names if _private(a.name))]
        else:
            continue
        for name in names:
            if name.split(".")[0] in OURS:
                yield node.lineno, name


MODULES = list(_modules())


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down_the_house(module: str, path: Path) -> None:
    package = _package_of(module)
    wrong = []
    for line, name in _imports(module, path):
        target = _package_of(name)
        if target not in ALLOWED[package]:
            wrong.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {name}")
            continue
        # Siblings of the engine see only its public root (and their own package).
        outside_engine = not package.startswith("reachability") or package in ENGINE_SIBLINGS
        if outside_engine and target == "reachability" and name != "reachability":
            wrong.append(f"{path.relative_to(REPO_ROOT)}:{line} imports engine module {name}")
        if outside_engine and any(part.startswith("_") for part in name.split(".")):
            wrong.append(f"{path.relative_to(REPO_ROOT)}:{line} imports private {name}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_over_400_lines() -> None:
    long = [
        f"{path.relative_to(REPO_ROOT)}: {n} lines"
        for _, path in MODULES
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert not long, long


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")
