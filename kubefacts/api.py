"""Names and closed sets defined by the Kubernetes API (core/v1, networking.k8s.io/v1, and the
pod controllers of apps/v1 and batch/v1); the network-policy-api's are in
cluster_network_policy.py."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

NAMESPACE_NAME_LABEL: Final = "kubernetes.io/metadata.name"
"""Set by the API server on every namespace (GA since 1.22) and immutable: the safe way to select
a namespace by name, unlike a hand-made `name` label that nobody may have set."""

MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
"""The recommended label saying which tool manages an object."""

LINT_IGNORE_ANNOTATION: Final = "reachability.catalyst.dev/lint-ignore"
"""Ours, not the API's: the rule ids (`"NP006, NP015"`) lint and the policy pack leave unreported
for the object that carries it; the components set it where a finding is by design."""

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

POD_KIND: Final = "Pod"


@dataclass(frozen=True, slots=True)
class WorkloadKind:
    """A built-in controller of pods: where its pod template lives and which API groups serve it.

    `template` is the path of its PodTemplateSpec (CronJob nests it in its job template);
    `groups` are the API groups whose versions (current or retired, the template's shape is the
    same) serve the kind: a custom resource that reuses the kind name in another group is not it.
    `aliases` are what kubectl accepts for the kind in `TYPE/NAME` (the plural and short names).
    """

    kind: str
    template: tuple[str, ...]
    groups: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def ref(self) -> str:
        """The kind as kubectl writes it in `TYPE/NAME` (lower case): `deployment`."""
        return self.kind.lower()

    def serves(self, api_version: object) -> bool:
        """Whether `apiVersion` (None: not written) is one of this kind's built-in groups."""
        if api_version is None:
            return True
        if not isinstance(api_version, str):
            return False
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        return group in self.groups


_TEMPLATE = ("spec", "template")
WORKLOAD_KINDS: Final = {
    w.kind: w
    for w in (
        WorkloadKind("Deployment", _TEMPLATE, ("apps", "extensions"), ("deployments", "deploy")),
        WorkloadKind("ReplicaSet", _TEMPLATE, ("apps", "extensions"), ("replicasets", "rs")),
        WorkloadKind("StatefulSet", _TEMPLATE, ("apps",), ("statefulsets", "sts")),
        WorkloadKind("DaemonSet", _TEMPLATE, ("apps", "extensions"), ("daemonsets", "ds")),
        WorkloadKind("Job", _TEMPLATE, ("batch",), ("jobs",)),
        WorkloadKind(
            "CronJob", ("spec", "jobTemplate", "spec", "template"), ("batch",), ("cronjobs", "cj")
        ),
        WorkloadKind("ReplicationController", _TEMPLATE, ("",), ("replicationcontrollers", "rc")),
    )
}
"""Deployment, ReplicaSet, StatefulSet, DaemonSet (apps/v1), Job, CronJob (batch/v1) and
ReplicationController (v1): what real manifests hold instead of Pods."""

POD_REF_ALIASES: Final = ("pod", "pods", "po")
"""What kubectl accepts for Pods in `TYPE/NAME`."""


def workload_kind(ref: str) -> WorkloadKind | None:
    """The workload kind a `TYPE` of kubectl's `TYPE/NAME` names (any case), if any."""
    lowered = ref.lower()
    for workload in WORKLOAD_KINDS.values():
        if lowered == workload.ref or lowered in workload.aliases:
            return workload
    return None
