"""EnvironmentSettings -> the environment's ClusterNetworkPolicies (plain dicts, sorted by name):
none unless ``clusterGuardrails`` is on.

Why: a NetworkPolicy only adds allowances, and whoever may write one in the namespace may add
``allow-all``; a connection then needs only the other side's allowance, which another
environment's rules (its registry egress to 0.0.0.0/0 when pod addresses are outside the private
ranges, or an ``allow-all`` its own owner wrote) may well give. The guardrails are evaluated
before every NetworkPolicy and no NetworkPolicy can override them.

``catalyst-guardrails-<namespace>`` (tier Admin, priority ``ADMIN_PRIORITY``): its subject is the
environment's namespace (by ``kubernetes.io/metadata.name``); one ingress and one egress rule,
both ``Deny``, whose peer is every *other* catalyst environment's namespace: a namespace with the
``catalyst.dev/environment`` label (every environment's Namespace carries it, and only someone who
may edit Namespaces can set or remove it) whose name is not this one. Production to development
and development to production are cases of it, whatever team or project the other environment
belongs to. Nothing else matches a rule, so everything else (the namespace's own pods, the
ingress controller, DNS, the internet) goes on to the next Admin policy and then to the
namespace's NetworkPolicies exactly as without the guardrails: no Pass (which would also skip the
cluster admins' later Admin policies), no Accept.

``catalyst-baseline-deny-<namespace>`` (tier Baseline, priority ``BASELINE_PRIORITY``, with
``clusterBaselineDeny``): the same subject, Deny from every namespace and to every namespace and
every address. The Baseline tier only decides for pods that no NetworkPolicy isolates in that
direction, and the environment's ``default-deny-all`` isolates every pod, so while the
environment's policies stand it changes nothing; if they are deleted, the namespace fails closed.

Names: a fixed prefix and the namespace name. Namespace names are unique in a cluster and the two
prefixes differ before the namespace begins, so no two environments' objects (nor one
environment's two) can share a name, and ``catalyst-`` keeps them apart from cluster admins' own
policies. CNPs are cluster-scoped: Kubernetes does not delete them with the namespace, so the
component never marks them ``deleted_with`` it; ``pulumi destroy`` deletes exactly the objects the
stack created, these two by name, after the namespace (which depends on them).

Priorities (0..1000, lower first within a tier) leave room on both sides. Admin ``100``: 0..99 for
the cluster admins' policies that must be decided before the guardrails (a scanner allowed into
every environment, a quarantine), 101..1000 for everything that must not reopen environments to
each other. Every environment's guardrails share the priority, which is safe because they only
Deny: whichever of two matching ones is applied first, the verdict is the same. Baseline ``990``:
a catch-all deny belongs at the end of its tier so that the admins' more specific Baseline rules
(0..989) come first, yet before 1000, where an admin's own cluster-wide catch-all would leave the
order of the two undefined.

Every manifest follows the v0.2.0 standard-channel CRD: ``tier``, ``priority`` and ``subject``
(exactly one of ``namespaces`` / ``pods``), rules with ``action`` and 1..25 peers each holding
exactly one of ``namespaces`` / ``pods`` / ``networks``, rule names of at most 100 characters.
"""

from __future__ import annotations

import json
from typing import Any, Final

from components.labels import ENVIRONMENT_LABEL, cluster_metadata
from components.policies import Manifest
from components.settings import EnvironmentSettings
from kubefacts.api import LINT_IGNORE_ANNOTATION, NAMESPACE_NAME_LABEL, Direction
from kubefacts.cluster_network_policy import (
    CLUSTER_NETWORK_POLICY_API_VERSION,
    CLUSTER_NETWORK_POLICY_KIND,
    Action,
    Tier,
)

API_VERSION: Final = CLUSTER_NETWORK_POLICY_API_VERSION
KIND: Final = CLUSTER_NETWORK_POLICY_KIND

ADMIN_PRIORITY: Final = 100
BASELINE_PRIORITY: Final = 990

GUARDRAILS_PREFIX: Final = "catalyst-guardrails-"
BASELINE_DENY_PREFIX: Final = "catalyst-baseline-deny-"

