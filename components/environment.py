"""``EnvironmentNamespace``: the namespace of one environment and everything inside it.

A thin shell: the objects come from ``components.manifests`` (pure, tested without Pulumi); this
class only declares them as resources with the right parents, dependencies and protection.
Production is protected (config ``protect`` overrides), and so is every child: a ``pulumi destroy``
that deleted the policies but stopped at the protected namespace would leave production open.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.manifests import limit_range_manifest, namespace_manifest, quota_manifest
from components.policies import network_policies
from components.policy_set import NetworkPolicySet, namespaced_options
from components.settings import EnvironmentSettings

TYPE_TOKEN = "catalyst:index:EnvironmentNamespace"


class EnvironmentNamespace(pulumi.ComponentResource):
    """Namespace + NetworkPolicySet (+ ResourceQuota and LimitRange when configured)."""

    namespace_name: pulumi.Output[str]
    tier: pulumi.Output[str]
    policy_names: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        settings: EnvironmentSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        protect = settings.protect
        super().__init__(
            TYPE_TOKEN,
            name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=protect)),
        )
        manifest = namespace_manifest(settings)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=manifest["metadata"],
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        self.policy_set = NetworkPolicySet(
            f"{name}-policies",
            network_policies(settings),
            self.namespace,
            protect=protect,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespace]),
        )
        self.quota = self._optional_child(
            k8s.core.v1.ResourceQuota, f"{name}-quota", quota_manifest(settings), protect
        )
        self.limit_range = self._optional_child(
            k8s.core.v1.LimitRange, f"{name}-limits", limit_range_manifest(settings), protect
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
        protect: bool,
    ) -> pulumi.CustomResource | None:
        """A configured object of the namespace (None when the config leaves it out)."""
        if manifest is None:
            return None
        return resource(
            name,
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=namespaced_options(self, self.namespace, protect=protect),
        )
