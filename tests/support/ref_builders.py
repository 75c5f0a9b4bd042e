"""Compact manifest builders that name objects by ``namespace/name`` refs, and the small
two-namespace cluster (x, y x pods a, b) the core, matrix and CLI tests share."""

from __future__ import annotations

from typing import Any

from reachability import Cluster, Options, from_manifests

Doc = dict[str, Any]


def ns(name: str, **labels: str) -> Doc:
    meta: Doc = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def pod(
    ref: str,
    labels: dict[str, str] | None = None,
    ip: str | list[str] | None = None,
    ports: list[Doc] | None = None,
    *,
    host_network: bool = False,
) -> Doc:
    namespace, name = ref.split("/")
    doc: Doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": "main", "image": "x", "ports": ports or []}]},
    }
    if host_network:
        doc["spec"]["hostNetwork"] = True
    if ip is not None:
        ips = [ip] if isinstance(ip, str) else ip
        doc["status"] = {"podIP": ips[0], "podIPs": [{"ip": i} for i in ips]}
    return doc


def cport(number: int, name: str | None = None, protocol: str | None = None) -> Doc:
    out: Doc = {"containerPort": number}
    if name:
        out["name"] = name
    if protocol:
        out["protocol"] = protocol
    return out


def netpol(ref: str, spec: Doc) -> Doc:
    namespace, name = ref.split("/")
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def build(*docs: Doc, **options: Any) -> Cluster:
    return from_manifests(list(docs), source="test.yaml", options=Options(**options))


DENY_ALL: Doc = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
XY = (
    ns("x"),
    ns("y"),
    pod("x/a", {"pod": "a"}, "10.0.0.1"),
    pod("x/b", {"pod": "b"}, "10.0.0.2"),
    pod("y/a", {"pod": "a"}, "10.0.1.1"),
    pod("y/b", {"pod": "b"}, "10.0.1.2"),
)
