"""The cluster the semantic rules question, and the options that shape it.

Semantic rules ask the engine, never re-derive policy semantics. They need pods to ask about: the
input's, or the engine's representative pods when the input has none, plus the DNS pods when the
input lacks them (a DNS rule can only be judged against a DNS pod).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubefacts.api import DNS_PORT
from kubefacts.layout import DEFAULT_DNS_NAMESPACE, DEFAULT_DNS_POD_LABELS
from reachability import Cluster, Labels, NetworkPolicy, Options, Pod, from_manifests, matrix

from .probes import DEFAULT_PORTS, Port, probe_externals, probe_ports

Flow = tuple[str, str, int, str]
IGNORE_ANNOTATION = "reachability.catalyst.dev/lint-ignore"
DNS_PROBE_POD = "dns-probe"


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Where DNS lives, extra ports to probe, rule ids to skip, and the engine's CNI choice."""

    dns_namespace: str = DEFAULT_DNS_NAMESPACE
    dns_labels: tuple[tuple[str, str], ...] = tuple(sorted(DEFAULT_DNS_POD_LABELS.items()))
    ports: tuple[Port, ...] = ()
    ignore: frozenset[str] = frozenset()
    ipblock_matches_pods: bool = True

    def engine_options(self) -> Options:
        # Loopback decided by the policies (the engine's default, stated because lint relies on
        # it): two replicas with the same labels must be judged by the policies, which is what a
        # representative pod talking to "itself" stands for.
        return Options(ipblock_matches_pods=self.ipblock_matches_pods, loopback_allowed=False)


DEFAULT_LINT_OPTIONS = LintOptions()


@dataclass(frozen=True, slots=True)
class Analysis:
    """The input cluster, the cluster to question (with DNS pods), and what to probe."""

    original: Cluster
    cluster: Cluster
    representative: bool
    dns_pods: tuple[Pod, ...]
    ports: tuple[Port, ...]
    externals: tuple[str, ...]
    options: LintOptions
    policies: Mapping[str, NetworkPolicy] = field(default_factory=dict)
    real_pods: frozenset[Pod] = frozenset()
    flows: frozenset[Flow] = frozenset()
    """Every allowed (src, dst, port, protocol) of `cluster` on the probed ports and addresses,
    from the engine's matrix: the semantic rules ask `allowed` only where they need a reason."""

    def is_real(self, endpoint: object) -> bool:
        """A pod of the input (not a representative): reaching itself is loopback, where CNIs
        differ, so the rules leave it out; a representative talking to itself stands for two
        replicas, which the policies decide."""
        return endpoint in self.real_pods

    @property
    def dns_label_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.options.dns_labels)


def analyse(cluster: Cluster, options: LintOptions) -> Analysis:
    """The cluster to question: the input's pods, plus representative pods for the namespaces
    where the input has none (the rest of the cluster still exists), plus a DNS pod if missing."""
    manifests = [p.manifest for p in cluster.policies]
    extra: list[dict[str, Any]] = []
    if not cluster.representative:
        extra += _representatives_elsewhere(cluster, options)
    pods = [*cluster.pods, *(_pod_of(doc) for doc in extra if doc["kind"] == "Pod")]
    if not _dns_pods(pods, options):
        known = {ns.name for ns in cluster.namespaces} | {
            doc["metadata"]["name"] for doc in extra if doc["kind"] == "Namespace"
        }
        extra += _dns_manifests(known, options)
    questioned = cluster
    if extra:
        questioned = from_manifests(
            [*materialize(cluster), *extra],
            source="<lint>",
            options=Options(
                ipblock_matches_pods=options.ipblock_matches_pods,
                loopback_allowed=False,
                representatives=False,
            ),
        )
    ports = probe_ports(manifests, cluster.pods, defaults=_defaults(options.ports))
    externals = probe_externals(manifests)
    return Analysis(
        original=cluster,
        cluster=questioned,
        representative=cluster.representative,
        dns_pods=_dns_pods(questioned.pods, options),
        ports=ports,
        externals=externals,
        options=options,
        policies={p.id: p for p in cluster.policies},
        real_pods=frozenset() if cluster.representative else frozenset(cluster.pods),
        flows=frozenset(matrix(questioned, ports, externals).allowed_flows()),
    )


