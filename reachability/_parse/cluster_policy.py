"""ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), checked as its CRD's schema and CEL
rules check it: required fields, enums, bounds, exactly one member where the CRD says
minProperties = maxProperties = 1, and unknown fields refused (kubectl's strict validation).

Two experimental-channel egress peers are read but not all of them can be analysed: `nodes`
with an empty selector is every node (so every host-network pod, seen as its node's address);
`nodes` with a non-empty selector and `domainNames` are refused, since the analyzer has no Node
objects and no DNS, and a verdict that ignored them could be wrong in either direction.

Source: network-policy-api config/crd/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml
and apis/v1alpha2/clusternetworkpolicy_types.go at commit 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from kubefacts.api import (
    CLUSTER_NETWORK_POLICY_API_VERSION,
    CLUSTER_POLICY_CIDR_MAX,
    CLUSTER_POLICY_MAX_ITEMS,
    CLUSTER_POLICY_MAX_PRIORITY,
    CLUSTER_POLICY_RULE_NAME_MAX,
    MAX_PORT,
    MIN_PORT,
    Action,
    Tier,
)
from kubefacts.validation import port_name_problem, shown
from reachability._addresses import parse_cidr
from reachability._frozen import frozen
from reachability._parse.metadata import metadata
from reachability._parse.problems import (
    Context,
    as_list,
    describe,
    is_int,
    known_fields,
    mapping,
    string,
)
from reachability._parse.selector import selector
from reachability.cluster_policy import ClusterNetworkPolicy, ClusterPeer, ClusterPort, ClusterRule
from reachability.model import IPNetwork
from reachability.selectors import LabelSelector

INGRESS_PEERS = ("namespaces", "pods")
EGRESS_PEERS = ("namespaces", "pods", "networks", "nodes", "domainNames")
PROTOCOL_FIELDS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}
_PREFIX = re.compile(r"0|[1-9][0-9]{0,2}")


def cluster_policy(
    ctx: Context, body: Mapping[str, Any], source: str
) -> ClusterNetworkPolicy | None:
    api_version = body.get("apiVersion")
    if api_version != CLUSTER_NETWORK_POLICY_API_VERSION:
        ctx.add(
            "apiVersion",
            f"{describe(api_version)} is not served: ClusterNetworkPolicy is "
            f"{CLUSTER_NETWORK_POLICY_API_VERSION}",
        )
    known_fields(ctx, body, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    _, name, _ = metadata(ctx, body, namespaced=False, subdomain=True)
    if body.get("spec") is None:
        ctx.add("spec", "is required")
    spec = mapping(ctx, body.get("spec"), "spec") or {}
    known_fields(ctx, spec, ("tier", "priority", "subject", "ingress", "egress"), "spec")
    tier = _enum(ctx, spec.get("tier"), "spec.tier", Tier)
    priority = _priority(ctx, spec.get("priority"))
    namespaces, pods = _subject(ctx, spec.get("subject"))
    ingress = _rules(ctx, spec.get("ingress"), "spec.ingress", "from", INGRESS_PEERS)
    egress = _rules(ctx, spec.get("egress"), "spec.egress", "to", EGRESS_PEERS)
    if tier is None or priority is None or namespaces is None:
        return None
    return ClusterNetworkPolicy(
        name=name,
        tier=tier,
        priority=priority,
        namespace_selector=namespaces,
        pod_selector=pods,
        ingress=ingress,
        egress=egress,
        source=source,
        manifest=frozen(body),
    )


def _enum(ctx: Context, value: Any, path: str, values: type[Tier] | type[Action]) -> Any:
    allowed = ", ".join(v.value for v in values)
    if value is None:
        ctx.add(path, f"is required: use {allowed}")
        return None
    for member in values:
        if value == member.value and isinstance(value, str):
            return member
    written = shown(value) if isinstance(value, str) else describe(value)
    ctx.add(path, f"{written} is not supported: use {allowed}")
    return None


def _priority(ctx: Context, value: Any) -> int | None:
    path = "spec.priority"
    if value is None:
        ctx.add(path, f"is required: a number from 0 to {CLUSTER_POLICY_MAX_PRIORITY}")
        return None
    if not is_int(value):
        ctx.add(
            path, f"must be a number from 0 to {CLUSTER_POLICY_MAX_PRIORITY}, not {describe(value)}"
        )
        return None
    if not 0 <= int(value) <= CLUSTER_POLICY_MAX_PRIORITY:
        ctx.add(path, f"{int(value)} must be from 0 to {CLUSTER_POLICY_MAX_PRIORITY}")
        return None
    return int(value)


def _one_of(
    ctx: Context, entry: Mapping[str, Any], fields: tuple[str, ...], path: str
) -> str | None:
    """The one member set, where the CRD wants exactly one (min/maxProperties 1)."""
    given = [key for key in entry if key in fields]
    if len(given) != 1 or len(entry) != 1:
        ctx.add(path, f"must set exactly one of {', '.join(fields)}")
        return None
    return given[0]


def _subject(ctx: Context, value: Any) -> tuple[LabelSelector | None, LabelSelector | None]:
    path = "spec.subject"
    if value is None:
        ctx.add(path, "is required: namespaces or pods")
        return None, None
    entry = mapping(ctx, value, path)
    if entry is None:
        return None, None
    known_fields(ctx, entry, INGRESS_PEERS, path)
    chosen = _one_of(ctx, entry, INGRESS_PEERS, path)
    if chosen == "namespaces":
        return _selector(ctx, entry["namespaces"], f"{path}.namespaces"), None
    if chosen == "pods":
        return _namespaced_pod(ctx, entry["pods"], f"{path}.pods")
    return None, None


def _selector(ctx: Context, value: Any, path: str) -> LabelSelector | None:
    """A required LabelSelector (`{}` selects everything; null is no selector at all)."""
    if value is None:
        ctx.add(path, "must be a label selector ({} selects everything), not null")
        return None
    return selector(ctx, value, path)


def _namespaced_pod(
    ctx: Context, value: Any, path: str
) -> tuple[LabelSelector | None, LabelSelector | None]:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None, None
    known_fields(ctx, entry, ("namespaceSelector", "podSelector"), path)
    if "podSelector" not in entry:
        ctx.add(f"{path}.podSelector", "is required ({} selects every pod)")
        return None, None
    pods = _selector(ctx, entry["podSelector"], f"{path}.podSelector")
    raw = entry.get("namespaceSelector")
    namespaces = LabelSelector() if raw is None else selector(ctx, raw, f"{path}.namespaceSelector")
    if pods is None or namespaces is None:
        return None, None
    return namespaces, pods


def _bounded(ctx: Context, value: Any, path: str) -> list[Any]:
    """A list the CRD bounds: at least one item, at most CLUSTER_POLICY_MAX_ITEMS."""
    items = as_list(ctx, value, path)
    if not items:
        ctx.add(path, "is required" if value is None else "must have at least one item")
    if len(items) > CLUSTER_POLICY_MAX_ITEMS:
        ctx.add(path, f"has {len(items)} items: at most {CLUSTER_POLICY_MAX_ITEMS} are allowed")
    return items


def _rules(
    ctx: Context, value: Any, path: str, peers_key: str, peer_fields: tuple[str, ...]
) -> tuple[ClusterRule, ...]:
    raw = as_list(ctx, value, path)
    if len(raw) > CLUSTER_POLICY_MAX_ITEMS:
        ctx.add(path, f"has {len(raw)} rules: at most {CLUSTER_POLICY_MAX_ITEMS} are allowed")
    found = (_rule(ctx, item, f"{path}[{i}]", peers_key, peer_fields) for i, item in enumerate(raw))
    return tuple(rule for rule in found if rule is not None)


def _rule(
    ctx: Context, value: Any, path: str, peers_key: str, peer_fields: tuple[str, ...]
) -> ClusterRule | None:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    known_fields(ctx, entry, ("name", "action", peers_key, "protocols"), path)
    name = string(ctx, entry.get("name"), f"{path}.name", required=False) or ""
    if len(name) > CLUSTER_POLICY_RULE_NAME_MAX:
        ctx.add(
            f"{path}.name",
            f"is {len(name)} characters: at most {CLUSTER_POLICY_RULE_NAME_MAX} are allowed",
        )
    action = _enum(ctx, entry.get("action"), f"{path}.action", Action)
    where = f"{path}.{peers_key}"
    raw_peers = _bounded(ctx, entry.get(peers_key), where)
    peers = [_peer(ctx, item, f"{where}[{i}]", peer_fields) for i, item in enumerate(raw_peers)]
    ports: tuple[ClusterPort, ...] | None = None
    if entry.get("protocols") is not None:
        raw_ports = _bounded(ctx, entry["protocols"], f"{path}.protocols")
        found = [_port(ctx, item, f"{path}.protocols[{i}]") for i, item in enumerate(raw_ports)]
        ports = tuple(p for p in found if p is not None)
    if action is None or not raw_peers or any(p is None for p in peers):
        return None
    return ClusterRule(
        action=action,
        peers=tuple(p for p in peers if p is not None),
        ports=ports,
        name=name,
        path=path,
        _entry=entry,
    )


def _peer(ctx: Context, value: Any, path: str, fields: tuple[str, ...]) -> ClusterPeer | None:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    known_fields(ctx, entry, fields, path)
    chosen = _one_of(ctx, entry, fields, path)
    where = f"{path}.{chosen}"
    if chosen == "namespaces":
        namespaces = _selector(ctx, entry[chosen], where)
        return None if namespaces is None else ClusterPeer(namespaces, path=path)
    if chosen == "pods":
        namespaces, pods = _namespaced_pod(ctx, entry[chosen], where)
        return None if pods is None else ClusterPeer(namespaces, pods, path=path)
    if chosen == "networks":
        networks = _networks(ctx, entry[chosen], where)
        return None if networks is None else ClusterPeer(networks=networks, path=path)
    if chosen == "nodes":
        nodes = _selector(ctx, entry[chosen], where)
        if nodes is not None and not nodes.is_empty:
            ctx.add(
                where,
                "a nodes peer with a selector is not supported by the analyzer (it has no Node "
                "objects to match): use nodes: {} (every node) or networks with the nodes' CIDRs",
            )
            return None
        return None if nodes is None else ClusterPeer(nodes=True, path=path)
    if chosen == "domainNames":
        ctx.add(
            where,
            "domainNames peers are not supported by the analyzer (it does not resolve DNS): "
            "use networks with the addresses",
        )
    return None


def _networks(ctx: Context, value: Any, path: str) -> tuple[IPNetwork, ...] | None:
    items = _bounded(ctx, value, path)
    found: list[IPNetwork] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        text = string(ctx, item, where)
        if text is None:
            continue
        if text in seen:
            ctx.add(where, f"{shown(text)} is listed twice (networks is a set)")
            continue
        seen.add(text)
        network = _cidr(ctx, text, where)
        if network is not None:
            found.append(network)
    return tuple(found) if len(found) == len(items) else None


def _cidr(ctx: Context, text: str, path: str) -> IPNetwork | None:
    """CEL's isCIDR, which is Go's netip.ParsePrefix: ADDRESS/LENGTH with a decimal length, no
    IPv4 leading zeros, no IPv6 zone; host bits may be set (they are masked off)."""
    if len(text) > CLUSTER_POLICY_CIDR_MAX:
        ctx.add(path, f"is {len(text)} characters: at most {CLUSTER_POLICY_CIDR_MAX} are allowed")
        return None
    address, slash, length = text.partition("/")
    try:
        if not slash or not _PREFIX.fullmatch(length) or "%" in address:
            raise ValueError(text)
        parsed = ipaddress.ip_address(address)
        if int(length) > parsed.max_prefixlen:
            raise ValueError(text)
        return parse_cidr(text)
    except ValueError:
        ctx.add(path, f"{shown(text)} is not a valid CIDR: write e.g. 10.0.0.0/8 or fd00::/8")
        return None


def _port(ctx: Context, value: Any, path: str) -> ClusterPort | None:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    fields = (*PROTOCOL_FIELDS, "destinationNamedPort")
    known_fields(ctx, entry, fields, path)
    chosen = _one_of(ctx, entry, fields, path)
    if chosen is None:
        return None
    where = f"{path}.{chosen}"
    if chosen == "destinationNamedPort":
        name = string(ctx, entry[chosen], where)
        if name is None:
            return None
        ctx.check(where, name, port_name_problem)
        return ClusterPort(name=name, path=path)
    attributes = mapping(ctx, entry[chosen], where)
    if attributes is None:
        return None
    known_fields(ctx, attributes, ("destinationPort",), where)
    if "destinationPort" not in attributes:
        ctx.add(f"{where}.destinationPort", "is required")
        return None
    bounds = _destination_port(ctx, attributes["destinationPort"], f"{where}.destinationPort")
    if bounds is None:
        return None
    return ClusterPort(PROTOCOL_FIELDS[chosen], bounds[0], bounds[1], path=path)


def _destination_port(ctx: Context, value: Any, path: str) -> tuple[int, int] | None:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    known_fields(ctx, entry, ("number", "range"), path)
    chosen = _one_of(ctx, entry, ("number", "range"), path)
    if chosen == "number":
        number = _port_number(ctx, entry["number"], f"{path}.number")
        return None if number is None else (number, number)
    if chosen != "range":
        return None
    bounds = mapping(ctx, entry["range"], f"{path}.range")
    if bounds is None:
        return None
    known_fields(ctx, bounds, ("start", "end"), f"{path}.range")
    start = _port_number(ctx, bounds.get("start"), f"{path}.range.start")
    end = _port_number(ctx, bounds.get("end"), f"{path}.range.end")
    if start is None or end is None:
        return None
    if not start < end:
        ctx.add(f"{path}.range", f"start ({start}) must be less than end ({end})")
        return None
    return start, end


def _port_number(ctx: Context, value: Any, path: str) -> int | None:
    if value is None:
        ctx.add(path, "is required")
        return None
    if not is_int(value) or not MIN_PORT <= int(value) <= MAX_PORT:
        written = int(value) if is_int(value) else describe(value)
        ctx.add(path, f"{written} must be a port number from {MIN_PORT} to {MAX_PORT}")
        return None
    return int(value)
