"""query and check against matrix on the same files (issue 12, target 4).

Usage: .venv/bin/python benchmarks/bench_questions.py [K ...] [--runs N]

For each K (default 1000) generates the cluster, then times in turn, round after round (best
of N, peak memory of each child):

- matrix: over all pods for 80/TCP, 443/TCP, 53/UDP and 5432/TCP, `--format json`;
- query: `--from acme-shop-pr-1/web --to acme-shop-pr-1/postgres --port 5432`;
- check: 100 expectations (web -> postgres on 5432 and web -> cache on 6379 in 50
  environments spread over the cluster), `--format json`.

The target: query and check each in at most half of matrix's time (ratio <= 0.5).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import generate_environments
import timing
import yaml


def namespace(i: int) -> str:
    return f"{generate_environments.TEAM}-{generate_environments.PROJECT}-pr-{i}"


def expectations(k: int) -> list[dict[str, object]]:
    """100 expectations over 50 environments spread evenly across 1..K."""
    chosen = sorted({1 + (i * k) // 50 for i in range(50)})
    return [
        {
            "from": f"{namespace(i)}/web",
            "to": f"{namespace(i)}/{dst}",
            "port": port,
            "allowed": True,
        }
        for i in chosen
        for dst, port in (("postgres", 5432), ("cache", 6379))
    ]


QUESTION = ("--from", f"{namespace(1)}/web", "--to", f"{namespace(1)}/postgres", "--port", "5432")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[1000], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each counts")
    args = parser.parse_args(argv)
    ports = [f"--port={port}" for port in timing.MATRIX_PORTS]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-questions-") as tmp:
        for k in args.k:
            cluster = timing.generate(k, Path(tmp)).path
            expect = Path(tmp) / f"expect-{k}.yaml"
            expect.write_text(yaml.safe_dump(expectations(k), sort_keys=False))
            commands = {
                "matrix": timing.reachability("matrix", "-f", cluster, *ports, "--format=json"),
                "query": timing.reachability("query", "-f", cluster, *QUESTION),
                "check": timing.reachability(
                    "check", "-f", cluster, "--expect", expect, "--format=json"
                ),
            }
            rows += timing.in_turn(k, commands, args.runs, "matrix", ok=(0, 1))
    print(f"best of {args.runs} rounds, in turn")
    print(timing.table(["K", "command", "seconds", "/ matrix", "peak MiB"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
