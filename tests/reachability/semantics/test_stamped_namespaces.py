"""Environments stamped from one template: namespaces holding the same pods with the same labels,
in the same order or another, each with its own copy of the policies. The index answers a
podSelector once for every namespace of one shape (`ClusterIndex`: its label sets and their
positions relative to its first pod off the host network), and asks once per set of isolating
policies whether they name a port, so these clusters are where a shared answer could leak from
one namespace, or one class, into the next: the engine's matrix is held to the independent
oracle's (tests/support/cnp_oracle.py) on every connection, on generated clusters and on the
cases a plausible wrong key gets wrong (the label sets in order without their positions, the
named-port answer keyed by the cluster policies alone)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import from_manifests, matrix
from tests.support.builders import container_port, namespace, netpol, pod
from tests.support.cnp_oracle import CnpOracle
from tests.support.strategies import cluster_strategy, cluster_with_cnps_strategy

Doc = dict[str, Any]
PROBES = [(80, "TCP"), (53, "UDP"), (9090, "SCTP")]  # a number, a name, another protocol
EXTERNALS = ["93.184.216.34"]
STAMPS = (("copy", False), ("turned", True))  # (suffix, pods in reverse order)


def stamped(docs: list[Doc]) -> list[Doc]:
    """`docs` and, for every namespace, copies of it (its Namespace, Pods and NetworkPolicies)
    under other names, one with its pods named to come in the reverse order; copied pods get
    fresh IPs."""
    out = list(docs)
    serial = 0
    templates = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
    for template, (suffix, turned) in ((t, stamp) for t in templates for stamp in STAMPS):
        name = f"{template}-{suffix}"
        kept = [d for d in docs if _namespace(d) == template]
        pods = sorted((d for d in kept if d["kind"] == "Pod"), key=lambda d: d["metadata"]["name"])
        others = [d for d in kept if d["kind"] != "Pod"]
        for doc in others + pods:
            twin = copy.deepcopy(doc)
            if turned and twin["kind"] == "Pod":  # a cluster orders a namespace's pods by name
                rank = len(pods) - pods.index(doc)
                twin["metadata"]["name"] = f"p{rank}-{twin['metadata']['name']}"
            if twin["kind"] == "Namespace":
                twin["metadata"]["name"] = name
                twin["metadata"].get("labels", {}).pop("kubernetes.io/metadata.name", None)
            else:
                twin["metadata"]["namespace"] = name
            if twin["kind"] == "Pod" and "status" in twin:
                serial += 1
                ips = [f"10.2.{serial}.{i + 1}" for i, _ in enumerate(twin["status"]["podIPs"])]
                twin["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
            out.append(twin)
    return out


def _namespace(doc: Doc) -> str | None:
    metadata = doc.get("metadata", {})
    return metadata.get("name") if doc["kind"] == "Namespace" else metadata.get("namespace")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(cluster_strategy(max_pods=6, max_policies=4), cluster_with_cnps_strategy()))
def test_stamped_namespaces_get_the_oracles_verdicts(docs: list[Doc]) -> None:
    _agree_with_oracle(stamped(docs), PROBES, EXTERNALS)


def _flows(
    docs: list[Doc], probes: list[tuple[int, str]], externals: list[str] | None = None
) -> set[tuple[str, str, int, str]]:
    return set(matrix(from_manifests(docs), probes, externals or []).allowed_flows())


def _agree_with_oracle(
    docs: list[Doc], probes: list[tuple[int, str]], externals: list[str] | None = None
) -> None:
    """The matrix's verdict is the oracle's on every connection with a pod at one end at least."""
    outside = externals or []
    found, oracle = _flows(docs, probes, outside), CnpOracle(docs)
    pods = [f"{_namespace(d)}/{d['metadata']['name']}" for d in docs if d["kind"] == "Pod"]
    for a in [*pods, *outside]:
        for b in pods if a in outside else [*pods, *outside]:
            for port, proto in probes:
                want = oracle.allowed(a, b, port, proto).allowed
                assert ((a, b, port, proto) in found) is want, (a, b, port, proto)


def test_same_label_sets_in_the_same_order_at_other_positions() -> None:
    # a: web, db, web  -> {web: 0b101, db: 0b010};  b: web, web, db -> {web: 0b011, db: 0b100}.
    # The label sets come in the same order in both; only their positions tell them apart.
    docs: list[Doc] = [namespace("a"), namespace("b")]
    for ns, apps in (("a", ["web", "db", "web"]), ("b", ["web", "web", "db"])):
        for i, app in enumerate(apps):
            docs.append(pod(ns, f"p{i + 1}", {"app": app}, [f"10.0.{ord(ns)}.{i + 1}"]))
        docs.append(netpol(ns, "deny-db", {"matchLabels": {"app": "db"}}, policy_types=["Ingress"]))
    found = _flows(docs, [(80, "TCP")])
    assert ("a/p1", "b/p2", 80, "TCP") in found  # b/p2 is a web pod: not isolated
    assert ("a/p1", "b/p3", 80, "TCP") not in found  # b/p3 is the db pod: isolated, no rule
    _agree_with_oracle(docs, [(80, "TCP")])


def test_host_network_pods_break_a_shape() -> None:
    # Same labels, same order, one pod on the host network in a different place.
    docs: list[Doc] = [namespace("a"), namespace("b")]
    for ns, host in (("a", 1), ("b", 2)):
        for i in range(3):
            docs.append(
                pod(ns, f"p{i}", {"app": "db"}, [f"10.0.{ord(ns)}.{i + 1}"], host_network=i == host)
            )
        docs.append(netpol(ns, "deny-db", {"matchLabels": {"app": "db"}}, policy_types=["Ingress"]))
    _agree_with_oracle(docs, [(80, "TCP")])


def test_named_port_memo_is_per_isolating_policy_set() -> None:
    # p1's policy names no port; p2 and p3 share a policy admitting port `http`, which is 80 on
    # p2 and 8080 on p3: they must be told apart although no cluster policy governs any of them.
    docs: list[Doc] = [
        namespace("a"),
        pod("a", "p1", {"app": "x"}, ["10.0.0.1"]),
        pod("a", "p2", {"app": "y"}, ["10.0.0.2"], [container_port(80, "TCP", "http")]),
        pod("a", "p3", {"app": "y"}, ["10.0.0.3"], [container_port(8080, "TCP", "http")]),
        netpol("a", "x-deny", {"matchLabels": {"app": "x"}}, policy_types=["Ingress"]),
        netpol(
            "a",
            "y-http",
            {"matchLabels": {"app": "y"}},
            ingress=[{"ports": [{"port": "http"}]}],
            policy_types=["Ingress"],
        ),
    ]
    found = _flows(docs, [(80, "TCP"), (8080, "TCP")])
    assert ("a/p1", "a/p2", 80, "TCP") in found
    assert ("a/p1", "a/p3", 80, "TCP") not in found
    assert ("a/p1", "a/p3", 8080, "TCP") in found
    _agree_with_oracle(docs, [(80, "TCP"), (8080, "TCP")])
