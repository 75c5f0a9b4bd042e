"""Time the commands of an earlier commit and of this tree in turn, on the same files.

Usage: .venv/bin/python benchmarks/bench_before_after.py REV [K ...] [--runs N]
           [--commands matrix,lint,...]

Checks REV out into a temporary git worktree, generates K environments (default 200 and 1000,
see generate_environments.py; for the shadowed commands also the `--shadowed` variant, for diff
an edited copy as bench_lint_diff.py makes it), and runs each command as a subprocess from each
tree in turn, round after round, so that both sides see the same machine load; prints the best
of N runs of each, their ratio, and each tree's ratio of a command to the matrix on the same
input (lint, diff: the cluster's matrix; lint-shadowed: the shadowed set's). Commands: matrix,
lint, diff, matrix-shadowed, lint-shadowed (default matrix,lint). Used for the "before / now"
tables in the README's Performance section.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import bench_lint_diff
import timing

MATRIX = ["matrix", *(f"--port={port}" for port in timing.MATRIX_PORTS), "--format=json"]
COMMANDS: dict[str, tuple[list[str], str]] = {  # its arguments, and the input it reads
    "matrix": (MATRIX, "cluster"),
    "lint": (["lint", "--format=json"], "cluster"),
    "diff": (["diff", "--format=json", "--after", "{edited}"], "cluster"),
    "matrix-shadowed": (MATRIX, "shadowed"),
    "lint-shadowed": (["lint", "--format=json"], "shadowed"),
}
BASE = {"lint": "matrix", "diff": "matrix", "lint-shadowed": "matrix-shadowed"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier commit (e.g. a65a4fd)")
    parser.add_argument("k", type=int, nargs="*", default=[200, 1000], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each counts")
    parser.add_argument("--commands", default="matrix,lint", help="comma-separated, see above")
    args = parser.parse_args(argv)
    chosen = args.commands.split(",")
    unknown = sorted(set(chosen) - COMMANDS.keys())
    if unknown:
        parser.error(f"unknown commands: {', '.join(unknown)}")
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
                inputs = _inputs(k, Path(tmp) / f"k{k}", chosen)
                best: dict[str, dict[str, float]] = {}
                for name in chosen:
                    command, source = COMMANDS[name]
                    command = [part.format(**inputs) for part in command]
                    found = best[name] = {label: float("inf") for label in trees}
                    for _ in range(args.runs):
                        for label, tree in trees.items():
                            seconds = _seconds(tree, command, inputs[source])
                            found[label] = min(found[label], seconds)
                    line = (
                        f"K={k} {name}: before {found['before']:.2f} s, now {found['now']:.2f} s, "
                        f"now/before {found['now'] / found['before']:.2f}"
                    )
                    base = best.get(BASE.get(name, ""))
                    if base is not None:
                        line += ", of its matrix: " + ", ".join(
                            f"{label} {found[label] / base[label]:.2f}x" for label in trees
                        )
                    print(line, flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(timing.ROOT), "worktree", "remove", "--force", str(before)],
                check=False,
                capture_output=True,
            )
    return 0


def _inputs(k: int, parent: Path, chosen: list[str]) -> dict[str, Path]:
    """The generated inputs the chosen commands read, by name."""
    parent.mkdir()
    inputs = {"cluster": timing.generate(k, parent, "yaml").path}
    if any(name.endswith("shadowed") for name in chosen):
        inputs["shadowed"] = timing.generate(k, parent, "yaml", shadowed=True, name="shadowed").path
    if "diff" in chosen:
        inputs["edited"] = bench_lint_diff.edited_copy(inputs["cluster"], parent / "edited")
    return inputs


def _seconds(tree: Path, command: list[str], folder: Path | str) -> float:
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
