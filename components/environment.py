"""``EnvironmentNamespace``: the namespace of one environment and everything inside it.

A thin shell: the args are checked by ``components.args_settings`` (the config's rules, so a bad
field is one message and nothing is registered) and the objects come from
``components.manifests`` (pure, tested without Pulumi); this class only declares them as
resources with the right parents, dependencies and protection. The tier is an arg: which stack is
production is the program's business (``__main__.py``), not the component's.

Protection (the production tier by default; ``protect`` overrides) sits on two resources only:
the Namespace, which no ``pulumi up`` or ``destroy`` may then delete or replace, and a
``DestroyGuard`` that depends on every object, so a ``pulumi destroy`` is refused before anything
is deleted. The policies, quota and limit range are unprotected and ``deleted_with`` the
namespace, so routine edits (removing a database, renaming an egress entry) apply with
``pulumi up``. The engine rules behind this: ``components.destroy_guard`` and the README.

With ``clusterGuardrails`` the environment also declares its ClusterNetworkPolicies
(``components.cluster_policies``) as ``apiextensions.CustomResource`` children, logical names
``<name>-cluster-guardrails`` and ``<name>-cluster-baseline-deny``. They are cluster-scoped, so
Kubernetes does not delete them with the namespace: they are never ``deleted_with`` it, and
``pulumi destroy`` deletes each by its name. The Namespace depends on them, so they are in force
before the namespace exists and are deleted only after it is gone; unprotected, like the
policies, and guarded by the ``DestroyGuard`` like every other object.

No ``from __future__ import annotations``: the Pulumi SDK's analyzer reads the args' and the
outputs' annotations as objects to infer the package schema (``components.package``).
"""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.args import EnvironmentNamespaceArgs
from components.args_settings import ArgsError, settings_from_args
from components.cluster_policies import cluster_policies
from components.destroy_guard import DestroyGuard
from components.manifests import limit_range_manifest, namespace_manifest, quota_manifest
from components.policies import network_policies
from components.policy_set import NetworkPolicySet, NetworkPolicySetArgs, namespaced_options
from kubefacts.cluster_network_policy import Tier

TYPE_TOKEN = "catalyst:index:EnvironmentNamespace"
CLUSTER_POLICY_SUFFIXES = {Tier.ADMIN: "cluster-guardrails", Tier.BASELINE: "cluster-baseline-deny"}
"""Logical name of each ClusterNetworkPolicy: ``<component name>-<suffix>``, one per tier."""


class EnvironmentArgsError(ArgsError, pulumi.RunError):
    """Bad ``EnvironmentNamespaceArgs``: an ``ArgsError`` for callers, and a ``RunError`` so that
    ``pulumi up`` prints its one line and no traceback."""


class EnvironmentNamespace(pulumi.ComponentResource):
    """One environment: a Namespace closed off by NetworkPolicies, a cost cap, a destroy guard."""

    namespace_name: pulumi.Output[str]
    """The name of the Namespace, e.g. myteam-myproject-pr-123."""

    tier: pulumi.Output[str]
    """The tier the environment was declared with: development or production."""

    policy_names: pulumi.Output[list[str]]
    """The names of the environment's NetworkPolicies, sorted."""

    def __init__(
        self,
        name: str,
        args: EnvironmentNamespaceArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        try:
            settings = settings_from_args(args, stack=pulumi.get_stack(), resource=name)
        except ArgsError as error:
            raise EnvironmentArgsError(
                error.resource, error.field, error.key, error.value, error.allowed
            ) from None
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.cluster_policies = [
            k8s.apiextensions.CustomResource(
                f"{name}-{CLUSTER_POLICY_SUFFIXES[Tier(policy['spec']['tier'])]}",
                api_version=policy["apiVersion"],
                kind=policy["kind"],
                metadata=policy["metadata"],
                spec=policy["spec"],
                opts=pulumi.ResourceOptions(parent=self, protect=False),
            )
            for policy in cluster_policies(settings)
        ]
        manifest = namespace_manifest(settings)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=manifest["metadata"],
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=settings.protect,
                depends_on=list(self.cluster_policies) or None,
            ),
        )
        self.policy_set = NetworkPolicySet(
            f"{name}-policies",
            NetworkPolicySetArgs(
                namespace=self.namespace, policies=network_policies(settings), protect=False
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespace], protect=False),
        )
        self.quota = self._optional_child(
            k8s.core.v1.ResourceQuota, f"{name}-quota", quota_manifest(settings)
        )
        self.limit_range = self._optional_child(
            k8s.core.v1.LimitRange, f"{name}-limits", limit_range_manifest(settings)
        )
        inside = [
            *self.policy_set.policies,
            *(child for child in (self.quota, self.limit_range) if child is not None),
            *self.cluster_policies,
        ]
        # Declared for every stack, protected or not, so that `protect: "false"` and one
        # `pulumi up` unprotect it instead of leaving a protected guard that up cannot delete.
        self.destroy_guard = DestroyGuard(
            f"{name}-destroy-guard",
            [self.namespace, *inside],
            protect=settings.protect,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.namespace_name = self.namespace.metadata.apply(lambda metadata: metadata.name)
        self.tier = pulumi.Output.from_input(settings.tier)
        self.policy_names = self.policy_set.policy_names
        self.register_outputs(
            {
                "namespaceName": self.namespace_name,
                "policyNames": self.policy_names,
                "tier": self.tier,
            }
        )

    def _optional_child(
        self,
        resource: type[k8s.core.v1.ResourceQuota] | type[k8s.core.v1.LimitRange],
        name: str,
        manifest: dict[str, Any] | None,
    ) -> pulumi.CustomResource | None:
        """A configured object of the namespace (None when the args leave it out)."""
        if manifest is None:
            return None
        return resource(
            name,
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=namespaced_options(self, self.namespace, protect=False),
        )
