"""Count the representative pods and namespaces the engine synthesizes for rendered input.

Usage: .venv/bin/python benchmarks/representative_counts.py [K ...]

For the environment stacks (pr-123, production, dev: what `python -m components render` writes)
and for K environments of `generate_environments.py` with their pods removed (namespaces and
policies only), prints the namespaces, the representative pods, how many pods each kind of
namespace gets and the time to synthesize them. The figures in docs/reachability-api.md
("Representative pods") come from this script.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `components`, `reachability` importable

STACKS = ("pr-123", "production", "dev")
PROJECT = "catalyst-environments"


def stack(name: str) -> list[dict[str, Any]]:
    from components.manifests import environment_manifests
    from components.settings import settings_from_config
    from components.stack_config import load_stack_config, project_values

    config = project_values(load_stack_config(ROOT, name).values, PROJECT)
    return environment_manifests(settings_from_config(name, config))


def benchmark_set(k: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_environments import generate

    return [doc for _, docs in generate(k) for doc in docs if doc["kind"] != "Pod"]


def line(label: str, docs: Sequence[Mapping[str, Any]]) -> str:
    from reachability import from_manifests

    start = time.perf_counter()
    cluster = from_manifests(docs)
    seconds = time.perf_counter() - start
    per = Counter(pod.namespace for pod in cluster.pods)
    shape = Counter(per[ns.name] for ns in cluster.namespaces)
    kinds = ", ".join(f"{n} x {pods}" for pods, n in sorted(shape.items()))
    return (
        f"{label}: {len(cluster.namespaces)} namespaces, {len(cluster.pods)} pods "
        f"(namespaces x pods each: {kinds}) in {seconds:.2f} s"
    )


def main(argv: Sequence[str]) -> int:
    for name in STACKS:
        print(line(f"stack {name}", stack(name)))
    for k in [int(arg) for arg in argv] or [1, 200]:
        print(line(f"benchmark K={k} without pods", benchmark_set(k)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
