"""matrix against the bare decoding of the same files (issue 12, target 3).

Usage: .venv/bin/python benchmarks/bench_decode.py [K ...] [--runs N]

For each K (default 1000) generates the cluster once as YAML and once as JSON (one `List` per
file, as `kubectl get -o json` writes), then times in turn, round after round (best of N, peak
memory of each child):

- decode: a Python process that only runs `yaml.load_all(text, Loader=yaml.CSafeLoader)` over
  every file (PyYAML's libyaml loader, nothing else);
- matrix: `python -m reachability matrix` over all pods for 80/TCP, 443/TCP, 53/UDP, 5432/TCP,
  `--format json`, on the YAML files;
- matrix json: the same on the JSON files.

The target: matrix no slower than decode (ratio matrix/decode <= 1).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import timing

DECODE = (
    "import sys, yaml\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, encoding='utf-8') as handle:\n"
    "        list(yaml.load_all(handle.read(), Loader=yaml.CSafeLoader))\n"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, nargs="*", default=[1000], help="environments")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each counts")
    args = parser.parse_args(argv)
    ports = [f"--port={port}" for port in timing.MATRIX_PORTS]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as tmp:
        for k in args.k:
            yaml_dir = timing.generate(k, Path(tmp) / "yaml", "yaml").path
            json_dir = timing.generate(k, Path(tmp) / "json", "json").path
            files = sorted(str(path) for path in yaml_dir.glob("*.yaml"))
            commands = {
                "decode": [sys.executable, "-c", DECODE, *files],
                "matrix": timing.reachability("matrix", "-f", yaml_dir, *ports, "--format=json"),
                "matrix json": timing.reachability(
                    "matrix", "-f", json_dir, *ports, "--format=json"
                ),
            }
            rows += timing.in_turn(k, commands, args.runs, "decode")
    print(f"best of {args.runs} rounds, in turn")
    print(timing.table(["K", "command", "seconds", "/ decode", "peak MiB"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
