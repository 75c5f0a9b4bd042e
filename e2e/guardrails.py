"""What the guardrails job of the Kind workflow adds to the plan: hostile policies, and the
cluster-scoped objects its teardown must leave behind none of.

The hostile policy is what anyone who may write NetworkPolicies in an environment's namespace can
add: ``allow-all``, every pod of the namespace, ingress from everything, egress to everything.
Applied to two environments, it opens them to each other unless something outside the namespace
says no; with ``clusterGuardrails`` on, the Admin-tier ClusterNetworkPolicies do, and the
measured matrix must show it. It goes where the prediction reads it too (the plan's manifests
folder), so the analyzer predicts the cluster that was measured.

ClusterNetworkPolicies are not deleted with their namespace, so after teardown the workflow
checks that each one the rendered stacks declare is gone, by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from e2e.errors import InputError
from e2e.manifests import Manifest, kind_of, name_of
from kubefacts.api import NETWORK_POLICY_API_VERSION, POLICY_TYPES
from kubefacts.cluster_network_policy import CLUSTER_NETWORK_POLICY_KIND

ALLOW_ALL: Final = "allow-all"
HOSTILE_LABEL: Final = "e2e.catalyst.dev/hostile"
"""On every hostile policy, so a person reading the cluster sees it is the test's."""


class HostilePolicyError(InputError):
    """A hostile policy asked for a namespace the rendered stacks do not create."""


def allow_all_policy(namespace: str) -> dict[str, Any]:
    """``allow-all`` in `namespace`: every pod, ingress from and egress to everything."""
    return {
        "apiVersion": NETWORK_POLICY_API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": ALLOW_ALL, "namespace": namespace, "labels": {HOSTILE_LABEL: "true"}},
        "spec": {
            "podSelector": {},
            "policyTypes": list(POLICY_TYPES),
            "ingress": [{}],
            "egress": [{}],
        },
    }


def hostile_policies(namespaces: Sequence[str], environments: Sequence[str]) -> list[Manifest]:
    """One ``allow-all`` per namespace given (sorted, each once), each one an environment's."""
    unknown = sorted(set(namespaces) - set(environments))
    if unknown:
        raise HostilePolicyError(
            f"--allow-all {unknown[0]}: not a namespace of the rendered stacks "
            f"({', '.join(environments) or 'none'})"
        )
    return [allow_all_policy(namespace) for namespace in sorted(set(namespaces))]


def cluster_policy_names(rendered: Sequence[Manifest]) -> list[str]:
    """The ClusterNetworkPolicies the rendered stacks declare, by name, sorted."""
    return sorted({name_of(doc) for doc in rendered if kind_of(doc) == CLUSTER_NETWORK_POLICY_KIND})
