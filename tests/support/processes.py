"""Running the project's commands from tests: in-process through ``main(argv)``, or as the
documented ``python -m <package>`` process, from the repository root."""

from __future__ import annotations

import contextlib
import io
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


def run_in_process(
    main: Callable[[Sequence[str]], int], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    """``main(args)`` in this process, with what ``run_module`` returns for the same command:
    exit status (SystemExit included), stdout and stderr. For tests about a command's output
    and status rather than about its process (python -m start-up is tested once per CLI), so
    that each call does not pay an interpreter start and the imports."""
    argv = [str(a) for a in args]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's usage errors, as a process would exit
            code = stop.code if isinstance(stop.code, int) else 1
    return subprocess.CompletedProcess(["main", *argv], code, stdout.getvalue(), stderr.getvalue())
