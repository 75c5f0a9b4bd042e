"""One side of a connection through the tiers: Admin ClusterNetworkPolicies, then the namespace's
NetworkPolicies, then Baseline ClusterNetworkPolicies (policy.networking.k8s.io/v1alpha2).

For a subject pod and one direction, the ClusterNetworkPolicies whose subject it is are walked
in evaluation order (`ClusterNetworkPolicy.order`), each one's rules in written order. In the
Admin tier the first rule whose peers hold the other end and whose `protocols` match decides:
Accept allows, Deny denies, Pass leaves the Admin tier. Then, if a NetworkPolicy isolates the
pod in that direction, the NetworkPolicies decide, and nothing after them is read. Otherwise the
Baseline tier is walked the same way, where Pass (and no match at all) means the default: allowed.

Both forms live here, side by side: `tiered_peers` answers for every peer at once, as bitsets (the
matrix and the side sets), `first_match` for one connection, naming the rule (`allowed`).
"""

from __future__ import annotations

from kubefacts.api import Direction
from kubefacts.cluster_network_policy import Action, Tier
from reachability._index import ClusterIndex
from reachability._ports import cluster_ports_admit
from reachability.cluster_policy import ClusterRule
from reachability.model import Endpoint

_ACCEPT, _DENY, _PASS = Action.ACCEPT, Action.DENY, Action.PASS
_EGRESS = Direction.EGRESS


def tiered_peers(
    index: ClusterIndex,
    direction: Direction,
    tiers: tuple[int, ...],
    target: Endpoint | None,
    port: int,
    protocol: str,
    isolated: int | None,
) -> int:
    """The peers a side lets through on (port, protocol): `tiers` are the subject's
    ClusterNetworkPolicies (positions, evaluation order); `isolated` the peers the
    NetworkPolicies isolating it admit, None when none isolates it. `target` is the subject
    for ingress (named ports resolve on it), None for egress (they resolve per destination)."""
    policies = index.cluster.cluster_policies
    admin = [k for k in tiers if policies[k].tier == Tier.ADMIN]
    allowed, undecided, passed = _walk(index, direction, admin, target, port, protocol, index.all)
    undecided |= passed
    if isolated is not None:
        return allowed | (undecided & isolated)
    baseline = [k for k in tiers if policies[k].tier == Tier.BASELINE]
    more, undecided, passed = _walk(index, direction, baseline, target, port, protocol, undecided)
    return allowed | more | undecided | passed


def _walk(
    index: ClusterIndex,
    direction: Direction,
    tier: list[int],
    target: Endpoint | None,
    port: int,
    protocol: str,
    remaining: int,
) -> tuple[int, int, int]:
    """(accepted, matched by no rule, passed) among `remaining`, through one tier."""
    accepted = passed = 0
    policies = index.cluster.cluster_policies
    for k in tier:
        for r, rule in enumerate(policies[k].rules(direction)):
            if not remaining:
                return accepted, remaining, passed
            if direction == _EGRESS:
                matched = index.tiers.destination_port_bits(k, direction, r, port, protocol)
            elif cluster_ports_admit(rule.ports, target, port, protocol):
                matched = remaining
            else:
                continue
            matched &= remaining & index.tiers.rule_bits(k, direction, r)
            if not matched:
                continue
            if rule.action == _ACCEPT:
                accepted |= matched
            elif rule.action == _PASS:
                passed |= matched
            remaining &= ~matched
    return accepted, remaining, passed


def first_match(
    index: ClusterIndex,
    direction: Direction,
    tiers: tuple[int, ...],
    tier: Tier,
    peer: Endpoint,
    destination: Endpoint,
    port: int,
    protocol: str,
) -> tuple[int, int, ClusterRule] | None:
    """The first rule of `tier` among the subject's `tiers` that matches the connection with
    `peer` (its other end) to `destination` on (port, protocol): (policy, rule, the rule)."""
    policies = index.cluster.cluster_policies
    for k in tiers:
        policy = policies[k]
        if policy.tier != tier:
            continue
        for r, rule in enumerate(policy.rules(direction)):
            if not cluster_ports_admit(rule.ports, destination, port, protocol):
                continue
            if index.tiers.rule_admits(k, direction, r, peer):
                return k, r, rule
    return None
