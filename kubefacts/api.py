"""Names and closed sets defined by the Kubernetes API (core/v1, networking.k8s.io/v1)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

NAMESPACE_NAME_LABEL: Final = "kubernetes.io/metadata.name"
"""Set by the API server on every namespace (GA since 1.22) and immutable: the safe way to select
a namespace by name, unlike a hand-made `name` label that nobody may have set."""

MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
"""The recommended label saying which tool manages an object."""

PROTOCOLS: Final = ("TCP", "UDP", "SCTP")
"""The protocols a NetworkPolicy port or container port may name (upper case, as the API wants)."""

DEFAULT_PROTOCOL: Final = "TCP"
"""What the API server fills in when a port names no protocol."""

DNS_PORT: Final = 53
"""Cluster DNS listens here on UDP and TCP (TCP for large answers and retries after truncation)."""

MIN_PORT: Final = 1
MAX_PORT: Final = 65535

DEFAULT_NAMESPACE: Final = "default"
"""The namespace of a namespaced object that names none."""

NETWORK_POLICY_API_VERSION: Final = "networking.k8s.io/v1"


class Direction(StrEnum):
    """A side of a connection as a NetworkPolicy sees it: the source's egress, the
    destination's ingress. The value is the `spec` field that holds its rules."""

    INGRESS = "ingress"
    EGRESS = "egress"

    @property
    def policy_type(self) -> str:
        """The `policyTypes` entry that turns this direction's isolation on."""
        return "Ingress" if self is Direction.INGRESS else "Egress"

    @property
    def peers_key(self) -> str:
        """The rule field that lists this direction's peers."""
        return "from" if self is Direction.INGRESS else "to"


DIRECTIONS: Final = tuple(Direction)
"""Both directions, as a tuple: iterating the enum class itself costs in hot loops."""

POLICY_TYPES: Final = tuple(direction.policy_type for direction in Direction)
"""`Ingress` and `Egress`, in the order the API server lists them."""
