"""What to ask the engine about: the ports and external addresses worth probing for a policy set.

Verdicts only differ at ports and addresses the policies (or pods) name, so probing those, plus a
small default set for policies that name none, sees every difference a policy can make.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from reachability.addresses import parse_cidr

Port = tuple[int, str]

DEFAULT_PORTS: tuple[Port, ...] = (
    (53, "UDP"),
    (53, "TCP"),
    (80, "TCP"),
    (443, "TCP"),
    (8080, "TCP"),
)
"""DNS both ways, HTTP, HTTPS and a typical application port."""

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"
INTERESTING = (
    PUBLIC_V4,
    "169.254.169.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.0.1",
    PUBLIC_V6,
    "fd00:ec2::254",
)
"""Addresses a reader recognises (a public host, cloud metadata, private ranges), preferred as
samples of the blocks that contain them."""


class _PortLike(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def port(self) -> int: ...
    @property
    def protocol(self) -> str: ...


class _PodLike(Protocol):
    @property
    def ports(self) -> Sequence[_PortLike]: ...


def probe_ports(
    manifests: Iterable[Mapping[str, Any]],
    pods: Iterable[_PodLike] = (),
    defaults: Sequence[Port] = DEFAULT_PORTS,
) -> tuple[Port, ...]:
    """The defaults, every port the policies name (both ends of a range) and the pods' ports."""
    pods = list(pods)
    named: dict[str, set[Port]] = {}
    for pod in pods:
        for port in pod.ports:
            if port.name:
                named.setdefault(port.name, set()).add((port.port, port.protocol))
    found: set[Port] = set(defaults)
    found.update((p.port, p.protocol) for pod in pods for p in pod.ports)
    for entry in _rule_ports(manifests):
        protocol = str(entry.get("protocol") or "TCP")
        port = entry.get("port")
        if isinstance(port, str) and not port.isdigit():
            found.update(p for p in named.get(port, ()) if p[1] == protocol)
            continue
        if port is None:
            continue
        found.add((int(port), protocol))
        end = entry.get("endPort")
        if end is not None:
            found.add((int(end), protocol))
    return tuple(sorted(found, key=lambda p: (p[0], p[1])))


def probe_externals(manifests: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Addresses that tell every ipBlock apart: one inside each block and one inside each except."""
    found: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for block in _ip_blocks(manifests):
        cidr = _network(block.get("cidr"))
        if cidr is None:
            continue
        excepts = [n for n in map(_network, _seq(block.get("except"))) if n is not None]
        known = [a for a in map(ipaddress.ip_address, INTERESTING) if a in cidr]
        found.update(known)
        sample = _sample(cidr, excepts)
        if sample is not None:
            found.add(sample)
        for hole in excepts:
            if not any(a in hole for a in known):
                inner = _sample(hole, [])
                if inner is not None:
                    found.add(inner)
    return tuple(str(a) for a in sorted(found, key=lambda a: (a.version, int(a))))


def _sample(
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network,
    excepts: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    public = ipaddress.ip_address(PUBLIC_V4 if cidr.version == 4 else PUBLIC_V6)
    size = cidr.num_addresses
    offsets = [1, size // 2 + 1, size - 2, 0, size - 1] if size > 2 else list(range(size))
    candidates = [public, *(cidr.network_address + o for o in offsets if 0 <= o < size)]
    for address in candidates:
        if address in cidr and not any(
            address in e for e in excepts if e.version == address.version
        ):
            return address
    return None


def _rule_ports(manifests: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for rule in _rules(manifests):
        for entry in _seq(rule.get("ports")):
            if isinstance(entry, Mapping):
                yield entry


def _ip_blocks(manifests: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for rule in _rules(manifests):
        for key in ("from", "to"):
            for peer in _seq(rule.get(key)):
                if isinstance(peer, Mapping) and isinstance(peer.get("ipBlock"), Mapping):
                    yield peer["ipBlock"]


def _rules(manifests: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for manifest in manifests:
        spec = manifest.get("spec")
        if not isinstance(spec, Mapping):
            continue
        for direction in ("ingress", "egress"):
            for rule in _seq(spec.get(direction)):
                if isinstance(rule, Mapping):
                    yield rule


def _network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return parse_cidr(str(value))
    except ValueError:
        return None


def _seq(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()
