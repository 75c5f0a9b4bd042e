"""Stack name + config -> one validated, immutable ``EnvironmentSettings``.

Everything a user can get wrong is checked here, before any resource is declared, so a bad value
fails with one message naming the config key, the bad value and what is allowed, and nothing is
created. ``config`` maps bare keys ("team", "egress", ...) to either the strings the Pulumi CLI
passes to the program (structured values as JSON text) or already-decoded Python values; both
give the same settings, so ``pulumi up``, ``render`` and direct callers agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

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
from kubefacts.api import DEFAULT_PROTOCOL, PROTOCOLS
from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
    SYSTEM_NAMESPACE_PREFIX,
    SYSTEM_NAMESPACES,
)
from kubefacts.validation import (
    dns_label_problem,
)

PRODUCTION_STACK: Final = "production"

Tier = Literal["development", "production"]

POD_SECURITY_LEVELS: Final = ("privileged", "baseline", "restricted")

DEFAULT_TEAM: Final = "myteam"
DEFAULT_PROJECT: Final = "myproject"
DEFAULT_POD_SECURITY: Final = "baseline"
DEFAULT_EGRESS: Final[Sequence[Mapping[str, Any]]] = (
    {
        "name": "registry",
        "cidr": "0.0.0.0/0",
        "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"],
        "ports": [{"port": 443, "protocol": "TCP"}],
    },
)
CONFIG_KEYS: Final = (
    "allowSameNamespace",
    "databases",
    "dnsNamespace",
    "dnsPodLabels",
    "egress",
    "environment",
    "ingressNamespace",
    "limitRange",
    "namespace",
    "podSecurity",
    "project",
    "protect",
    "quota",
    "team",
)

_EGRESS_FIELDS: Final = ("cidr", "except", "name", "ports")
_PORT_FIELDS: Final = ("endPort", "port", "protocol")
_DATABASE_FIELDS: Final = ("clientLabels", "name", "podLabels", "port")


@dataclass(frozen=True, slots=True)
class PortRule:
    """One NetworkPolicyPort: a port or port range on one protocol."""

    port: int
    protocol: str = "TCP"
    end_port: int | None = None


@dataclass(frozen=True, slots=True)
class EgressRule:
    """Egress from every pod to one CIDR (minus its exceptions) on some ports (none: all)."""

    name: str
    cidr: str
    except_cidrs: tuple[str, ...] = ()
    ports: tuple[PortRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Database:
    """Database pods that only client pods may reach, on one TCP port."""

    name: str
    pod_labels: Labels
    port: int
    client_labels: Labels


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


def settings_from_config(stack: str, config: Mapping[str, Any]) -> EnvironmentSettings:
    """Validate the whole config of ``stack`` or raise one ``SettingsError``."""
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise SettingsError(
            unknown[0], config[unknown[0]], f"unknown key; known keys: {', '.join(CONFIG_KEYS)}"
        )
    tier: Tier = "production" if stack == PRODUCTION_STACK else "development"
    capped = tier == "development"  # the cost cap applies to development environments
    team = read.dns_label("team", read.text("team", config.get("team"), DEFAULT_TEAM))
    project = read.dns_label(
        "project", read.text("project", config.get("project"), DEFAULT_PROJECT)
    )
    environment = _environment(stack, config.get("environment"))
    ingress_namespace = read.dns_label(
        "ingressNamespace",
        read.text("ingressNamespace", config.get("ingressNamespace"), DEFAULT_INGRESS_NAMESPACE),
    )
    dns_namespace = read.dns_label(
        "dnsNamespace", read.text("dnsNamespace", config.get("dnsNamespace"), DEFAULT_DNS_NAMESPACE)
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
        read.structured("dnsPodLabels", config.get("dnsPodLabels"), DEFAULT_DNS_POD_LABELS),
    )
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
        egress=_entries(
            "egress", read.structured("egress", config.get("egress"), DEFAULT_EGRESS), _egress_rule
        ),
        databases=_entries(
            "databases", read.structured("databases", config.get("databases"), ()), _database
        ),
        quota=quota(cost_cap("quota", config.get("quota"), capped, DEFAULT_DEVELOPMENT_QUOTA)),
        limit_range=limit_range(
            cost_cap(
                "limitRange", config.get("limitRange"), capped, DEFAULT_DEVELOPMENT_LIMIT_RANGE
            )
        ),
    )


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


Entry = TypeVar("Entry", EgressRule, Database)


def _entries(key: str, raw: object, parse: Callable[[str, object], Entry]) -> tuple[Entry, ...]:
    """A list of named entries; names are unique because each becomes a policy name."""
    if not read.is_list(raw):
        raise SettingsError(key, raw, "must be a list of entries ([] for none)")
    entries = tuple(parse(f"{key}[{index}]", item) for index, item in enumerate(raw))
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.name in seen:
            raise SettingsError(
                f"{key}[{index}].name", entry.name, "duplicate name; names must be unique"
            )
        seen.add(entry.name)
    return tuple(sorted(entries, key=lambda entry: entry.name))


def _port_rule(key: str, raw: object) -> PortRule:
    entry = read.mapping(key, raw, "a map with port, protocol and endPort", _PORT_FIELDS)
    port = read.port_number(
        f"{key}.port",
        read.required(key, entry, "port", "an integer port number 1-65535 is required"),
    )
    protocol = entry.get("protocol", DEFAULT_PROTOCOL)
    if protocol not in PROTOCOLS:
        raise SettingsError(f"{key}.protocol", protocol, f"allowed: {', '.join(PROTOCOLS)}")
    end_port = entry.get("endPort")
    if end_port is not None:
        end_port = read.port_number(f"{key}.endPort", end_port)
        if end_port < port:
            raise SettingsError(
                f"{key}.endPort", end_port, f"must be at least the port ({port}), up to 65535"
            )
    return PortRule(port=port, protocol=protocol, end_port=end_port)


def _egress_rule(key: str, raw: object) -> EgressRule:
    entry = read.mapping(key, raw, "a map with name, cidr, except and ports", _EGRESS_FIELDS)
    name = read.entry_name(key, entry)
    network = read.network(
        f"{key}.cidr",
        read.required(key, entry, "cidr", "a CIDR such as 203.0.113.0/24 is required"),
    )
    raw_except = entry.get("except") or []
    if not read.is_list(raw_except):
        raise SettingsError(f"{key}.except", raw_except, "must be a list of CIDRs")
    excepted = []
    for index, item in enumerate(raw_except):
        inner = read.network(f"{key}.except[{index}]", item)
        if inner.version != network.version or not (
            inner.subnet_of(network) and inner.prefixlen > network.prefixlen  # type: ignore[arg-type]
        ):
            raise SettingsError(
                f"{key}.except[{index}]", item, f"must be a strict subset of the cidr {network}"
            )
        excepted.append(inner)
    raw_ports = entry.get("ports") or []
    if not read.is_list(raw_ports):
        raise SettingsError(
            f"{key}.ports", raw_ports, "must be a list of {port, protocol, endPort}"
        )
    ports = {_port_rule(f"{key}.ports[{index}]", item) for index, item in enumerate(raw_ports)}
    return EgressRule(
        name=name,
        cidr=str(network),
        except_cidrs=tuple(str(net) for net in sorted(set(excepted))),
        ports=tuple(sorted(ports, key=lambda p: (p.protocol, p.port, p.end_port or 0))),
    )


def _database(key: str, raw: object) -> Database:
    entry = read.mapping(
        key, raw, "a map with name, podLabels, port and clientLabels", _DATABASE_FIELDS
    )
    name = read.entry_name(key, entry)
    pod_labels = read.labels(
        f"{key}.podLabels",
        read.required(key, entry, "podLabels", "a database needs podLabels that select its pods"),
        purpose=" that select the database pods",
    )
    port = read.port_number(
        f"{key}.port",
        read.required(key, entry, "port", "a database needs the port its clients use, 1-65535"),
    )
    client_labels = read.labels(
        f"{key}.clientLabels",
        read.required(
            key, entry, "clientLabels", "a database needs clientLabels that select its clients"
        ),
        purpose=" that select the client pods",
    )
    return Database(name=name, pod_labels=pod_labels, port=port, client_labels=client_labels)
