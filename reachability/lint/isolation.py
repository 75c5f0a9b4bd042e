"""Namespace-wide rules, asked of the engine: pods under default deny that cannot reach each other
(NP006, the seed's db-migrate bug) and namespaces created without a default deny (NP013).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from itertools import islice

from kubefacts.api import Direction
from reachability import NetworkPolicy, Pod, Verdict, side_reason

from .context import Analysis
from .registry import SOURCE, VERDICTS, Finding, declare, finding, flow

NP006 = declare(
    "NP006",
    "warning",
    "pods of a default-deny namespace cannot reach each other",
    reads=(VERDICTS,),
)
NP013 = declare("NP013", "info", "namespace created without default deny", reads=(SOURCE,))

MAX_EXAMPLES = 2
EGRESS = Direction.EGRESS


def intra_namespace(
    analysis: Analysis, namespaces: Collection[str] | None = None
) -> Iterator[Finding]:
    """NP006: in a namespace some policy selects whole (empty podSelector), pairs with no path;
    in `namespaces` only when given (each namespace's pairs are its own)."""
    members: dict[str, list[int]] = {}
    for i, pod in enumerate(analysis.cluster.pods):
        if not pod.host_network:
            members.setdefault(pod.namespace, []).append(i)
    for namespace, deny in sorted(_default_deny(analysis).items()):
        if namespaces is not None and namespace not in namespaces:
            continue
        found = _disconnected(analysis, members.get(namespace, []))
        if found is None:
            continue
        denied, pairs, sides, examples = found
        shown = "; ".join(
            f"{a.local_id} -> {b.local_id}: "
            + side_reason(v.egress if not v.egress.allowed else v.ingress, namespace)
            for a, b, v in examples
        )
        anchor = deny[0]
        pure = [p for p in deny if not (p.ingress or p.egress)] or deny
        yield finding(
            NP006,
            anchor.source,
            f"NetworkPolicy {anchor.id}",
            "spec.podSelector",
            f"under default deny ({', '.join(p.name for p in pure)}), {denied} of "
            f"{pairs} pod pairs of {namespace} cannot reach each other on any probed port "
            f"(e.g. {shown}); intended isolation, or a missing same-namespace rule",
            _fix(sorted(sides)),
        )


def _disconnected(
    analysis: Analysis, positions: Sequence[int]
) -> tuple[int, int, set[str], list[tuple[Pod, Pod, Verdict]]] | None:
    """Pairs of these pods (a real pod with itself left out: loopback) that connect on no
    probed port: how many, of how many pairs, which sides deny them on the first probed port,
    and the first MAX_EXAMPLES (by id, pairs of a pod with itself last) with that verdict."""
    sides = analysis.sides
    group = 0
    for i in positions:
        group |= 1 << i
    denied = real = 0
    which: set[str] = set()
    missing: dict[int, int] = {}
    # A namespace's pods are one range (a cluster sorts its pods by namespace), host-network
    # ones aside: every probed port's flows of the range, read at once.
    low = min(positions, default=0)
    high = max(positions, default=-1) + 1
    reached = [0] * (high - low)
    if high - low <= 2 * len(positions):
        for p in range(len(sides.ports)):
            for at, row in enumerate(sides.flows_range(EGRESS, p, low, high)):
                reached[at] |= row
    else:
        for i in positions:
            for p in range(len(sides.ports)):
                reached[i - low] |= sides.flows(EGRESS, i, p)
    for i in positions:
        bit = 1 << i
        connected = (bit if analysis.loopback else 0) | reached[i - low]
        if analysis.is_real(sides.endpoints[i]):
            real += 1
            connected |= bit
        lacking = group & ~connected
        if not lacking:
            continue
        missing[i] = lacking
        denied += lacking.bit_count()
        first = sides.allows(EGRESS, i, 0)
        if lacking & ~first:
            which.add("egress")
        if lacking & first:
            which.add("ingress")
    if not denied:
        return None
    pods = analysis.cluster.pods
    by_id = sorted(missing, key=lambda i: pods[i].id)
    ordered = (
        (a, b)
        for same in (False, True)
        for a in by_id
        for b in (
            [a] if same else sorted(sides.members(missing[a] & ~(1 << a)), key=lambda j: pods[j].id)
        )
        if missing[a] >> b & 1
    )
    examples = [
        (pods[a], pods[b], sides.verdict(a, b, 0)) for a, b in islice(ordered, MAX_EXAMPLES)
    ]
    return denied, len(positions) ** 2 - real, which, examples


def namespaces_without_default_deny(analysis: Analysis) -> Iterator[Finding]:
    """NP013: a Namespace the input defines (not one only inferred) without a default deny for
    each direction."""
    defined = {ns.name: ns.source for ns in analysis.original.namespaces if ns.source is not None}
    for namespace, file in sorted(defined.items()):
        missing = analysis.original.missing_default_deny(namespace)
        if not missing:
            continue
        yield finding(
            NP013,
            file,
            f"Namespace {namespace}",
            "metadata.name",
            f"namespace {namespace} has no default deny for {' and '.join(missing)} (a policy "
            "selecting every pod for that direction, with no rule for it): whatever no policy "
            "denies is allowed there, so a forgotten rule fails open",
            "add `"
            + flow(
                {
                    "kind": "NetworkPolicy",
                    "metadata": {"name": "default-deny-all", "namespace": namespace},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
                }
            )
            + "`",
        )


def _default_deny(analysis: Analysis) -> dict[str, list[NetworkPolicy]]:
    """Namespaces with a policy that selects every pod, those policies rule-less ones first."""
    found: dict[str, list[NetworkPolicy]] = {}
    for policy in analysis.original.policies:
        if policy.pod_selector.is_empty and policy.policy_types:
            found.setdefault(policy.namespace, []).append(policy)
    return {
        ns: sorted(ps, key=lambda p: (bool(p.ingress or p.egress), p.name))
        for ns, ps in found.items()
    }


def _fix(sides: Sequence[str]) -> str:
    both = (
        "`ingress: [{from: [{podSelector: {}}]}]` AND `egress: [{to: [{podSelector: {}}]}]` "
        "(an allow-same-namespace policy with policyTypes [Ingress, Egress])"
    )
    if sides == ["egress"]:
        what = "the egress side is what is missing: `egress: [{to: [{podSelector: {}}]}]`"
    elif sides == ["ingress"]:
        what = "the ingress side is what is missing: `ingress: [{from: [{podSelector: {}}]}]`"
    else:
        what = both
    return (
        f"if these pods must talk (e.g. an init container migrating a database), allow it on "
        f"both sides; {what}; if the isolation is intended, suppress NP006 for this namespace"
    )
