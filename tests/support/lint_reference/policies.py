# Reference copy of reachability/lint/policies.py before its set-based rewrite (see __init__).
"""Rules on what each policy does to the pods, asked of the engine: a policy that selects no pod
(NP008) or names a port no pod defines (NP009), when real pods are given; and a policy whose
removal changes no verdict (NP007).

NP008 and NP009: representative pods carry no container ports and always match some selector, so
neither rule applies to them.

NP007: policies only add allowances, so "the database only from its clients" means nothing once
another policy lets the whole namespace in. Removing a shadowed policy would change nothing: that
is the evidence, checked on every probed port and address.

Removing a policy P can change a verdict in two ways only. If P is the only policy isolating one
of its pods for a direction, that pod stops being isolated: flows its side denies and the other
side allows become allowed. Otherwise the pod stays isolated and only allowances can go: an
allowed flow is lost exactly when P's rules are the only ones admitting it on that pod's side.
So the engine's matrix gives the allowed flows, and `allowed` explains only those that touch P's
pods, instead of re-evaluating the cluster without each policy.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubefacts.api import DIRECTIONS
from reachability import (
    Endpoint,
    ExternalIP,
    NetworkPolicy,
    Pod,
    SideVerdict,
    Verdict,
    allowed,
    selected_pods,
    side_reason,
)
from reachability.lint.context import Analysis, Flow
from reachability.lint.registry import (
    SOURCE,
    VERDICTS,
    Finding,
    declare,
    finding,
    policy_object,
    written_rules,
)
from tests.support.lint_reference import flows_of

NP007 = declare("NP007", "warning", "policy shadowed by others", reads=(VERDICTS,))
NP008 = declare("NP008", "warning", "policy selects no pod", reads=(VERDICTS,))
NP009 = declare("NP009", "warning", "named port that no pod defines", reads=(SOURCE, VERDICTS))

OUTSIDE = ExternalIP("203.0.113.1")


def selects_nothing(analysis: Analysis) -> Iterator[Finding]:
    if analysis.representative or not analysis.original.pods:
        return
    for policy in analysis.original.policies:
        if selected_pods(analysis.original, policy.id):
            continue
        yield finding(
            NP008,
            policy.source,
            policy_object(policy),
            "spec.podSelector",
            f"selects none of the {len(_in(analysis, policy.namespace))} given pods and "
            f"workloads of {policy.namespace}, so it has no effect on them",
            "check the podSelector's labels against the labels of the pods (a workload's: its "
            "pod template's) and the policy's namespace",
        )


def undefined_named_ports(analysis: Analysis) -> Iterator[Finding]:
    if analysis.representative or not analysis.original.pods:
        return
    for policy in analysis.original.policies:
        targets = selected_pods(analysis.original, policy.id)
        for direction, rule in written_rules(policy):
            # A named port resolves on the destination: the selected pods for ingress, any
            # peer pod for egress.
            pods = targets if direction == "ingress" else analysis.original.pods
            for entry in rule.ports or ():
                port = entry.port
                if not isinstance(port, str):
                    continue
                if any(_defines(pod, port, entry.protocol) for pod in pods):
                    continue
                where = (
                    "the pods this policy selects"
                    if direction == "ingress"
                    else "any given pod or workload"
                )
                yield finding(
                    NP009,
                    policy.source,
                    policy_object(policy),
                    f"{entry.path}.port",
                    f"named port {port!r}/{entry.protocol} is defined by none of {where}, so this "
                    "entry matches no connection",
                    "use the containerPort name the destination pods (or pod templates) "
                    "declare, or the number",
                )


def _defines(pod: Pod, name: str, protocol: str) -> bool:
    return any(p.name == name and p.protocol == protocol for p in pod.ports)


def _in(analysis: Analysis, namespace: str) -> list[Pod]:
    return [p for p in analysis.original.pods if p.namespace == namespace]


def shadowed(analysis: Analysis) -> Iterator[Finding]:
    cluster = analysis.cluster
    endpoints: list[Endpoint] = [*cluster.pods, *(ExternalIP(ip) for ip in analysis.externals)]
    into: dict[str, list[Flow]] = {}
    out_of: dict[str, list[Flow]] = {}
    for flow in sorted(flows_of(analysis)):
        into.setdefault(flow[1], []).append(flow)
        out_of.setdefault(flow[0], []).append(flow)
    for policy in sorted(cluster.policies, key=lambda p: p.id):
        if not (policy.rules("ingress") or policy.rules("egress")):
            continue  # a pure default deny only isolates; redundancy there is a safety net
        targets = selected_pods(cluster, policy.id)
        if not targets:
            continue  # selects nothing: NP008 says so when pods are given
        covering: set[str] = set()
        changed = False
        for direction in DIRECTIONS:
            if not policy.affects(direction):
                continue
            for target in targets:
                flows = (into if direction == "ingress" else out_of).get(target.id, [])
                if _sole_isolator(analysis, policy, target, direction):
                    changed = _opens(analysis, target, direction, endpoints)
                else:
                    changed = _loses(analysis, policy, direction, flows, covering)
                if changed:
                    break
            if changed:
                break
        if not changed:
            yield _finding(
                analysis, policy, sorted(covering), _blocked(analysis, policy, targets, endpoints)
            )


def _side(verdict: Verdict, direction: str) -> SideVerdict:
    return verdict.ingress if direction == "ingress" else verdict.egress


def _other(verdict: Verdict, direction: str) -> SideVerdict:
    return verdict.egress if direction == "ingress" else verdict.ingress


def _pair(target: Pod, other: Endpoint, direction: str) -> tuple[Endpoint, Endpoint]:
    return (other, target) if direction == "ingress" else (target, other)


def _sole_isolator(analysis: Analysis, policy: NetworkPolicy, target: Pod, direction: str) -> bool:
    src, dst = _pair(target, OUTSIDE, direction)
    return _side(allowed(analysis.cluster, src, dst, 80), direction).isolated_by == (policy.id,)


def _opens(analysis: Analysis, target: Pod, direction: str, endpoints: Sequence[Endpoint]) -> bool:
    """Without its only isolating policy, does some denied flow of `target` become allowed?"""
    return any(
        not _side(verdict, direction).allowed and _other(verdict, direction).allowed
        for _, _, _, _, verdict in _verdicts(analysis, target, direction, endpoints)
    )


def _verdicts(
    analysis: Analysis, target: Pod, direction: str, endpoints: Sequence[Endpoint]
) -> Iterator[tuple[Endpoint, Endpoint, int, str, Verdict]]:
    """`target`'s flows in `direction` with every endpoint on every probed port (a real pod
    reaching itself is loopback, left out), with the engine's verdict on each."""
    for other in endpoints:
        src, dst = _pair(target, other, direction)
        if src == dst and analysis.is_real(src):
            continue
        for port, protocol in analysis.ports:
            yield src, dst, port, protocol, allowed(analysis.cluster, src, dst, port, protocol)


