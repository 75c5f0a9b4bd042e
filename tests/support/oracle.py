"""A small label-selector matcher, policy-selection rules and NetworkPolicy (v1) rule admission,
restated independently of the engine so property tests can compare the engine's answers against
them. Nothing here imports `reachability`.

The NetworkPolicy semantics restated (and shared by tests/support/cnp_oracle.py):
- a pod is isolated for a direction when some policy of its namespace selects it and has that
  direction in its policyTypes (defaulted: Ingress, plus Egress when egress rules exist);
  host-network pods are never isolated (the engine's default `host_network="node"` convention);
- an isolated side is allowed when some rule of some isolating policy admits the other end (its
  `from`/`to`, missing or empty = everyone) and the port (`ports`, missing or empty = all);
- a peer is an ipBlock (any of the endpoint's IPs in `cidr` and in no `except`: pod IPs,
  host-network pods' IPs and external addresses alike), or pod/namespace selectors, AND-ed, which
  match only ordinary pods (podSelector alone: the policy's own namespace);
- a port entry's protocol defaults to TCP; a number with `endPort` is a range; a name resolves
  against the destination pod's container ports (name, number and protocol), never on external
  addresses or host-network pods.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
WORKLOAD_KINDS = (
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
)


def selector_matches(sel: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector semantics, independently restated (empty selector matches all)."""
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def policy_directions(policy: Mapping[str, Any]) -> set[str]:
    """The directions a policy isolates: its policyTypes, or the API defaults when omitted."""
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return set(types)
    return {"Ingress", "Egress"} if spec.get("egress") else {"Ingress"}


def policy_selects(policy: Mapping[str, Any], namespace: str, labels: Mapping[str, str]) -> bool:
    """Whether ``policy`` selects a pod of ``namespace`` labelled ``labels``."""
    if policy["metadata"]["namespace"] != namespace:
        return False
    return selector_matches((policy.get("spec") or {}).get("podSelector"), labels)


def selects(policy: Mapping[str, Any], pod_doc: Mapping[str, Any]) -> bool:
    """Whether ``policy`` selects ``pod_doc`` (same namespace and podSelector matches)."""
    pm = pod_doc["metadata"]
    return policy_selects(policy, pm["namespace"], pm.get("labels") or {})


# --------------------------------------------------------------------------- endpoints

ContainerPorts = tuple[tuple[str | None, int, str], ...]


@dataclass(frozen=True)
class OracleEndpoint:
    """A pod (or a workload standing for its template's pods), or an address outside the
    cluster (``namespace`` None). ``ports`` are (name, containerPort, protocol)."""

    id: str
    namespace: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    ips: tuple[str, ...] = ()
    ports: ContainerPorts = ()
    host_network: bool = False

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None

    @property
    def ordinary_pod(self) -> bool:
        """A pod that selectors (pod, namespace) can match: not host-networked."""
        return self.is_pod and not self.host_network


@functools.cache
def external(ip: str) -> OracleEndpoint:
    """An address outside the cluster (one frozen value per text)."""
    return OracleEndpoint(id=ip, namespace=None, ips=(ip,))


def _pod_spec_facts(spec: Mapping[str, Any]) -> tuple[ContainerPorts, bool]:
    ports = tuple(
        (p.get("name"), int(p["containerPort"]), p.get("protocol") or "TCP")
        for c in spec.get("containers") or []
        for p in c.get("ports") or []
        if p.get("containerPort") is not None
    )
    return ports, bool(spec.get("hostNetwork"))


def _pod_ips(doc: Mapping[str, Any]) -> tuple[str, ...]:
    status = doc.get("status") or {}
    raw = [e["ip"] for e in status.get("podIPs") or []]
    if status.get("podIP"):
        raw.append(status["podIP"])
    return tuple(dict.fromkeys(str(ipaddress.ip_address(ip)) for ip in raw))


def endpoints_of(docs: Iterable[Mapping[str, Any]]) -> dict[str, OracleEndpoint]:
    """Pods by ``namespace/name``; workloads by ``namespace/kind/name`` (kind lower case) with
    their template's labels and ports and no IPs."""
    out: dict[str, OracleEndpoint] = {}
    for d in docs:
        kind, meta = d.get("kind"), d.get("metadata") or {}
        if kind == "Pod":
            ports, host = _pod_spec_facts(d.get("spec") or {})
            ref = f"{meta['namespace']}/{meta['name']}"
            labels = dict(meta.get("labels") or {})
            out[ref] = OracleEndpoint(ref, meta["namespace"], labels, _pod_ips(d), ports, host)
        elif kind in WORKLOAD_KINDS:
            spec = d.get("spec") or {}
            if kind == "CronJob":
                spec = (spec.get("jobTemplate") or {}).get("spec") or {}
            template = spec.get("template") or {}
            ports, host = _pod_spec_facts(template.get("spec") or {})
            ref = f"{meta['namespace']}/{kind.lower()}/{meta['name']}"
            labels = dict((template.get("metadata") or {}).get("labels") or {})
            out[ref] = OracleEndpoint(ref, meta["namespace"], labels, (), ports, host)
    return out


