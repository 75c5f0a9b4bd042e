"""The cluster the semantic rules question, and the options that shape it.

Semantic rules ask the engine, never re-derive policy semantics. They need pods to ask about: the
input's, or the engine's representative pods when the input has none, plus the DNS pods when the
input lacks them (a DNS rule can only be judged against a DNS pod).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kubefacts.api import DNS_PORT, LINT_IGNORE_ANNOTATION, NAMESPACE_NAME_LABEL
from kubefacts.layout import DEFAULT_DNS_NAMESPACE, DEFAULT_DNS_POD_LABELS
from reachability import (
    DEFAULT_PORTS,
    Cluster,
    ContainerPort,
    HostNetwork,
    Labels,
    Namespace,
    NetworkPolicy,
    Options,
    Pod,
    Port,
    SideSets,
    probe_externals,
    probe_ports,
    side_sets,
)

Flow = tuple[str, str, int, str]
IGNORE_ANNOTATION = LINT_IGNORE_ANNOTATION
DNS_PROBE_POD = "dns-probe"


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Where DNS lives, extra ports to probe, rule ids to skip, and the engine's CNI choice."""

    dns_namespace: str = DEFAULT_DNS_NAMESPACE
    dns_labels: tuple[tuple[str, str], ...] = tuple(sorted(DEFAULT_DNS_POD_LABELS.items()))
    ports: tuple[Port, ...] = ()
    ignore: frozenset[str] = frozenset()
    ipblock_matches_pods: bool = True
    host_network: HostNetwork = "node"

    def engine_options(self) -> Options:
        # Loopback decided by the policies (the engine's default, stated because lint relies on
        # it): two replicas with the same labels must be judged by the policies, which is what a
        # representative pod talking to "itself" stands for.
        return Options(
            ipblock_matches_pods=self.ipblock_matches_pods,
            loopback_allowed=False,
            host_network=self.host_network,
        )


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
    sides: SideSets
    """Both sides of every endpoint of `cluster` on the probed ports and addresses: the
    semantic rules ask questions about whole sets of pods there, and `allowed` only where
    they need a reason."""
    policies: Mapping[str, NetworkPolicy] = field(default_factory=dict)
    real_pods: frozenset[Pod] = frozenset()
    given: frozenset[Pod] = frozenset()  # the input's pods and workloads

    def is_real(self, endpoint: object) -> bool:
        """A Pod of the input (not a representative, not a workload): reaching itself is
        loopback, where CNIs differ, so the rules leave it out; a representative or a workload
        talking to itself stands for two replicas, which the policies decide."""
        return endpoint in self.real_pods

    @property
    def loopback(self) -> bool:
        """Whether every pod may reach itself whatever the policies (`Options.loopback_allowed`
        on given pods): a flow of the pair, which the engine's side sets leave to the caller."""
        return self.cluster.options.loopback_allowed and not self.cluster.representative

    @property
    def dns_label_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.options.dns_labels)


def analyse(cluster: Cluster, options: LintOptions) -> Analysis:
    """The cluster to question: the input's pods, plus representative pods for the namespaces
    where the input has none (the rest of the cluster still exists), plus a DNS pod if missing."""
    namespaces: list[Namespace] = []
    pods: list[Pod] = []
    if not cluster.representative:
        namespaces, pods = _representatives_elsewhere(cluster)
    if not _dns_pods((*cluster.pods, *pods), options):
        known = {ns.name for ns in (*cluster.namespaces, *namespaces)}
        if options.dns_namespace not in known:
            namespaces.append(_namespace(options.dns_namespace))
        pods.append(_dns_pod(options))
    questioned = cluster
    if namespaces or pods:
        questioned = cluster.with_objects(namespaces, pods, options=options.engine_options())
    policies = (*cluster.policies, *cluster.cluster_policies)
    ports = probe_ports(policies, cluster.pods, defaults=(*DEFAULT_PORTS, *options.ports))
    externals = probe_externals(policies, questioned.pods)
    return Analysis(
        original=cluster,
        cluster=questioned,
        representative=cluster.representative,
        dns_pods=_dns_pods(questioned.pods, options),
        ports=ports,
        externals=externals,
        options=options,
        sides=side_sets(questioned, ports, externals),
        policies={p.id: p for p in cluster.policies},
        given=frozenset(cluster.pods),
        real_pods=frozenset(
            () if cluster.representative else (p for p in cluster.pods if not p.is_workload)
        ),
    )


def _representatives_elsewhere(cluster: Cluster) -> tuple[list[Namespace], list[Pod]]:
    """Representative pods (and their namespaces) for every namespace without a real pod."""
    namespaces, pods = cluster.representatives_elsewhere()
    return list(namespaces), list(pods)


def _dns_pods(pods: Iterable[Pod], options: LintOptions) -> tuple[Pod, ...]:
    return tuple(
        pod
        for pod in pods
        if pod.namespace == options.dns_namespace
        and all(pod.labels.get(k) == v for k, v in options.dns_labels)
    )


def _namespace(name: str) -> Namespace:
    return Namespace(name, Labels({NAMESPACE_NAME_LABEL: name}))


def _dns_pod(options: LintOptions) -> Pod:
    """A DNS pod, as kube-dns/CoreDNS runs it."""
    return Pod(
        options.dns_namespace,
        DNS_PROBE_POD,
        Labels(options.dns_labels),
        ports=(
            ContainerPort("dns", DNS_PORT, "UDP"),
            ContainerPort("dns-tcp", DNS_PORT, "TCP"),
        ),
    )
