"""Time the CrossGuard pack on a stack of K environments against `reachability lint` on the same
manifests, paired in one run.

Usage: .venv/bin/python benchmarks/bench_pack.py [K ...] [--runs N]

For each K (default 200) the script generates the cluster (see generate_environments.py) and, N
times in turn, runs

    python -m reachability lint --format json -f DIR

as a subprocess, and a worker (this script with --worker DIR, a fresh process each time, so the
pack's per-stack memo starts empty as in a new `pulumi preview`) that turns the same manifests
into the stack's resources as the engine sends them, takes the policies `policy/__main__.py`
builds, and calls every one as pulumi_policy's analyzer host does (pack_host.py). It prints the
best of each: lint's wall time, the pack's validate functions' time (all policies together), their
ratio against the issue's target (at most 2x), the policy SDK's own time for building the
arguments (which a preview pays too, but the pack cannot change), and each side's peak memory.
Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pack_host
import timing
import yaml

TARGET_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class Measured:
    """One run of one side: seconds, peak resident memory (MiB), and what it found."""

    seconds: float
    mib: float
    found: int
    host_seconds: float = 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[200], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each counts")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(_worker(args.worker)))
        return 0

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, best of {args.runs} rounds")
    print(f"load average at start: {timing.load_average()}")
    print("lint: " + " ".join(_lint_command(Path("DIR"))))
    print("pack: every policy of policy/__main__.py, called as pulumi_policy's host calls it")
    rows = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
        for k in args.k:
            cluster = timing.generate(k, Path(tmp))
            lint: list[Measured] = []
            pack: list[Measured] = []
            for _ in range(args.runs):
                lint.append(_lint(cluster.path, Path(tmp) / "lint.json"))
                pack.append(_pack(cluster.path))
            best_lint = min(lint, key=lambda m: m.seconds)
            best_pack = min(pack, key=lambda m: m.seconds)
            ratio = best_pack.seconds / best_lint.seconds
            failed |= ratio > TARGET_RATIO
            rows.append(
                [
                    str(k),
                    str(cluster.pods),
                    str(cluster.policies),
                    f"{best_lint.seconds:.2f}",
                    f"{best_pack.seconds:.2f}",
                    f"{ratio:.2f}x",
                    "yes" if ratio <= TARGET_RATIO else "NO",
                    f"{min(m.host_seconds for m in pack):.2f}",
                    f"{max(m.mib for m in lint):.0f}",
                    f"{max(m.mib for m in pack):.0f}",
                    f"{best_lint.found}/{best_pack.found}",
                ]
            )
            print(
                f"K={k}: lint {best_lint.seconds:.2f} s, pack {best_pack.seconds:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    header = [
        "K",
        "pods",
        "policies",
        "lint s",
        "pack s",
        "pack/lint",
        f"<= {TARGET_RATIO:g}x",
        "sdk s",
        "lint MiB",
        "pack MiB",
        "findings lint/pack",
    ]
    print(timing.table(header, rows))
    print(f"load average at end: {timing.load_average()}")
    return 1 if failed else 0


def _lint_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "reachability", "lint", "--format", "json", "-f", str(folder)]


def _lint(folder: Path, out: Path) -> Measured:
    """One lint run as a subprocess: wall time, its own peak memory, its findings."""
    with out.open("w") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(_lint_command(folder), cwd=timing.ROOT, stdout=sink)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: findings of severity error
        raise SystemExit(f"bench_pack: lint exited with {proc.returncode}")
    findings = json.loads(out.read_text())
    return Measured(seconds, usage.ru_maxrss / 1024, len(findings))


def _pack(folder: Path) -> Measured:
    """One pack run in a fresh worker process."""
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(folder)],
        cwd=timing.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench_pack: worker failed:\n{proc.stderr}")
    result = json.loads(proc.stdout)
    return Measured(
        result["validate_seconds"], result["mib"], result["lint_violations"], result["host_seconds"]
    )


def _worker(folder: Path) -> dict[str, Any]:
    """The stack of `folder`'s manifests through every policy of the pack, timed."""
    manifests = [
        doc
        for path in sorted(folder.glob("*.yaml"))
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        if doc
    ]
    resources = pack_host.stack_resources(manifests, "bench")
    run = pack_host.run_pack(_pack_policies(), resources)
    if run.unknown:
        raise SystemExit(f"bench_pack: policies saw unknown values: {run.unknown}")
    return {
        "host_seconds": run.host_seconds,
        "validate_seconds": run.validate_seconds,
        "violations": run.violations,
        "lint_violations": sum(n for name, n in run.violations.items() if name.startswith("lint-")),
        "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _pack_policies() -> list[Any]:
    """The policies exactly as policy/__main__.py builds the pack (its server not started)."""
    import pulumi_policy

    built: list[dict[str, Any]] = []
    real = pulumi_policy.PolicyPack
    pulumi_policy.PolicyPack = lambda **kwargs: built.append(kwargs)  # type: ignore[assignment,misc]
    try:
        runpy.run_path(str(timing.ROOT / "policy" / "__main__.py"), run_name="__main__")
    finally:
        pulumi_policy.PolicyPack = real  # type: ignore[misc]
    (pack,) = built
    return list(pack["policies"])


if __name__ == "__main__":
    sys.exit(main())
