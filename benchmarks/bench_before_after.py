"""Time `matrix` and `lint` of an earlier commit and of this tree in turn, on the same files.

Usage: .venv/bin/python benchmarks/bench_before_after.py REV [K ...] [--runs N]

Checks REV out into a temporary git worktree, generates K environments (default 200 and 1000,
see generate_environments.py), and runs each command as a subprocess from each tree in turn,
round after round, so that both sides see the same machine load; prints the best of N runs of
each and their ratio. Used for the "before / now" table in the README's Performance section.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import timing

COMMANDS: dict[str, list[str]] = {
    "matrix": ["matrix", *(f"--port={port}" for port in timing.MATRIX_PORTS), "--format=json"],
    "lint": ["lint", "--format=json"],
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier commit (e.g. a65a4fd)")
    parser.add_argument("k", type=int, nargs="*", default=[200, 1000], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each counts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-before-after-") as tmp:
        before = Path(tmp) / "before"
        subprocess.run(
            ["git", "-C", str(timing.ROOT), "worktree", "add", "--detach", str(before), args.rev],
            check=True,
            capture_output=True,
        )
        try:
            trees = {"before": before, "now": timing.ROOT}
            for k in args.k:
                cluster = timing.generate(k, Path(tmp), "yaml")
                for name, command in COMMANDS.items():
                    best = {label: float("inf") for label in trees}
                    for _ in range(args.runs):
                        for label, tree in trees.items():
                            best[label] = min(best[label], _seconds(tree, command, cluster.path))
                    print(
                        f"K={k} {name}: before {best['before']:.2f} s, now {best['now']:.2f} s, "
                        f"now/before {best['now'] / best['before']:.2f}",
                        flush=True,
                    )
        finally:
            subprocess.run(
                ["git", "-C", str(timing.ROOT), "worktree", "remove", "--force", str(before)],
                check=False,
                capture_output=True,
            )
    return 0


def _seconds(tree: Path, command: list[str], folder: Path) -> float:
    """One run from `tree` (its own packages first on the path), wall-clock seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "reachability", *command, "-f", str(folder)],
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
