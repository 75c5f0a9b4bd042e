"""ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) as immutable values, which also hold
the v1alpha1 AdminNetworkPolicy (Admin tier) and BaselineAdminNetworkPolicy (Baseline tier).

A ClusterNetworkPolicy is cluster-scoped and sits in a tier around the namespaces'
NetworkPolicies: Admin before them, Baseline after. Within a tier, policies are evaluated by
priority (lower first; the engine breaks ties by name, where the API lets implementations
choose), and a policy's rules in the order written; the first rule that matches a connection
decides that side (`Action`). A policy with no rules of a direction does not take part in it.

What the API says a field means when it is missing is folded here, as `model.py` does for
NetworkPolicy: a `pods` subject or peer without `namespaceSelector` selects pods in every
namespace, and a rule without `protocols` matches every port and protocol.

Sources: kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go and the
standard CRD, at commit 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159 (v0.2.0 and later).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubefacts.api import Direction
from kubefacts.cluster_network_policy import CLUSTER_NETWORK_POLICY_KIND, Action, Tier
from reachability._frozen import frozen
from reachability.model import IPNetwork
from reachability.selectors import LabelSelector

_INGRESS = Direction.INGRESS


@dataclass(frozen=True, slots=True)
class ClusterPeer:
    """One `from`/`to` entry (exactly one kind per entry, as the CRD requires):
    - `namespaces`: every pod of the matching namespaces (`pod_selector` None);
    - `pods`: pods matching `pod_selector` in namespaces matching `namespace_selector`;
    - `networks` (egress): any address in the CIDRs, pods' addresses included;
    - `nodes: {}` (egress, experimental): every node, so every host-network pod.
    Host-network pods are never matched by `namespaces` or `pods`."""

    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    networks: tuple[IPNetwork, ...] = ()
    nodes: bool = False
    path: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.networks:
            return "networks " + ", ".join(str(n) for n in self.networks)
        if self.nodes:
            return "every node"
        if self.pod_selector is None:
            return f"namespaces {self.namespace_selector}"
        return f"pods {self.pod_selector} in namespaces {self.namespace_selector}"


@dataclass(frozen=True, slots=True)
class ClusterPort:
    """One `protocols` entry: a protocol with a port or an inclusive range, or a destination
    named port, which resolves on the destination pod's container ports of any protocol."""

    protocol: str | None = None  # None for a named port
    start: int = 0
    end: int = 0
    name: str | None = None
    path: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.name is not None:
            return f"named port {self.name}"
        where = str(self.start) if self.start == self.end else f"{self.start}-{self.end}"
        return f"{where}/{self.protocol}"


@dataclass(frozen=True, slots=True)
class ClusterRule:
    """An ingress or egress rule; `ports` None: no `protocols`, every port and protocol."""

    action: Action
    peers: tuple[ClusterPeer, ...]
    ports: tuple[ClusterPort, ...] | None = None
    name: str = ""
    path: str = field(default="", compare=False)
    _entry: Any = field(default=None, compare=False, repr=False)

    @property
    def written(self) -> Mapping[str, Any] | None:
        return None if self._entry is None else frozen(self._entry)

    @property
    def has_named_ports(self) -> bool:
        return self.ports is not None and any(p.name is not None for p in self.ports)


@dataclass(frozen=True, slots=True)
class ClusterNetworkPolicy:
    """A ClusterNetworkPolicy (or an AdminNetworkPolicy / BaselineAdminNetworkPolicy: `kind`).
    The subject is `namespace_selector` alone (`subject.namespaces`) or with `pod_selector`
    (`subject.pods`); host-network pods are never subjects."""

    name: str
    tier: Tier
    priority: int
    namespace_selector: LabelSelector = field(default_factory=LabelSelector)
    pod_selector: LabelSelector | None = None
    ingress: tuple[ClusterRule, ...] = ()
    egress: tuple[ClusterRule, ...] = ()
    kind: str = CLUSTER_NETWORK_POLICY_KIND
    source: str = field(default="<memory>", compare=False)
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        """Cluster-scoped: the name alone."""
        return self.name

    @property
    def title(self) -> str:
        """How verdicts and findings name it: "Admin ClusterNetworkPolicy guard",
        "AdminNetworkPolicy guard" (a v1alpha1 kind says its tier)."""
        if self.kind == CLUSTER_NETWORK_POLICY_KIND:
            return f"{self.tier} {self.kind} {self.name}"
        return f"{self.kind} {self.name}"

    def rules(self, direction: Direction) -> tuple[ClusterRule, ...]:
        return self.ingress if direction == _INGRESS else self.egress

    @property
    def order(self) -> tuple[bool, int, str, str]:
        """Evaluation order: Admin tier first, then by priority, then (a tie the API leaves to
        the implementation) by name."""
        return (self.tier != Tier.ADMIN, self.priority, self.name, self.kind)

    def __str__(self) -> str:
        return self.name
