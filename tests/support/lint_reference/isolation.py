# Reference copy of reachability/lint/isolation.py before its set-based rewrite (see __init__).
"""Namespace-wide rules, asked of the engine: pods under default deny that cannot reach each other
(NP006, the seed's db-migrate bug) and namespaces created without a default deny (NP013).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubefacts.api import Direction
from reachability import NetworkPolicy, Pod, Verdict, allowed, side_reason
from reachability.lint.context import Analysis
from reachability.lint.registry import SOURCE, VERDICTS, Finding, declare, finding, flow
from tests.support.lint_reference import flows_of

NP006 = declare(
    "NP006",
    "warning",
    "pods of a default-deny namespace cannot reach each other",
    reads=(VERDICTS,),
)
NP013 = declare("NP013", "info", "namespace created without default deny", reads=(SOURCE,))

MAX_EXAMPLES = 2


def intra_namespace(analysis: Analysis) -> Iterator[Finding]:
    """NP006: in a namespace some policy selects whole (empty podSelector), pairs with no path."""
    connected = {(src, dst) for src, dst, _, _ in flows_of(analysis)}
    for namespace, deny in sorted(_default_deny(analysis).items()):
        pods = [p for p in analysis.cluster.pods if p.namespace == namespace and not p.host_network]
        pairs = [(a, b) for a in pods for b in pods if a != b or not analysis.is_real(a)]
        denied = [
            (a, b, _first_port(analysis, a, b))
            for a, b in sorted(pairs, key=lambda pair: (pair[0] == pair[1], pair[0].id, pair[1].id))
            if (a.id, b.id) not in connected
        ]
        if not denied:
            continue
        sides = {"egress" if not v.egress.allowed else "ingress" for _, _, v in denied}
        examples = "; ".join(
            f"{a.local_id} -> {b.local_id}: "
            + side_reason(v.egress if not v.egress.allowed else v.ingress, namespace)
            for a, b, v in denied[:MAX_EXAMPLES]
        )
        anchor = deny[0]
        pure = [p for p in deny if not (p.ingress or p.egress)] or deny
        yield finding(
            NP006,
            anchor.source,
            f"NetworkPolicy {anchor.id}",
            "spec.podSelector",
            f"under default deny ({', '.join(p.name for p in pure)}), {len(denied)} of "
            f"{len(pairs)} pod pairs of {namespace} cannot reach each other on any probed port "
            f"(e.g. {examples}); intended isolation, or a missing same-namespace rule",
            _fix(sorted(sides)),
        )


def namespaces_without_default_deny(analysis: Analysis) -> Iterator[Finding]:
    """NP013: a Namespace the input defines (not one only inferred) without a default deny for
    each direction."""
    defined = {ns.name: ns.source for ns in analysis.original.namespaces if ns.source is not None}
    for namespace, file in sorted(defined.items()):
        local = [p for p in analysis.original.policies if p.namespace == namespace]
        missing = [d.policy_type for d in Direction if not any(p.denies_all(d) for p in local)]
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


def _first_port(analysis: Analysis, src: Pod, dst: Pod) -> Verdict:
    """The verdict on the first probed port, to explain a pair that connects on none."""
    port, protocol = analysis.ports[0]
    return allowed(analysis.cluster, src, dst, port, protocol)


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
