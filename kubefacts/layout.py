"""Where a typical cluster runs its shared services: the defaults every package assumes.

The environments program uses them as config defaults (Pulumi.yaml repeats them, and a test keeps
the two equal), the linter and the policy pack as option defaults, the end-to-end tests as the
layout of the Kind cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

DEFAULT_INGRESS_NAMESPACE: Final = "ingress-nginx"
"""The namespace of the ingress controller (ingress-nginx's own manifests install it there)."""

DEFAULT_DNS_NAMESPACE: Final = "kube-system"
"""The namespace of the cluster DNS pods (kube-dns or CoreDNS)."""

DEFAULT_DNS_POD_LABELS: Final[Mapping[str, str]] = MappingProxyType({"k8s-app": "kube-dns"})
"""The labels of the cluster DNS pods; CoreDNS keeps kube-dns's label for compatibility."""

SYSTEM_NAMESPACES: Final = ("default", "kube-node-lease", "kube-public", "kube-system")
"""Namespaces every cluster has."""

SYSTEM_NAMESPACE_PREFIX: Final = "kube-"
"""Kubernetes reserves names starting with it for its own namespaces."""


def dns_label_text(labels: Mapping[str, str] = DEFAULT_DNS_POD_LABELS) -> str:
    """`k8s-app=kube-dns`: labels as a command line writes them."""
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
