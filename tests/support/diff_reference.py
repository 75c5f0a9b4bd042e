"""`diff` as it was defined before its set-based rewrite: both sides' whole matrices, flow
tuples subtracted, `allowed` per changed flow. The definition tests/reachability/diff holds
the fast one to, on random clusters."""

from __future__ import annotations

from collections.abc import Sequence

from reachability import (
    DEFAULT_PORTS,
    Cluster,
    Options,
    Port,
    allowed,
    matrix,
    probe_externals,
    probe_ports,
)
from reachability.diff import Diff, FlowChange, align
from reachability.diff.flows import reason

_DEFAULTS = Options()


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
