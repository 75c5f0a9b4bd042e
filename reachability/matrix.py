"""Every allowed flow between endpoints, for a set of ports, at a cost that follows the answer.

A naive matrix asks pods x pods x ports questions. Here endpoints fall into classes: on the
egress side, pods isolated by the same policies (plus one class for everything not isolated); on
the ingress side, pods isolated by the same policies with the same container ports when a rule
names a port. Per port, each egress class gets the bitset of destinations its rules admit and each
ingress class the bitset of sources its rules admit, once. A flow src -> dst exists when dst is in
src's egress set and src in dst's ingress set; we visit only the ingress classes that some egress
set reaches, so the work grows with the number of allowed flows, not with pods squared.
Semantics are `evaluation.allowed`'s, and tests hold the two to the same answers: a pod's flow to
itself is the policies' verdict like any other, unless `Options.loopback_allowed` adds every
pod -> itself (never in a representative cluster, where `a -> a` stands for two pods).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

from kubefacts.api import Direction
from reachability._addresses import parse_ip
from reachability._bits import positions
from reachability._index import ClusterIndex, cluster_index
from reachability._ports import ports_admit
from reachability.cluster import Cluster
from reachability.evaluation import check_port
from reachability.model import ExternalIP, Pod
from reachability.problems import InvalidQuery, NotInMatrix

Port = tuple[int, str]


Row = tuple[int, ...]
"""The positions of the destinations one source reaches, ascending: its size follows the flows,
where a bitset over every endpoint would be as long as the highest position it reaches."""


@dataclass(frozen=True, slots=True)
class Matrix:
    endpoints: tuple[str, ...]  # pod ids, then the external IPs
    ports: tuple[Port, ...]
    rows: tuple[tuple[Row, ...], ...] = field(repr=False)  # [port][src] -> dst positions
    position: dict[str, int] = field(repr=False, compare=False)

    def is_allowed(self, src: str, dst: str, port: int, protocol: str = "TCP") -> bool:
        row = self.rows[self._port(port, protocol)][self._endpoint(src)]
        return _holds(row, self._endpoint(dst))

    def allowed_to(self, src: str, port: int, protocol: str = "TCP") -> list[str]:
        """Every destination `src` may reach on port/protocol, in endpoint order."""
        row = self.rows[self._port(port, protocol)][self._endpoint(src)]
        return [self.endpoints[i] for i in row]

    def allowed_flows(self) -> list[tuple[str, str, int, str]]:
        """Every allowed (src, dst, port, protocol), sorted."""
        flows: list[tuple[str, str, int, str]] = []
        names = self.endpoints
        for (port, protocol), rows in zip(self.ports, self.rows, strict=True):
            for i, row in enumerate(rows):
                if row:
                    src = names[i]
                    flows.extend([(src, names[j], port, protocol) for j in row])
        flows.sort()
        return flows

    def _port(self, port: int, protocol: str) -> int:
        try:
            return self.ports.index((port, protocol))
        except ValueError:
            shown = ", ".join(f"{p}/{proto}" for p, proto in self.ports)
            raise NotInMatrix(f"{port}/{protocol} is not in the matrix (ports: {shown})") from None

    def _endpoint(self, ref: str) -> int:
        try:
            return self.position[ref]
        except KeyError:
            raise NotInMatrix(f"unknown endpoint {ref!r}: not in the matrix") from None


def matrix(cluster: Cluster, ports: Sequence[Port], externals: Sequence[str] = ()) -> Matrix:
    """The allowed flows between every ordered pair of endpoints, for each (port, protocol)."""
    wanted = tuple(dict.fromkeys((int(port), protocol) for port, protocol in ports))
    for port, protocol in wanted:
        check_port(port, protocol)
    addresses = _externals(cluster, externals)
    index = cluster_index(cluster) if not addresses else ClusterIndex(cluster, addresses)
    loopback = cluster.options.loopback_allowed and not cluster.representative
    all_rows = tuple(_rows(index, port, protocol, loopback) for port, protocol in wanted)
    names = tuple(endpoint.id for endpoint in index.endpoints)
    return Matrix(names, wanted, all_rows, dict(index.position))


def _externals(cluster: Cluster, externals: Sequence[str]) -> tuple[ExternalIP, ...]:
    found: list[ExternalIP] = []
    for ref in externals:
        try:
            ip = str(parse_ip(ref))
        except ValueError:
            raise InvalidQuery(f"external endpoint {ref!r} is not an IP address") from None
        owner = cluster.endpoint(ip)
        if isinstance(owner, Pod):
            raise InvalidQuery(f"{ip} is the IP of pod {owner.id}, not an external endpoint")
        if all(e.ip != ip for e in found):
            found.append(ExternalIP(ip))
    return tuple(found)


def _rows(index: ClusterIndex, port: int, protocol: str, loopback: bool) -> tuple[Row, ...]:
    endpoints = index.endpoints
    policies = index.cluster.policies
    everything = index.all
    egress, ingress = Direction.EGRESS, Direction.INGRESS

    # Ingress classes: members and the sources their rules admit, kept for the egress pass.
    # Members lie in one namespace (a block of positions): kept relative to the first one.
    ingress_members: dict[tuple[tuple[int, ...], object], list[int]] = {}
    class_of = [0] * len(endpoints)
    open_ingress = 0
    for i, selecting in enumerate(index.policies_selecting[ingress]):
        endpoint = endpoints[i]
        if not selecting or isinstance(endpoint, ExternalIP) or endpoint.host_network:
            open_ingress |= 1 << i
            continue
        named = any(rule.has_named_ports for k in selecting for rule in policies[k].ingress)
        key = (selecting, endpoint.ports if named else ())
        ingress_members.setdefault(key, []).append(i)
    ingress_classes: list[tuple[int, int, _Sources]] = [(0, open_ingress, everything)]
    for (selecting, _), members in ingress_members.items():
        target = endpoints[members[0]]
        sources = 0
        for k in selecting:
            for r, rule in enumerate(policies[k].ingress):
                if ports_admit(rule.ports, target, port, protocol):
                    sources |= index.rule_peer_bits(k, ingress, r)
        low = members[0]
        member_bits = 0
        for i in members:
            member_bits |= 1 << (i - low)
            class_of[i] = len(ingress_classes)
        ingress_classes.append((low, member_bits, _sources(sources, everything)))

    # Egress classes, one at a time: members and the destinations their rules admit. Each
    # source is in one egress class and each destination in one ingress class, so a source's
    # row is the disjoint union of what it reaches in each class: positions, listed once.
    egress_members: dict[tuple[int, ...], list[int]] = {}
    open_egress: list[int] = []
    for i, selecting in enumerate(index.policies_selecting[egress]):
        endpoint = endpoints[i]
        if not selecting or isinstance(endpoint, ExternalIP) or endpoint.host_network:
            open_egress.append(i)
        else:
            egress_members.setdefault(selecting, []).append(i)
    parts: dict[int, list[list[int]]] = {}
    every_class = range(len(ingress_classes))
    for selecting, members in [((), open_egress), *egress_members.items()]:
        if not members:
            continue
        if selecting:
            reach = 0
            for k in selecting:
                for r, rule in enumerate(policies[k].egress):
                    reach |= index.rule_peer_bits(k, egress, r) & index.destination_port_bits(
                        rule.ports, port, protocol
                    )
            if not reach:
                continue
        else:
            reach = everything
        if reach == everything:
            hit: Sequence[int] | set[int] = every_class
        else:
            hit = {class_of[j] for j in positions(reach & ~open_ingress)}
            if reach & open_ingress:
                hit.add(0)
        first = members[0]
        member_bits = 0
        for i in members:
            member_bits |= 1 << (i - first)
        for c in hit:
            low, targets, sources = ingress_classes[c]
            senders = _admitted(first, member_bits, sources)
            if not senders:
                continue
            reached = (reach >> low) & targets
            if not reached:
                continue
            found = [low + j for j in positions(reached)] if low else positions(reached)
            for i in senders:
                parts.setdefault(i, []).append(found)
    if loopback:  # Options.loopback_allowed: every pod reaches itself, whatever the policies
        for i in range(index.pod_count):
            if not any(_holds(found, i) for found in parts.get(i, ())):
                parts.setdefault(i, []).append([i])
    return tuple(_row(parts.get(i)) for i in range(len(endpoints)))


_Sources = int | tuple[int, ...]
"""The sources an ingress class admits: a bitset, or the positions themselves when they are
few and far apart (a class in one namespace admitting its neighbours and the ingress
controller): a bitset of them would be as long as the highest position."""


def _sources(bits: int, everything: int) -> _Sources:
    if bits == everything or bits.bit_count() * 64 >= bits.bit_length():
        return bits
    return tuple(positions(bits))


def _admitted(first: int, members: int, sources: _Sources) -> list[int]:
    """The members (a set relative to position `first`) among the sources."""
    if isinstance(sources, int):
        return [first + j for j in positions(sources >> first & members)]
    return [p for p in sources if p >= first and members >> (p - first) & 1]


def _holds(ascending: Sequence[int], i: int) -> bool:
    at = bisect_left(ascending, i)
    return at < len(ascending) and ascending[at] == i


def _row(found: list[list[int]] | None) -> Row:
    if not found:
        return ()
    if len(found) == 1:
        return tuple(found[0])
    return tuple(sorted(chain.from_iterable(found)))
