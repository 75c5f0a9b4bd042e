"""Fixtures shared by every test folder, and the ``--update-golden`` option."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.golden import Golden
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_module

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.production.yaml")
GC_THRESHOLD = (10_000, 10, 10)
"""Collect the youngest generation every 10,000 allocations (CPython's default: 700)."""


def pytest_collection_finish(session: pytest.Session) -> None:
    """The cyclic garbage collector took ~5 of each xdist worker's ~50 CPU-s: the tests make
    many small short-lived objects (clusters, hypothesis examples), and each full collection
    walked every imported module and collected item again. Those live as long as the run, so
    they are frozen out of its view, and the youngest generation is collected less often
    (~1.5 CPU-s per worker). Only when cyclic garbage is freed changes; the CLIs turn the
    collector off for a command anyway (reachability.cli.main)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the files under tests/golden/ from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """``golden.check("<command>/<case>.<ext>", output)``: compare with, or rewrite, the file."""
    return Golden(update=bool(request.config.getoption("--update-golden")))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project files, so renders never write into the repository."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in PROJECT_FILES:
        shutil.copy(REPO_ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def rendered_stacks(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``rendered_stacks("pr-123", "production")``: a fresh folder holding one subfolder per
    stack, as ``python -m components render --stack S --out <folder>/S`` writes it (the public
    CLI, as CI runs it). Each stack is rendered once per session and copied from then on."""
    cache = tmp_path_factory.mktemp("rendered-cache")

    def folder_of(*stacks: str) -> Path:
        for stack in stacks:
            if not (cache / stack).is_dir():
                result = run_module(
                    "components", "render", "--stack", stack, "--out", cache / stack
                )
                assert result.returncode == 0, result.stderr
        folder = tmp_path_factory.mktemp("rendered")
        for stack in stacks:
            shutil.copytree(cache / stack, folder / stack)
        return folder

    return folder_of
