"""Stack name + config -> one validated, immutable ``EnvironmentSettings``.

Everything a user can get wrong is checked here, before any resource is declared, so a bad value
fails with one message naming the config key, the bad value and what is allowed, and nothing is
created. ``config`` maps bare keys ("team", "egress", ...) to either the strings the Pulumi CLI
passes to the program (structured values as JSON text) or already-decoded Python values; both
give the same settings, so ``pulumi up``, ``render`` and direct callers agree.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from components.errors import ConfigError
from kubefacts.api import DEFAULT_PROTOCOL, MAX_PORT, MIN_PORT, PROTOCOLS
from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
    SYSTEM_NAMESPACES,
)
from kubefacts.validation import (
    dns_label_problem,
    label_key_problem,
    label_value_problem,
    quantity_problem,
)

CONFIG_NAMESPACE: Final = "catalyst-environments"
PRODUCTION_STACK: Final = "production"

Tier = Literal["development", "production"]
Labels = tuple[tuple[str, str], ...]
"""Labels as sorted (key, value) pairs: immutable, hashable and in a deterministic order."""

POD_SECURITY_LEVELS: Final = ("privileged", "baseline", "restricted")
LIMIT_KINDS: Final = ("default", "defaultRequest", "max", "maxLimitRequestRatio", "min")

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
DEFAULT_DEVELOPMENT_QUOTA: Final[Mapping[str, str]] = {
    "limits.cpu": "8",
    "limits.memory": "8Gi",
    "pods": "20",
    "requests.cpu": "2",
    "requests.memory": "4Gi",
}
"""ResourceQuota of a development stack unless config ``quota`` says otherwise: a cost cap, so a
forgotten pull-request environment cannot take the cluster."""
DEFAULT_DEVELOPMENT_LIMIT_RANGE: Final[Mapping[str, Mapping[str, str]]] = {
    "default": {"cpu": "250m", "memory": "256Mi"},
    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
}
"""Container defaults of a development stack unless config ``limitRange`` says otherwise. A quota
on requests and limits rejects pods that state none; these defaults fill them in, so such pods
still start, and the quota's 20 pods at these defaults fit its cpu and memory caps."""
AUTO: Final = "auto"

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
_MISSING: Final = object()


class SettingsError(ConfigError):
    """A config value a user can fix: names the key, the bad value and what is allowed."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        shown = "missing" if value is _MISSING else show(value)
        super().__init__(f"config {CONFIG_NAMESPACE}:{key}: {shown}: {allowed}")


def show(value: object) -> str:
    """Values as a user wrote them in YAML/JSON, not as Python reprs."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


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
class Quota:
    """ResourceQuota ``spec.hard``: resource name -> quantity."""

    hard: Labels


@dataclass(frozen=True, slots=True)
class LimitRange:
    """Container limits of a LimitRange: kind (default, max, ...) -> resource -> quantity."""

    limits: tuple[tuple[str, Labels], ...]


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
    team = _dns_label("team", _text("team", config.get("team"), DEFAULT_TEAM))
    project = _dns_label("project", _text("project", config.get("project"), DEFAULT_PROJECT))
    environment = _environment(stack, config.get("environment"))
    ingress_namespace = _dns_label(
        "ingressNamespace",
        _text("ingressNamespace", config.get("ingressNamespace"), DEFAULT_INGRESS_NAMESPACE),
    )
    dns_namespace = _dns_label(
        "dnsNamespace", _text("dnsNamespace", config.get("dnsNamespace"), DEFAULT_DNS_NAMESPACE)
    )
    namespace = _own_namespace(
        _namespace(team, project, environment, config.get("namespace")),
        ingress_namespace=ingress_namespace,
        dns_namespace=dns_namespace,
    )
    pod_security = _text("podSecurity", config.get("podSecurity"), DEFAULT_POD_SECURITY)
    if pod_security not in POD_SECURITY_LEVELS:
        raise SettingsError(
            "podSecurity", pod_security, f"allowed: {', '.join(POD_SECURITY_LEVELS)}"
        )
    dns_pod_labels = _labels(
        "dnsPodLabels",
        _structured("dnsPodLabels", config.get("dnsPodLabels"), DEFAULT_DNS_POD_LABELS),
    )
    return EnvironmentSettings(
        stack=stack,
        tier=tier,
        team=team,
        project=project,
        environment=environment,
        namespace=namespace,
        pod_security=pod_security,
        protect=_flag("protect", config.get("protect"), default=tier == "production"),
        allow_same_namespace=_flag(
            "allowSameNamespace", config.get("allowSameNamespace"), default=tier == "development"
        ),
        ingress_namespace=ingress_namespace,
        dns_namespace=dns_namespace,
        dns_pod_labels=dns_pod_labels,
        egress=_entries(
            "egress", _structured("egress", config.get("egress"), DEFAULT_EGRESS), _egress_rule
        ),
        databases=_entries(
            "databases", _structured("databases", config.get("databases"), ()), _database
        ),
        quota=_quota(_cost_cap("quota", config.get("quota"), tier, DEFAULT_DEVELOPMENT_QUOTA)),
        limit_range=_limit_range(
            _cost_cap("limitRange", config.get("limitRange"), tier, DEFAULT_DEVELOPMENT_LIMIT_RANGE)
        ),
    )


