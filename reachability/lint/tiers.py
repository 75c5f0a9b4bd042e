"""Rules on ClusterNetworkPolicies, the classic mistakes of tiered policy, asked of the engine's
sets on the analysed cluster (real pods, or representatives standing for every class):

- NP014: an Admin-tier Accept over pods whose namespace has a default deny: the Accept is final,
  so the namespace's NetworkPolicies can no longer close that traffic (Pass would let them);
- NP015: a Baseline-tier policy whose every subject pod a NetworkPolicy isolates in that
  direction: the NetworkPolicies decide first, so its rules apply to none of them for now;
- NP016: two policies of one tier and priority that can both match a connection with different
  actions: the API lets an implementation apply either (the analyzer applies them by name);
- NP017: a rule that can never match, because earlier rules of its policy already match every
  connection it would (e.g. an Accept and then a Deny for the same peers).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from kubefacts.api import DIRECTIONS, Direction
from kubefacts.cluster_network_policy import Action, Tier
from reachability import ClusterNetworkPolicy, ClusterRule

from .context import Analysis
from .registry import VERDICTS, Finding, declare, finding

NP014 = declare(
    "NP014", "warning", "Admin Accept overrides a namespace's default deny", reads=(VERDICTS,)
)
NP015 = declare(
    "NP015",
    "info",
    "Baseline policy that every NetworkPolicy-isolated pod skips",
    reads=(VERDICTS,),
)
NP016 = declare(
    "NP016", "warning", "cluster policies share a priority and can disagree", reads=(VERDICTS,)
)
NP017 = declare("NP017", "warning", "cluster policy rule that can never match", reads=(VERDICTS,))

MAX_LISTED = 4


def cluster_policy_object(policy: ClusterNetworkPolicy) -> str:
    """How findings name it, like the engine's problems: "Kind name"."""
    return f"{policy.kind} {policy.name}"


def tier_findings(analysis: Analysis) -> Iterator[Finding]:
    yield from _accept_over_default_deny(analysis)
    yield from _baseline_never_applies(analysis)
    yield from _shared_priorities(analysis)
    yield from _unreachable_rules(analysis)


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return ", ".join(names[:MAX_LISTED]) + more


def _accept_over_default_deny(analysis: Analysis) -> Iterator[Finding]:
    sides, cluster = analysis.sides, analysis.cluster
    for k, policy in enumerate(cluster.cluster_policies):
        if policy.tier != Tier.ADMIN:
            continue
        subjects = sides.cluster_subjects(k)
        for direction in DIRECTIONS:
            hidden = _hidden(analysis, k, direction)
            for r, rule in enumerate(policy.rules(direction)):
                if rule.action != Action.ACCEPT or not sides.cluster_rule_peers(k, direction, r):
                    continue
                if r in hidden:  # it never matches (NP017 says so)
                    continue
                denying = _denying(analysis, direction)
                closed = sorted(
                    {
                        namespace
                        for i in sides.members(subjects)
                        if (namespace := cluster.pods[i].namespace) in denying
                    }
                )
                if not closed:
                    continue
                yield finding(
                    NP014,
                    policy.source,
                    cluster_policy_object(policy),
                    f"spec.{direction}[{r}]",
                    f"Admin Accept is final: it opens {direction} of pods in {_listed(closed)} "
                    f"that {'their' if len(closed) > 1 else 'its'} default deny closes, and no "
                    "NetworkPolicy there can close it again",
                    "use action Pass to let the namespaces' NetworkPolicies decide, or narrow "
                    "the subject and peers to what every one of them must accept",
                )


def _denying(analysis: Analysis, direction: Direction) -> frozenset[str]:
    """Namespaces with a default deny (an empty podSelector, no rules) for `direction`."""
    return frozenset(p.namespace for p in analysis.cluster.policies if p.denies_all(direction))


def _baseline_never_applies(analysis: Analysis) -> Iterator[Finding]:
    sides = analysis.sides
    for k, policy in enumerate(analysis.cluster.cluster_policies):
        if policy.tier != Tier.BASELINE:
            continue
        subjects = sides.members(sides.cluster_subjects(k))
        for direction in DIRECTIONS:
            if not policy.rules(direction) or not subjects:
                continue
            if not all(sides.isolating(direction, i) for i in subjects):
                continue
            namespaces = sorted({analysis.cluster.pods[i].namespace for i in subjects})
            yield finding(
                NP015,
                policy.source,
                cluster_policy_object(policy),
                f"spec.{direction}",
                f"every pod it selects (in {_listed(namespaces)}) is isolated for {direction} by "
                "NetworkPolicies, which decide before the Baseline tier: its rules apply to none "
                "of them until those NetworkPolicies are removed",
                "expected for a fallback behind the namespaces' own default deny; otherwise "
                "move the rules to the Admin tier (Pass for what the namespaces decide)",
            )


