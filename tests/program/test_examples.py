"""The README's demo: the isolation contract in examples/expectations.yaml holds for what the
program renders for pr-123, pr-456 and production (representative pods, no cluster)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reachability.cli import main
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_in_process

ROOT = REPO_ROOT
EXPECTATIONS = ROOT / "examples" / "expectations.yaml"
STACKS = ("pr-123", "pr-456", "production")


@pytest.fixture(scope="module")
def rendered(rendered_stacks: Callable[..., Path]) -> list[str]:
    out = rendered_stacks(*STACKS)
    return [arg for stack in STACKS for arg in ("-f", str(out / stack))]


def _check(rendered: list[str], expect: Path) -> tuple[int, list[dict[str, object]]]:
    # `python -m reachability` as a process: cli/test_commands.py; scripts/demo runs this.
    result = run_in_process(main, "check", *rendered, "--expect", expect, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_every_expectation_of_the_demo_holds(rendered: list[str]) -> None:
    code, verdicts = _check(rendered, EXPECTATIONS)
    wanted = yaml.safe_load(EXPECTATIONS.read_text())
    assert code == 0
    assert len(verdicts) == len(wanted) >= 25
    assert all(v["expected"] == v["actual"] for v in verdicts)
    assert {v["actual"] for v in verdicts} == {True, False}


def test_a_wrong_expectation_is_reported(rendered: list[str], tmp_path: Path) -> None:
    wanted = yaml.safe_load(EXPECTATIONS.read_text())
    wanted[0]["allowed"] = not wanted[0]["allowed"]
    flipped = tmp_path / "flipped.yaml"
    flipped.write_text(yaml.safe_dump(wanted))
    code, verdicts = _check(rendered, flipped)
    assert code == 1
    assert [v["expected"] == v["actual"] for v in verdicts].count(False) == 1
