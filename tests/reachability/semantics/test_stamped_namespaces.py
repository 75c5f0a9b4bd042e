"""Environments stamped from one template: namespaces holding the same pods with the same labels,
in the same order or another, each with its own copy of the policies. The index answers a
podSelector once for every namespace of one shape (`ClusterIndex`), so these clusters are where a
shared answer could leak from one namespace into the next: the engine's matrix is held to the
independent oracle's (tests/support/cnp_oracle.py) on every connection."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings

from reachability import from_manifests, matrix
from tests.support.cnp_oracle import CnpOracle
from tests.support.strategies import cluster_strategy

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
@given(cluster_strategy(max_pods=6, max_policies=4))
def test_stamped_namespaces_get_the_oracles_verdicts(docs: list[Doc]) -> None:
    docs = stamped(docs)
    cluster, oracle = from_manifests(docs), CnpOracle(docs)
    pods = [f"{_namespace(d)}/{d['metadata']['name']}" for d in docs if d["kind"] == "Pod"]
    found = set(matrix(cluster, PROBES, EXTERNALS).allowed_flows())
    for a in [*pods, *EXTERNALS]:
        for b in pods if a in EXTERNALS else [*pods, *EXTERNALS]:
            for port, proto in PROBES:
                want = oracle.allowed(a, b, port, proto).allowed
                assert ((a, b, port, proto) in found) is want, (a, b, port, proto)
