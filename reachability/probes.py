"""What to ask the engine about: the ports and external addresses worth probing for a policy set.

Shared by lint, diff and the policy pack, which all question the engine on the same probes.

Verdicts only differ at ports and addresses the policies (or pods) name, so probing those, plus a
small default set for policies that name none, sees every difference a policy can make. The
policies are NetworkPolicies and ClusterNetworkPolicies alike (`protocols` name ports, `networks`
name CIDRs).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence, Set

from reachability._addresses import address_value
from reachability.cluster_policy import ClusterNetworkPolicy, ClusterPeer, ClusterPort
from reachability.model import (
    IPAddress,
    IPBlock,
    IPNetwork,
    NetworkPolicy,
    Pod,
)

Port = tuple[int, str]
AnyPolicy = NetworkPolicy | ClusterNetworkPolicy

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


def probe_ports(
    policies: Iterable[AnyPolicy],
    pods: Iterable[Pod] = (),
    defaults: Sequence[Port] = DEFAULT_PORTS,
) -> tuple[Port, ...]:
    """The defaults, every port the policies name (both ends of a range) and the pods' ports;
    beside each of a cluster policy's ranges, the ports just outside it too: its rules match
    first, not as a union, so a port between two ranges may be decided by a third rule alone."""
    pods = list(pods)
    named: dict[str, set[Port]] = {}
    for pod in pods:
        for port in pod.ports:
            if port.name:
                named.setdefault(port.name, set()).add((port.port, port.protocol))
    found: set[Port] = set(defaults)
    found.update((p.port, p.protocol) for pod in pods for p in pod.ports)
    for protocol, first, last, name, cluster in _rule_ports(policies):
        if name is not None:
            found.update(p for p in named.get(name, ()) if protocol in (None, p[1]))
        elif first is not None and protocol is not None:
            found.add((first, protocol))
            found.add((last if last is not None else first, protocol))
            if cluster:  # first-match rules: the ports beside each range decide differently
                end = last if last is not None else first
                found.update((p, protocol) for p in (first - 1, end + 1) if 1 <= p <= 65535)
    return tuple(sorted(found, key=lambda p: (p[0], p[1])))


def probe_externals(policies: Iterable[AnyPolicy], pods: Iterable[Pod] = ()) -> tuple[str, ...]:
    """Addresses that tell every ipBlock apart: one inside each block and one inside each except,
    none of them an address of `pods` (the matrix asks about a pod's address as that pod, so an
    "external" probe there would be refused; a block that holds only pod addresses is probed
    through those pods)."""
    owned = {address_value(ip) for pod in pods for ip in pod.ips}
    found: set[IPAddress] = set()
    for block in dict.fromkeys(_ip_blocks(policies)):  # the same block in every environment
        cidr, excepts = block.cidr, block.except_
        known = [a for a in map(ipaddress.ip_address, INTERESTING) if a in cidr]
        found.update(a for a in known if a not in owned)
        sample = _sample(cidr, excepts, owned)
        if sample is not None:
            found.add(sample)
        for hole in excepts:
            if not any(a in hole for a in known):
                inner = _sample(hole, [], owned)
                if inner is not None:
                    found.add(inner)
    return tuple(str(a) for a in sorted(found, key=lambda a: (a.version, int(a))))


def _sample(
    cidr: IPNetwork, excepts: Sequence[IPNetwork], owned: Set[IPAddress]
) -> IPAddress | None:
    """A recognisable address of `cidr` outside its excepts that no pod owns (None if none of
    the few candidates qualifies: a block that small is probed through its pods)."""
    public = ipaddress.ip_address(PUBLIC_V4 if cidr.version == 4 else PUBLIC_V6)
    size = cidr.num_addresses
    offsets = [1, size // 2 + 1, size - 2, 0, size - 1] if size > 2 else list(range(size))
    candidates = [public, *(cidr.network_address + o for o in offsets if 0 <= o < size)]
    last = cidr[-1]
    candidates += [
        a + 1 for a in candidates if a in owned and a in cidr and a < last
    ]  # beside a pod
    for address in candidates:
        if (
            address in cidr
            and address not in owned
            and not any(address in e for e in excepts if e.version == address.version)
        ):
            return address
    return None


_Spec = tuple[str | None, int | None, int | None, str | None, bool]
"""protocol, first, last, name, and whether a cluster policy's (first match, not union)."""


def _rule_ports(policies: Iterable[AnyPolicy]) -> Iterator[_Spec]:
    """Every port entry of every rule as written (whether or not policyTypes lets it take
    effect); a ClusterNetworkPolicy's named port has no protocol of its own."""
    for policy in policies:
        for rule in (*policy.ingress, *policy.egress):
            for entry in rule.ports or ():
                if isinstance(entry, ClusterPort):
                    yield entry.protocol, entry.start, entry.end, entry.name, True
                elif isinstance(entry.port, str):
                    yield entry.protocol, None, None, entry.port, False
                else:
                    yield entry.protocol, entry.port, entry.end_port, None, False


def _ip_blocks(policies: Iterable[AnyPolicy]) -> Iterator[IPBlock]:
    """Every ipBlock, and every ClusterNetworkPolicy network as a block without excepts."""
    for policy in policies:
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers or ():
                if isinstance(peer, ClusterPeer):
                    yield from (IPBlock(network) for network in peer.networks)
                elif peer.ip_block is not None:
                    yield peer.ip_block
