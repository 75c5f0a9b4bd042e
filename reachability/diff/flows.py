"""The connectivity difference between two manifest sets: which flows become allowed or denied.

A flow is (source, destination, port, protocol) between pods (or representative pods) and chosen
external addresses. Both sides are evaluated by the engine on the same pods (see `align`), on the
ports both sides' policies name plus a default set, so every change a policy edit makes shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubefacts.api import Direction
from reachability import (
    DEFAULT_PORTS,
    Ahead,
    Cluster,
    Options,
    Port,
    SideSets,
    Verdict,
    ahead_available,
    compute_sets_beside,
    probe_externals,
    probe_ports,
    side_reason,
    side_sets,
)

from .align import align

_DEFAULTS = Options()
_EGRESS, _INGRESS = Direction.EGRESS, Direction.INGRESS

PARALLEL_ENDPOINTS = 2000
"""From this many endpoints on, `parallel` diff shares the comparing of the two sides' flows
(half of a diff) with a forked child: first each side's sets are computed in one of the two
processes (the child's come back pickled, a fraction of their cost), then the rows are compared
part by part in both; what comes back is only what changed."""
CHUNK = 256
"""Sources per part: both sides' rows of a part are held at once, a few MB at most, however
large the cluster."""


@dataclass(frozen=True, slots=True)
class FlowChange:
    """One flow whose verdict differs; `reason` explains the AFTER side's verdict."""

    src: str
    dst: str
    port: int
    protocol: str
    allowed: bool  # the verdict after the change
    reason: str


@dataclass(frozen=True, slots=True)
class Diff:
    became_allowed: tuple[FlowChange, ...]
    became_denied: tuple[FlowChange, ...]
    ports: tuple[Port, ...]
    externals: tuple[str, ...]
    representative: bool
    allowed_before: int
    allowed_after: int

    @property
    def changed(self) -> bool:
        return bool(self.became_allowed or self.became_denied)


def diff(
    before: Cluster,
    after: Cluster,
    *,
    ports: Sequence[Port] = (),
    externals: Sequence[str] = (),
    options: Options = _DEFAULTS,
    parallel: bool = False,
) -> Diff:
    """Flows allowed AFTER but not BEFORE, and the reverse. `ports` replaces the probed ports;
    `parallel`: see PARALLEL_ENDPOINTS."""
    aligned = align(before, after, options)
    policies = (
        *before.policies,
        *after.policies,
        *before.cluster_policies,
        *after.cluster_policies,
    )
    probed = tuple(ports) or probe_ports(policies, aligned.pods, defaults=DEFAULT_PORTS)
    addresses = tuple(dict.fromkeys([*probe_externals(policies, aligned.pods), *externals]))
    old = side_sets(aligned.before, probed, addresses)
    new = side_sets(aligned.after, probed, addresses)
    beside = parallel and len(new.endpoints) >= PARALLEL_ENDPOINTS and ahead_available()
    if beside:
        _prepare((old, new))
    gained, lost, counts = _compare(old, new, set(addresses), beside)
    return Diff(
        became_allowed=tuple(_change(new, flow, True) for flow in _named(new, gained)),
        became_denied=tuple(_change(new, flow, False) for flow in _named(new, lost)),
        ports=probed,
        externals=addresses,
        representative=aligned.representative,
        allowed_before=counts[0],
        allowed_after=counts[1],
    )


Flow = tuple[str, str, int, str]
Position = tuple[int, int, int]  # (source, destination, port) positions


def _prepare(sides: tuple[SideSets, SideSets]) -> None:
    """Everything both sides' egress flows read, computed in two processes, so that the
    comparing's child inherits it all: the ingress sets and their transposes (the larger part)
    first, then the egress sets."""
    compute_sets_beside(
        [*((side, _INGRESS, True) for side in sides), *((side, _EGRESS, False) for side in sides)]
    )


def _compare(
    old: SideSets, new: SideSets, external: set[str], beside: bool = False
) -> tuple[list[Position], list[Position], tuple[int, int]]:
    """The flows only AFTER allows, those only BEFORE allows, and how many each allows. Both
    sides have the same endpoints in the same order (see `align`); flows between two external
    addresses are no flows of the cluster's."""
    count = len(new.endpoints)
    outside = 0
    for j, endpoint in enumerate(new.endpoints):
        if endpoint.id in external:
            outside |= 1 << j
    parts = [
        (p, i, min(i + CHUNK, count)) for p in range(len(new.ports)) for i in range(0, count, CHUNK)
    ]
    gained: list[Position] = []
    lost: list[Position] = []
    counts = [0, 0]
    with Ahead(lambda part: _part(old, new, part, outside), child=beside) as ahead:
        for part_gained, part_lost, was, now in ahead.map(parts):
            gained += part_gained
            lost += part_lost
            counts[0] += was
            counts[1] += now
    return gained, lost, (counts[0], counts[1])


def _part(
    old: SideSets, new: SideSets, part: tuple[int, int, int], outside: int
) -> tuple[list[Position], list[Position], int, int]:
    """The flows of sources start..stop on ports[p] that only AFTER allows, those that only
    BEFORE allows, and how many each allows."""
    p, start, _ = part
    gained: list[Position] = []
    lost: list[Position] = []
    was_count = now_count = 0
    before, after = _rows(old, part, outside), _rows(new, part, outside)
    for i, (was, now) in enumerate(zip(before, after, strict=True), start):
        was_count += was.bit_count()
        now_count += now.bit_count()
        if was != now:
            gained += [(i, j, p) for j in new.members(now & ~was)]
            lost += [(i, j, p) for j in new.members(was & ~now)]
    return gained, lost, was_count, now_count


def _rows(side: SideSets, chunk: tuple[int, int, int], outside: int) -> list[int]:
    """The egress flows of endpoints start..stop on ports[p], as one side's diff counts them."""
    p, start, stop = chunk
    loop = side.cluster.options.loopback_allowed and not side.cluster.representative
    pods = len(side.cluster.pods)
    rows = side.flows_range(_EGRESS, p, start, stop)
    for at, i in enumerate(range(start, stop)):
        if loop and i < pods:  # Options.loopback_allowed: a pod reaches itself
            rows[at] |= 1 << i
        if outside >> i & 1:
            rows[at] &= ~outside
    return rows


def _named(sides: SideSets, found: list[Position]) -> list[tuple[Flow, Position]]:
    """The flows by name (sorted, as the output lists them) with their positions."""
    names = [endpoint.id for endpoint in sides.endpoints]
    named = [((names[i], names[j], *sides.ports[p]), (i, j, p)) for i, j, p in found]
    return sorted(named)


def _change(sides: SideSets, flow: tuple[Flow, Position], now_allowed: bool) -> FlowChange:
    (src, dst, port, protocol), (i, j, p) = flow
    return FlowChange(
        src, dst, port, protocol, now_allowed, reason(sides.verdict(i, j, p), src, dst)
    )


def reason(verdict: Verdict, src: str = "", dst: str = "") -> str:
    """The deciding side(s): both admitting sides when allowed, the denying side when denied.
    Policies are named without the namespace of the pod whose side they decide."""
    sides = ((verdict.egress, _namespace(src)), (verdict.ingress, _namespace(dst)))
    if verdict.allowed:
        text = "; ".join(
            side_reason(s, ns) for s, ns in sides if s.isolated or s.decided_by is not None
        )
        return text or "neither side isolated"
    return "; ".join(side_reason(s, ns) for s, ns in sides if not s.allowed)


def _namespace(endpoint: str) -> str | None:
    namespace, slash, _ = endpoint.partition("/")
    return namespace if slash else None
