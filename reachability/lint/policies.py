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
Both are questions about sets, answered per class of pods (which share their isolating policies
and what each admits) and port, for every policy of the class at once, from the engine's side
sets (which peers P admits, which the other side lets through, which the others admit)
instead of re-evaluating the cluster without each policy or asking `allowed` pair by pair; the
policy's first flow blocked by the other side is the one verdict asked of `allowed`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from kubefacts.api import DIRECTIONS, Direction
from reachability import (
    NetworkPolicy,
    Pod,
    SideVerdict,
    Verdict,
    opposite,
    side_reason,
)

from .context import Analysis
from .registry import (
    SOURCE,
    VERDICTS,
    Finding,
    declare,
    finding,
    policy_object,
    written_rules,
)

NP007 = declare("NP007", "warning", "policy shadowed by others", reads=(VERDICTS,))
NP008 = declare("NP008", "warning", "policy selects no pod", reads=(VERDICTS,))
NP009 = declare("NP009", "warning", "named port that no pod defines", reads=(SOURCE, VERDICTS))


def selects_nothing(analysis: Analysis) -> Iterator[Finding]:
    if analysis.representative or not analysis.original.pods:
        return
    given = Counter(pod.namespace for pod in analysis.original.pods)
    for policy in analysis.original.policies:
        if _selected(analysis, policy):
            continue
        yield finding(
            NP008,
            policy.source,
            policy_object(policy),
            "spec.podSelector",
            f"selects none of the {given[policy.namespace]} given pods and "
            f"workloads of {policy.namespace}, so it has no effect on them",
            "check the podSelector's labels against the labels of the pods (a workload's: its "
            "pod template's) and the policy's namespace",
        )


def undefined_named_ports(analysis: Analysis) -> Iterator[Finding]:
    if analysis.representative or not analysis.original.pods:
        return
    anywhere = _names(analysis.original.pods)  # once: egress names resolve on any peer pod
    for policy in analysis.original.policies:
        named = [
            (direction, entry)
            for direction, rule in written_rules(policy)
            for entry in rule.ports or ()
            if isinstance(entry.port, str)
        ]
        if not named:
            continue
        # A named port resolves on the destination: the selected pods for ingress, any
        # peer pod for egress.
        own = _names(_selected(analysis, policy))
        for direction, entry in named:
            if (entry.port, entry.protocol) in (own if direction == "ingress" else anywhere):
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
                f"named port {entry.port!r}/{entry.protocol} is defined by none of {where}, so "
                "this entry matches no connection",
                "use the containerPort name the destination pods (or pod templates) "
                "declare, or the number",
            )


def _selected(analysis: Analysis, policy: NetworkPolicy) -> list[Pod]:
    """The given pods the policy selects. The questioned cluster holds every given pod under
    its id (and stand-ins only beside them), so its sets answer without a second index."""
    sides = analysis.sides
    pods = analysis.cluster.pods
    found = [pods[i] for i in sides.members(sides.selected(sides.policy_position(policy.id)))]
    return [pod for pod in found if pod in analysis.given]


def _names(pods: Sequence[Pod]) -> set[tuple[str | None, str]]:
    """The (name, protocol) of every container port of `pods`."""
    return {(port.name, port.protocol) for pod in pods for port in pod.ports}


def shadowed(analysis: Analysis, namespaces: Collection[str] | None = None) -> Iterator[Finding]:
    """NP007's findings, on the policies of `namespaces` only when given. A policy selects pods
    of its own namespace alone, so the verdicts its removal could change are theirs, and a class
    of pods that NetworkPolicies isolate lies in their namespace: each namespace is answered
    apart. (A class that only cluster policies govern may span namespaces; no policy isolates
    it, so `_changes` has nothing to ask of it wherever it is taken.)"""
    sides = analysis.sides
    own = _Own.of(analysis)
    changed: set[int] = set()
    covering: dict[int, set[int]] = {}
    pods = analysis.cluster.pods  # a class holds pods (an address's side is never isolated)
    for direction in DIRECTIONS:
        for group in sides.classes(direction):
            if namespaces is None or pods[group[0]].namespace in namespaces:
                _changes(analysis, own, direction, group, changed, covering)
    for policy in sorted(analysis.cluster.policies, key=lambda p: p.id):
        if namespaces is not None and policy.namespace not in namespaces:
            continue
        if not (policy.rules("ingress") or policy.rules("egress")):
            continue  # a pure default deny only isolates; redundancy there is a safety net
        k = sides.policy_position(policy.id)
        targets = sides.members(sides.selected(k))
        if not targets:
            continue  # selects nothing: NP008 says so when pods are given
        if k in changed:
            continue
        ids = sorted(analysis.cluster.policies[q].id for q in covering.get(k, ()))
        yield _finding(analysis, policy, ids, _blocked(analysis, own, k, policy, targets))


