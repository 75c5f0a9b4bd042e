"""The list entries of an environment's config: egress rules (with their ports) and databases,
as immutable values, and how one entry is read and checked.

Every entry becomes one or two NetworkPolicies named after it, so names are DNS-1123 labels and
unique within their list; entries come out sorted by name, whatever the order they were given in,
so equal configs give equal policy sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from components import config_values as read
from components.config_values import Labels, SettingsError
from components.fields import DATABASE_FIELDS, EGRESS_FIELDS, PORT_FIELDS, config_keys
from kubefacts.api import DEFAULT_PROTOCOL, PROTOCOLS

_EGRESS_FIELDS: Final = config_keys(EGRESS_FIELDS)
_PORT_FIELDS: Final = config_keys(PORT_FIELDS)
_DATABASE_FIELDS: Final = config_keys(DATABASE_FIELDS)


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


Entry = TypeVar("Entry", EgressRule, Database)


def entries(key: str, raw: object, parse: Callable[[str, object], Entry]) -> tuple[Entry, ...]:
    """A list of named entries; names are unique because each becomes a policy name."""
    if not read.is_list(raw):
        raise SettingsError(key, raw, "must be a list of entries ([] for none)")
    parsed = tuple(parse(f"{key}[{index}]", item) for index, item in enumerate(raw))
    seen: set[str] = set()
    for index, entry in enumerate(parsed):
        if entry.name in seen:
            raise SettingsError(
                f"{key}[{index}].name", entry.name, "duplicate name; names must be unique"
            )
        seen.add(entry.name)
    return tuple(sorted(parsed, key=lambda entry: entry.name))


def port_rule(key: str, raw: object) -> PortRule:
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


def egress_rule(key: str, raw: object) -> EgressRule:
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
    ports = {port_rule(f"{key}.ports[{index}]", item) for index, item in enumerate(raw_ports)}
    return EgressRule(
        name=name,
        cidr=str(network),
        except_cidrs=tuple(str(net) for net in sorted(set(excepted))),
        ports=tuple(sorted(ports, key=lambda p: (p.protocol, p.port, p.end_port or 0))),
    )


def database(key: str, raw: object) -> Database:
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
