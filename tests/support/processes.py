"""Running the project's commands from tests: in-process through ``main(argv)``, or as the
documented ``python -m <package>`` process, from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import REPO_ROOT


def run_module(
    module: str,
    *args: str | Path,
    cwd: Path = REPO_ROOT,
    timeout: float | None = None,
    pythonpath: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``python -m module args...`` with captured text output; never raises on its exit status.
    ``pythonpath`` puts the repository on PYTHONPATH (as a user without the venv's .pth would)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)} if pythonpath else None
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=env,
    )


def run_main(
    main: Callable[[Sequence[str]], int], capsys: pytest.CaptureFixture[str], *argv: Any
) -> tuple[int, str, str]:
    """A CLI's ``main(argv)`` in-process: its exit status, stdout and stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
