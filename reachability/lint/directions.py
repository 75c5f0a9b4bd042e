"""Rule on policyTypes (NP010): rules for a direction that policyTypes leaves out are ignored.

Kubernetes accepts such a policy and silently drops the rules, so the author believes traffic is
controlled that is not. Only a list written out counts: an omitted one is defaulted to cover the
rules present.
"""

from __future__ import annotations

from collections.abc import Iterator

from reachability import NetworkPolicy

from .registry import SOURCE, Finding, declare, finding, flow, policy_object

NP010 = declare(
    "NP010", "error", "policyTypes omits a direction whose rules are present", reads=(SOURCE,)
)


def ignored_rules(policy: NetworkPolicy) -> Iterator[Finding]:
    types = policy.written_policy_types
    if types is None:
        return
    for direction, type_name, rules in (
        ("ingress", "Ingress", policy.ingress),
        ("egress", "Egress", policy.egress),
    ):
        if type_name in types or not rules:
            continue
        wanted = [t for t in ("Ingress", "Egress") if t in types or t == type_name]
        yield finding(
            NP010,
            policy.source,
            policy_object(policy),
            "spec.policyTypes",
            f"policyTypes {flow(list(types))} leaves out {type_name}, so the {len(rules)} "
            f"{direction} rule(s) are ignored and {direction} is not controlled by this policy",
            f"`policyTypes: {flow(wanted)}`, or delete spec.{direction} if it is not meant",
        )
