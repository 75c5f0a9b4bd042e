"""NetworkPolicy (networking.k8s.io/v1): its rules, peers, ipBlocks and ports, with the API
server's defaults applied (policyTypes, protocol TCP).
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

from kubefacts.api import NETWORK_POLICY_API_VERSION, POLICY_TYPES
from kubefacts.validation import port_name_problem, port_number_problem, shown
from reachability._addresses import parse_cidr, written_prefix
from reachability._frozen import frozen
from reachability._parse.metadata import metadata
from reachability._parse.problems import (
    Context,
    as_list,
    describe,
    is_int,
    known_fields,
    mapping,
    protocol,
    string,
)
from reachability._parse.selector import selector
from reachability.model import (
    IPBlock,
    IPNetwork,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
)
from reachability.selectors import LabelSelector

PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")
PORT_HINT = "a port name must contain a letter"


SpecMemo = dict[bytes, tuple[Any, tuple[Any, ...]]]
"""Parsed specs by the pickle of the spec as decoded, each with that spec: environments stamped
from one template write the same specs again and again, and their values are immutable."""


def policy(
    ctx: Context, body: Mapping[str, Any], source: str, specs: SpecMemo | None = None
) -> NetworkPolicy | None:
    api_version = body.get("apiVersion")
    if api_version != NETWORK_POLICY_API_VERSION:
        ctx.add(
            "apiVersion",
            f"{describe(api_version)} is not served: NetworkPolicy is {NETWORK_POLICY_API_VERSION}",
        )
    known_fields(ctx, body, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    namespace, name, _ = metadata(ctx, body, namespaced=True)
    pod_selector, policy_types, ingress, egress, written = _remembered_spec(
        ctx, body.get("spec"), specs
    )
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=pod_selector,
        policy_types=policy_types,
        ingress=ingress,
        egress=egress,
        source=source,
        manifest=frozen(body),
        written_policy_types=written,
    )


def _remembered_spec(ctx: Context, value: Any, specs: SpecMemo | None) -> tuple[Any, ...]:
    """`_spec`, or what it gave for an equal spec before. A spec is remembered only when it
    parsed without a problem or a note, and found again only when both its pickle (which tells
    apart 1, 1.0 and True, a list and a tuple, and names every type; a third of repr's cost)
    and its value are equal: parsing reads nothing else, so the result is the same, its rules'
    `written` entries equal to this spec's. What does not pickle is parsed each time."""
    if specs is None or type(value) is not dict:
        return _spec(ctx, value)
    try:
        key = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except Exception:  # a value of the caller's that cannot be pickled
        return _spec(ctx, value)
    found = specs.get(key)
    if found is not None and found[0] == value:
        return found[1]
    before, noted = len(ctx.problems), len(ctx.notes)
    parsed = _spec(ctx, value)
    if len(ctx.problems) == before and len(ctx.notes) == noted:
        specs[key] = (value, parsed)
    return parsed


def _spec(ctx: Context, value: Any) -> tuple[Any, ...]:
    """(podSelector, policyTypes in effect, ingress, egress, policyTypes as written)."""
    spec = mapping(ctx, value, "spec") or {}
    known_fields(ctx, spec, ("podSelector", "policyTypes", "ingress", "egress"), "spec")
    pod_selector = selector(ctx, spec.get("podSelector"), "spec.podSelector") or LabelSelector()

    raw_ingress = as_list(ctx, spec.get("ingress"), "spec.ingress")
    raw_egress = as_list(ctx, spec.get("egress"), "spec.egress")
    ingress = tuple(rule(ctx, r, f"spec.ingress[{i}]", "from") for i, r in enumerate(raw_ingress))
    egress = tuple(rule(ctx, r, f"spec.egress[{i}]", "to") for i, r in enumerate(raw_egress))

    given = as_list(ctx, spec.get("policyTypes"), "spec.policyTypes")
    if len(given) > 2:
        ctx.add("spec.policyTypes", "may not specify more than two policyTypes")
    for i, policy_type in enumerate(given):
        if policy_type not in POLICY_TYPES:
            written = shown(policy_type) if isinstance(policy_type, str) else describe(policy_type)
            ctx.add(f"spec.policyTypes[{i}]", f"{written} is not supported: use Ingress or Egress")
    if given:
        policy_types = tuple(t for t in POLICY_TYPES if t in given)
    else:  # SetDefaults_NetworkPolicy
        policy_types = POLICY_TYPES if raw_egress else POLICY_TYPES[:1]
    written_types = tuple(given) if spec.get("policyTypes") is not None else None
    return pod_selector, policy_types, ingress, egress, written_types


def rule(ctx: Context, value: Any, path: str, peers_key: str) -> Rule:
    entry = mapping(ctx, value, path) or {}
    known_fields(ctx, entry, (peers_key, "ports"), path)
    raw_peers = as_list(ctx, entry.get(peers_key), f"{path}.{peers_key}")
    raw_ports = as_list(ctx, entry.get("ports"), f"{path}.ports")
    peers = [peer(ctx, item, f"{path}.{peers_key}[{i}]") for i, item in enumerate(raw_peers)]
    ports = [policy_port(ctx, item, f"{path}.ports[{i}]") for i, item in enumerate(raw_ports)]
    return Rule(
        peers=tuple(p for p in peers if p is not None) if raw_peers else None,
        ports=tuple(p for p in ports if p is not None) if raw_ports else None,
        path=path,
        _entry=None if value is None else entry,
    )


def peer(ctx: Context, value: Any, path: str) -> Peer | None:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    known_fields(ctx, entry, PEER_FIELDS, path)
    pod_selector = namespace_selector = block = None
    if entry.get("podSelector") is not None:
        pod_selector = selector(ctx, entry["podSelector"], f"{path}.podSelector")
    if entry.get("namespaceSelector") is not None:
        namespace_selector = selector(ctx, entry["namespaceSelector"], f"{path}.namespaceSelector")
    if entry.get("ipBlock") is not None:
        block = ip_block(ctx, entry["ipBlock"], f"{path}.ipBlock")
    given = [key for key in PEER_FIELDS if entry.get(key) is not None]
    if not given:
        ctx.add(path, "must specify a peer: podSelector, namespaceSelector or ipBlock")
        return None
    if "ipBlock" in given and len(given) > 1:
        ctx.add(path, "may not specify both ipBlock and another peer")
    return Peer(pod_selector, namespace_selector, block, path=path, _entry=entry)


def network(ctx: Context, value: Any, path: str) -> IPNetwork | None:
    text = string(ctx, value, path)
    if text is None:
        return None
    if "/" not in text:
        ctx.add(
            path, f"{shown(text)} is not a CIDR: write an address and a prefix, e.g. 10.0.0.0/16"
        )
        return None
    try:
        return parse_cidr(text)
    except ValueError:
        ctx.add(
            path,
            f"{shown(text)} is not a valid IPv4 or IPv6 CIDR "
            "(an address, '/' and a prefix length), "
            "e.g. 10.0.0.0/16 or fd00::/8",
        )
        return None


def ip_block(ctx: Context, value: Any, path: str) -> IPBlock | None:
    block = mapping(ctx, value, path)
    if block is None:
        return None
    known_fields(ctx, block, ("cidr", "except"), path)
    if block.get("cidr") in (None, ""):
        ctx.add(f"{path}.cidr", "is required")
        return None
    cidr = network(ctx, block.get("cidr"), f"{path}.cidr")
    if cidr is None:
        return None
    cidr_length = written_prefix(block["cidr"])
    excepts: list[IPNetwork] = []
    for i, raw in enumerate(as_list(ctx, block.get("except"), f"{path}.except")):
        where = f"{path}.except[{i}]"
        excluded = network(ctx, raw, where)
        if excluded is None:
            continue
        # ValidateIPBlock compares the mask lengths as parsed, so a mapped IPv6 form counts 96
        # more bits than the IPv4 range it maps (`::ffff:10.0.0.0/104` is not wider than /16).
        if (
            excluded.version != cidr.version
            or excluded.network_address not in cidr
            or written_prefix(raw) <= cidr_length
        ):
            ctx.add(where, f"{shown(raw)} must be a strict subset of cidr {cidr}")
            continue
        excepts.append(excluded)
    return IPBlock(cidr, tuple(excepts))


def policy_port(ctx: Context, value: Any, path: str) -> PolicyPort | None:
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    known_fields(ctx, entry, ("protocol", "port", "endPort"), path)
    proto = protocol(ctx, entry.get("protocol"), f"{path}.protocol")
    port = entry.get("port")
    if port is None:
        pass
    elif is_int(port):
        port = int(port)
        ctx.check(f"{path}.port", port, port_number_problem)
    elif isinstance(port, str):
        if port.isdigit():
            hint = f"{shown(port)} is a string: write a port number without quotes ({PORT_HINT})"
            ctx.add(f"{path}.port", hint)
        else:
            ctx.check(f"{path}.port", port, port_name_problem)
    else:
        ctx.add(f"{path}.port", f"must be a port number or a port name, not {describe(port)}")
        port = None
    end_port = entry.get("endPort")
    if end_port is not None:
        where = f"{path}.endPort"
        if not is_int(end_port):
            ctx.add(where, f"must be a port number, not {describe(end_port)}")
            end_port = None
        elif port is None:
            ctx.add(where, "may not be specified when `port` is not specified")
        elif isinstance(port, str):
            ctx.add(
                where, f"may not be specified when `port` is a name ({shown(port)}): use a number"
            )
        else:
            end_port = int(end_port)
            if end_port < port:
                ctx.add(where, f"{end_port} must be greater than or equal to `port` ({port})")
            ctx.check(where, end_port, port_number_problem)
    return PolicyPort(proto, port, end_port, path=path, _entry=None if value is None else entry)
