"""Time `python -m reachability matrix` on K generated environments, end to end.

Usage: .venv/bin/python benchmarks/bench_matrix.py [K ...] [--runs N] [--format yaml|json]

For each K (default 200 and 1000) the script generates the cluster (see generate_environments.py),
then runs, as a subprocess so that interpreter start-up and parsing count,

    python -m reachability matrix -f DIR --port 80/TCP --port 443/TCP --port 53/UDP
        --port 5432/TCP --format json > /dev/null

N times and prints the best wall-clock time against the issue's target (K=200 under 3 s,
K=1000 under 15 s, on a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import timing

TARGETS: dict[int, float] = {200: 3.0, 1000: 15.0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[200, 1000], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="runs per K; the best counts")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, best of {args.runs} runs")
    print("command: " + " ".join(timing.matrix_command(timing.Cluster(0, Path("DIR"), 0, 0))))
    rows = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-matrix-") as tmp:
        for k in args.k:
            cluster = timing.generate(k, Path(tmp), args.format)
            result = timing.best_of(timing.matrix_command(cluster), args.runs)
            target = TARGETS.get(k)
            if result.seconds is None:
                seconds, verdict, failed = "-", result.failure, True
            else:
                seconds = f"{result.seconds:.2f}"
                verdict = "-" if target is None else ("yes" if result.seconds < target else "NO")
                failed |= verdict == "NO"
            rows.append(
                [
                    str(k),
                    str(cluster.pods),
                    str(cluster.policies),
                    seconds,
                    "-" if target is None else f"< {target:g} s",
                    verdict,
                ]
            )
            print(f"K={k}: {seconds} s", file=sys.stderr, flush=True)
    header = ["K", "pods", "policies", "seconds", "target", "meets"]
    print(timing.table(header, rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
