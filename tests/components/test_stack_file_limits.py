"""Stack files a careless or hostile hand wrote: alias bombs, alias loops, absurd nesting, keys
that are not strings -- each one line naming the file and key, exit 2, fast, nothing written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from components.cli import main
from tests.kubefacts.test_yaml_limits import bomb
from tests.support.processes import run_module


def render_process(project: Path, stack: str, out: Path) -> tuple[int, str, str]:
    result = run_module(
        "components",
        "render",
        "--project-dir",
        project,
        "--stack",
        stack,
        "--out",
        out,
        timeout=30,
    )
    return result.returncode, result.stdout, result.stderr


def test_an_alias_bomb_in_a_stack_file_fails_fast_with_one_line(
    project: Path, tmp_path: Path
) -> None:
    text = bomb(key="  catalyst-environments:egress").replace("defs:", "config:\n  aws:x:")
    text = text.replace("\n  - &", "\n    - &")
    (project / "Pulumi.pr-5.yaml").write_text(text)
    assert len(text) < 800
    started = time.perf_counter()
    code, out, err = render_process(project, "pr-5", tmp_path / "out")
    assert time.perf_counter() - started < 20
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert "Pulumi.pr-5.yaml" in err
    assert "catalyst-environments:egress" in err
    assert "excessive aliasing" in err
    assert out == ""
    assert not (tmp_path / "out").exists()


def render_in_process(
    project: Path, out: Path, capsys: pytest.CaptureFixture[str], stack: str = "pr-5"
) -> tuple[int, str]:
    code = main(["render", "--project-dir", str(project), "--stack", stack, "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err


DEEP_LIST = "[" * 5000 + "]" * 5000
DEEP_MAP = "{a: " * 3000 + "x" + "}" * 3000


@pytest.mark.parametrize(
    ("config", "key", "what"),
    [
        ("catalyst-environments:dnsPodLabels: {1: a, b: c}", "dnsPodLabels", "key 1 is not"),
        ("catalyst-environments:dnsPodLabels: {~: a, b: c}", "dnsPodLabels", "key ~ (null)"),
        ("catalyst-environments:dnsPodLabels: {true: a, b: c}", "dnsPodLabels", "key true"),
        ("catalyst-environments:quota: {1: '2', pods: '3'}", "quota", "not a string"),
        (f"catalyst-environments:egress: {DEEP_LIST}", "egress", "nest more than 32"),
        (f"catalyst-environments:egress: {DEEP_MAP}", "egress", "nest more than 32"),
        ("catalyst-environments:egress: " + "[" * 40 + "]" * 40, "egress", "nest more"),
        ("catalyst-environments:egress: &r [*r]", "egress", "contains it"),
        (f"catalyst-environments:egress: '{DEEP_LIST}'", "egress", "nest"),
        (f"catalyst-environments:team: '{DEEP_LIST}'", "team", ""),
        ("catalyst-environments:egress: [.nan]", "egress", ".nan or .inf"),
        ("catalyst-environments:team: .inf", "team", ".nan or .inf"),
        ("catalyst-environments:team: 2024-01-01", "", "timestamp"),
    ],
)
def test_hostile_stack_values_are_one_line_naming_the_key(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    config: str,
    key: str,
    what: str,
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(f"config:\n  {config}\n")
    code, err = render_in_process(project, tmp_path / "out", capsys)
    assert code == 2, err
    assert err.startswith("render: error: "), err
    assert "internal error" not in err and "Traceback" not in err
    assert err.count("\n") == 1, err
    assert f"catalyst-environments:{key}" in err
    assert what in err
    assert not (tmp_path / "out").exists()
