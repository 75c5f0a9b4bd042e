"""``NetworkPolicySet``: one NetworkPolicy resource per manifest, inside one namespace.

Every policy depends on the namespace (created after it) and is ``deleted_with`` it: tearing down
an environment deletes the namespace once, and Kubernetes removes its contents, instead of Pulumi
racing the namespace's own deletion with one delete per policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

TYPE_TOKEN = "catalyst:index:NetworkPolicySet"


def namespaced_options(
    parent: pulumi.Resource, namespace: pulumi.Resource, *, protect: bool
) -> pulumi.ResourceOptions:
    """Options of an object that lives in the namespace and goes away with it."""
    return pulumi.ResourceOptions(
        parent=parent, depends_on=[namespace], deleted_with=namespace, protect=protect
    )


class NetworkPolicySet(pulumi.ComponentResource):
    """The NetworkPolicies of one environment, created after and deleted with its namespace."""

    policy_names: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        manifests: Sequence[dict[str, Any]],
        namespace: k8s.core.v1.Namespace,
        *,
        protect: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        names = [manifest["metadata"]["name"] for manifest in manifests]
        if len(set(names)) != len(names):
            raise ValueError(f"NetworkPolicySet {name}: policy names are not unique: {names}")
        self.policies = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{manifest['metadata']['name']}",
                metadata=manifest["metadata"],
                spec=manifest["spec"],
                opts=namespaced_options(self, namespace, protect=protect),
            )
            for manifest in manifests
        ]
        self.policy_names = pulumi.Output.from_input(sorted(names))
        self.register_outputs({"policyNames": self.policy_names})
