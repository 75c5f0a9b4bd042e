"""One side of every flow at a time, as sets: the questions lint and diff ask about whole sets.

The matrix answers "may src reach dst on this port" with both sides at once. Lint and diff also
ask about one side: which peers one policy's rules admit for a pod, which endpoints' own sides
would let a flow with a pod through, what removing a policy changes, which flows two policy sets
decide differently. Asked pair by pair through `allowed`, each of those is pods x pods; here each
is a few set operations per pod and port, on the engine's per-selector sets.

A set is an int bitset over positions in `endpoints` (the cluster's pods in order, then the
external addresses asked about); `members` lists its positions. The semantics are
`evaluation.allowed`'s, side by side: a flow src -> dst is allowed when dst is in
`allows(EGRESS, src)` and src in `allows(INGRESS, dst)`. Loopback (`Options.loopback_allowed`)
is an exception for the pair, not a side, so it is left to the caller.

Pods isolated by the same policies (with the same container ports, when an ingress rule names
a port) share their sides: each class is computed once per port, like the matrix's. A side that
ClusterNetworkPolicies govern goes through the tiers (`allows`); what each NetworkPolicy admits
(`admits`, `admitted`) is the NetworkPolicies' own answer, before the tiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubefacts.api import DIRECTIONS, Direction
from reachability._bits import Relative, absolute, positions, relative, union
from reachability._index import ClusterIndex, cluster_index
from reachability._ports import ports_admit
from reachability._tiers import tiered_peers
from reachability._transposed import Transposed, through, transpose
from reachability.cluster import Cluster
from reachability.evaluation import Verdict, check_port, verdict_in
from reachability.matrix import _externals as checked_externals
from reachability.matrix import own_ip_pods
from reachability.model import Endpoint, PolicyPort

Port = tuple[int, str]
_EGRESS, _INGRESS = Direction.EGRESS, Direction.INGRESS


def opposite(direction: Direction) -> Direction:
    """The other side of the same flow: a source's egress meets the destination's ingress."""
    return _EGRESS if direction == _INGRESS else _INGRESS


@dataclass(frozen=True, slots=True)
class _Classes:
    """Endpoints of one direction grouped by what decides their side."""

    selecting: tuple[tuple[int, ...], ...]  # per class: the isolating policies' positions
    tiers: tuple[tuple[int, ...], ...]  # per class: its ClusterNetworkPolicies
    first: tuple[int, ...]  # per class: one member (whose container ports stand for all)
    members: tuple[Relative, ...]  # per class: its members
    class_of: tuple[int, ...]  # per endpoint: its class, -1 when not isolated
    open: int  # endpoints this direction does not isolate (external, host network, no policy)


@dataclass(frozen=True, slots=True)
class DirectionSets:
    """One direction's sets on every port, computed: its classes' sets, what their isolating
    policies admit, and (unless left out) its transposed sets. Plain values, cheap to pickle."""

    direction: Direction
    ports: tuple[Port, ...]
    sets: tuple[tuple[Relative, ...], ...]  # per port, per class
    admitted: tuple[tuple[tuple[Relative, ...], ...], ...]  # per class, per port, per policy
    transposed: tuple[Transposed, ...]  # per port, or none


class SideSets:
    """Both sides of every endpoint on each of `ports`, for one cluster and external addresses.

    Built once and asked many questions; everything is computed when first asked for."""

    def __init__(
        self, cluster: Cluster, ports: Sequence[Port], externals: Sequence[str] = ()
    ) -> None:
        self.ports: tuple[Port, ...] = tuple(dict.fromkeys((int(p), proto) for p, proto in ports))
        for port, protocol in self.ports:
            check_port(port, protocol)
        addresses = checked_externals(cluster, externals)
        index = ClusterIndex(cluster, addresses) if addresses else cluster_index(cluster)
        self.cluster = cluster
        self.endpoints: tuple[Endpoint, ...] = index.endpoints
        self.position: dict[str, int] = index.position
        self.everything: int = index.all
        self._index = index
        self._port_position = {port: p for p, port in enumerate(self.ports)}
        self._classes = {d: self._group(d) for d in DIRECTIONS}
        # Every set kept is Relative (see `_bits.relative`), one object per value (`_intern`).
        self._kept: dict[Relative, Relative] = {}
        self._sets: dict[tuple[Direction, int], tuple[Relative, ...]] = {}
        # per direction, per class, per port: what each of its isolating policies admits
        self._admitted: dict[Direction, tuple[tuple[tuple[Relative, ...], ...], ...]] = {}
        self._admits: dict[Direction, dict[int, tuple[Relative, ...]]] = {d: {} for d in DIRECTIONS}
        self._named_admits: dict[tuple[object, ...], tuple[Relative, ...]] = {}
        self._transposed: dict[tuple[Direction, int], Transposed] = {}
        self._ports_memo: dict[tuple[Direction, int], tuple[object, tuple[int, ...]]] = {}
        self._named = {
            k: any(rule.has_named_ports for rule in policy.ingress)
            for k, policy in enumerate(cluster.policies)
        }
        self._own_ip = frozenset(own_ip_pods(index))
        self._own_ip_allowed: dict[tuple[int, int], bool] = {}

    @staticmethod
    def members(bits: int) -> list[int]:
        """The positions in a set, ascending."""
        return positions(bits)

    def port_position(self, port: int, protocol: str) -> int:
        return self._port_position[(port, protocol)]

    def policy_position(self, policy_id: str) -> int:
        """Where `policy_id` is in `cluster.policies` (UnknownPolicy when it is not there)."""
        self.cluster.policy(policy_id)
        found = self.cluster._policy_position(policy_id)
        assert found is not None
        return found

    def selected(self, policy_position: int) -> int:
        """The pods the policy's podSelector selects (never host-network ones)."""
        return self._index.selected(policy_position)

    def isolating(self, direction: Direction, position: int) -> tuple[int, ...]:
        """Positions of the policies isolating the endpoint in `direction` (none when its side
        is open: external, host network, or no policy selects it)."""
        classes = self._classes[direction]
        c = classes.class_of[position]
        return () if c < 0 else classes.selecting[c]

    def cluster_subjects(self, policy_position: int) -> int:
        """The pods a ClusterNetworkPolicy's subject selects (never host-network ones)."""
        return self._index.tiers.subjects(policy_position)

    def cluster_rule_peers(self, policy_position: int, direction: Direction, rule: int) -> int:
        """The endpoints a ClusterNetworkPolicy rule's `from`/`to` holds, whatever the port."""
        return self._index.tiers.rule_bits(policy_position, direction, rule)

    def allows(self, direction: Direction, position: int, port: int) -> int:
        """The peers the endpoint's own side lets through on ports[port]: the destinations of
        its egress, the sources of its ingress; every endpoint when the side is open."""
        c = self._classes[direction].class_of[position]
        return self.everything if c < 0 else absolute(self._class_sets(direction, port)[c])

    def allowed_by(self, direction: Direction, position: int, port: int) -> int:
        """The endpoints whose own `direction` side lets through the flow with this one: for
        EGRESS the sources whose egress reaches it, for INGRESS the destinations whose ingress
        admits it (`allows` transposed)."""
        found = self._transposed_sets(direction, port)
        return through(self._classes[direction].open, found, position)

    def allowed_by_each(self, direction: Direction, at: Sequence[int], port: int) -> list[int]:
        """`allowed_by` of each position in `at`, with the port's lookups made once."""
        found = self._transposed_sets(direction, port)
        open_ = self._classes[direction].open
        return [through(open_, found, i) for i in at]

    def classes(self, direction: Direction) -> tuple[tuple[int, ...], ...]:
        """The endpoints `direction` isolates, grouped by what decides their side: the members
        of a class share `isolating`, `admitted` and `allows`."""
        return self._index.side_classes(direction).members

    def flows(self, direction: Direction, position: int, port: int) -> int:
        """The allowed flows of the endpoint on ports[port], both sides agreeing: the
        destinations it reaches (EGRESS) or the sources that reach it (INGRESS). A Pod's flow
        to its own IP is the NetworkPolicies' alone (`evaluation.hairpin`)."""
        return self.flows_range(direction, port, position, position + 1)[0]

    def flows_range(self, direction: Direction, port: int, start: int, stop: int) -> list[int]:
        """`flows(direction, i, port)` for i in start..stop: `allows` of one side and
        `allowed_by` of the other, with their lookups made once for the range (a diff and lint's
        NP006 ask for every endpoint)."""
        classes = self._classes[direction]
        class_of, everything = classes.class_of, self.everything
        sets = self._class_sets(direction, port)
        other = opposite(direction)
        found = self._transposed_sets(other, port)
        open_ = self._classes[other].open
        own_ip = self._own_ip
        rows = []
        last, own = -1, everything  # neighbours are mostly of one class: its set made once
        for i in range(start, stop):
            c = class_of[i]
            if c != last:
                last, own = c, everything if c < 0 else absolute(sets[c])
            row = own & through(open_, found, i)
            if i in own_ip:
                bit = 1 << i
                row = row | bit if self._itself(i, port) else row & ~bit
            rows.append(row)
        return rows

    def direction_sets(self, direction: Direction, *, transposed: bool = True) -> DirectionSets:
        """Everything this SideSets computes for `direction` (but its transposed sets unless
        `transposed`), computed now: to compute it in a forked child and `adopt` it here."""
        ports = range(len(self.ports))
        sets = tuple(self._class_sets(direction, p) for p in ports)
        turned = tuple(self._transposed_sets(direction, p) for p in ports) if transposed else ()
        return DirectionSets(direction, self.ports, sets, self._class_admitted(direction), turned)

    def adopt(self, found: DirectionSets) -> None:
        """Take the `direction_sets` of a SideSets of the same cluster and ports (ValueError on
        other ports); what is computed here already stays."""
        if found.ports != self.ports:
            raise ValueError(f"direction sets for ports {found.ports}, not {self.ports}")
        direction = found.direction
        self._admitted.setdefault(direction, found.admitted)
        for p, sets in enumerate(found.sets):
            self._sets.setdefault((direction, p), sets)
        for p, turned in enumerate(found.transposed):
            self._transposed.setdefault((direction, p), turned)

    def _itself(self, position: int, port: int) -> bool:
        key = (position, port)
        found = self._own_ip_allowed.get(key)
        if found is None:
            found = self._own_ip_allowed[key] = self.verdict(position, position, port).allowed
        return found

    def admitted(self, direction: Direction, position: int, port: int) -> tuple[int, ...]:
        """What each of `isolating(direction, position)` admits for the endpoint (`admits`,
        in the same order), shared by its class."""
        c = self._classes[direction].class_of[position]
        return () if c < 0 else tuple(map(absolute, self._class_admitted(direction)[c][port]))

    def admitted_on_ports(self, direction: Direction, position: int) -> tuple[tuple[int, ...], ...]:
        """`admitted` on each of `ports` (nothing when the side is open)."""
        c = self._classes[direction].class_of[position]
        if c < 0:
            return ()
        return tuple(tuple(map(absolute, column)) for column in self._class_admitted(direction)[c])

    def verdict(self, src: int, dst: int, port: int) -> Verdict:
        """`allowed`'s verdict with its reasons on the flow between two positions."""
        number, protocol = self.ports[port]
        return verdict_in(self._index, self.endpoints[src], self.endpoints[dst], number, protocol)

    def admits(self, policy_position: int, direction: Direction, position: int, port: int) -> int:
        """The peers the policy's `direction` rules admit on ports[port] for the endpoint at
        `position` (a pod it selects): egress ports resolve on each destination, ingress ones on
        this pod. Whether the policy isolates the pod is `isolating`'s question."""
        return self.admits_on_ports(policy_position, direction, position)[port]

    def admits_on_ports(
        self, policy_position: int, direction: Direction, position: int
    ) -> tuple[int, ...]:
        """`admits` on each of `ports`."""
        return tuple(map(absolute, self._admits_kept(policy_position, direction, position)))

    def _admits_kept(
        self, policy_position: int, direction: Direction, position: int
    ) -> tuple[Relative, ...]:
        if direction == _INGRESS and self._named[policy_position]:
            target = self.endpoints[position]
            key: tuple[object, ...] = (policy_position, getattr(target, "ports", ()))
            found = self._named_admits.get(key)
            if found is None:
                found = self._named_admits[key] = self._per_port(policy_position, direction, target)
            return found
        plain = self._admits[direction]
        found = plain.get(policy_position)
        if found is None:
            found = plain[policy_position] = self._per_port(policy_position, direction, None)
        return found

    def _per_port(
        self, policy_position: int, direction: Direction, target: Endpoint | None
    ) -> tuple[Relative, ...]:
        """What the policy's rules admit on each port, for `target` (None: no ingress rule of
        the policy names a port, so the target does not matter)."""
        index = self._index
        everything = self.everything
        parts: list[list[Relative]] = [[] for _ in self.ports]
        rules = self.cluster.policies[policy_position].rules(direction)
        for r, rule in enumerate(rules):
            peers = index.rule_peer_local(policy_position, direction, r)
            if not peers[1]:
                continue
            if direction == _INGRESS and target is not None:
                for p, (number, protocol) in enumerate(self.ports):
                    if ports_admit(rule.ports, target, number, protocol):
                        parts[p].append(peers)
                continue
            for p, admitted in enumerate(self._ports_admit(direction, rule.ports)):
                if admitted is everything:
                    parts[p].append(peers)
                elif admitted:
                    parts[p].append(relative(absolute(peers) & admitted))
        # Most policies have one rule, so most ports have one part or none: no union to make.
        keep = self._intern
        return tuple([keep(found[0] if len(found) == 1 else union(found)) for found in parts])

    def _ports_admit(
        self, direction: Direction, ports: tuple[PolicyPort, ...] | None
    ) -> tuple[int, ...]:
        """On each port, the destinations a rule's `ports` admit: for EGRESS resolved on each
        destination, for INGRESS (no name to resolve) every endpoint or none. Policies stamped
        from one template share their rules' `ports`, so they are asked once."""
        key = (direction, id(ports))
        found = self._ports_memo.get(key)
        if found is None or found[0] is not ports:
            index, everything = self._index, self.everything
            if direction == _EGRESS:
                admitted = tuple(index.destination_port_bits(ports, *port) for port in self.ports)
            else:
                admitted = tuple(
                    everything if ports_admit(ports, None, *port) else 0 for port in self.ports
                )
            found = self._ports_memo[key] = (ports, admitted)  # kept: its id stays its own
        return found[1]

    def _group(self, direction: Direction) -> _Classes:
        found = self._index.side_classes(direction)
        members = [(g[0], sum(1 << (i - g[0]) for i in g)) for g in found.members]
        open_bits = 0
        for i in found.open:
            open_bits |= 1 << i
        first = tuple(group[0] for group in found.members)
        return _Classes(
            found.selecting, found.tiers, first, tuple(members), found.class_of, open_bits
        )

    def _intern(self, kept: Relative) -> Relative:
        """The object kept before for this value: stamped environments' classes and policies
        share most sets (an allow-all rule's hold every endpoint)."""
        return self._kept.setdefault(kept, kept)

    def _class_sets(self, direction: Direction, port: int) -> tuple[Relative, ...]:
        found = self._sets.get((direction, port))
        if found is None:
            self._all_class_sets(direction)
            found = self._sets[(direction, port)]
        return found

    def _all_class_sets(self, direction: Direction) -> None:
        """Every class's set, and what each of its isolating policies admits, on every port at
        once: each policy's sets come per port already, and the ports' questions come together
        (every probed port is asked about)."""
        classes = self._classes[direction]
        ports = range(len(self.ports))
        sets: list[list[Relative]] = [[] for _ in ports]
        admitted: list[tuple[tuple[Relative, ...], ...]] = []
        admits = self._admits_kept
        nothing = ((),) * len(ports)
        for c, (chosen, first) in enumerate(zip(classes.selecting, classes.first, strict=True)):
            # per port, what each of the class's policies admits
            if chosen:
                columns = tuple(zip(*[admits(k, direction, first) for k in chosen], strict=True))
                kept = [self._intern(union(column)) for column in columns]
            else:
                columns, kept = nothing, [(0, 0) for _ in ports]
            tiers = classes.tiers[c]
            if tiers:
                target = self.endpoints[first] if direction == _INGRESS else None
                for p, (number, protocol) in enumerate(self.ports):
                    isolated = absolute(kept[p]) if chosen else None
                    found = tiered_peers(
                        self._index, direction, tiers, target, number, protocol, isolated
                    )
                    kept[p] = self._intern(relative(found))
            for p in ports:
                sets[p].append(kept[p])
            admitted.append(columns)
        for p in ports:
            self._sets[(direction, p)] = tuple(sets[p])
        self._admitted[direction] = tuple(admitted)

    def _class_admitted(self, direction: Direction) -> tuple[tuple[tuple[Relative, ...], ...], ...]:
        found = self._admitted.get(direction)
        if found is None:
            self._all_class_sets(direction)
            found = self._admitted[direction]
        return found

    def _transposed_sets(self, direction: Direction, port: int) -> Transposed:
        found = self._transposed.get((direction, port))
        if found is None:
            sets, members = self._class_sets(direction, port), self._classes[direction].members
            found = transpose(sets, members, self.everything, self._intern)
            self._transposed[(direction, port)] = found
        return found


def side_sets(cluster: Cluster, ports: Sequence[Port], externals: Sequence[str] = ()) -> SideSets:
    """The cluster's SideSets for these ports and addresses, built once (kept in its cache)."""
    key = ("side_sets", tuple(ports), tuple(externals))
    found = cluster.cache.get(key)
    if found is None:
        found = cluster.cache[key] = SideSets(cluster, ports, externals)
    return found