DENY_FROM_OTHER_ENVIRONMENTS: Final = "deny-from-other-catalyst-environments"
DENY_TO_OTHER_ENVIRONMENTS: Final = "deny-to-other-catalyst-environments"
DENY_ALL_INGRESS: Final = "deny-all-ingress"
DENY_ALL_EGRESS: Final = "deny-all-egress"

ALL_ADDRESSES: Final = ("0.0.0.0/0", "::/0")

BASELINE_BEHIND_DEFAULT_DENY: Final = "NP015"
"""The lint rule (stable id) the Baseline deny is exempt from: it sits behind the namespace's
default deny on purpose, which is exactly what the rule reports."""
"""Every IPv4 and IPv6 address: with ``networks``, also the cluster's own pods and nodes."""


def guardrails_name(namespace: str) -> str:
    """The Admin-tier policy of the environment whose namespace is `namespace`."""
    return f"{GUARDRAILS_PREFIX}{namespace}"


def baseline_deny_name(namespace: str) -> str:
    """The Baseline-tier default deny of the environment whose namespace is `namespace`."""
    return f"{BASELINE_DENY_PREFIX}{namespace}"


def cluster_policies(settings: EnvironmentSettings) -> list[Manifest]:
    """The environment's ClusterNetworkPolicies, sorted by name; [] with clusterGuardrails off."""
    if not settings.cluster_guardrails:
        return []
    policies = [_guardrails(settings)]
    if settings.cluster_baseline_deny:
        policies.append(_baseline_deny(settings))
    return sorted(policies, key=lambda policy: policy["metadata"]["name"])


def other_environments(namespace: str) -> dict[str, Any]:
    """Every catalyst environment's namespace but `namespace`: labelled as one, named otherwise."""
    return {
        "matchExpressions": [
            {"key": ENVIRONMENT_LABEL, "operator": "Exists"},
            {"key": NAMESPACE_NAME_LABEL, "operator": "NotIn", "values": [namespace]},
        ]
    }


def _own_namespace(namespace: str) -> dict[str, Any]:
    return {"namespaces": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}


def _policy(
    settings: EnvironmentSettings,
    name: str,
    tier: Tier,
    priority: int,
    *,
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]],
) -> Manifest:
    """One policy whose subject is the environment's namespace; shares no dict or list with any
    other, so a caller may change it and YAML output has no anchors."""
    manifest = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": cluster_metadata(settings, name),
        "spec": {
            "tier": str(tier),
            "priority": priority,
            "subject": _own_namespace(settings.namespace),
            "ingress": ingress,
            "egress": egress,
        },
    }
    return json.loads(json.dumps(manifest))


def _deny(name: str, direction: Direction, peers: list[dict[str, Any]]) -> dict[str, Any]:
    """A Deny rule: final, whatever any later Admin policy or any NetworkPolicy says."""
    return {"name": name, "action": str(Action.DENY), direction.peers_key: peers}


def _guardrails(settings: EnvironmentSettings) -> Manifest:
    others = [{"namespaces": other_environments(settings.namespace)}]
    return _policy(
        settings,
        guardrails_name(settings.namespace),
        Tier.ADMIN,
        ADMIN_PRIORITY,
        ingress=[_deny(DENY_FROM_OTHER_ENVIRONMENTS, Direction.INGRESS, others)],
        egress=[_deny(DENY_TO_OTHER_ENVIRONMENTS, Direction.EGRESS, others)],
    )


def _baseline_deny(settings: EnvironmentSettings) -> Manifest:
    every_namespace: dict[str, Any] = {"namespaces": {}}
    every_address = {"networks": list(ALL_ADDRESSES)}
    policy = _policy(
        settings,
        baseline_deny_name(settings.namespace),
        Tier.BASELINE,
        BASELINE_PRIORITY,
        ingress=[_deny(DENY_ALL_INGRESS, Direction.INGRESS, [every_namespace])],
        egress=[_deny(DENY_ALL_EGRESS, Direction.EGRESS, [every_namespace, every_address])],
    )
    # Behind the namespace's default deny by design (a fallback if it is deleted): lint's
    # "Baseline policy that every NetworkPolicy-isolated pod skips" is true and expected here.
    policy["metadata"]["annotations"] = {LINT_IGNORE_ANNOTATION: BASELINE_BEHIND_DEFAULT_DENY}
    return policy
