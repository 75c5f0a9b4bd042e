"""EnvironmentSettings -> every Kubernetes object of the environment, as plain dicts.

The same dicts feed the Pulumi components, ``python -m components render`` and the reachability
analyzer, so what is verified is what is deployed. Pure and deterministic: equal settings give
equal lists, in the order Namespace, NetworkPolicies (by name), ResourceQuota, LimitRange, then
the cluster-scoped ClusterNetworkPolicies (by name) when ``clusterGuardrails`` is on.
"""

from __future__ import annotations

from typing import Any, Final

from components.cluster_policies import cluster_policies
from components.labels import environment_labels, metadata
from components.policies import Manifest, network_policies
from components.settings import EnvironmentSettings

POD_SECURITY_AUDIT_AND_WARN: Final = "restricted"
"""Warn and audit one level above what is enforced, so pods can be tightened before it bites."""
QUOTA_NAME: Final = "environment-quota"
LIMIT_RANGE_NAME: Final = "environment-limits"

__all__ = [
    "cluster_policies",
    "environment_manifests",
    "limit_range_manifest",
    "namespace_manifest",
    "network_policies",
    "quota_manifest",
]


def namespace_manifest(settings: EnvironmentSettings) -> Manifest:
    """The Namespace, with the environment labels and Pod Security Admission labels."""
    labels = {
        **environment_labels(settings),
        "pod-security.kubernetes.io/audit": POD_SECURITY_AUDIT_AND_WARN,
        "pod-security.kubernetes.io/enforce": settings.pod_security,
        "pod-security.kubernetes.io/warn": POD_SECURITY_AUDIT_AND_WARN,
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"labels": dict(sorted(labels.items())), "name": settings.namespace},
    }


def quota_manifest(settings: EnvironmentSettings) -> Manifest | None:
    """A ResourceQuota when config ``quota`` names any resource."""
    if settings.quota is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": metadata(settings, QUOTA_NAME),
        "spec": {"hard": dict(settings.quota.hard)},
    }


def limit_range_manifest(settings: EnvironmentSettings) -> Manifest | None:
    """A LimitRange of container defaults and bounds when config ``limitRange`` sets any."""
    if settings.limit_range is None:
        return None
    limit: dict[str, Any] = {kind: dict(values) for kind, values in settings.limit_range.limits}
    limit["type"] = "Container"
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": metadata(settings, LIMIT_RANGE_NAME),
        "spec": {"limits": [limit]},
    }


def environment_manifests(settings: EnvironmentSettings) -> list[Manifest]:
    """Namespace, then its NetworkPolicies sorted by name, then the quota objects if configured,
    then the ClusterNetworkPolicies if ``clusterGuardrails`` is on."""
    extras = [quota_manifest(settings), limit_range_manifest(settings)]
    return [
        namespace_manifest(settings),
        *network_policies(settings),
        *(manifest for manifest in extras if manifest is not None),
        *cluster_policies(settings),
    ]
