"""Our matrix against `nca --connectivity` on the same generated manifests, side by side.

Usage: .venv/bin/python benchmarks/bench_vs_nca.py [K ...] [--runs N] [--nca-runs M]
                                                   [--nca-timeout S] [--nca PATH]

For each K (default 50, 100 and 200) one cluster is generated (see generate_environments.py) and
both tools read the same folder, each as a subprocess with its process start included:

    ours: python -m reachability matrix -f DIR --port 80/TCP --port 443/TCP --port 53/UDP
              --port 5432/TCP --format json > /dev/null              (best of N runs)
    nca:  nca --connectivity -r DIR > /dev/null                       (best of M runs)

The ratio nca/ours is printed against the issue's target of at least 20x. nca is slow on large
clusters: a run that exceeds --nca-timeout is reported as a lower bound ("> X").
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import timing

TARGET_RATIO = 20.0


def find_nca(explicit: str | None) -> str | None:
    """--nca, else $NCA, else <repo>/.venv-nca/bin/nca, else `nca` on PATH."""
    for candidate in (explicit, os.environ.get("NCA")):
        if candidate:
            return candidate if Path(candidate).is_file() else shutil.which(candidate)
    local = timing.ROOT / ".venv-nca" / "bin" / "nca"
    return str(local) if local.is_file() else shutil.which("nca")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[50, 100, 200], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="runs of ours per K; the best counts")
    parser.add_argument("--nca-runs", type=int, default=1, help="runs of nca per K")
    parser.add_argument("--nca-timeout", type=float, default=1800, help="seconds per nca run")
    parser.add_argument("--nca", help="path of the nca executable")
    args = parser.parse_args(argv)
    nca = find_nca(args.nca)
    if nca is None:
        print("bench_vs_nca: nca not found; run `bash scripts/bootstrap` (creates .venv-nca)")
        return 2

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs; ours best of {args.runs}, "
        f"nca best of {args.nca_runs} (timeout {args.nca_timeout:g} s); nca = {nca}"
    )
    rows = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-vs-nca-") as tmp:
        for k in args.k:
            cluster = timing.generate(k, Path(tmp))
            ours = timing.best_of(timing.matrix_command(cluster), args.runs)
            theirs = timing.best_of(
                [nca, "--connectivity", "-r", str(cluster.path)], args.nca_runs, args.nca_timeout
            )
            ours_s = "-" if ours.seconds is None else f"{ours.seconds:.2f}"
            if ours.seconds is None:
                nca_s, ratio, verdict = "-", "-", f"ours failed: {ours.failure}"
            elif theirs.seconds is not None:
                nca_s = f"{theirs.seconds:.2f}"
                value = theirs.seconds / ours.seconds
                ratio = f"{value:.1f}x"
                verdict = "yes" if value >= TARGET_RATIO else "NO"
            elif theirs.failure.startswith("timeout"):
                nca_s = f"> {args.nca_timeout:g}"  # stopped at the timeout
                value = args.nca_timeout / ours.seconds
                ratio = f"> {value:.1f}x"
                verdict = "yes" if value >= TARGET_RATIO else "unknown"
            else:
                nca_s, ratio, verdict = "-", "-", f"nca failed: {theirs.failure}"
            failed |= verdict != "yes"
            rows.append(
                [str(k), str(cluster.pods), str(cluster.policies), ours_s, nca_s, ratio, verdict]
            )
            print(f"K={k}: ours {ours_s} s, nca {nca_s} s", file=sys.stderr, flush=True)
    header = ["K", "pods", "policies", "ours s", "nca s", "nca/ours", f">= {TARGET_RATIO:g}x"]
    print(timing.table(header, rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
