"""``NetworkPolicySet``: one NetworkPolicy resource per manifest, inside one namespace.

Every policy depends on the namespace (created after it) and is ``deleted_with`` it: tearing down
an environment deletes the namespace once, and Kubernetes removes its contents, instead of Pulumi
racing the namespace's own deletion with one delete per policy.

No ``from __future__ import annotations``: the Pulumi SDK's analyzer reads the args' and the
outputs' annotations as objects to infer the package schema (``components.package``).
"""

from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

TYPE_TOKEN = "catalyst:index:NetworkPolicySet"


class NetworkPolicySetArgs(TypedDict):
    """The policies of one namespace, and the namespace they live and die with."""

    namespace: k8s.core.v1.Namespace
    """The Namespace the policies are in: each is created after it and deleted with it."""

    policies: list[dict[str, Any]]
    """NetworkPolicy manifests (apiVersion, kind, metadata with a unique name, spec)."""

    protect: NotRequired[bool]
    """Protect every policy (default false, so `pulumi up` may delete or replace one)."""


def namespaced_options(
    parent: pulumi.Resource, namespace: pulumi.Resource, *, protect: bool
) -> pulumi.ResourceOptions:
    """Options of an object that lives in the namespace and goes away with it."""
    return pulumi.ResourceOptions(
        parent=parent, depends_on=[namespace], deleted_with=namespace, protect=protect
    )


def _policy_names(name: str, manifests: Sequence[dict[str, Any]]) -> list[str]:
    names = [manifest["metadata"]["name"] for manifest in manifests]
    if len(set(names)) != len(names):
        raise ValueError(f"NetworkPolicySet {name}: policy names are not unique: {names}")
    return names


class NetworkPolicySet(pulumi.ComponentResource):
    """The NetworkPolicies of one environment, created after and deleted with its namespace."""

    policy_names: pulumi.Output[list[str]]
    """The names of the policies, sorted."""

    def __init__(
        self,
        name: str,
        args: NetworkPolicySetArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        manifests = list(args["policies"])
        names = _policy_names(name, manifests)  # before anything is registered
        namespace = args["namespace"]
        protect = bool(args.get("protect", False))
        super().__init__(TYPE_TOKEN, name, None, opts)
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