def _text(key: str, raw: object, default: str) -> str:
    if raw is None:
        return default
    if not isinstance(raw, str):
        raise SettingsError(key, raw, "must be a string")
    return raw


def _dns_label(key: str, value: str) -> str:
    problem = dns_label_problem(value)
    if problem is not None:
        raise SettingsError(key, value, problem)
    return value


def _environment(stack: str, raw: object) -> str:
    value = _text("environment", raw, "")
    if value:
        return _dns_label("environment", value)
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
    value = _text("namespace", raw, "")
    if value:
        return _dns_label("namespace", value)
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
    if namespace in shared:
        raise SettingsError(
            "namespace",
            namespace,
            f"is {shared[namespace]}; an environment needs a namespace of its own, because it "
            "denies all traffic there and deletes the namespace with its stack",
        )
    return namespace


def _flag(key: str, raw: object, *, default: bool) -> bool:
    if raw is None or raw == "" or raw == AUTO:
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise SettingsError(key, raw, f"allowed: true, false or {AUTO} (the tier's default)")


def _structured(key: str, raw: object, default: object) -> object:
    """Decode the JSON text the CLI passes for structured values; Python values pass through."""
    if raw is None:
        return default
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise SettingsError(
                key, raw, "must be a structured value (a YAML list or map in the stack file)"
            ) from None
    return raw


def _mapping(key: str, raw: object, what: str, fields: Sequence[str] = ()) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise SettingsError(key, raw, f"must be {what}")
    unknown = sorted(set(raw) - set(fields)) if fields else []
    if unknown:
        raise SettingsError(
            f"{key}.{unknown[0]}", raw[unknown[0]], f"unknown field; allowed: {', '.join(fields)}"
        )
    return raw


def _labels(key: str, raw: object, *, purpose: str = "") -> Labels:
    """A non-empty label map, every key and value as the API server validates them."""
    what = "a non-empty map of label keys to string values" + purpose
    mapping = _mapping(key, raw, what)
    if not mapping:
        raise SettingsError(key, raw, f"must be {what}")
    for label, value in mapping.items():
        problem = label_key_problem(label)
        if problem is not None:
            raise SettingsError(key, label, f"label key {problem}")
        if not isinstance(value, str):
            raise SettingsError(
                f"{key}.{label}", value, f'must be a string label value; quote it: "{show(value)}"'
            )
        problem = label_value_problem(value)
        if problem is not None:
            raise SettingsError(f"{key}.{label}", value, problem)
    return tuple(sorted(mapping.items()))


Entry = TypeVar("Entry", EgressRule, Database)


def _entries(key: str, raw: object, parse: Callable[[str, object], Entry]) -> tuple[Entry, ...]:
    """A list of named entries; names are unique because each becomes a policy name."""
    if not _is_list(raw):
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


def _is_list(raw: object) -> bool:
    return isinstance(raw, list | tuple)


def _required(key: str, entry: Mapping[str, Any], field: str, allowed: str) -> object:
    if entry.get(field) is None:
        raise SettingsError(f"{key}.{field}", _MISSING, allowed)
    return entry[field]


def _entry_name(key: str, entry: Mapping[str, Any]) -> str:
    name = _required(key, entry, "name", "every entry needs a name, a DNS-1123 label")
    if not isinstance(name, str):
        raise SettingsError(f"{key}.name", name, "must be a string")
    return _dns_label(f"{key}.name", name)