def materialize(cluster: Cluster, *, pods: bool = True) -> list[dict[str, Any]]:
    """Manifests that rebuild `cluster` with its pods (representative ones included) as real pods.

    Lets callers add objects to a cluster, or line two clusters up on the same pods, through the
    engine's public `from_manifests` only.
    """
    namespaces = [namespace_manifest(ns.name, dict(ns.labels)) for ns in cluster.namespaces]
    pod_docs = [pod_manifest(pod) for pod in cluster.pods] if pods else []
    return [*namespaces, *pod_docs, *(plain(p.manifest) for p in cluster.policies)]


def namespace_manifest(name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def _representatives_elsewhere(cluster: Cluster, options: LintOptions) -> list[dict[str, Any]]:
    """Representative pods (and their namespaces) for every namespace without a real pod."""
    synthesized = from_manifests(
        materialize(cluster, pods=False),
        source="<lint>",
        options=Options(ipblock_matches_pods=options.ipblock_matches_pods, representatives=True),
    )
    have_pods = {pod.namespace for pod in cluster.pods}
    known = {ns.name for ns in cluster.namespaces}
    namespaces = [
        namespace_manifest(ns.name, dict(ns.labels))
        for ns in synthesized.namespaces
        if ns.name not in known
    ]
    pods = [pod_manifest(p) for p in synthesized.pods if p.namespace not in have_pods]
    return [*namespaces, *pods]


def _pod_of(doc: Mapping[str, Any]) -> Pod:
    meta = doc["metadata"]
    return Pod(meta["namespace"], meta["name"], Labels(meta.get("labels") or {}))


def pod_manifest(pod: Pod) -> dict[str, Any]:
    ports = [
        {"containerPort": p.port, "protocol": p.protocol, **({"name": p.name} if p.name else {})}
        for p in pod.ports
    ]
    manifest: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": pod.namespace, "labels": dict(pod.labels)},
        "spec": {"containers": [{"name": "main", "ports": ports}]},
    }
    if pod.host_network:
        manifest["spec"]["hostNetwork"] = True
    if pod.ips:
        manifest["status"] = {"podIP": pod.ips[0], "podIPs": [{"ip": ip} for ip in pod.ips]}
    return manifest


def plain(value: Any) -> Any:
    """Read-only mappings and tuples (as the engine keeps manifests) -> dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(v) for v in value]
    return value


def _defaults(extra: Iterable[Port]) -> tuple[Port, ...]:
    return (*DEFAULT_PORTS, *extra)


def _dns_pods(pods: Iterable[Pod], options: LintOptions) -> tuple[Pod, ...]:
    return tuple(
        pod
        for pod in pods
        if pod.namespace == options.dns_namespace
        and all(pod.labels.get(k) == v for k, v in options.dns_labels)
    )


def _dns_manifests(known: set[str], options: LintOptions) -> list[dict[str, Any]]:
    """A DNS pod (and its namespace when missing), as kube-dns/CoreDNS runs it."""
    extra: list[dict[str, Any]] = []
    if options.dns_namespace not in known:
        extra.append(namespace_manifest(options.dns_namespace))
    extra.append(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": DNS_PROBE_POD,
                "namespace": options.dns_namespace,
                "labels": dict(options.dns_labels),
            },
            "spec": {
                "containers": [
                    {
                        "name": "dns",
                        "ports": [
                            {"containerPort": DNS_PORT, "protocol": "UDP", "name": "dns"},
                            {"containerPort": DNS_PORT, "protocol": "TCP", "name": "dns-tcp"},
                        ],
                    }
                ]
            },
        }
    )
    return extra
