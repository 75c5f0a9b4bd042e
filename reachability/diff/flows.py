"""The connectivity difference between two manifest sets: which flows become allowed or denied.

A flow is (source, destination, port, protocol) between pods (or representative pods) and chosen
external addresses. Both sides are evaluated by the engine on the same pods (see `align`), on the
ports both sides' policies name plus a default set, so every change a policy edit makes shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reachability import (
    DEFAULT_PORTS,
    Cluster,
    Options,
    Port,
    Verdict,
    allowed,
    matrix,
    probe_externals,
    probe_ports,
    side_reason,
)

from .align import align

_DEFAULTS = Options()


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
) -> Diff:
    """Flows allowed AFTER but not BEFORE, and the reverse. `ports` replaces the probed ports."""
    aligned = align(before, after, options)
    policies = (*before.policies, *after.policies)
    probed = tuple(ports) or probe_ports(policies, aligned.pods, defaults=DEFAULT_PORTS)
    addresses = tuple(dict.fromkeys([*probe_externals(policies, aligned.pods), *externals]))
    flows_before = _flows(aligned.before, probed, addresses)
    flows_after = _flows(aligned.after, probed, addresses)
    return Diff(
        became_allowed=tuple(
            _change(aligned.after, flow, True) for flow in sorted(flows_after - flows_before)
        ),
        became_denied=tuple(
            _change(aligned.after, flow, False) for flow in sorted(flows_before - flows_after)
        ),
        ports=probed,
        externals=addresses,
        representative=aligned.representative,
        allowed_before=len(flows_before),
        allowed_after=len(flows_after),
    )


Flow = tuple[str, str, int, str]


def _flows(cluster: Cluster, ports: Sequence[Port], externals: Sequence[str]) -> set[Flow]:
    external = set(externals)
    return {
        flow
        for flow in matrix(cluster, ports, externals).allowed_flows()
        if not (flow[0] in external and flow[1] in external)
    }


def _change(cluster: Cluster, flow: Flow, now_allowed: bool) -> FlowChange:
    src, dst, port, protocol = flow
    verdict = allowed(cluster, src, dst, port, protocol)
    return FlowChange(src, dst, port, protocol, now_allowed, reason(verdict, src, dst))


def reason(verdict: Verdict, src: str = "", dst: str = "") -> str:
    """The deciding side(s): both admitting sides when allowed, the denying side when denied.
    Policies are named without the namespace of the pod whose side they decide."""
    sides = ((verdict.egress, _namespace(src)), (verdict.ingress, _namespace(dst)))
    if verdict.allowed:
        text = "; ".join(side_reason(s, ns) for s, ns in sides if s.isolated)
        return text or "neither side isolated"
    return "; ".join(side_reason(s, ns) for s, ns in sides if not s.allowed)


def _namespace(endpoint: str) -> str | None:
    namespace, slash, _ = endpoint.partition("/")
    return namespace if slash else None
