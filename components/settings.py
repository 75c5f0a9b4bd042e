"""Stack name + config -> one validated, immutable ``EnvironmentSettings``.

Everything a user can get wrong is checked here, before any resource is declared, so a bad value
fails with one message naming the config key, the bad value and what is allowed, and nothing is
created. ``config`` maps bare keys ("team", "egress", ...) to either the strings the Pulumi CLI
passes to the program (structured values as JSON text) or already-decoded Python values; both
give the same settings, so ``pulumi up``, ``render`` and direct callers agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from components import config_values as read
from components.config_values import Labels, SettingsError
from components.cost_cap import (
    DEFAULT_DEVELOPMENT_LIMIT_RANGE,
    DEFAULT_DEVELOPMENT_QUOTA,
    LimitRange,
    Quota,
    cost_cap,
    limit_range,
    quota,
)
from components.entries import Database, EgressRule, PortRule, database, egress_rule, entries
from components.fields import DEFAULT_EGRESS, ENVIRONMENT_FIELDS, FIELD, config_keys
from kubefacts.layout import (
    DEFAULT_DNS_POD_LABELS,
    SYSTEM_NAMESPACE_PREFIX,
    SYSTEM_NAMESPACES,
)
from kubefacts.validation import (
    dns_label_problem,
)

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_DEVELOPMENT_LIMIT_RANGE",
    "DEFAULT_DEVELOPMENT_QUOTA",
    "DEFAULT_DNS_POD_LABELS",
    "DEFAULT_EGRESS",
    "PRODUCTION_STACK",
    "TIERS",
    "Database",
    "EgressRule",
    "EnvironmentSettings",
    "Labels",
    "LimitRange",
    "PortRule",
    "Quota",
    "SettingsError",
    "Tier",
    "settings_from_config",
    "tier_of_stack",
    "validated_settings",
]

PRODUCTION_STACK: Final = "production"

Tier = Literal["development", "production"]
TIERS: Final[tuple[Tier, ...]] = ("development", "production")

POD_SECURITY_LEVELS: Final = ("privileged", "baseline", "restricted")

DEFAULT_TEAM: Final = str(FIELD["team"].default)
DEFAULT_PROJECT: Final = str(FIELD["project"].default)
DEFAULT_POD_SECURITY: Final = str(FIELD["podSecurity"].default)
CONFIG_KEYS: Final = config_keys(ENVIRONMENT_FIELDS)


@dataclass(frozen=True, slots=True)
class EnvironmentSettings:
    """Everything the manifests of one environment are derived from."""

    stack: str
    tier: Tier
    team: str
    project: str
    environment: str
    namespace: str
    pod_security: str
    protect: bool
    allow_same_namespace: bool
    ingress_namespace: str
    dns_namespace: str
    dns_pod_labels: Labels
    egress: tuple[EgressRule, ...]
    databases: tuple[Database, ...]
    quota: Quota | None = None
    limit_range: LimitRange | None = None
    cluster_guardrails: bool = False
    """Declare the Admin-tier ClusterNetworkPolicy that closes the namespace to every other
    catalyst environment (``components.cluster_policies``)."""
    cluster_baseline_deny: bool = False
    """Also declare the Baseline-tier default deny; only with ``cluster_guardrails``."""


def settings_from_config(stack: str, config: Mapping[str, Any]) -> EnvironmentSettings:
    """Validate the whole config of ``stack`` or raise one ``SettingsError``."""
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise SettingsError(
            unknown[0], config[unknown[0]], f"unknown key; known keys: {', '.join(CONFIG_KEYS)}"
        )
    return validated_settings(stack, tier_of_stack(stack), config)


def tier_of_stack(stack: str) -> Tier:
    """The program's rule: the stack named production is the production tier, every other stack
    (pr-<N>, dev, production-copy) development. Components take the tier as an arg instead."""
    return "production" if stack == PRODUCTION_STACK else "development"


def validated_settings(stack: str, tier: Tier, config: Mapping[str, Any]) -> EnvironmentSettings:
    """``config`` (known keys only, absent ones meaning their default) as the settings of an
    environment of `tier` in `stack`, or one ``SettingsError`` naming the key."""
    capped = tier == "development"  # the cost cap applies to development environments
    team = read.dns_label("team", read.text("team", config.get("team"), DEFAULT_TEAM))
    project = read.dns_label(
        "project", read.text("project", config.get("project"), DEFAULT_PROJECT)
    )
    environment = _environment(stack, config.get("environment"))
    ingress_namespace = read.dns_label(
        "ingressNamespace",
        read.text(
            "ingressNamespace",
            config.get("ingressNamespace"),
            str(FIELD["ingressNamespace"].default),
        ),
    )
    dns_namespace = read.dns_label(
        "dnsNamespace",
        read.text("dnsNamespace", config.get("dnsNamespace"), str(FIELD["dnsNamespace"].default)),
    )
    namespace = _own_namespace(
        _namespace(team, project, environment, config.get("namespace")),
        ingress_namespace=ingress_namespace,
        dns_namespace=dns_namespace,
    )
    pod_security = read.text("podSecurity", config.get("podSecurity"), DEFAULT_POD_SECURITY)
    if pod_security not in POD_SECURITY_LEVELS:
        raise SettingsError(
            "podSecurity", pod_security, f"allowed: {', '.join(POD_SECURITY_LEVELS)}"
        )
    dns_pod_labels = read.labels(
        "dnsPodLabels",
        read.structured("dnsPodLabels", config.get("dnsPodLabels"), FIELD["dnsPodLabels"].default),
    )
    cluster_guardrails, cluster_baseline_deny = _cluster_guardrails(config)
    return EnvironmentSettings(
        stack=stack,
        tier=tier,
        team=team,
        project=project,
        environment=environment,
        namespace=namespace,
        pod_security=pod_security,
        protect=read.flag("protect", config.get("protect"), default=tier == "production"),
        allow_same_namespace=read.flag(
            "allowSameNamespace", config.get("allowSameNamespace"), default=tier == "development"
        ),
        ingress_namespace=ingress_namespace,
        dns_namespace=dns_namespace,
        dns_pod_labels=dns_pod_labels,
        egress=entries(
            "egress",
            read.structured("egress", config.get("egress"), FIELD["egress"].default),
            egress_rule,
        ),
        databases=entries(
            "databases",
            read.structured("databases", config.get("databases"), FIELD["databases"].default),
            database,
        ),
        quota=quota(cost_cap("quota", config.get("quota"), capped, DEFAULT_DEVELOPMENT_QUOTA)),
        limit_range=limit_range(
            cost_cap(
                "limitRange", config.get("limitRange"), capped, DEFAULT_DEVELOPMENT_LIMIT_RANGE
            )
        ),
        cluster_guardrails=cluster_guardrails,
        cluster_baseline_deny=cluster_baseline_deny,
    )


def _cluster_guardrails(config: Mapping[str, Any]) -> tuple[bool, bool]:
    """``clusterGuardrails`` and ``clusterBaselineDeny``; the second only with the first.

    Both are off unless set, in every tier: they create cluster-scoped objects, which need a
    ClusterNetworkPolicy CRD, a CNI that enforces it and rights a namespace owner does not have.
    The Baseline deny is one of the guardrails, so it is refused on its own rather than silently
    ignored (or creating a cluster-scoped object while ``clusterGuardrails`` says none)."""
    guardrails = read.boolean(
        "clusterGuardrails",
        config.get("clusterGuardrails"),
        default=bool(FIELD["clusterGuardrails"].default),
    )
    baseline_deny = read.boolean(
        "clusterBaselineDeny",
        config.get("clusterBaselineDeny"),
        default=bool(FIELD["clusterBaselineDeny"].default),
    )
    if baseline_deny and not guardrails:
        raise SettingsError(
            "clusterBaselineDeny",
            baseline_deny,
            "only with clusterGuardrails: true (the Baseline-tier default deny is one of the "
            "cluster guardrails and needs the same CRD, CNI and cluster-scope rights); set "
            "clusterGuardrails: true as well, or leave this key out",
        )
    return guardrails, baseline_deny


def _environment(stack: str, raw: object) -> str:
    value = read.text("environment", raw, "")
    if value:
        return read.dns_label("environment", value)
    problem = dns_label_problem(stack)
    if problem is not None:
        raise SettingsError(
            "environment",
            stack,
            f"the stack name is the environment id unless this key is set, and it is not valid: "
            f"{problem}",
        )
    return stack


def _namespace(team: str, project: str, environment: str, raw: object) -> str:
    value = read.text("namespace", raw, "")
    if value:
        return read.dns_label("namespace", value)
    composed = f"{team}-{project}-{environment}"
    problem = dns_label_problem(composed)
    if problem is not None:
        raise SettingsError(
            "namespace",
            composed,
            f"the namespace composed as {{team}}-{{project}}-{{environment}} is not valid: "
            f"{problem}; shorten team, project or environment, or set this key",
        )
    return composed


def _own_namespace(namespace: str, *, ingress_namespace: str, dns_namespace: str) -> str:
    """The environment creates, closes off and deletes its namespace: never a shared one."""
    shared = {
        ingress_namespace: "the ingress controller's namespace (config ingressNamespace)",
        dns_namespace: "the cluster DNS namespace (config dnsNamespace)",
        **dict.fromkeys(SYSTEM_NAMESPACES, "a Kubernetes system namespace"),
    }
    if namespace.startswith(SYSTEM_NAMESPACE_PREFIX) and namespace not in shared:
        raise SettingsError(
            "namespace",
            namespace,
            f"starts with '{SYSTEM_NAMESPACE_PREFIX}', which Kubernetes reserves for its own "
            "namespaces (kube-system, kube-flannel, ...); an environment needs a namespace of its "
            "own, because it denies all traffic there and deletes the namespace with its stack",
        )
    if namespace in shared:
        raise SettingsError(
            "namespace",
            namespace,
            f"is {shared[namespace]}; an environment needs a namespace of its own, because it "
            "denies all traffic there and deletes the namespace with its stack",
        )
    return namespace
