"""Stack files a careless or hostile hand wrote: alias bombs, alias loops, absurd nesting, keys
that are not strings -- each one line naming the file and key, exit 2, fast, nothing written."""

from __future__ import annotations

import time
from pathlib import Path

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
