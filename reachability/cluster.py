"""The analysed cluster: namespaces, pods (real or representative), NetworkPolicies and
ClusterNetworkPolicies, as one value.

A Cluster is immutable; derived indexes (which pods each selector matches, ...) are memoized in
`cache`, which takes no part in equality and is rebuilt by every function that returns a new
cluster. The transforms (`with_objects`, `with_representatives`, `renamed_namespaces`,
`with_policy_prefix`, `without_policy`) return new clusters built from the model values, so lint,
diff and the policy pack never turn a cluster back into manifests to edit and parse again. A
policy's `manifest` stays the object as it was written, whatever a transform renamed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubefacts.api import (
    NAMESPACE_NAME_LABEL,
    POD_REF_ALIASES,
    WORKLOAD_KINDS,
    Direction,
    workload_kind,
)
from reachability._addresses import address_text
from reachability._parse import Parsed
from reachability._renames import (
    renamed_cluster_policy,
    renamed_namespace,
    renamed_pod,
    renamed_policy,
)
from reachability._replaced import replaced
from reachability._representatives import synthesize
from reachability.cluster_policy import ClusterNetworkPolicy
from reachability.model import (
    DEFAULT_OPTIONS,
    Endpoint,
    ExternalIP,
    Labels,
    Namespace,
    NetworkPolicy,
    Options,
    Pod,
)
from reachability.problems import Problem, UnknownEndpoint, UnknownPolicy


@dataclass(frozen=True, slots=True)
class Cluster:
    namespaces: tuple[Namespace, ...]
    pods: tuple[Pod, ...]
    policies: tuple[NetworkPolicy, ...]
    representative: bool = False  # the pods were synthesized (see _representatives.py)
    options: Options = DEFAULT_OPTIONS
    # In evaluation order: Admin tier, then Baseline, each by priority then name.
    cluster_policies: tuple[ClusterNetworkPolicy, ...] = ()
    # What loading accepted but the user should know of (e.g. a name derived from generateName).
    notes: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    cache: dict[Any, Any] = field(
        default_factory=dict, init=False, compare=False, repr=False, hash=False
    )

    @classmethod
    def build(
        cls,
        namespaces: Iterable[Namespace] = (),
        pods: Iterable[Pod] = (),
        policies: Iterable[NetworkPolicy] = (),
        options: Options = DEFAULT_OPTIONS,
        cluster_policies: Iterable[ClusterNetworkPolicy] = (),
    ) -> Cluster:
        """A cluster of model values, assembled as `load` assembles parsed ones: sorted, with
        the namespaces objects live in, and representative pods as `options` asks."""
        return assemble(namespaces, pods, policies, options, cluster_policies)

    def endpoint(self, ref: str) -> Endpoint:
        """`namespace/pod` or `namespace/kind/name` (kind as kubectl accepts it in `TYPE/NAME`:
        `deployment`, `Deployment`, `deploy`, ...) -> the pod or workload; an IP -> the endpoint
        that owns it, else an ExternalIP."""
        if "/" in ref:
            return self.pod(canonical_ref(ref))
        addresses = self.cache.get("endpoints_by_address")
        if addresses is None:
            addresses = self.cache["endpoints_by_address"] = {}
        found = addresses.get(ref)
        if found is None:
            found = addresses[ref] = self._address_endpoint(ref)
        return found

    def _address_endpoint(self, ref: str) -> Endpoint:
        """`endpoint` of an address (kept per text: parsing it was most of a verdict's cost)."""
        try:
            ip = address_text(ref)
        except ValueError:
            raise UnknownEndpoint(
                f"unknown endpoint {ref!r}: write namespace/pod, namespace/kind/name or an IP "
                "address"
            ) from None
        owners = self._pods_by_ip().get(ip, ())
        if len(owners) > 1:
            names = ", ".join(pod.id for pod in owners)
            raise UnknownEndpoint(
                f"IP {ip} belongs to several pods ({names}): name the pod instead"
            )
        return owners[0] if owners else ExternalIP(ip)

    def pod(self, pod_id: str) -> Pod:
        pod = self._pods_by_id().get(pod_id)
        if pod is None:
            raise UnknownEndpoint(self._unknown_pod(pod_id))
        return pod

    def policy(self, policy_id: str) -> NetworkPolicy:
        position = self._policy_position(policy_id)
        if position is not None:
            return self.policies[position]
        known = ", ".join(policy.id for policy in self.policies[:10]) or "none"
        raise UnknownPolicy(f"unknown NetworkPolicy {policy_id!r} (policies: {known})")

    def missing_default_deny(self, namespace: str) -> list[str]:
        """The policy types ("Ingress", "Egress") for which no policy of `namespace` is a default
        deny. Its pods may still be isolated by allow policies, but then removing one of those
        opens them."""
        local = self._policies_by_namespace().get(namespace, ())
        return [
            direction.policy_type
            for direction in Direction
            if not any(policy.denies_all(direction) for policy in local)
        ]

    def without_policy(self, policy_id: str) -> Cluster:
        """The same cluster (same pods, even representative ones) minus one policy."""
        self.policy(policy_id)
        remaining = tuple(policy for policy in self.policies if policy.id != policy_id)
        return dataclasses.replace(self, policies=remaining)

    def with_objects(
        self,
        namespaces: Iterable[Namespace] = (),
        pods: Iterable[Pod] = (),
        policies: Iterable[NetworkPolicy] = (),
        *,
        options: Options | None = None,
        cluster_policies: Iterable[ClusterNetworkPolicy] = (),
    ) -> Cluster:
        """This cluster plus more objects, every pod (representatives included) now a given pod:
        no representatives are synthesized, whatever `options` says. An object whose namespace,
        or namespace and name, is already taken is left out (the cluster's own one stays)."""
        chosen = options or self.options
        known = {ns.name for ns in self.namespaces}
        taken = {pod.id for pod in self.pods}
        return assemble(
            (*self.namespaces, *(ns for ns in namespaces if ns.name not in known)),
            (*self.pods, *(pod for pod in pods if pod.id not in taken)),
            (*self.policies, *policies),
            dataclasses.replace(chosen, representatives=False),
            (*self.cluster_policies, *cluster_policies),
        )

    def with_representatives(self) -> Cluster:
        """The same namespaces and policies, with representative pods in place of any pods."""
        options = dataclasses.replace(self.options, representatives=True)
        return assemble(self.namespaces, (), self.policies, options, self.cluster_policies)

    def representatives_elsewhere(self) -> tuple[tuple[Namespace, ...], tuple[Pod, ...]]:
        """What `with_representatives` adds besides the given pods: the namespaces it would
        add, and its representative pods of every namespace without a given pod."""
        given = {pod.namespace for pod in self.pods}
        known = {ns.name for ns in self.namespaces}
        namespaces, pods = synthesize(
            self.namespaces, self.policies, self.cluster_policies, without=given
        )
        return tuple(ns for ns in namespaces if ns.name not in known), pods

    def with_policy_prefix(self, prefix: str) -> Cluster:
        """Every policy renamed `prefix + name`: two policy sets can then share one cluster."""
        renamed = tuple(replaced(p, name=prefix + p.name) for p in self.policies)
        return dataclasses.replace(self, policies=renamed)

    def renamed_namespaces(self, mapping: Mapping[str, str]) -> Cluster:
        """The same objects with namespaces renamed: Namespaces, the objects in them, and the
        `kubernetes.io/metadata.name` selectors that name them. Compares two environments'
        policies as if they governed one namespace. Given pods keep their place; representative
        ones are synthesized anew for the renamed selectors."""
        if not mapping:
            return self
        namespaces = [renamed_namespace(ns, mapping) for ns in self.namespaces]
        pods = () if self.representative else (renamed_pod(p, mapping) for p in self.pods)
        policies = [renamed_policy(p, mapping) for p in self.policies]
        cluster_policies = [renamed_cluster_policy(p, mapping) for p in self.cluster_policies]
        return assemble(namespaces, pods, policies, self.options, cluster_policies)

    def _policy_position(self, policy_id: str) -> int | None:
        """Where `policy_id` is in `policies` (memoized: lint asks once per policy)."""
        found = self.cache.get("policy_positions")
        if found is None:
            found = self.cache["policy_positions"] = {
                policy.id: k for k, policy in enumerate(self.policies)
            }
        return found.get(policy_id)

    def _policies_by_namespace(self) -> dict[str, tuple[NetworkPolicy, ...]]:
        """The policies of each namespace, in order (memoized: lint asks per namespace)."""
        found = self.cache.get("policies_by_namespace")
        if found is None:
            grouped: dict[str, list[NetworkPolicy]] = {}
            for policy in self.policies:
                grouped.setdefault(policy.namespace, []).append(policy)
            found = self.cache["policies_by_namespace"] = {
                ns: tuple(ps) for ns, ps in grouped.items()
            }
        return found

    def _pods_by_id(self) -> dict[str, Pod]:
        found = self.cache.get("pods_by_id")
        if found is None:
            found = self.cache["pods_by_id"] = {pod.id: pod for pod in self.pods}
        return found

    def _pods_by_ip(self) -> dict[str, tuple[Pod, ...]]:
        found = self.cache.get("pods_by_ip")
        if found is None:
            owners: dict[str, list[Pod]] = {}
            for pod in self.pods:
                for ip in pod.ips:
                    owners.setdefault(ip, []).append(pod)
            found = self.cache["pods_by_ip"] = {ip: tuple(p) for ip, p in owners.items()}
        return found

    def _unknown_pod(self, ref: str) -> str:
        namespace, _, local = ref.partition("/")
        if "/" in local:
            return self._unknown_workload(ref)
        local = [pod for pod in self.pods if pod.namespace == namespace]
        names = [pod.local_id for pod in sorted(local, key=endpoint_order)]
        kind = "representative pod" if self.representative else "pod"
        if not self.pods:
            why = (
                ", nor namespaces or policies to synthesize them from"
                if self.representative
                else ""
            )
            return f"unknown pod {ref!r}: the input has no pods or workloads{why}"
        if not names:
            spaces = sorted({pod.namespace for pod in self.pods})
            listed = ", ".join(spaces[:12]) + (", ..." if len(spaces) > 12 else "")
            return f"unknown {kind} {ref!r}: no pods in namespace {namespace!r} (have: {listed})"
        listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        what = "endpoints" if any(pod.is_workload for pod in local) else "pods"
        return f"unknown {kind} {ref!r}: {what} in {namespace} are {listed}"

    def _unknown_workload(self, ref: str) -> str:
        namespace = ref.partition("/")[0]
        names = sorted(p.local_id for p in self.pods if p.namespace == namespace and p.is_workload)
        if not names:
            return f"unknown workload {ref!r}: no workloads in namespace {namespace!r}"
        listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"unknown workload {ref!r}: workloads in {namespace} are {listed}"


def canonical_ref(ref: str) -> str:
    """`ns/name` or `ns/kind/name` with the kind as ids write it (`ns/deploy/web` ->
    `ns/deployment/web`, `ns/pod/web` -> `ns/web`); UnknownEndpoint for other shapes."""
    parts = ref.split("/")
    if len(parts) == 2:
        return ref
    if len(parts) != 3 or not all(parts):
        raise UnknownEndpoint(
            f"unknown endpoint {ref!r}: write namespace/pod, namespace/kind/name or an IP address"
        )
    namespace, kind, name = parts
    if kind.lower() in POD_REF_ALIASES:
        return f"{namespace}/{name}"
    workload = workload_kind(kind)
    if workload is None:
        kinds = ", ".join(w.ref for w in WORKLOAD_KINDS.values())
        raise UnknownEndpoint(
            f"unknown endpoint {ref!r}: {kind!r} is not a kind of workload (use pod, {kinds})"
        )
    return f"{namespace}/{workload.ref}/{name}"


def endpoint_order(pod: Pod) -> tuple[str, bool, str]:
    """By namespace, Pods first (by name), then workloads (by kind and name)."""
    return pod.namespace, pod.is_workload, pod.local_id


def build_cluster(parsed: Parsed, options: Options = DEFAULT_OPTIONS) -> Cluster:
    cluster = assemble(
        parsed.namespaces, parsed.pods, parsed.policies, options, parsed.cluster_policies
    )
    notes = (*parsed.notes, *_unaddressed(cluster))
    return dataclasses.replace(cluster, notes=notes) if notes else cluster


def _unaddressed(cluster: Cluster) -> list[Problem]:
    """One note per cluster policy with a `networks` peer, when some pods have no address to
    match it (representatives, workloads given without their pods): a CIDR may hold pod
    addresses, and their verdicts cannot say."""
    if all(pod.ips or pod.host_network for pod in cluster.pods):
        return []
    notes = []
    for policy in cluster.cluster_policies:
        found = next((p for rule in policy.egress for p in rule.peers if p.networks), None)
        if found is not None:
            notes.append(
                Problem(
                    policy.source,
                    f"{policy.kind} {policy.name}",
                    f"{found.path}.networks",
                    "matches addresses, and some pods have no address in the input "
                    "(representative pods, workloads without their pods): their verdicts leave "
                    "these networks out, which holds only if no pod address is in them; give "
                    "Pods with status.podIP to question it",
                )
            )
    return notes


def assemble(
    namespaces: Iterable[Namespace],
    pods: Iterable[Pod],
    policies: Iterable[NetworkPolicy],
    options: Options = DEFAULT_OPTIONS,
    cluster_policies: Iterable[ClusterNetworkPolicy] = (),
) -> Cluster:
    """Sort everything, add namespaces that objects live in, synthesize pods when asked to."""
    known = {ns.name: ns for ns in namespaces}
    pods = tuple(pods)
    if options.host_network == "pod":  # then they are ordinary pods to NetworkPolicies
        pods = tuple(
            dataclasses.replace(p, host_network=False, on_node=True) if p.host_network else p
            for p in pods
        )
    policies = tuple(sorted(policies, key=lambda p: (p.namespace, p.name)))
    tiers = tuple(sorted(cluster_policies, key=lambda p: p.order))
    for obj in (*pods, *policies):
        if obj.namespace not in known:
            known[obj.namespace] = Namespace(
                obj.namespace, Labels({NAMESPACE_NAME_LABEL: obj.namespace})
            )
    representative = options.representatives
    if representative is None:
        representative = not pods
    if representative:
        if not known and not tiers:  # nothing to stand for
            return Cluster((), (), policies, True, options, tiers)
        all_namespaces, synthesized = synthesize(list(known.values()), policies, tiers)
        return Cluster(all_namespaces, synthesized, policies, True, options, tiers)
    return Cluster(
        tuple(known[name] for name in sorted(known)),
        tuple(sorted(pods, key=endpoint_order)),
        policies,
        False,
        options,
        tiers,
    )
