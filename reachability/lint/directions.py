"""Rule on policyTypes (NP010): rules for a direction that policyTypes leaves out are ignored.

Kubernetes accepts such a policy and silently drops the rules, so the author believes traffic is
controlled that is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubefacts.api import POLICY_TYPES, Direction

from .findings import Finding, finding
from .walk import PolicyLike, flow, obj_of, spec_of


def ignored_rules(policy: PolicyLike) -> Iterator[Finding]:
    spec = spec_of(policy)
    types = spec.get("policyTypes")
    if not isinstance(types, Sequence) or isinstance(types, str):
        return
    for direction in Direction:
        type_name = direction.policy_type
        rules = spec.get(direction)
        if type_name in types or not isinstance(rules, Sequence) or not rules:
            continue
        wanted = [t for t in POLICY_TYPES if t in types or t == type_name]
        yield finding(
            "NP010",
            policy.source,
            obj_of(policy),
            "spec.policyTypes",
            f"policyTypes {flow(list(types))} leaves out {type_name}, so the {len(rules)} "
            f"{direction} rule(s) are ignored and {direction} is not controlled by this policy",
            f"`policyTypes: {flow(wanted)}`, or delete spec.{direction} if it is not meant",
        )
