"""What the benchmark scripts share: generating the clusters and timing a command end to end."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import generate_environments

ROOT = generate_environments.ROOT
MATRIX_PORTS: tuple[str, ...] = ("80/TCP", "443/TCP", "53/UDP", "5432/TCP")


@dataclass(frozen=True, slots=True)
class Cluster:
    """A generated cluster on disk and its size."""

    k: int
    path: Path
    pods: int
    policies: int


def generate(
    k: int, parent: Path, fmt: str = "yaml", *, shadowed: bool = False, name: str = ""
) -> Cluster:
    """K environments (see generate_environments.py) in a new folder under `parent`;
    `shadowed` adds an allow-all-ingress policy to every environment."""
    path = parent / (name or f"k{k}")
    pods, policies = generate_environments.write(k, path, fmt, shadowed=shadowed)
    return Cluster(k, path, pods, policies)


def matrix_command(cluster: Cluster) -> list[str]:
    """Our CLI: the matrix over all pods for the four benchmark ports, as JSON."""
    ports = [arg for port in MATRIX_PORTS for arg in ("--port", port)]
    return [
        sys.executable,
        "-m",
        "reachability",
        "matrix",
        "-f",
        str(cluster.path),
        *ports,
        "--format",
        "json",
    ]


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds of the best run, or why there is none."""

    seconds: float | None
    runs: int
    failure: str = ""  # "timeout after N s" or "exit code N: <stderr tail>"


def best_of(command: Sequence[str], runs: int, timeout: float | None = None) -> Timing:
    """Run `command` `runs` times (output discarded, process start included); keep the best."""
    best: float | None = None
    for _ in range(runs):
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                command,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Timing(best, runs, f"timeout after {timeout:g} s")
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or [""]
            return Timing(None, runs, f"exit code {proc.returncode}: {tail[0]}")
        best = elapsed if best is None else min(best, elapsed)
    return Timing(best, runs)


@dataclass(frozen=True, slots=True)
class Run:
    """One child process: wall-clock seconds, its own peak resident memory, how it ended."""

    seconds: float
    max_rss: int  # bytes: the largest peak of the child and the descendants it reaped
    returncode: int
    stderr: str
    cpu: float = 0.0  # user + system seconds of the child and of the processes it reaped
    stdout: str = ""  # kept only when asked for (`run_measured(..., stdout=True)`)


def run_measured(
    command: Sequence[str], timeout: float | None = None, *, stdout: bool = False
) -> Run:
    """Run `command` once from the repository root (stdout discarded unless `stdout`) and reap
    it with `os.wait4`, whose rusage is that child's alone (with the descendants it reaped):
    RUSAGE_CHILDREN keeps the largest peak of every child so far, so a small command after a
    big one would report the big one's memory. A run longer than `timeout` seconds is killed
    (returncode -9), with every process it started: it runs in a session of its own, which is
    also killed when this process is interrupted."""
    with tempfile.TemporaryFile(mode="w+") as errors, tempfile.TemporaryFile(mode="w+") as out:
        start = time.perf_counter()
        sink = out if stdout else subprocess.DEVNULL
        proc = subprocess.Popen(
            command, cwd=ROOT, stdout=sink, stderr=errors, start_new_session=True
        )

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            kill()
            os.wait4(proc.pid, 0)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
        errors.seek(0)
        out.seek(0)
        stderr, text = errors.read(), out.read()
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1 if sys.platform == "darwin" else 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, usage.ru_maxrss * scale, proc.returncode, stderr, cpu, text)


def reference_seconds() -> float:
    """Seconds of a fixed pure-Python loop (dict updates, small slotted objects) in this
    process: how fast the machine runs Python right now. On a shared host the same work took
    from 0.3 to 2 s at different hours, so figures taken at different times are read beside it."""

    class Pair:
        __slots__ = ("a", "b")

        def __init__(self, a: int, b: int) -> None:
            self.a, self.b = a, b

    start = time.perf_counter()
    counts: dict[int, int] = {}
    for i in range(2_000_000):
        counts[i % 1000] = counts.get(i % 1000, 0) + (i & 7)
    sum(Pair(i, i + 1).b for i in range(1_000_000))
    return time.perf_counter() - start


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as the scripts print them beside their figures."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(str(cell).rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    )


def measure(command: Sequence[str], ok: Sequence[int] = (0,)) -> Run:
    """`run_measured`, raising on an exit code not in `ok`."""
    run = run_measured(command)
    if run.returncode not in ok:
        tail = run.stderr.strip()[-300:]
        raise RuntimeError(f"{' '.join(command)}: exit code {run.returncode}: {tail}")
    return run


def best(runs: Sequence[Run]) -> Run:
    """The fastest run, with the highest peak memory seen in any of them."""
    fastest = min(runs, key=lambda run: run.seconds)
    return dataclasses.replace(fastest, max_rss=max(run.max_rss for run in runs))


def in_turn(
    k: int, commands: dict[str, list[str]], runs: int, against: str, ok: Sequence[int] = (0,)
) -> list[list[str]]:
    """Run every command once a round, `runs` rounds, so that all see the same machine load;
    table rows of each one's best time, its ratio to `against`'s, and its peak memory."""
    found: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            found[name].append(measure(command, ok))
    fastest = {name: best(each) for name, each in found.items()}
    base = fastest[against].seconds
    return [
        [str(k), name, f"{run.seconds:.2f}", f"{run.seconds / base:.2f}", mib(run)]
        for name, run in fastest.items()
    ]


def mib(run: Run) -> str:
    return f"{run.max_rss / 2**20:.0f}"


def reachability(*args: str | Path) -> list[str]:
    """`python -m reachability ARGS` with this interpreter."""
    return [sys.executable, "-m", "reachability", *(str(arg) for arg in args)]
