"""Builders for Kubernetes manifests (plain dicts) used by the reachability test corpus.

Nothing here knows the engine: these helpers only write the objects a user would write
(Namespaces, Pods, NetworkPolicies, ClusterNetworkPolicies, Lists) as plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

Doc = dict[str, Any]

OMIT: Any = object()
"""Sentinel: leave the field out of the manifest (distinct from an empty list)."""


# --------------------------------------------------------------------------- objects


def namespace(name: str, labels: Mapping[str, str] | None = None) -> Doc:
    """A v1 Namespace; ``labels`` as written (no automatic label added here)."""
    meta: Doc = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def container_port(port: int, protocol: str = "TCP", name: str | None = None) -> Doc:
    """One entry of ``spec.containers[].ports``."""
    out: Doc = {"containerPort": port, "protocol": protocol}
    if name is not None:
        out["name"] = name
    return out


def pod(
    ns: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ips: Sequence[str] = (),
    ports: Sequence[Doc] = (),
    *,
    host_network: bool = False,
    one_container_per_port: bool = False,
) -> Doc:
    """A v1 Pod with IPs in ``status.podIP``/``status.podIPs`` and the given container ports."""
    if one_container_per_port:
        containers = [
            {
                "name": f"cont-{p['containerPort']}-{p.get('protocol', 'TCP').lower()}",
                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                "ports": [p],
            }
            for p in ports
        ]
    else:
        containers = [{"name": "main", "image": "example/app:1"}]
        if ports:
            containers[0]["ports"] = list(ports)
    spec: Doc = {"containers": containers}
    if host_network:
        spec["hostNetwork"] = True
    meta: Doc = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = dict(labels)
    doc: Doc = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    if ips:
        doc["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
    return doc


WORKLOAD_API_VERSIONS = {
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "ReplicationController": "v1",
}


def workload(
    kind: str,
    ns: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ports: Sequence[Doc] = (),
    *,
    host_network: bool = False,
    owner: tuple[str, str] | None = None,
) -> Doc:
    """A Deployment, StatefulSet, ... (any kind of WORKLOAD_API_VERSIONS) whose pod template has
    ``labels`` and one container with ``ports``; ``owner`` is a controller (kind, name)."""
    containers: list[Doc] = [{"name": "main", "image": "example/app:1"}]
    if ports:
        containers[0]["ports"] = list(ports)
    pod_spec: Doc = {"containers": containers}
    if host_network:
        pod_spec["hostNetwork"] = True
    template: Doc = {"metadata": {"labels": dict(labels or {})}, "spec": pod_spec}
    spec: Doc = {"template": template}
    if kind not in ("DaemonSet", "Job", "CronJob"):
        spec["selector"] = {"matchLabels": dict(labels or {})}
    if kind == "CronJob":
        spec = {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}
    meta: Doc = {"name": name, "namespace": ns}
    if owner is not None:
        meta["ownerReferences"] = [owner_reference(*owner)]
    return {"apiVersion": WORKLOAD_API_VERSIONS[kind], "kind": kind, "metadata": meta, "spec": spec}


def owner_reference(kind: str, name: str, *, controller: bool = True) -> Doc:
    """One ``metadata.ownerReferences`` entry naming a controller."""
    return {
        "apiVersion": WORKLOAD_API_VERSIONS.get(kind, "v1"),
        "kind": kind,
        "name": name,
        "uid": f"uid-{kind.lower()}-{name}",
        "controller": controller,
    }


def selector(
    match_labels: Mapping[str, str] | None = None,
    expressions: Sequence[tuple[str, str, Sequence[str]]] = (),
) -> Doc:
    """A LabelSelector; ``expressions`` are ``(key, operator, values)``."""
    out: Doc = {}
    if match_labels:
        out["matchLabels"] = dict(match_labels)
    if expressions:
        exprs = []
        for key, op, values in expressions:
            e: Doc = {"key": key, "operator": op}
            if op in ("In", "NotIn"):
                e["values"] = list(values)
            exprs.append(e)
        out["matchExpressions"] = exprs
    return out


def peer(
    pods: Doc | None = None,
    namespaces: Doc | None = None,
    cidr: str | None = None,
    except_: Sequence[str] = (),
) -> Doc:
    """A NetworkPolicyPeer: pod and/or namespace selector (AND), or an ipBlock."""
    out: Doc = {}
    if pods is not None:
        out["podSelector"] = pods
    if namespaces is not None:
        out["namespaceSelector"] = namespaces
    if cidr is not None:
        block: Doc = {"cidr": cidr}
        if except_:
            block["except"] = list(except_)
        out["ipBlock"] = block
    return out


def np_port(
    port: int | str | None = None, protocol: str | None = None, end_port: int | None = None
) -> Doc:
    """A NetworkPolicyPort; ``None`` fields are left out (protocol then defaults to TCP)."""
    out: Doc = {}
    if protocol is not None:
        out["protocol"] = protocol
    if port is not None:
        out["port"] = port
    if end_port is not None:
        out["endPort"] = end_port
    return out


def rule(peers: Any = OMIT, ports: Any = OMIT, *, direction: str = "ingress") -> Doc:
    """An ingress (``from``) or egress (``to``) rule; OMIT leaves a field out."""
    out: Doc = {}
    if peers is not OMIT:
        out["from" if direction == "ingress" else "to"] = list(peers)
    if ports is not OMIT:
        out["ports"] = list(ports)
    return out


def ingress_rule(peers: Any = OMIT, ports: Any = OMIT) -> Doc:
    """An ingress rule (``from`` + ``ports``)."""
    return rule(peers, ports, direction="ingress")


def egress_rule(peers: Any = OMIT, ports: Any = OMIT) -> Doc:
    """An egress rule (``to`` + ``ports``)."""
    return rule(peers, ports, direction="egress")


def netpol(
    ns: str,
    name: str,
    pod_selector: Doc | None = None,
    *,
    ingress: Any = OMIT,
    egress: Any = OMIT,
    policy_types: Any = OMIT,
) -> Doc:
    """A networking.k8s.io/v1 NetworkPolicy; OMIT leaves ingress/egress/policyTypes out."""
    spec: Doc = {"podSelector": {} if pod_selector is None else pod_selector}
    if policy_types is not OMIT:
        spec["policyTypes"] = list(policy_types)
    if ingress is not OMIT:
        spec["ingress"] = list(ingress)
    if egress is not OMIT:
        spec["egress"] = list(egress)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


# --------------------------------------------------------------------------- ClusterNetworkPolicy
# policy.networking.k8s.io/v1alpha2 (network-policy-api v0.2.0,
# apis/v1alpha2/clusternetworkpolicy_types.go).


def cnp(
    name: str,
    tier: str,
    priority: int,
    subject: Doc,
    *,
    ingress: Any = OMIT,
    egress: Any = OMIT,
) -> Doc:
    """A policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy; ``subject`` as written
    (``{"namespaces": ...}`` or ``{"pods": {...}}``, e.g. from ``cnp_namespaces``/``cnp_pods``)."""
    spec: Doc = {"tier": tier, "priority": priority, "subject": subject}
    if ingress is not OMIT:
        spec["ingress"] = list(ingress)
    if egress is not OMIT:
        spec["egress"] = list(egress)
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def cnp_rule(
    action: str,
    peers: Sequence[Doc],
    protocols: Any = OMIT,
    *,
    name: str | None = None,
    direction: str = "ingress",
) -> Doc:
    """A ClusterNetworkPolicy rule: ``from`` (ingress) or ``to`` (egress) peers as written."""
    out: Doc = {"action": action, "from" if direction == "ingress" else "to": list(peers)}
    if name is not None:
        out["name"] = name
    if protocols is not OMIT:
        out["protocols"] = list(protocols)
    return out


def cnp_ingress(
    action: str, peers: Sequence[Doc], protocols: Any = OMIT, *, name: str | None = None
) -> Doc:
    """An ingress rule ``{action, from, name, protocols}``; OMIT/None leave fields out."""
    return cnp_rule(action, peers, protocols, name=name, direction="ingress")


def cnp_egress(
    action: str, peers: Sequence[Doc], protocols: Any = OMIT, *, name: str | None = None
) -> Doc:
    """An egress rule ``{action, to, name, protocols}``; OMIT/None leave fields out."""
    return cnp_rule(action, peers, protocols, name=name, direction="egress")


def cnp_namespaces(namespaces: Doc | None = None) -> Doc:
    """A subject or peer ``{namespaces: <LabelSelector>}`` (None: ``{}``, every namespace)."""
    return {"namespaces": {} if namespaces is None else namespaces}


def cnp_pods(pods: Doc | None = None, namespaces: Any = OMIT) -> Doc:
    """A subject or peer ``{pods: {namespaceSelector, podSelector}}``; OMIT leaves the
    namespaceSelector out (= every namespace)."""
    body: Doc = {"podSelector": {} if pods is None else pods}
    if namespaces is not OMIT:
        body["namespaceSelector"] = namespaces
    return {"pods": body}


def cnp_networks(*cidrs: str) -> Doc:
    """An egress peer ``{networks: [cidr, ...]}``."""
    return {"networks": list(cidrs)}


def cnp_nodes(nodes: Doc | None = None) -> Doc:
    """An egress peer ``{nodes: <LabelSelector>}`` (None: ``{}``, every node)."""
    return {"nodes": {} if nodes is None else nodes}


def cnp_port(protocol: str, port: int | None = None, end: int | None = None) -> Doc:
    """A ``protocols`` item: ``{tcp: {destinationPort: {number}}}``, or ``{range: {start,
    end}}`` when ``end`` is given; ``port`` None leaves destinationPort out."""
    body: Doc = {}
    if port is not None:
        where: Doc = {"number": port} if end is None else {"range": {"start": port, "end": end}}
        body["destinationPort"] = where
    return {protocol.lower(): body}


def cnp_named_port(name: str) -> Doc:
    """A ``protocols`` item ``{destinationNamedPort: name}``."""
    return {"destinationNamedPort": name}


def items_list(docs: Iterable[Doc], kind: str = "List") -> Doc:
    """Wrap documents in a ``List`` (or ``PodList``, ...) object."""
    return {"apiVersion": "v1", "kind": kind, "items": list(docs)}


SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe dumper when PyYAML has it: the text of yaml.safe_dump, ~3x faster."""


def dump_yaml(docs: Iterable[Doc]) -> str:
    """Documents as one multi-document YAML text."""
    text = yaml.dump_all(list(docs), Dumper=SAFE_DUMPER, sort_keys=False)
    return text


def dump_one(value: Any, *, sort_keys: bool = True) -> str:
    """One value as a YAML document (what yaml.safe_dump writes)."""
    text = yaml.dump(value, Dumper=SAFE_DUMPER, sort_keys=sort_keys)
    return text
