"""ClusterNetworkPolicy as kubernetes-sigs/network-policy-api v0.2.0 defines it (and its
v1alpha1 predecessors, AdminNetworkPolicy and BaselineAdminNetworkPolicy): the
``policy.networking.k8s.io/v1alpha2`` API, standard channel (read in
``apis/v1alpha2/clusternetworkpolicy_types.go`` and
``config/crd/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml`` at tag v0.2.0,
commit a17adecd0316b8ff1c3f83939ec0441d68cd6cce; the schema is unchanged at 0eec1b0e5fa9).

A cluster-scoped policy in one of two tiers around the namespaced NetworkPolicies: the Admin tier
is evaluated first (Accept and Deny are final, Pass hands the connection to the NetworkPolicies),
the Baseline tier last, and only for pods that no NetworkPolicy isolates in that direction.
Within a tier, a lower ``priority`` is evaluated earlier; two policies of one tier with the same
priority that match one connection may be applied in either order.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

NETWORK_POLICY_API_GROUP: Final = "policy.networking.k8s.io"
"""The API group of every kind below (other projects, such as Antrea, have a ClusterNetworkPolicy
kind of their own group)."""
CLUSTER_NETWORK_POLICY_API_VERSION: Final = f"{NETWORK_POLICY_API_GROUP}/v1alpha2"
CLUSTER_NETWORK_POLICY_KIND: Final = "ClusterNetworkPolicy"
CLUSTER_NETWORK_POLICY_CRD: Final = "clusternetworkpolicies.policy.networking.k8s.io"
"""The CustomResourceDefinition's name, which ``kubectl wait crd/...`` and RBAC rules use."""

NETWORK_POLICY_API_RELEASE: Final = "v0.2.0"
"""The network-policy-api release whose standard-channel CRD these facts are read from."""


class Tier(StrEnum):
    """``spec.tier`` (enum Admin, Baseline)."""

    ADMIN = "Admin"
    BASELINE = "Baseline"


class Action(StrEnum):
    """A rule's ``action`` (enum Accept, Deny, Pass)."""

    ACCEPT = "Accept"
    DENY = "Deny"
    PASS = "Pass"


MIN_PRIORITY: Final = 0
MAX_PRIORITY: Final = 1000
"""``spec.priority``: 0..1000, lower is evaluated earlier within the tier."""

MAX_RULES: Final = 25
"""At most this many ``ingress`` rules, and as many ``egress`` rules, per policy."""

MAX_PEERS: Final = 25
"""At most this many peers (and at least one) in a rule's ``from`` / ``to``."""

MAX_NETWORKS: Final = 25
"""At most this many CIDRs (and at least one) in an egress peer's ``networks``."""

MAX_PROTOCOLS: Final = 25
"""At most this many entries (and at least one, when given) in a rule's ``protocols``."""

MAX_RULE_NAME_LENGTH: Final = 100
"""A rule's optional ``name``."""

MAX_CIDR_LENGTH: Final = 43
"""A ``networks`` entry's maxLength (and CEL ``isCIDR``)."""

ADMIN_NETWORK_POLICY_KIND: Final = "AdminNetworkPolicy"
BASELINE_ADMIN_NETWORK_POLICY_KIND: Final = "BaselineAdminNetworkPolicy"
ADMIN_NETWORK_POLICY_API_VERSION: Final = "policy.networking.k8s.io/v1alpha1"
"""network-policy-api v0.1.x (read in v0.1.8's standard CRDs; removed from the channels in
v0.2.0), what most CNIs still ship: the Admin tier as AdminNetworkPolicy (actions Allow, Deny,
Pass; ``ports`` in place of ``protocols``), the Baseline tier as the one
BaselineAdminNetworkPolicy, named ``default`` (Allow, Deny)."""

BASELINE_ADMIN_NETWORK_POLICY_NAME: Final = "default"

ADMIN_NETWORK_POLICY_MAX_ITEMS: Final = 100
"""v1alpha1's maxItems for rules, peers and ports (networks per peer: 25, as in v1alpha2)."""

CLUSTER_POLICY_KINDS: Final = (
    CLUSTER_NETWORK_POLICY_KIND,
    ADMIN_NETWORK_POLICY_KIND,
    BASELINE_ADMIN_NETWORK_POLICY_KIND,
)
"""Every kind of tiered cluster policy the analyzer reads."""
