"""matrix on large clusters: time, peak memory and how memory grows (issue 12, target 2).

Usage: .venv/bin/python benchmarks/bench_large.py [K ...] [--runs N]

For each K (default 1000, 3000 and 10000) generates the cluster and times `python -m
reachability matrix` over all pods for 80/TCP, 443/TCP, 53/UDP and 5432/TCP, `--format json`
(best of N, with the child's own peak resident memory), then prints the peak per environment:
memory that grows linearly in K keeps that figure flat. The targets: K=10000 under 15 s and
under 1 GB (1024 MiB) peak.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import timing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[1000, 3000, 10000])
    parser.add_argument("--runs", type=int, default=1, help="runs per K; the best counts")
    args = parser.parse_args(argv)
    ports = [f"--port={port}" for port in timing.MATRIX_PORTS]
    rows = []
    for k in args.k:
        with tempfile.TemporaryDirectory(prefix="bench-large-") as tmp:
            cluster = timing.generate(k, Path(tmp))
            command = timing.reachability("matrix", "-f", cluster.path, *ports, "--format=json")
            run = timing.best([timing.measure(command) for _ in range(args.runs)])
        rows.append(
            [
                str(k),
                str(cluster.pods),
                str(cluster.policies),
                f"{run.seconds:.2f}",
                timing.mib(run),
                f"{run.max_rss / 1024 / k:.0f}",
            ]
        )
        print(timing.table(["K", "pods", "policies", "seconds", "peak MiB", "KiB/env"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
