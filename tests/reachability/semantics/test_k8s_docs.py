"""The examples of the Kubernetes documentation's NetworkPolicy page, with the behaviour the page
states for each (https://kubernetes.io/docs/concepts/services-networking/network-policies/).

Policies are in tests/data/k8s_docs/ as the docs wrote them (the default policies get an explicit
``namespace: default``); cluster.yaml holds the namespaces and pods that exercise them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reachability import RuleRef, allowed, load
from tests.support.paths import DATA
from tests.support.verdicts import check

DOCS = DATA / "k8s_docs"
PODS = [
    "default/db",
    "default/frontend",
    "default/client",
    "default/other",
    "myproject-ns/app",
    "alice-ns/client",
    "alice-ns/other",
    "bob-ns/client",
    "bob-ns/frontend",
    "monitoring/prometheus",
]
EXTERNAL = "203.0.113.5"
PROBES = [(80, "TCP"), (6379, "TCP"), (53, "UDP"), (9000, "SCTP")]


def docs(*names: str) -> Any:
    return load([DOCS / "cluster.yaml", *(DOCS / f"{n}.yaml" for n in names)])


def in_default(endpoint: str) -> bool:
    return endpoint.startswith("default/")


def assert_everywhere(cluster: Any, expect: Callable[[str, str], bool]) -> None:
    """Every ordered pair of pods (and the external IP both ways) on every probe port."""
    endpoints = [*PODS, EXTERNAL]
    wrong = []
    for src in endpoints:
        for dst in endpoints:
            if src == dst or (src == EXTERNAL and dst == EXTERNAL):
                continue
            for port, proto in PROBES:
                got = allowed(cluster, src, dst, port, proto).allowed
                if got is not expect(src, dst):
                    wrong.append(f"{src} -> {dst} {port}/{proto}: got {got}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- test-network-policy


def test_test_network_policy_ingress_on_6379() -> None:
    """Allows TCP 6379 into role=db pods of default from role=frontend pods of default, from any
    pod of a namespace labelled project=myproject, and from 172.17.0.0/16 except 172.17.1.0/24."""
    c = docs("networkpolicy")
    pol = "default/test-network-policy"
    v = check(c, "default/frontend", "default/db", 6379, "TCP", True)
    assert v.ingress.allowed_by == (RuleRef(pol, 0),)
    check(c, "myproject-ns/app", "default/db", 6379, "TCP", True)
    for ip in ("172.17.0.5", "172.17.0.255", "172.17.2.0", "172.17.255.254"):
        check(c, ip, "default/db", 6379, "TCP", True)
    for ip in ("172.17.1.0", "172.17.1.5", "172.17.1.255", "172.16.0.1", "172.18.0.1"):
        check(c, ip, "default/db", 6379, "TCP", False)
    # podSelector alone: same namespace only
    check(c, "bob-ns/frontend", "default/db", 6379, "TCP", False)
    check(c, "default/client", "default/db", 6379, "TCP", False)
    check(c, "alice-ns/client", "default/db", 6379, "TCP", False)
    # the port and protocol matter
    check(c, "default/frontend", "default/db", 6380, "TCP", False)
    check(c, "default/frontend", "default/db", 6379, "UDP", False)
    check(c, "172.17.0.5", "default/db", 80, "TCP", False)


def test_test_network_policy_egress_to_10_0_0_0_24_on_5978() -> None:
    c = docs("networkpolicy")
    pol = "default/test-network-policy"
    for ip in ("10.0.0.0", "10.0.0.5", "10.0.0.255"):
        v = check(c, "default/db", ip, 5978, "TCP", True)
        assert v.egress.allowed_by == (RuleRef(pol, 0),)
    check(c, "default/db", "10.0.1.1", 5978, "TCP", False)
    check(c, "default/db", "10.0.0.5", 5979, "TCP", False)
    check(c, "default/db", "10.0.0.5", 5978, "UDP", False)
    # db is egress-isolated: even pods of its own namespace are out of reach
    v = check(c, "default/db", "default/frontend", 80, "TCP", False)
    assert v.egress.isolated_by == (pol,) and v.ingress.allowed
    # other pods are not selected
    check(c, "default/frontend", "default/client", 80, "TCP", True)
    check(c, "default/frontend", EXTERNAL, 443, "TCP", True)


# --------------------------------------------------------------------------- default policies


def test_default_deny_ingress() -> None:
    c = docs("network-policy-default-deny-ingress")
    assert_everywhere(c, lambda s, d: not in_default(d))


def test_allow_all_ingress_isolates_yet_allows_everything() -> None:
    c = docs("network-policy-allow-all-ingress")
    assert_everywhere(c, lambda s, d: True)
    v = allowed(c, "bob-ns/client", "default/db", 6379, "TCP")
    assert v.ingress.isolated
    assert v.ingress.allowed_by == (RuleRef("default/allow-all-ingress", 0),)


def test_allow_all_ingress_wins_over_default_deny_ingress() -> None:
    c = docs("network-policy-default-deny-ingress", "network-policy-allow-all-ingress")
    assert_everywhere(c, lambda s, d: True)
    v = allowed(c, EXTERNAL, "default/other", 80, "TCP")
    assert set(v.ingress.isolated_by) == {
        "default/default-deny-ingress",
        "default/allow-all-ingress",
    }


def test_default_deny_egress() -> None:
    c = docs("network-policy-default-deny-egress")
    assert_everywhere(c, lambda s, d: not in_default(s))


def test_allow_all_egress() -> None:
    c = docs("network-policy-allow-all-egress")
    assert_everywhere(c, lambda s, d: True)
    v = allowed(c, "default/db", EXTERNAL, 443, "TCP")
    assert v.egress.isolated
    assert v.egress.allowed_by == (RuleRef("default/allow-all-egress", 0),)


def test_default_deny_all() -> None:
    c = docs("network-policy-default-deny-all")
    assert_everywhere(c, lambda s, d: not in_default(s) and not in_default(d))


def test_default_deny_all_plus_allow_all_egress_leaves_only_egress_open() -> None:
    c = docs("network-policy-default-deny-all", "network-policy-allow-all-egress")
    assert_everywhere(c, lambda s, d: not in_default(d))


# --------------------------------------------------------------------------- port ranges


@pytest.mark.parametrize(
    ("port", "proto", "expected"),
    [
        (31999, "TCP", False),
        (32000, "TCP", True),
        (32001, "TCP", True),
        (32500, "TCP", True),
        (32768, "TCP", True),
        (32769, "TCP", False),
        (32000, "UDP", False),
        (32000, "SCTP", False),
    ],
)
def test_multi_port_egress_end_port_range(port: int, proto: str, expected: bool) -> None:
    c = docs("networkpolicy-multiport-egress")
    check(c, "default/db", "10.0.0.7", port, proto, expected)
    check(c, "default/db", "10.0.1.7", port, proto, False)
    # egress only: db still accepts anything
    check(c, "bob-ns/client", "default/db", port, proto, True)


# --------------------------------------------------------------------------- AND vs OR peers


def test_namespace_and_pod_selector_in_one_peer_is_and() -> None:
    """role=client pods in namespaces labelled user=alice, nothing else."""
    c = docs("and-one-peer")
    check(c, "alice-ns/client", "default/db", 6379, "TCP", True)
    check(c, "alice-ns/other", "default/db", 6379, "TCP", False)
    check(c, "default/client", "default/db", 6379, "TCP", False)
    check(c, "bob-ns/client", "default/db", 6379, "TCP", False)
    check(c, "default/frontend", "default/db", 6379, "TCP", False)


def test_namespace_and_pod_selector_as_two_peers_is_or() -> None:
    """role=client pods of the local namespace, OR any pod of a namespace labelled user=alice."""
    c = docs("or-two-peers")
    check(c, "alice-ns/client", "default/db", 6379, "TCP", True)
    check(c, "alice-ns/other", "default/db", 6379, "TCP", True)
    check(c, "default/client", "default/db", 6379, "TCP", True)
    check(c, "bob-ns/client", "default/db", 6379, "TCP", False)
    check(c, "default/frontend", "default/db", 6379, "TCP", False)
    check(c, "monitoring/prometheus", "default/db", 6379, "TCP", False)


# --------------------------------------------------------------------------- namespace by name


def test_namespace_targeted_by_its_automatic_name_label() -> None:
    c = docs("namespace-by-name")
    labels = {ns.name: dict(ns.labels) for ns in c.namespaces}
    for name, ns_labels in labels.items():
        assert ns_labels.get("kubernetes.io/metadata.name") == name
    assert labels["alice-ns"]["user"] == "alice"
    check(c, "monitoring/prometheus", "default/db", 9090, "TCP", True)
    check(c, "default/frontend", "default/db", 9090, "TCP", False)
    check(c, "myproject-ns/app", "default/db", 9090, "TCP", False)
    check(c, EXTERNAL, "default/db", 9090, "TCP", False)