def _directions(policy: NetworkPolicy) -> list[Direction]:
    return [d for d in DIRECTIONS if policy.affects(d)]


def _changes(
    analysis: Analysis,
    own: _Own,
    direction: Direction,
    group: Sequence[int],
    changed: set[int],
    covering: dict[int, set[int]],
) -> None:
    """Which of the policies isolating one class of endpoints (`group`) in `direction` would
    change a verdict of a member's side if removed: they join `changed`. The others' entries in
    `covering` gain the other policies that also admit flows that they admit.

    Every policy isolating the class selects all of its members, and they share what each
    admits, so the question is asked of the union of the members' flows: a set meets the union
    exactly when it meets one member's flows."""
    sides = analysis.sides
    other = opposite(direction)
    isolating = sides.isolating(direction, group[0])
    if all(k in changed for k in isolating):
        return
    sole = len(isolating) == 1
    for p, admitted in enumerate(sides.admitted_on_ports(direction, group[0])):
        if not (sole or any(admitted)):
            continue  # no flow to lose
        through = sides.allowed_by_each(other, group, p)  # the other side allows these
        if sole:
            # Its only isolating policy gone, the side opens: a flow it denies that the other
            # side allows becomes allowed.
            if own.union(group, through, sole=True) & ~admitted[0]:
                changed.add(isolating[0])
                return
            continue
        union = own.union(group, through, sole=False)
        if not union:
            continue
        for at, k in enumerate(isolating):
            flows = union & admitted[at]  # allowed flows it admits
            if not flows or k in changed:
                continue
            rest = 0
            for q, theirs in zip(isolating, admitted, strict=True):
                if q != k:
                    if flows & theirs:
                        covering.setdefault(k, set()).add(q)
                    rest |= theirs
            if flows & ~rest:  # admitted by it alone: lost without it
                changed.add(k)


@dataclass(frozen=True, slots=True)
class _Own:
    """Each target's flow with itself: a real pod's is loopback, where CNIs differ, and left
    out; any other endpoint's is allowed whatever the policies with `Options.loopback_allowed`
    (see `Analysis.is_real` and `Analysis.loopback`), else the policies decide it."""

    real: frozenset[int]  # positions of real pods
    loopback: bool

    @staticmethod
    def of(analysis: Analysis) -> _Own:
        endpoints = analysis.sides.endpoints
        real = frozenset(i for i, e in enumerate(endpoints) if analysis.is_real(e))
        return _Own(real, analysis.loopback)

    def bits(self, target: int) -> tuple[int, int]:
        """`target`'s own bit twice: as a real pod, left out; as an endpoint always allowed
        (0 when neither)."""
        bit = 1 << target
        if target in self.real:
            return bit, 0
        return 0, bit if self.loopback else 0

    def union(self, group: Sequence[int], through: Sequence[int], *, sole: bool) -> int:
        """The union of each target's peers in `through`, its own flow made right: with
        `sole` (the side's verdict is the other side's once the policy is gone) both own
        bits left out, else the real pod's left out and the always allowed one added."""
        union = 0
        for target, peers in zip(group, through, strict=True):
            real, loop = self.bits(target)
            union |= peers & ~(real | loop) if sole else (peers & ~real) | loop
        return union


def _blocked(
    analysis: Analysis, own: _Own, k: int, policy: NetworkPolicy, targets: Sequence[int]
) -> str | None:
    """The first flow (by direction, target, peer, port) the policy admits on its side that the
    other side denies, if any."""
    sides = analysis.sides
    for direction in _directions(policy):
        other = opposite(direction)
        for target in targets:
            real, loop = own.bits(target)
            denied = [
                admits & ~sides.allowed_by(other, target, p) if admits else 0
                for p, admits in enumerate(sides.admits_on_ports(k, direction, target))
            ]
            union = 0
            for bits in denied:
                union |= bits
            if real | loop:  # its own flow is no example (a port is chosen by the peer's bit)
                union &= ~(real | loop)
            if not union:
                continue
            peer = (union & -union).bit_length() - 1
            p = next(p for p, bits in enumerate(denied) if bits >> peer & 1)
            port, protocol = sides.ports[p]
            src, dst = (peer, target) if direction == "ingress" else (target, peer)
            verdict = sides.verdict(src, dst, p)
            flow = f"{sides.endpoints[src].id} -> {sides.endpoints[dst].id} {port}/{protocol}"
            return f"{flow}, " + side_reason(_other(verdict, direction))
    return None


def _other(verdict: Verdict, direction: str) -> SideVerdict:
    return verdict.egress if direction == "ingress" else verdict.ingress


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