def _loses(
    analysis: Analysis,
    policy: NetworkPolicy,
    direction: str,
    flows: Sequence[Flow],
    covering: set[str],
) -> bool:
    """Is some allowed flow admitted, on the policy's side, by its rules alone?"""
    for src, dst, port, protocol in flows:
        if src == dst and analysis.is_real(analysis.cluster.endpoint(src)):
            continue
        side = _side(allowed(analysis.cluster, src, dst, port, protocol), direction)
        mine = [r for r in side.allowed_by if r.policy == policy.id]
        others = {r.policy for r in side.allowed_by if r.policy != policy.id}
        if mine and not others:
            return True
        if mine:
            covering.update(others)
    return False


def _blocked(
    analysis: Analysis, policy: NetworkPolicy, targets: Sequence[Pod], endpoints: Sequence[Endpoint]
) -> str | None:
    """One flow the policy admits on its side that the other side still denies, if any."""
    for direction in DIRECTIONS:
        if not policy.affects(direction):
            continue
        for target in targets:
            for src, dst, port, protocol, verdict in _verdicts(
                analysis, target, direction, endpoints
            ):
                mine = any(r.policy == policy.id for r in _side(verdict, direction).allowed_by)
                if mine and not verdict.allowed:
                    return f"{src.id} -> {dst.id} {port}/{protocol}, " + side_reason(
                        _other(verdict, direction)
                    )
    return None


def _finding(
    analysis: Analysis, policy: NetworkPolicy, covering: list[str], blocked: str | None
) -> Finding:
    original = analysis.policies.get(policy.id, policy)
    reasons, fixes = [], []
    if covering:
        reasons.append(f"what it admits is also admitted by {', '.join(covering)}")
        fixes.append(
            "narrow the broader policy so that it leaves these pods out (e.g. a podSelector "
            "with NotIn) if this one states the intent, or delete this one"
        )
    if blocked:
        reasons.append(f"what it admits is still denied by the other side (e.g. {blocked})")
        fixes.append("allow the other side of these connections too, or delete this policy")
    if not reasons:
        reasons.append("it admits none of the probed connections (its peers match nothing)")
        fixes.append("correct its peers and ports, or delete it")
    return finding(
        NP007,
        original.source,
        f"NetworkPolicy {policy.id}",
        "spec",
        "removing this policy changes no verdict on the probed ports and addresses: "
        + "; ".join(reasons),
        "; ".join(fixes),
    )
