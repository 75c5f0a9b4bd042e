"""Pulumi resources -> Kubernetes manifests, so the pack reuses `reachability` instead of
re-deriving NetworkPolicy semantics from Pulumi's view of them.

pulumi-kubernetes resources carry the Kubernetes object as their properties (camelCase, exactly as
in a manifest), so conversion is mostly unwrapping: the policy SDK's read-only proxies become plain
dicts, numbers that arrive as floats (protobuf Struct) become ints again, and apiVersion/kind are
filled in from the resource type when absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

TYPES: dict[str, tuple[str, str]] = {
    "kubernetes:core/v1:Namespace": ("v1", "Namespace"),
    "kubernetes:core/v1:Pod": ("v1", "Pod"),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": ("networking.k8s.io/v1", "NetworkPolicy"),
    # A CustomResource's type is `kubernetes:<apiVersion>:<kind>` (pulumi_kubernetes
    # apiextensions/CustomResource.py).
    "kubernetes:policy.networking.k8s.io/v1alpha2:ClusterNetworkPolicy": (
        "policy.networking.k8s.io/v1alpha2",
        "ClusterNetworkPolicy",
    ),
    "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicy": (
        "policy.networking.k8s.io/v1alpha1",
        "AdminNetworkPolicy",
    ),
    "kubernetes:policy.networking.k8s.io/v1alpha1:BaselineAdminNetworkPolicy": (
        "policy.networking.k8s.io/v1alpha1",
        "BaselineAdminNetworkPolicy",
    ),
}
"""The resource types whose objects decide reachability."""

NAMESPACED = frozenset({"Pod", "NetworkPolicy"})


class ResourceLike(Protocol):
    """What is read of a pulumi_policy PolicyResource (or ResourceValidationArgs)."""

    @property
    def resource_type(self) -> str: ...
    @property
    def props(self) -> Mapping[str, Any]: ...
    @property
    def urn(self) -> str: ...
    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StackObject:
    """One Kubernetes object the stack declares, with the resource it came from."""

    urn: str
    manifest: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def name(self) -> str:
        return str(self.manifest["metadata"]["name"])

    @property
    def namespace(self) -> str | None:
        return self.manifest["metadata"].get("namespace") if self.kind in NAMESPACED else None

    @property
    def ref(self) -> str:
        """ "Kind namespace/name" (or "Kind name"), as lint and the engine name objects."""
        if self.namespace is None:
            return f"{self.kind} {self.name}"
        return f"{self.kind} {self.namespace}/{self.name}"


def stack_objects(resources: Iterable[ResourceLike]) -> tuple[StackObject, ...]:
    """The Namespaces, Pods, NetworkPolicies and ClusterNetworkPolicies among `resources`, as
    manifests, in stack order.

    An unknown value (during preview) raises the SDK's UnknownValueError, which the SDK reports as
    "can't run policy during preview" rather than judging a half-known policy.
    """
    return tuple(
        StackObject(resource.urn, to_manifest(resource))
        for resource in resources
        if resource.resource_type in TYPES
    )


def urns_by_ref(objects: Iterable[StackObject]) -> dict[str, str]:
    """ "Kind namespace/name" -> the URN of the first object so named, for naming the resource
    of a finding in one lookup instead of a scan of the stack per finding."""
    urns: dict[str, str] = {}
    for obj in objects:
        urns.setdefault(obj.ref, obj.urn)
    return urns


def to_manifest(resource: ResourceLike) -> dict[str, Any]:
    return manifest_of(resource.resource_type, resource.name, plain(resource.props))


def manifest_of(resource_type: str, name: str, props: Any) -> dict[str, Any]:
    """The manifest of a resource of a type in TYPES, from its plain properties (changed in
    place): apiVersion and kind from the type when absent, the logical name for a missing
    metadata.name, and so on."""
    api_version, kind = TYPES[resource_type]
    manifest = props
    if not isinstance(manifest, dict):
        manifest = {}
    manifest.setdefault("apiVersion", api_version)
    manifest.setdefault("kind", kind)
    if kind != "Pod":  # a Pod's status carries its IPs; other objects' status says nothing here
        manifest.pop("status", None)
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict):
        metadata = manifest["metadata"] = {}
    # Auto-named resources have no name until created; the logical name stands in for it.
    metadata.setdefault("name", name)
    if kind in NAMESPACED:
        metadata.setdefault("namespace", "default")
    return manifest


def plain(value: Any) -> Any:
    """Proxies -> dicts and lists; integral floats -> ints (ports, endPort).

    Every policy converts the whole stack again (the SDK hands each one new proxies), so the
    leaves, most of the nodes, are told apart by exact type before the slower ABC checks. Each
    item is still read through the proxy, which raises the SDK's UnknownValueError."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(key): plain(value[key]) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(value[i]) for i in range(len(value))]
    if isinstance(value, float) and value.is_integer():  # a float subclass
        return int(value)
    return value
