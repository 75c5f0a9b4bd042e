"""The analyzer's YAML readers refuse alias bombs at once, as one problem naming the file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reachability import ManifestError, load
from reachability.cli.expectations import read_expectations
from tests.kubefacts.test_yaml_limits import bomb


def test_an_alias_bomb_in_a_manifest_is_one_problem_naming_the_file(tmp_path: Path) -> None:
    manifest = tmp_path / "bomb.yaml"
    manifest.write_text(bomb(key="items") + "kind: List\napiVersion: v1\n")
    started = time.perf_counter()
    with pytest.raises(ManifestError) as caught:
        load([manifest])
    assert time.perf_counter() - started < 5
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert problem.file == str(manifest)
    assert "excessive aliasing" in str(problem)


def test_a_self_referencing_alias_in_a_manifest_is_one_problem(tmp_path: Path) -> None:
    manifest = tmp_path / "loop.yaml"
    manifest.write_text("kind: List\napiVersion: v1\nitems: &r [*r]\n")
    with pytest.raises(ManifestError) as caught:
        load([manifest])
    assert "contains it" in str(caught.value.problems[0])


def test_an_alias_bomb_in_an_expectations_file_is_one_problem(tmp_path: Path) -> None:
    expectations = tmp_path / "expect.yaml"
    expectations.write_text(bomb(key="x"))
    with pytest.raises(ManifestError) as caught:
        read_expectations(expectations)
    assert "excessive aliasing" in str(caught.value.problems[0])
    assert caught.value.problems[0].file == str(expectations)
