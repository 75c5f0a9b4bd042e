"""Every allowed flow between endpoints, for a set of ports, at a cost that follows the answer.

A naive matrix asks pods x pods x ports questions. Here endpoints fall into classes: on the
egress side, pods isolated by the same policies (plus one class for everything not isolated); on
the ingress side, pods isolated by the same policies with the same container ports when a rule
names a port. Per port, each egress class gets the bitset of destinations its rules admit and each
ingress class the bitset of sources its rules admit, once. A flow src -> dst exists when dst is in
src's egress set and src in dst's ingress set; we visit only the ingress classes that some egress
set reaches, so the work grows with the number of allowed flows, not with pods squared.
Pods that ClusterNetworkPolicies govern are also classed by those policies, and their sets go
through the tiers (`_tiers.tiered_peers`).
Semantics are `evaluation.allowed`'s, and tests hold the two to the same answers: a pod's flow to
itself is the policies' verdict like any other, unless `Options.loopback_allowed` adds every
pod -> itself (never in a representative cluster, where `a -> a` stands for two pods); a Pod
reaching its own IP is the NetworkPolicies' verdict alone (`evaluation.hairpin`), set pair by pair.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

from kubefacts.api import Direction
from reachability._addresses import address_text
from reachability._ahead import Ahead
from reachability._ahead import available as ahead_available
from reachability._bits import positions, relative
from reachability._index import ClusterIndex, cluster_index
from reachability._ports import ports_admit
from reachability._tiers import tiered_peers
from reachability.cluster import Cluster
from reachability.evaluation import check_port, hairpin, verdict_in
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


PARALLEL_ENDPOINTS = 20_000
"""From this many endpoints on (about 4,000 environments), `parallel` matrix shares its ports'
rows with a forked child: there they take seconds (4 s at 50,000 endpoints, four ports). Below,
the gain is a fraction of a second at most (at 5,000 endpoints the rows took 0.57 s alone and
0.41-0.65 s shared, the second CPU not always free) for a child that copies every page of the
heap both processes touch."""


def matrix(
    cluster: Cluster,
    ports: Sequence[Port],
    externals: Sequence[str] = (),
    *,
    parallel: bool = False,
) -> Matrix:
    """The allowed flows between every ordered pair of endpoints, for each (port, protocol);
    `parallel`: see PARALLEL_ENDPOINTS."""
    wanted = tuple(dict.fromkeys((int(port), protocol) for port, protocol in ports))
    for port, protocol in wanted:
        check_port(port, protocol)
    addresses = _externals(cluster, externals)
    index = cluster_index(cluster) if not addresses else ClusterIndex(cluster, addresses)
    loopback = cluster.options.loopback_allowed and not cluster.representative
    classes = _Classes.of(index)
    shared = (
        parallel
        and len(wanted) > 1
        and len(index.endpoints) >= PARALLEL_ENDPOINTS
        and ahead_available()
    )
    with Ahead(lambda each: _rows(index, classes, *each, loopback), child=shared) as ahead:
        all_rows = tuple(ahead.map(wanted))
    names = tuple(endpoint.id for endpoint in index.endpoints)
    return Matrix(names, wanted, all_rows, dict(index.position))


def _externals(cluster: Cluster, externals: Sequence[str]) -> tuple[ExternalIP, ...]:
    found: list[ExternalIP] = []
    for ref in externals:
        try:
            ip = address_text(ref)
        except ValueError:
            raise InvalidQuery(f"external endpoint {ref!r} is not an IP address") from None
        owner = cluster.endpoint(ip)
        if isinstance(owner, Pod):
            raise InvalidQuery(f"{ip} is the IP of pod {owner.id}, not an external endpoint")
        if all(e.ip != ip for e in found):
            found.append(ExternalIP(ip))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Class:
    """Endpoints the policies cannot tell apart on one side, as positions and as a set
    relative to the first (a class other than the open one lies in one namespace)."""

    selecting: tuple[int, ...]
    tiers: tuple[int, ...]  # the ClusterNetworkPolicies whose subject the members are
    members: list[int]
    first: int
    bits: int


def _class(selecting: tuple[int, ...], tiers: tuple[int, ...], members: Sequence[int]) -> _Class:
    first = members[0] if members else 0
    bits = 0
    for i in members:
        bits |= 1 << (i - first)
    return _Class(selecting, tiers, list(members), first, bits)


@dataclass(frozen=True, slots=True)
class _Classes:
    """Both sides' classes (the index's), the open ones first: class_of[i] == 0 on ingress."""

    egress: list[_Class]
    ingress: list[_Class]
    class_of: list[int]

    @staticmethod
    def of(index: ClusterIndex) -> _Classes:
        sides = {}
        for direction in (Direction.EGRESS, Direction.INGRESS):
            found = index.side_classes(direction)
            sides[direction] = [
                _class((), (), found.open),
                *map(_class, found.selecting, found.tiers, found.members),
            ]
        class_of = [c + 1 for c in index.side_classes(Direction.INGRESS).class_of]
        return _Classes(sides[Direction.EGRESS], sides[Direction.INGRESS], class_of)


def _rows(
    index: ClusterIndex, classes: _Classes, port: int, protocol: str, loopback: bool
) -> tuple[Row, ...]:
    endpoints = index.endpoints
    policies = index.cluster.policies
    everything = index.all
    egress, ingress = Direction.EGRESS, Direction.INGRESS

    # Per ingress class, the sources its rules admit on this port (everything for the open
    # class, whose members are kept as a global set).
    admitted: list[_Sources] = [everything]
    for found in classes.ingress[1:]:
        target = endpoints[found.first]
        parts = [
            index.rule_peer_local(k, ingress, r)
            for k in found.selecting
            for r, rule in enumerate(policies[k].ingress)
            if ports_admit(rule.ports, target, port, protocol)
        ]
        if found.tiers:
            isolated = _whole(parts) if found.selecting else None
            sources = tiered_peers(index, ingress, found.tiers, target, port, protocol, isolated)
            parts = _parts(sources)
        admitted.append(_sources(parts, everything))

    # Egress classes, one at a time: the destinations their rules admit, as parts. Each source
    # is in one egress class and each destination in one ingress class, so a source's row is
    # the disjoint union of what it reaches in each class: positions, listed once.
    rows: dict[int, list[list[int]]] = {}
    class_of = classes.class_of
    for sender in classes.egress:
        if not sender.members:
            continue
        reach: list[tuple[int, int]] = [(0, everything)]
        if sender.selecting or sender.tiers:
            reach = []
            for k in sender.selecting:
                for r, rule in enumerate(policies[k].egress):
                    allowed_ports = index.destination_port_bits(rule.ports, port, protocol)
                    if not allowed_ports:
                        continue
                    low, bits = index.rule_peer_local(k, egress, r)
                    if allowed_ports is not everything:  # named ports: these pods only
                        bits &= allowed_ports >> low
                    if bits:
                        reach.append((low, bits))
            if sender.tiers:
                isolated = _whole(reach) if sender.selecting else None
                peers = tiered_peers(index, egress, sender.tiers, None, port, protocol, isolated)
                reach = [(0, everything)] if peers == everything else _parts(peers)
            if not reach:
                continue
        if any(bits is everything for _, bits in reach):
            by_class = {c: target.members for c, target in enumerate(classes.ingress)}
        else:
            by_class = _by_class(reach, class_of)
        for c, found in by_class.items():
            if found:
                for i in _admitted(sender.first, sender.bits, admitted[c]):
                    rows.setdefault(i, []).append(found)
    if loopback:  # Options.loopback_allowed: every pod reaches itself, whatever the policies
        for i in range(index.pod_count):
            if not any(_holds(found, i) for found in rows.get(i, ())):
                rows.setdefault(i, []).append([i])
    else:
        for i in own_ip_pods(index):  # the classes' answer for i -> i included cluster policies
            pod = endpoints[i]
            allowed = verdict_in(index, pod, pod, port, protocol).allowed
            kept = [[j for j in found if j != i] for found in rows.get(i, ())]
            rows[i] = [*kept, [i]] if allowed else kept
    return tuple(_row(rows.get(i)) for i in range(len(endpoints)))


def _by_class(parts: list[tuple[int, int]], class_of: list[int]) -> dict[int, list[int]]:
    """The positions of `parts` (sets relative to their lowest position), ascending, by the
    ingress class they are in."""
    found: dict[int, list[int]] = {}
    for low, bits in parts:
        for j in positions(bits):
            found.setdefault(class_of[low + j], []).append(low + j)
    if len(parts) > 1:  # parts may overlap, and interleave
        return {c: sorted(set(members)) for c, members in found.items()}
    return found


def _whole(parts: list[tuple[int, int]]) -> int:
    """`parts` as one set of positions."""
    bits = 0
    for low, part in parts:
        bits |= part << low
    return bits


def _parts(bits: int) -> list[tuple[int, int]]:
    """One set of positions as parts: relative to its lowest position."""
    return [relative(bits)] if bits else []


def own_ip_pods(index: ClusterIndex) -> list[int]:
    """Positions of the given Pods that cluster policies govern, whose connection to their own IP
    only NetworkPolicies decide (none in a representative cluster)."""
    if index.cluster.representative or not index.cluster.cluster_policies:
        return []
    governing = [index.cluster_selecting[d] for d in (Direction.EGRESS, Direction.INGRESS)]
    return [
        i
        for i in range(index.pod_count)
        if (governing[0][i] or governing[1][i]) and hairpin(index.endpoints[i])  # type: ignore[arg-type]
    ]


_Sources = int | tuple[int, ...]
"""The sources an ingress class admits: a bitset, or the positions themselves when they are
few and far apart (a class in one namespace admitting its neighbours and the ingress
controller): a bitset of them would be as long as the highest position."""


def _sources(parts: list[tuple[int, int]], everything: int) -> _Sources:
    if any(bits is everything for _, bits in parts):
        return everything
    count = sum(bits.bit_count() for _, bits in parts)
    if count * 64 >= max((low + bits.bit_length() for low, bits in parts), default=0):
        return _whole(parts)
    if len(parts) == 1:
        low, bits = parts[0]
        return tuple(low + j for j in positions(bits))
    return tuple(sorted({low + j for low, bits in parts for j in positions(bits)}))


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
