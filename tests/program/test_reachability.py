"""What the program declares, given to the reachability analyzer with probe pods.

The manifests come from running ``__main__.py`` under mocks for pr-123, pr-456 and production
(config read as the CLI would), so this checks the deployed policies, not only the builders.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pulumi_mocks import run_main

reachability = pytest.importorskip("reachability")

PR = "myteam-myproject-pr-123"
OTHER = "myteam-myproject-pr-456"
PROD = "myteam-myproject-production"


def pod(namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"labels": labels, "name": name, "namespace": namespace},
        "spec": {"containers": [{"image": "probe", "name": "probe"}]},
    }


@pytest.fixture(scope="module")
def cluster() -> Any:
    declared = [
        resource.inputs
        for stack in ("pr-123", "pr-456", "production")
        for resource in run_main(stack).resources
        if resource.custom
    ]
    probes = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ingress-nginx"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
        pod("ingress-nginx", "controller", {"app.kubernetes.io/name": "ingress-nginx"}),
        pod("kube-system", "coredns", {"k8s-app": "kube-dns"}),
        pod("kube-system", "metrics", {"k8s-app": "metrics-server"}),
        pod(PR, "web", {"app": "web"}),
        pod(PR, "worker", {"app": "worker"}),
        pod(OTHER, "web", {"app": "web"}),
        pod(PROD, "web", {"app": "web", "db-access": "true"}),
        pod(PROD, "worker", {"app": "worker"}),
        pod(PROD, "postgres", {"app": "postgres"}),
    ]
    return reachability.from_manifests([*declared, *probes])


@pytest.mark.parametrize(
    ("src", "dst", "port", "protocol", "expected"),
    [
        ("ingress-nginx/controller", f"{PR}/web", 80, "TCP", True),
        ("ingress-nginx/controller", f"{PROD}/web", 8080, "TCP", True),
        (f"{PR}/web", f"{PR}/worker", 8080, "TCP", True),
        (f"{PR}/worker", f"{PR}/web", 5432, "TCP", True),
        (f"{PR}/web", f"{OTHER}/web", 80, "TCP", False),
        (f"{OTHER}/web", f"{PR}/web", 80, "TCP", False),
        (f"{PR}/web", f"{PROD}/web", 80, "TCP", False),
        (f"{PROD}/web", f"{PR}/web", 80, "TCP", False),
        (f"{PR}/web", "kube-system/coredns", 53, "UDP", True),
        (f"{PR}/web", "kube-system/coredns", 53, "TCP", True),
        (f"{PR}/web", "kube-system/metrics", 53, "UDP", False),
        (f"{PR}/web", "kube-system/metrics", 53, "TCP", False),
        (f"{PR}/web", "93.184.216.34", 443, "TCP", True),
        (f"{PR}/web", "93.184.216.34", 80, "TCP", False),
        (f"{PR}/web", "169.254.169.254", 443, "TCP", False),
        (f"{PR}/web", "10.1.2.3", 443, "TCP", False),
        (f"{PR}/web", "192.168.1.10", 443, "TCP", False),
        (f"{PROD}/web", f"{PROD}/postgres", 5432, "TCP", True),
        (f"{PROD}/worker", f"{PROD}/postgres", 5432, "TCP", False),
        (f"{PROD}/web", f"{PROD}/postgres", 8080, "TCP", False),
        ("ingress-nginx/controller", f"{PROD}/postgres", 5432, "TCP", False),
        (f"{PROD}/web", f"{PROD}/worker", 80, "TCP", False),
    ],
)
def test_the_declared_policies_allow_exactly_the_intended_traffic(
    cluster: Any, src: str, dst: str, port: int, protocol: str, expected: bool
) -> None:
    verdict = reachability.allowed(cluster, src, dst, port, protocol)
    assert verdict.allowed is expected, verdict.reason
