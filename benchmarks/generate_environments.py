"""Generate K environments as the environments program would deploy them, plus their pods.

Usage: .venv/bin/python benchmarks/generate_environments.py K OUTDIR [--format yaml|json]
       [--shadowed]

Each environment is what `components` renders for stack `pr-<i>` (Namespace + NetworkPolicy set,
with a production-like `databases` config) plus five pods with realistic labels and container
ports: web, worker, postgres, cache and a migration job. The cluster also holds ingress-nginx
(the controller) and kube-system (two kube-dns pods and metrics-server). Every pod has its own
10.x address. The output is deterministic: one file for the shared namespaces and one per
environment, keys sorted.

`--shadowed` adds to every environment an `allow-all-ingress` policy (every pod, ingress from
anywhere), which shadows the environment's other ingress policies: the input on which lint's
shadowed-policy rule (NP007) has the most to do.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `components` importable

Manifest = dict[str, Any]

TEAM = "acme"
PROJECT = "shop"
DATABASES: tuple[Mapping[str, Any], ...] = (
    {
        "name": "postgres",
        "podLabels": {"app": "postgres"},
        "port": 5432,
        "clientLabels": {"db-access": "true"},
    },
    {
        "name": "cache",
        "podLabels": {"app": "cache"},
        "port": 6379,
        "clientLabels": {"cache-access": "true"},
    },
)
# (name, labels, [(port name, number, protocol)]) of the five pods of every environment.
ENVIRONMENT_PODS: tuple[tuple[str, Mapping[str, str], tuple[tuple[str, int, str], ...]], ...] = (
    (
        "web",
        {"app": "web", "db-access": "true", "cache-access": "true"},
        (("http", 8080, "TCP"),),
    ),
    ("worker", {"app": "worker", "db-access": "true"}, (("metrics", 9090, "TCP"),)),
    ("postgres", {"app": "postgres"}, (("postgres", 5432, "TCP"),)),
    ("cache", {"app": "cache"}, (("redis", 6379, "TCP"),)),
    ("job", {"app": "migrate", "job-name": "db-migrate", "db-access": "true"}, ()),
)
SHARED_IPS = ipaddress.IPv4Address("10.0.0.10")
ENVIRONMENT_IPS = ipaddress.IPv4Address("10.1.0.0")


def pod(
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    ip: ipaddress.IPv4Address,
    ports: Sequence[tuple[str, int, str]],
) -> Manifest:
    """A running Pod as `kubectl get pod -o yaml` shows it (the fields the analyzers read)."""
    container: Manifest = {"name": "main", "image": f"registry.example.com/{name}:1"}
    if ports:
        container["ports"] = [
            {"name": port_name, "containerPort": number, "protocol": protocol}
            for port_name, number, protocol in ports
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"containers": [container]},
        "status": {"phase": "Running", "podIP": str(ip), "podIPs": [{"ip": str(ip)}]},
    }


def shared_manifests() -> list[Manifest]:
    """ingress-nginx and kube-system: the namespaces every environment's policies name."""
    ip = iter(SHARED_IPS + offset for offset in range(16))
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ingress-nginx"}},
        pod(
            "ingress-nginx",
            "ingress-nginx-controller",
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
            },
            next(ip),
            (("http", 80, "TCP"), ("https", 443, "TCP")),
        ),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
        *(
            pod(
                "kube-system",
                f"coredns-{suffix}",
                {"k8s-app": "kube-dns"},
                next(ip),
                (("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")),
            )
            for suffix in ("a", "b")
        ),
        pod(
            "kube-system",
            "metrics-server",
            {"k8s-app": "metrics-server"},
            next(ip),
            (("https", 10250, "TCP"),),
        ),
    ]


def environment(index: int) -> list[Manifest]:
    """Environment `pr-<index>` (index from 1): the program's manifests and five pods."""
    from components.manifests import environment_manifests
    from components.settings import settings_from_config

    config = {"team": TEAM, "project": PROJECT, "databases": [dict(db) for db in DATABASES]}
    settings = settings_from_config(f"pr-{index}", config)
    first = ENVIRONMENT_IPS + (index - 1) * 8 + 1
    pods = [
        pod(settings.namespace, name, labels, first + offset, ports)
        for offset, (name, labels, ports) in enumerate(ENVIRONMENT_PODS)
    ]
    return [*environment_manifests(settings), *pods]


def allow_all_ingress(namespace: str) -> Manifest:
    """Every pod of `namespace` open to ingress from anywhere (podSelector {}, ingress [{}])."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-all-ingress", "namespace": namespace},
        "spec": {"podSelector": {}, "ingress": [{}], "policyTypes": ["Ingress"]},
    }


def generate(k: int, *, shadowed: bool = False) -> list[tuple[str, list[Manifest]]]:
    """(file name stem, documents) for the shared namespaces and each of K environments."""
    width = max(4, len(str(k)))
    files = [("cluster", shared_manifests())]
    for index in range(1, k + 1):
        docs = environment(index)
        if shadowed:
            namespace = next(d["metadata"]["name"] for d in docs if d["kind"] == "Namespace")
            docs.append(allow_all_ingress(namespace))
        files.append((f"env-{index:0{width}d}", docs))
    return files


def write(k: int, outdir: Path, fmt: str = "yaml", *, shadowed: bool = False) -> tuple[int, int]:
    """Write the K environments into `outdir`; return (pods, network policies)."""
    outdir.mkdir(parents=True, exist_ok=True)
    if any(outdir.iterdir()):
        raise SystemExit(f"generate_environments: {outdir} is not empty; give a new directory")
    pods = policies = 0
    for stem, docs in generate(k, shadowed=shadowed):
        pods += sum(doc["kind"] == "Pod" for doc in docs)
        policies += sum(doc["kind"] == "NetworkPolicy" for doc in docs)
        if fmt == "json":
            text = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, sort_keys=True)
        else:
            text = yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=True)
        (outdir / f"{stem}.{fmt}").write_text(text, encoding="utf-8")
    return pods, policies


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, help="number of environments (>= 1)")
    parser.add_argument("outdir", type=Path, help="a new or empty directory")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument(
        "--shadowed", action="store_true", help="add an allow-all-ingress policy per environment"
    )
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("K must be at least 1")
    pods, policies = write(args.k, args.outdir, args.format, shadowed=args.shadowed)
    print(f"{args.k} environments, {pods} pods, {policies} network policies in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
