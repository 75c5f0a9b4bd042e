"""The analysed cluster: namespaces, pods (real or representative) and policies, as one value.

A Cluster is immutable; derived indexes (which pods each selector matches, ...) are memoized in
`cache`, which takes no part in equality and is rebuilt by every function that returns a new
cluster.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from reachability._parse import Parsed
from reachability.addresses import parse_ip
from reachability.model import (
    DEFAULT_OPTIONS,
    NAMESPACE_NAME_LABEL,
    Endpoint,
    ExternalIP,
    Labels,
    Namespace,
    NetworkPolicy,
    Options,
    Pod,
)
from reachability.representatives import synthesize


@dataclass(frozen=True, slots=True)
class Cluster:
    namespaces: tuple[Namespace, ...]
    pods: tuple[Pod, ...]
    policies: tuple[NetworkPolicy, ...]
    representative: bool = False  # the pods were synthesized (see representatives.py)
    options: Options = DEFAULT_OPTIONS
    cache: dict[Any, Any] = field(
        default_factory=dict, init=False, compare=False, repr=False, hash=False
    )

    def endpoint(self, ref: str) -> Endpoint:
        """`namespace/pod` -> the pod; an IP -> the pod that owns it, else an ExternalIP."""
        if "/" in ref:
            pod = self._pods_by_id().get(ref)
            if pod is None:
                raise KeyError(self._unknown_pod(ref))
            return pod
        try:
            ip = str(parse_ip(ref))
        except ValueError:
            raise KeyError(
                f"unknown endpoint {ref!r}: write namespace/pod or an IP address"
            ) from None
        owners = self._pods_by_ip().get(ip, ())
        if len(owners) > 1:
            names = ", ".join(pod.id for pod in owners)
            raise KeyError(f"IP {ip} belongs to several pods ({names}): name the pod instead")
        return owners[0] if owners else ExternalIP(ip)

    def pod(self, pod_id: str) -> Pod:
        pod = self._pods_by_id().get(pod_id)
        if pod is None:
            raise KeyError(self._unknown_pod(pod_id))
        return pod

    def policy(self, policy_id: str) -> NetworkPolicy:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        known = ", ".join(policy.id for policy in self.policies[:10]) or "none"
        raise KeyError(f"unknown NetworkPolicy {policy_id!r} (policies: {known})")

    def without_policy(self, policy_id: str) -> Cluster:
        """The same cluster (same pods, even representative ones) minus one policy."""
        self.policy(policy_id)
        remaining = tuple(policy for policy in self.policies if policy.id != policy_id)
        return dataclasses.replace(self, policies=remaining)

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
        namespace = ref.partition("/")[0]
        names = sorted(pod.name for pod in self.pods if pod.namespace == namespace)
        kind = "representative pod" if self.representative else "pod"
        if not self.pods:
            why = (
                ", nor namespaces or policies to synthesize them from"
                if self.representative
                else ""
            )
            return f"unknown pod {ref!r}: the input has no pods{why}"
        if not names:
            spaces = sorted({pod.namespace for pod in self.pods})
            listed = ", ".join(spaces[:12]) + (", ..." if len(spaces) > 12 else "")
            return f"unknown {kind} {ref!r}: no pods in namespace {namespace!r} (have: {listed})"
        listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"unknown {kind} {ref!r}: pods in {namespace} are {listed}"


def build_cluster(parsed: Parsed, options: Options = DEFAULT_OPTIONS) -> Cluster:
    """Sort everything, add namespaces that objects live in, synthesize pods when asked to."""
    namespaces = {ns.name: ns for ns in parsed.namespaces}
    for obj in (*parsed.pods, *parsed.policies):
        if obj.namespace not in namespaces:
            namespaces[obj.namespace] = Namespace(
                obj.namespace, Labels({NAMESPACE_NAME_LABEL: obj.namespace})
            )
    policies = tuple(sorted(parsed.policies, key=lambda p: (p.namespace, p.name)))
    representative = options.representatives
    if representative is None:
        representative = not parsed.pods
    if representative:
        if not namespaces:  # nothing to stand for
            return Cluster((), (), policies, True, options)
        all_namespaces, pods = synthesize(list(namespaces.values()), policies)
        return Cluster(all_namespaces, pods, policies, True, options)
    return Cluster(
        tuple(namespaces[name] for name in sorted(namespaces)),
        tuple(sorted(parsed.pods, key=lambda p: (p.namespace, p.name))),
        policies,
        False,
        options,
    )