def _shared_priorities(analysis: Analysis) -> Iterator[Finding]:
    sides = analysis.sides
    policies = analysis.cluster.cluster_policies
    for (a, first), (b, second) in combinations(enumerate(policies), 2):
        if (first.tier, first.priority) != (second.tier, second.priority):
            continue
        if not sides.cluster_subjects(a) & sides.cluster_subjects(b):
            continue
        clash = _disagreement(analysis, a, b)
        if clash is None:
            continue
        direction, r, s = clash
        yield finding(
            NP016,
            second.source,
            cluster_policy_object(second),
            "spec.priority",
            f"shares priority {second.priority} in the {second.tier} tier with "
            f"{cluster_policy_object(first)}, and both match some connection with different "
            f"actions ({first.name} {direction}[{r}] {first.rules(direction)[r].action}, "
            f"{second.name} {direction}[{s}] {second.rules(direction)[s].action}): the API lets "
            f"an implementation apply either (the analyzer applies {first.name}, first by name "
            "and kind)",
            "give the policies distinct priorities, the one that must win lower",
        )


def _disagreement(analysis: Analysis, a: int, b: int) -> tuple[Direction, int, int] | None:
    sides = analysis.sides
    policies = analysis.cluster.cluster_policies
    for direction in DIRECTIONS:
        for r, one in enumerate(policies[a].rules(direction)):
            for s, other in enumerate(policies[b].rules(direction)):
                if one.action == other.action or not _ports_overlap(one, other):
                    continue
                if sides.cluster_rule_peers(a, direction, r) & sides.cluster_rule_peers(
                    b, direction, s
                ):
                    return direction, r, s
    return None


def _ports_overlap(one: ClusterRule, other: ClusterRule) -> bool:
    """Whether two rules' `protocols` can match one port (a named port may be any number)."""
    if one.ports is None or other.ports is None:
        return True
    for x in one.ports:
        for y in other.ports:
            if x.name is not None or y.name is not None:
                return True
            if x.protocol == y.protocol and x.start <= y.end and y.start <= x.end:
                return True
    return False


def _covers(earlier: ClusterRule, later: ClusterRule) -> bool:
    """Whether every port and protocol `later` matches, `earlier` matches too."""
    if earlier.ports is None:
        return True
    if later.ports is None:
        return False
    numbered = [p for p in earlier.ports if p.name is None]
    named = {p.name for p in earlier.ports if p.name is not None}
    return all(
        (p.name is not None and p.name in named)
        or (
            p.name is None
            and any(
                q.protocol == p.protocol and q.start <= p.start and p.end <= q.end for q in numbered
            )
        )
        for p in later.ports
    )


def _hidden(analysis: Analysis, k: int, direction: Direction) -> dict[int, list[int]]:
    """The rules of policy `k` that earlier rules of it hide: rule -> the rules hiding it."""
    sides = analysis.sides
    rules = analysis.cluster.cluster_policies[k].rules(direction)
    found: dict[int, list[int]] = {}
    for r, rule in enumerate(rules):
        peers = sides.cluster_rule_peers(k, direction, r)
        covering = [
            e
            for e in range(r)
            if _covers(rules[e], rule) and peers & sides.cluster_rule_peers(k, direction, e)
        ]
        taken = 0
        for e in covering:
            taken |= sides.cluster_rule_peers(k, direction, e)
        if covering and not peers & ~taken:
            found[r] = covering
    return found


def _unreachable_rules(analysis: Analysis) -> Iterator[Finding]:
    for k, policy in enumerate(analysis.cluster.cluster_policies):
        for direction in DIRECTIONS:
            rules = policy.rules(direction)
            for r, covering in _hidden(analysis, k, direction).items():
                rule = rules[r]
                earlier = ", ".join(f"{direction}[{e}] ({rules[e].action})" for e in covering)
                verb = "matches" if len(covering) == 1 else "match"
                yield finding(
                    NP017,
                    policy.source,
                    cluster_policy_object(policy),
                    f"spec.{direction}[{r}]",
                    f"can never match: {earlier} earlier in the policy already {verb} every "
                    f"connection this {rule.action} rule would, and the first match decides",
                    "remove the rule, or move it above the rules that hide it",
                )