def namespace_labels(docs: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Every namespace's labels, with the automatic ``kubernetes.io/metadata.name`` (which the
    API server sets and keeps, whatever the manifest says); namespaces named only by objects
    in them get just that label."""
    docs = list(docs)
    out: dict[str, dict[str, str]] = {}
    for d in docs:
        meta = d.get("metadata") or {}
        if d.get("kind") == "Namespace":
            out[meta["name"]] = {**(meta.get("labels") or {}), NAMESPACE_NAME_LABEL: meta["name"]}
    for d in docs:
        ns = (d.get("metadata") or {}).get("namespace")
        if ns and ns not in out:
            out[ns] = {NAMESPACE_NAME_LABEL: ns}
    return out


@functools.cache
def ip_in(ip: str, cidr: str) -> bool:
    """Whether the address is in the CIDR (kept per pair of texts: the answer never changes,
    and parsing both was most of an oracle verdict's time)."""
    address, network = ipaddress.ip_address(ip), ipaddress.ip_network(cidr, strict=False)
    return address.version == network.version and address in network


# --------------------------------------------------------------------------- NetworkPolicy v1


def np_isolates(policy: Mapping[str, Any], ep: OracleEndpoint, direction: str) -> bool:
    """``direction`` is "Ingress" or "Egress"."""
    if not ep.ordinary_pod or direction not in policy_directions(policy):
        return False
    assert ep.namespace is not None
    return policy_selects(policy, ep.namespace, ep.labels)


def np_peer_matches(
    peer: Mapping[str, Any],
    policy_namespace: str,
    other: OracleEndpoint,
    ns_labels: Mapping[str, Mapping[str, str]],
) -> bool:
    block = peer.get("ipBlock")
    if block is not None:
        return any(
            ip_in(ip, block["cidr"]) and not any(ip_in(ip, e) for e in block.get("except") or [])
            for ip in other.ips
        )
    if not other.ordinary_pod:
        return False
    assert other.namespace is not None
    ns_sel, pod_sel = peer.get("namespaceSelector"), peer.get("podSelector")
    if ns_sel is None:
        in_namespace = other.namespace == policy_namespace
    else:
        in_namespace = selector_matches(ns_sel, ns_labels.get(other.namespace, {}))
    return in_namespace and selector_matches(pod_sel, other.labels)


def named_port_matches(dst: OracleEndpoint, name: str, port: int, protocol: str) -> bool:
    """A container port called ``name`` that is ``port``/``protocol`` on an ordinary pod."""
    return dst.ordinary_pod and (name, port, protocol) in dst.ports


def np_port_admits(entry: Mapping[str, Any], dst: OracleEndpoint, port: int, proto: str) -> bool:
    if (entry.get("protocol") or "TCP") != proto:
        return False
    number = entry.get("port")
    if number is None:
        return True
    if isinstance(number, str):
        return named_port_matches(dst, number, port, proto)
    return number <= port <= (entry.get("endPort") or number)


def np_side(
    policies: Sequence[Mapping[str, Any]],
    subject: OracleEndpoint,
    other: OracleEndpoint,
    dst: OracleEndpoint,
    port: int,
    proto: str,
    direction: str,
    ns_labels: Mapping[str, Mapping[str, str]],
) -> tuple[bool, tuple[tuple[str, int], ...]]:
    """(isolated, the (policy id, rule index) pairs admitting) for ``subject``'s side:
    ``direction`` "Ingress" (subject = destination, other = source) or "Egress" (subject =
    source, other = destination); ``dst`` is the destination, whose ports names resolve on."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    isolated = False
    admitted: list[tuple[str, int]] = []
    for pol in policies:
        if not np_isolates(pol, subject, direction):
            continue
        isolated = True
        meta = pol["metadata"]
        for i, rule in enumerate((pol.get("spec") or {}).get(key) or []):
            rule = rule or {}
            peers = rule.get(peers_key) or []
            ports = rule.get("ports") or []
            if ports and not any(np_port_admits(e, dst, port, proto) for e in ports):
                continue
            if not peers or any(
                np_peer_matches(p, meta["namespace"], other, ns_labels) for p in peers
            ):
                admitted.append((f"{meta['namespace']}/{meta['name']}", i))
    return isolated, tuple(admitted)
