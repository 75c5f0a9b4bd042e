"""``EnvironmentNamespace``: the namespace of one environment and everything inside it.

A thin shell: the objects come from ``components.manifests`` (pure, tested without Pulumi); this
class only declares them as resources with the right parents, dependencies and protection.

Protection (production by default; config ``protect`` overrides) sits on two resources only: the
Namespace, which no ``pulumi up`` or ``destroy`` may then delete or replace, and a
``DestroyGuard`` that depends on every object, so a ``pulumi destroy`` is refused before anything
is deleted. The policies, quota and limit range are unprotected and ``deleted_with`` the
namespace, so routine edits (removing a database, renaming an egress entry) apply with
``pulumi up``. The engine rules behind this: ``components.destroy_guard`` and the README.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.destroy_guard import DestroyGuard
from components.manifests import limit_range_manifest, namespace_manifest, quota_manifest
from components.policies import network_policies
from components.policy_set import NetworkPolicySet, namespaced_options
from components.settings import EnvironmentSettings

TYPE_TOKEN = "catalyst:index:EnvironmentNamespace"


class EnvironmentNamespace(pulumi.ComponentResource):
    """Namespace + NetworkPolicySet (+ ResourceQuota and LimitRange) + DestroyGuard."""

    namespace_name: pulumi.Output[str]
    tier: pulumi.Output[str]
    policy_names: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        settings: EnvironmentSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        manifest = namespace_manifest(settings)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=manifest["metadata"],
            opts=pulumi.ResourceOptions(parent=self, protect=settings.protect),
        )
        self.policy_set = NetworkPolicySet(
            f"{name}-policies",
            network_policies(settings),
            self.namespace,
            protect=False,
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
        """A configured object of the namespace (None when the config leaves it out)."""
        if manifest is None:
            return None
        return resource(
            name,
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=namespaced_options(self, self.namespace, protect=False),
        )
