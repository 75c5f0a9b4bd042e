"""One nca import answering many command lines, each in a fresh process forked from it.

Run by ``tests.support.nca_oracle`` with the interpreter of the nca script (.venv-nca's python,
which has nca and its pinned dependencies; this file imports nothing but the standard library
and nca). Starting nca costs about a second of imports for a tenth of a second of analysis, and
the differential tests ask it some 70 questions; this pays the imports once per test process.

Each question is still answered by its own process: the server forks after the import and the
child runs ``nca_main(args)`` exactly as the ``nca`` script does (``sys.exit(nca_main())``), with
its stdout and stderr (file descriptors 1 and 2, so output written through a ``from sys import
stderr`` taken at import is caught too) in temporary files and stdin on /dev/null. Nothing one
question does (nca's singletons, caches, environment changes) reaches the next.

Protocol, one JSON object per line: the server prints ``{"ready": true}`` once nca is imported
(or ``{"ready": false, "error": ...}`` and exits); then for each request ``{"args": [...],
"cwd": "...", "timeout": seconds}`` it prints ``{"returncode": n, "stdout": "...", "stderr":
"..."}``, with ``"timeout": true`` instead of a return code when the child ran out of time.
It exits when its stdin closes (the test process ended).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from typing import IO, Any

NcaMain = Callable[[Sequence[str]], Any]


def _exit_status(code: object) -> int:
    """The status a process gets from ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _child(
    nca_main: NcaMain, args: Sequence[str], cwd: str, timeout: int, out: int, err: int
) -> None:
    """In the forked child: run nca once and leave with its exit status (never returns)."""
    status = 70
    try:
        os.dup2(out, 1)
        os.dup2(err, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(cwd)
        signal.alarm(timeout)  # the default SIGALRM action ends the child
        sys.argv = ["nca", *args]
        try:
            status = _exit_status(nca_main(list(args)))
        except SystemExit as stop:  # argparse's usage errors
            status = _exit_status(stop.code)
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def answer(nca_main: NcaMain, request: dict[str, Any]) -> dict[str, Any]:
    """Fork, let the child answer `request`, and collect its exit status and output."""
    args = [str(a) for a in request["args"]]
    cwd = str(request.get("cwd") or os.getcwd())
    timeout = max(1, int(request.get("timeout") or 300))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(nca_main, args, cwd, timeout, out.fileno(), err.fileno())
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        reply: dict[str, Any] = {
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        reply["timeout"] = True
    elif os.WIFSIGNALED(status):
        reply["returncode"] = -os.WTERMSIG(status)
    else:
        reply["returncode"] = os.WEXITSTATUS(status)
    return reply


def serve(requests: IO[str], replies: IO[str]) -> int:
    def say(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # run as a script: tests/support's modules must not shadow nca's imports
    try:
        from nca.nca_cli import nca_main  # the import every nca process pays, paid once here
    except BaseException as error:  # reported to the client, which then starts nca per question
        say({"ready": False, "error": f"{type(error).__name__}: {error}"})
        return 1
    say({"ready": True})
    for line in requests:
        if line.strip():
            say(answer(nca_main, json.loads(line)))
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.stdin, sys.stdout))
