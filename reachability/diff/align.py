"""Lining two manifest sets up on the same pods, so that their verdicts compare flow by flow.

Representative pods depend on the selectors, and the two sides rarely have the same selectors. The
pods are therefore chosen once, from both sides together (the union of their selectors and
namespaces), and each side is then rebuilt with exactly those pods. A flow is then the same flow on
both sides, and any difference is the policies'.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from reachability import Cluster, Options, Pod


@dataclass(frozen=True, slots=True)
class Aligned:
    """Both sides on the same pods; `representative` when those pods were synthesized."""

    before: Cluster
    after: Cluster
    pods: tuple[Pod, ...]
    representative: bool


def align(before: Cluster, after: Cluster, options: Options) -> Aligned:
    # One namespace per name (the later side's labels win), the given pods of both sides, and
    # both policy sets under names that cannot collide: enough to choose the pods once.
    namespaces = {ns.name: ns for ns in (*before.namespaces, *after.namespaces)}
    pods = {pod.id: pod for side in (before, after) if not side.representative for pod in side.pods}
    policies = (
        *before.with_policy_prefix("before-").policies,
        *after.with_policy_prefix("after-").policies,
    )
    tiers = (*before.cluster_policies, *after.cluster_policies)  # only their selectors count here
    union = Cluster.build(namespaces.values(), pods.values(), policies, options, tiers)
    # A representative pod talking to "itself" stands for two replicas with the same labels, which
    # the policies decide; only a real pod reaching itself can be loopback (loopback_allowed).
    fixed = dataclasses.replace(
        options,
        loopback_allowed=options.loopback_allowed and not union.representative,
        representatives=False,
    )

    def rebuild(side: Cluster) -> Cluster:
        own = {ns.name for ns in side.namespaces}
        extra = [ns for ns in union.namespaces if ns.name not in own]
        return Cluster.build(
            (*side.namespaces, *extra), union.pods, side.policies, fixed, side.cluster_policies
        )

    return Aligned(
        before=rebuild(before),
        after=rebuild(after),
        pods=union.pods,
        representative=union.representative,
    )
