"""EnvironmentSettings -> the environment's NetworkPolicy manifests (plain dicts, sorted by name).

The set starts from ``default-deny-all`` and only adds allowances, so each policy below is one
reason a connection may happen:

- ``allow-ingress-controller*``: ingress from the ingress controller's namespace.
- ``allow-same-namespace*``: pods of the namespace reach each other (ingress AND egress: once
  egress is denied, the ingress side alone does not let a pod connect).
- ``allow-dns``: egress to the DNS pods on UDP and TCP 53, namespace AND pod selector in ONE peer.
- ``allow-egress-<name>``: egress to a CIDR (minus its exceptions) on some ports.
- ``allow-database-<name>-ingress`` / ``-egress``: only client pods reach the database pods, on
  its port, written on both sides.

Policies only add allowances, so "only clients reach the database" holds only if no other policy
lets anyone else in. ``allow-same-namespace*`` and ``allow-ingress-controller*`` therefore select
(and, for same-namespace, admit) only the pods that are no database's pods. A database whose
podLabels are {a: 1, b: 2} has the pods matching a=1 AND b=2; the other pods are those with a!=1
OR b!=2. One LabelSelector can only AND its requirements, so the OR needs one selector per label
of each database (and, over several databases, one per combination): those policies are named
``<name>-1``, ``<name>-2``, ... and their union is exactly the non-database pods. With no database,
or one database selected by one label, each is a single policy with its plain name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import product
from typing import Any, Final

from components.labels import metadata
from components.settings import Database, EgressRule, EnvironmentSettings, Labels, PortRule
from kubefacts.api import DNS_PORT, NAMESPACE_NAME_LABEL, NETWORK_POLICY_API_VERSION

API_VERSION: Final = NETWORK_POLICY_API_VERSION
KIND: Final = "NetworkPolicy"

Manifest = dict[str, Any]


def network_policies(settings: EnvironmentSettings) -> list[Manifest]:
    """Every NetworkPolicy of the environment, sorted by name."""
    others = non_database_selectors(settings.databases)
    policies = [
        _default_deny_all(settings),
        *_allow_ingress_controller(settings, others),
        _allow_dns(settings),
        *(_allow_egress(settings, rule) for rule in settings.egress),
    ]
    if settings.allow_same_namespace:
        policies.extend(_allow_same_namespace(settings, others))
    for database in settings.databases:
        policies.extend(_allow_database(settings, database))
    return sorted(policies, key=lambda policy: policy["metadata"]["name"])


def non_database_selectors(databases: Sequence[Database]) -> list[dict[str, Any]]:
    """LabelSelectors whose union is exactly the pods that are no database's pods.

    A pod is outside every database when, for each database, one of its labels differs; each
    choice of one label per database gives a selector of ``NotIn`` requirements (``NotIn`` also
    matches pods without the key). Choices that contain another choice select a subset of it and
    are dropped, so the list is as short as this construction allows and its order is fixed.
    """
    if not databases:
        return [{}]
    choices = {frozenset(choice) for choice in product(*(db.pod_labels for db in databases))}
    minimal = [choice for choice in choices if not any(other < choice for other in choices)]
    selectors = []
    for choice in sorted(minimal, key=sorted):
        excluded: dict[str, set[str]] = {}
        for key, value in choice:
            excluded.setdefault(key, set()).add(value)
        expressions = [
            {"key": key, "operator": "NotIn", "values": sorted(values)}
            for key, values in sorted(excluded.items())
        ]
        selectors.append({"matchExpressions": expressions})
    return selectors


def _policy(
    settings: EnvironmentSettings,
    name: str,
    pod_selector: dict[str, Any],
    *,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
) -> Manifest:
    """One policy; policyTypes is always explicit (omitted, an egress-less policy would not deny).

    The result shares no dict or list with any other, so a caller may change it freely and YAML
    output has no anchors.
    """
    spec: dict[str, Any] = {"podSelector": pod_selector, "policyTypes": []}
    if ingress is not None:
        spec["policyTypes"].append("Ingress")
        if ingress:
            spec["ingress"] = ingress
    if egress is not None:
        spec["policyTypes"].append("Egress")
        if egress:
            spec["egress"] = egress
    manifest = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata(settings, name),
        "spec": spec,
    }
    return json.loads(json.dumps(manifest))


def _numbered(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name}-{index}" for index in range(1, count + 1)]


def _match_labels(labels: Labels) -> dict[str, Any]:
    return {"matchLabels": dict(labels)}


def _namespace_selector(namespace: str) -> dict[str, Any]:
    return {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}


def _port(rule: PortRule) -> dict[str, Any]:
    port: dict[str, Any] = {"port": rule.port, "protocol": rule.protocol}
    if rule.end_port is not None:
        port["endPort"] = rule.end_port
    return port


def _default_deny_all(settings: EnvironmentSettings) -> Manifest:
    return _policy(settings, "default-deny-all", {}, ingress=[], egress=[])


def _allow_ingress_controller(
    settings: EnvironmentSettings, others: list[dict[str, Any]]
) -> list[Manifest]:
    peer = {"namespaceSelector": _namespace_selector(settings.ingress_namespace)}
    names = _numbered("allow-ingress-controller", len(others))
    return [
        _policy(settings, name, selector, ingress=[{"from": [peer]}])
        for name, selector in zip(names, others, strict=True)
    ]


def _allow_same_namespace(
    settings: EnvironmentSettings, others: list[dict[str, Any]]
) -> list[Manifest]:
    peers = [{"podSelector": selector} for selector in others]
    names = _numbered("allow-same-namespace", len(others))
    return [
        _policy(settings, name, selector, ingress=[{"from": peers}], egress=[{"to": peers}])
        for name, selector in zip(names, others, strict=True)
    ]


def _allow_dns(settings: EnvironmentSettings) -> Manifest:
    peer = {
        "namespaceSelector": _namespace_selector(settings.dns_namespace),
        "podSelector": _match_labels(settings.dns_pod_labels),
    }
    ports = [{"port": DNS_PORT, "protocol": "UDP"}, {"port": DNS_PORT, "protocol": "TCP"}]
    return _policy(settings, "allow-dns", {}, egress=[{"ports": ports, "to": [peer]}])


def _allow_egress(settings: EnvironmentSettings, rule: EgressRule) -> Manifest:
    ip_block: dict[str, Any] = {"cidr": rule.cidr}
    if rule.except_cidrs:
        ip_block["except"] = list(rule.except_cidrs)
    egress: dict[str, Any] = {"to": [{"ipBlock": ip_block}]}
    if rule.ports:
        egress["ports"] = [_port(port) for port in rule.ports]
    return _policy(settings, f"allow-egress-{rule.name}", {}, egress=[egress])


def _allow_database(settings: EnvironmentSettings, database: Database) -> list[Manifest]:
    ports = [{"port": database.port, "protocol": "TCP"}]
    servers = _match_labels(database.pod_labels)
    clients = _match_labels(database.client_labels)
    name = f"allow-database-{database.name}"
    return [
        _policy(
            settings,
            f"{name}-ingress",
            servers,
            ingress=[{"from": [{"podSelector": clients}], "ports": ports}],
        ),
        _policy(
            settings,
            f"{name}-egress",
            clients,
            egress=[{"ports": ports, "to": [{"podSelector": servers}]}],
        ),
    ]
