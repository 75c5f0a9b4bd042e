"""Time `lint` and `diff` against `matrix` on the same generated files, with peak memory.

Usage: .venv/bin/python benchmarks/bench_lint_diff.py [K ...] [--runs N] [--timeout S]

For each K (default 200 and 1000) the script generates three inputs (see
generate_environments.py): the cluster; its shadowed variant (`--shadowed`: an allow-all-ingress
policy in every environment, lint's NP007 worst case); and an edited copy of the cluster with 3
policies changed (a database port, a DNS rule down to UDP, an ingress-controller peer narrowed).
Then, round after round so that every command sees the same machine load, it runs as
subprocesses (interpreter start and parsing included, output discarded)

    matrix           python -m reachability matrix -f DIR --port 80/TCP --port 443/TCP
                         --port 53/UDP --port 5432/TCP --format json
    lint             python -m reachability lint -f DIR --format json
    lint shadowed    the same on the shadowed set
    matrix shadowed  the matrix on the shadowed set
    diff             python -m reachability diff -f DIR --after EDITED --format json

and prints for each the best of N wall-clock times, its ratio to the matrix on the same input
(diff's to the cluster's matrix) against the issue's target of at most 2x, and the child's own
peak resident memory (the largest of its runs). Exit status 1 when a ratio misses the target or
a command fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import timing
import yaml

TARGET_RATIO = 2.0
# Changes one policy spec in place.
Edit = Callable[[dict[str, Any]], None]


def _postgres_port(spec: dict[str, Any]) -> None:
    spec["ingress"][0]["ports"][0]["port"] = 5433


def _dns_udp_only(spec: dict[str, Any]) -> None:
    ports = spec["egress"][0]["ports"]
    spec["egress"][0]["ports"] = [p for p in ports if p["protocol"] == "UDP"]


def _controller_only(spec: dict[str, Any]) -> None:
    peer = spec["ingress"][0]["from"][0]
    peer["podSelector"] = {"matchLabels": {"app.kubernetes.io/component": "controller"}}


EDITS: tuple[tuple[int, str, Edit], ...] = (
    (0, "allow-database-postgres-ingress", _postgres_port),
    (1, "allow-dns", _dns_udp_only),
    (-1, "allow-ingress-controller", _controller_only),
)


def edited_copy(source: Path, target: Path) -> Path:
    """`source` with the 3 policies of EDITS changed, each in its own environment's file."""
    shutil.copytree(source, target)
    files = sorted(target.glob("env-*.yaml"))
    chosen = {0: files[0], 1: files[len(files) // 2], -1: files[-1]}
    for where, name, edit in EDITS:
        path = chosen[where]
        docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
        (policy,) = [
            d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == name
        ]
        edit(policy["spec"])
        text = yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=True)
        path.write_text(text, encoding="utf-8")
    return target


def commands(plain: Path, shadowed: Path, edited: Path) -> dict[str, list[str]]:
    """Each benchmarked command, by name, in the order of a round."""
    reach = [sys.executable, "-m", "reachability"]
    ports = [arg for port in timing.MATRIX_PORTS for arg in ("--port", port)]
    return {
        "matrix": [*reach, "matrix", "-f", str(plain), *ports, "--format", "json"],
        "lint": [*reach, "lint", "-f", str(plain), "--format", "json"],
        "lint shadowed": [*reach, "lint", "-f", str(shadowed), "--format", "json"],
        "matrix shadowed": [*reach, "matrix", "-f", str(shadowed), *ports, "--format", "json"],
        "diff": [*reach, "diff", "-f", str(plain), "--after", str(edited), "--format", "json"],
    }


BASELINE = {
    "matrix": None,
    "lint": "matrix",
    "lint shadowed": "matrix shadowed",
    "matrix shadowed": None,
    "diff": "matrix",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[200, 1000], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each counts")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per command")
    args = parser.parse_args(argv)

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, best of {args.runs} "
        f"rounds, load average {timing.load_average()}"
    )
    failed = False
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-lint-diff-") as tmp:
        for k in args.k:
            plain = timing.generate(k, Path(tmp))
            shadowed = timing.generate(k, Path(tmp), shadowed=True, name=f"k{k}-shadowed")
            edited = edited_copy(plain.path, Path(tmp) / f"k{k}-edited")
            todo = commands(plain.path, shadowed.path, edited)
            best: dict[str, float] = {}
            peak: dict[str, int] = {}
            broken: dict[str, str] = {}
            for _ in range(args.runs):
                for name, command in todo.items():
                    if name in broken:
                        continue
                    run = timing.run_measured(command, args.timeout)
                    if run.returncode not in (0, 1):  # lint exits 1 on error findings
                        tail = run.stderr.strip().splitlines()[-1:] or [""]
                        broken[name] = (
                            f"timeout after {args.timeout:g} s"
                            if run.seconds >= args.timeout
                            else f"exit code {run.returncode}: {tail[0]}"
                        )
                        continue
                    best[name] = min(best.get(name, run.seconds), run.seconds)
                    peak[name] = max(peak.get(name, 0), run.max_rss)
                    print(
                        f"K={k} {name}: {run.seconds:.2f} s, {run.max_rss / 2**20:.0f} MiB",
                        file=sys.stderr,
                        flush=True,
                    )
            for name in todo:
                base = BASELINE[name]
                if name in broken:
                    rows.append([str(k), name, "-", "-", "-", "-", broken[name]])
                    failed = True
                    continue
                ratio = meets = "-"
                if base is not None and base in best:
                    value = best[name] / best[base]
                    ratio = f"{value:.2f}x {base}"
                    meets = "yes" if value <= TARGET_RATIO else "NO"
                    failed |= meets == "NO"
                rows.append(
                    [
                        str(k),
                        name,
                        f"{best[name]:.2f}",
                        f"{peak[name] / 2**20:.0f}",
                        ratio,
                        "-" if base is None else f"<= {TARGET_RATIO:g}x",
                        meets,
                    ]
                )
    header = ["K", "command", "seconds", "peak MiB", "ratio", "target", "meets"]
    print(timing.table(header, rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
