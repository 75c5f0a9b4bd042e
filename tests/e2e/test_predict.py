"""The predicted matrix for pr-123 + pr-456 + production renders plus the probe pods.

These are the verdicts the Kind job then measures; each row is one the issues name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from e2e.manifests import load_manifests
from e2e.outcomes import Outcome
from e2e.plan import External, probe_plan
from e2e.predict import predict
from e2e.probes import probe_set

DEV, OTHER, PROD = (f"myteam-myproject-{s}" for s in ("pr-123", "pr-456", "production"))
INGRESS, DNS, KUBE_SYSTEM = (
    "ingress-nginx/probe-ingress",
    "kube-system/cluster-dns",
    "kube-system/probe-kube-system",
)
EXTERNALS = (External("1.1.1.1", 443), External("1.1.1.1", 80), External("169.254.169.254", 443))


@pytest.fixture(scope="module")
def predicted(rendered_stacks: Callable[..., Path]) -> dict[tuple[str, str, int, str], Outcome]:
    rendered = load_manifests([rendered_stacks("pr-123", "pr-456", "production")])
    probes = probe_set(rendered)
    manifests: list[Any] = [*rendered, *probes.apply, *probes.fixtures]
    plan = probe_plan(manifests, EXTERNALS)
    outcomes = predict(manifests, plan)
    assert [o.probe for o in outcomes] == plan, "one verdict per probe, in plan order"
    return {outcome.probe.key: outcome for outcome in outcomes}


def pod(namespace: str, role: str) -> str:
    return f"{namespace}/probe-{role}"


EXPECTED = [
    # production: only clients reach postgres, only on its port; nothing else inside production
    (pod(PROD, "web"), pod(PROD, "postgres"), 5432, "TCP", True),
    (pod(PROD, "worker"), pod(PROD, "postgres"), 5432, "TCP", False),
    (pod(PROD, "web"), pod(PROD, "postgres"), 8080, "TCP", False),
    (INGRESS, pod(PROD, "postgres"), 5432, "TCP", False),
    (INGRESS, pod(PROD, "postgres"), 8080, "TCP", False),
    (pod(PROD, "web"), pod(PROD, "worker"), 8080, "TCP", False),
    (INGRESS, pod(PROD, "web"), 8080, "TCP", True),
    # development: pods of the namespace reach each other on any port, both ways
    (pod(DEV, "worker"), pod(DEV, "postgres"), 5432, "TCP", True),
    (pod(DEV, "postgres"), pod(DEV, "worker"), 8080, "TCP", True),
    (pod(DEV, "web"), pod(DEV, "worker"), 8081, "UDP", True),
    (INGRESS, pod(DEV, "web"), 8080, "TCP", True),
    (INGRESS, pod(DEV, "postgres"), 8081, "UDP", True),
    # other environments are denied, both ways, production included
    (pod(DEV, "web"), pod(OTHER, "web"), 8080, "TCP", False),
    (pod(OTHER, "web"), pod(DEV, "web"), 8080, "TCP", False),
    (pod(DEV, "web"), pod(PROD, "postgres"), 5432, "TCP", False),
    (pod(PROD, "web"), pod(DEV, "postgres"), 5432, "TCP", False),
    (KUBE_SYSTEM, pod(DEV, "web"), 8080, "TCP", False),
    # DNS: the kube-dns pods on UDP and TCP 53, not any other kube-system pod
    (pod(DEV, "web"), DNS, 53, "UDP", True),
    (pod(DEV, "web"), DNS, 53, "TCP", True),
    (pod(PROD, "postgres"), DNS, 53, "UDP", True),
    (pod(DEV, "web"), KUBE_SYSTEM, 53, "UDP", False),
    (pod(PROD, "web"), KUBE_SYSTEM, 53, "TCP", False),
    # egress: the internet on 443 only, never the cloud metadata address
    (pod(DEV, "web"), "1.1.1.1", 443, "TCP", True),
    (pod(DEV, "web"), "1.1.1.1", 80, "TCP", False),
    (pod(PROD, "worker"), "1.1.1.1", 443, "TCP", True),
    (pod(DEV, "web"), "169.254.169.254", 443, "TCP", False),
    # pods no policy selects (ingress controller, kube-system) are open
    (INGRESS, "1.1.1.1", 80, "TCP", True),
    (INGRESS, KUBE_SYSTEM, 53, "UDP", True),
    (KUBE_SYSTEM, DNS, 53, "UDP", True),
]


@pytest.mark.parametrize(("source", "target", "port", "protocol", "allowed"), EXPECTED)
def test_predicted_verdict(
    predicted: dict[tuple[str, str, int, str], Outcome],
    source: str,
    target: str,
    port: int,
    protocol: str,
    allowed: bool,
) -> None:
    outcome = predicted[(source, target, port, protocol)]
    assert outcome.allowed is allowed, outcome.detail


def test_every_prediction_says_why(predicted: dict[tuple[str, str, int, str], Outcome]) -> None:
    assert all("egress" in o.detail and "ingress" in o.detail for o in predicted.values())
    client = predicted[(pod(PROD, "web"), pod(PROD, "postgres"), 5432, "TCP")]
    assert "allow-database-postgres" in client.detail
    cross = predicted[(pod(DEV, "web"), pod(OTHER, "web"), 8080, "TCP")]
    assert "default-deny-all" in cross.detail


def test_no_environment_pod_is_reachable_from_another_environment(
    predicted: dict[tuple[str, str, int, str], Outcome],
) -> None:
    environments = (DEV, OTHER, PROD)
    leaks = [
        key
        for key, outcome in predicted.items()
        if outcome.allowed
        and key[0].split("/")[0] in environments
        and key[1].split("/")[0] in environments
        and key[0].split("/")[0] != key[1].split("/")[0]
    ]
    assert leaks == []