def _port_number(key: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not MIN_PORT <= raw <= MAX_PORT:
        raise SettingsError(key, raw, "must be an integer port number 1-65535")
    return raw


def _port_rule(key: str, raw: object) -> PortRule:
    entry = _mapping(key, raw, "a map with port, protocol and endPort", _PORT_FIELDS)
    port = _port_number(
        f"{key}.port", _required(key, entry, "port", "an integer port number 1-65535 is required")
    )
    protocol = entry.get("protocol", DEFAULT_PROTOCOL)
    if protocol not in PROTOCOLS:
        raise SettingsError(f"{key}.protocol", protocol, f"allowed: {', '.join(PROTOCOLS)}")
    end_port = entry.get("endPort")
    if end_port is not None:
        end_port = _port_number(f"{key}.endPort", end_port)
        if end_port < port:
            raise SettingsError(
                f"{key}.endPort", end_port, f"must be at least the port ({port}), up to 65535"
            )
    return PortRule(port=port, protocol=protocol, end_port=end_port)


def _network(key: str, raw: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    allowed = "must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32"
    if not isinstance(raw, str) or "/" not in raw:
        raise SettingsError(key, raw, allowed)
    try:
        return ipaddress.ip_network(raw, strict=True)
    except ValueError:
        try:
            network = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise SettingsError(key, raw, allowed) from None
        raise SettingsError(key, raw, f"has host bits set; did you mean {network}?") from None


def _egress_rule(key: str, raw: object) -> EgressRule:
    entry = _mapping(key, raw, "a map with name, cidr, except and ports", _EGRESS_FIELDS)
    name = _entry_name(key, entry)
    network = _network(
        f"{key}.cidr", _required(key, entry, "cidr", "a CIDR such as 203.0.113.0/24 is required")
    )
    raw_except = entry.get("except") or []
    if not _is_list(raw_except):
        raise SettingsError(f"{key}.except", raw_except, "must be a list of CIDRs")
    excepted = []
    for index, item in enumerate(raw_except):
        inner = _network(f"{key}.except[{index}]", item)
        if inner.version != network.version or not (
            inner.subnet_of(network) and inner.prefixlen > network.prefixlen  # type: ignore[arg-type]
        ):
            raise SettingsError(
                f"{key}.except[{index}]", item, f"must be a strict subset of the cidr {network}"
            )
        excepted.append(inner)
    raw_ports = entry.get("ports") or []
    if not _is_list(raw_ports):
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
    entry = _mapping(
        key, raw, "a map with name, podLabels, port and clientLabels", _DATABASE_FIELDS
    )
    name = _entry_name(key, entry)
    pod_labels = _labels(
        f"{key}.podLabels",
        _required(key, entry, "podLabels", "a database needs podLabels that select its pods"),
        purpose=" that select the database pods",
    )
    port = _port_number(
        f"{key}.port",
        _required(key, entry, "port", "a database needs the port its clients use, 1-65535"),
    )
    client_labels = _labels(
        f"{key}.clientLabels",
        _required(
            key, entry, "clientLabels", "a database needs clientLabels that select its clients"
        ),
        purpose=" that select the client pods",
    )
    return Database(name=name, pod_labels=pod_labels, port=port, client_labels=client_labels)


def _quantities(key: str, raw: object) -> Labels:
    mapping = _mapping(key, raw, "a map of resource names to quantities")
    items = []
    for resource, value in mapping.items():
        problem = label_key_problem(resource)
        if problem is not None:
            raise SettingsError(key, resource, f"resource name {problem}")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SettingsError(f"{key}.{resource}", value, "must be a quantity such as 2 or 4Gi")
        text = value if isinstance(value, str) else json.dumps(value)
        problem = quantity_problem(text)
        if problem is not None:
            raise SettingsError(f"{key}.{resource}", value, problem)
        items.append((resource, text))
    return tuple(sorted(items))


_COST_CAP_ALLOWED: Final = "({} for none, auto for the tier's default)"


def _cost_cap(key: str, raw: object, tier: Tier, development: Mapping[str, Any]) -> object:
    """``quota``/``limitRange``: auto (or unset) is the tier's default -- the cost cap in
    development, nothing in production; ``{}`` is none; a map replaces the default as a whole."""
    if raw is None or raw == "" or raw == AUTO:
        return dict(development) if tier == "development" else {}
    what = (
        "a map of resource names to quantities"
        if key == "quota"
        else f"a map with any of {', '.join(LIMIT_KINDS)}"
    )
    try:
        value = _structured(key, raw, {})
    except SettingsError:
        value = None
    if not isinstance(value, Mapping):
        raise SettingsError(key, raw, f"must be {what} {_COST_CAP_ALLOWED}")
    return value


def _quota(raw: object) -> Quota | None:
    hard = _quantities("quota", raw)
    return Quota(hard=hard) if hard else None


def _limit_range(raw: object) -> LimitRange | None:
    mapping = _mapping(
        "limitRange", raw, f"a map with any of {', '.join(LIMIT_KINDS)}", LIMIT_KINDS
    )
    limits = tuple(
        (kind, quantities)
        for kind in sorted(mapping)
        if (quantities := _quantities(f"limitRange.{kind}", mapping[kind]))
    )
    return LimitRange(limits=limits) if limits else None
