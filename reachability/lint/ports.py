"""Rules on how ports and policyTypes are written: DNS opened on one protocol (NP003 as written)
and policyTypes leaving out a direction whose rules are present (NP010).

NP003 here needs no pods at all, so a rule towards a resolver lint cannot see (another label, an
external address) is judged too; the semantic check in dns.py judges reachability of the DNS pods
it knows about. DNS answers that do not fit a UDP datagram are retried over TCP.

NP010: Kubernetes accepts such a policy and silently drops the rules, so the author believes
traffic is controlled that is not. Only a list written out counts: an omitted one is defaulted to
cover the rules present.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubefacts.api import DNS_PORT, POLICY_TYPES, Direction
from reachability import NetworkPolicy, Rule, plain_copy

from .dns import NP003
from .registry import SOURCE, Finding, declare, finding, flow, policy_object, written_rules

NP010 = declare(
    "NP010", "error", "policyTypes omits a direction whose rules are present", reads=(SOURCE,)
)

PAIR = ("UDP", "TCP")


def one_protocol_rules(policy: NetworkPolicy) -> Iterator[Finding]:
    """NP003 as written: a rule opening 53 on one protocol, unless another egress rule of the
    policy opens the other (whatever its peers: it stays quiet whenever the policy covers both)."""
    egress = [rule for direction, rule in written_rules(policy) if direction == "egress"]
    covered: set[str] = set()
    for rule in egress:
        covered.update(_protocols_at_53(rule))
    for rule in egress:
        mine = _protocols_at_53(rule) & set(PAIR)
        if len(mine) != 1:
            continue
        (works,) = mine
        fails = PAIR[1 - PAIR.index(works)]
        if fails in covered:
            continue
        ports = [plain_copy(p.written) for p in rule.ports or () if p.written is not None]
        ports.append({"protocol": fails, "port": DNS_PORT})
        yield finding(
            NP003,
            policy.source,
            policy_object(policy),
            f"{rule.path}.ports",
            f"opens port {DNS_PORT} on {works} but not on {fails} to its peers: DNS retries "
            f"answers that do not fit a UDP datagram over TCP, so some lookups fail "
            "intermittently",
            f"allow both protocols in this rule: `ports: {flow(ports)}`",
        )


def _protocols_at_53(rule: Rule) -> set[str]:
    """Protocols on which the rule admits port 53: every protocol when it names no port; a
    `null` entry, written as nothing, opens nothing here."""
    if rule.ports is None:
        return {"TCP", "UDP", "SCTP"}
    return {p.protocol for p in rule.ports if p.written is not None and _covers(p.port, p.end_port)}


def _covers(port: int | str | None, end: int | None) -> bool:
    if port is None:
        return True
    if isinstance(port, str):
        return False  # a named port: lint cannot tell its number here
    return port == DNS_PORT or (end is not None and port <= DNS_PORT <= end)


def ignored_rules(policy: NetworkPolicy) -> Iterator[Finding]:
    """NP010: each direction with rules that a written policyTypes list leaves out."""
    types = policy.written_policy_types
    if types is None:
        return
    for direction, rules in (
        (Direction.INGRESS, policy.ingress),
        (Direction.EGRESS, policy.egress),
    ):
        type_name = direction.policy_type
        if type_name in types or not rules:
            continue
        wanted = [t for t in POLICY_TYPES if t in types or t == type_name]
        yield finding(
            NP010,
            policy.source,
            policy_object(policy),
            "spec.policyTypes",
            f"policyTypes {flow(list(types))} leaves out {type_name}, so the {len(rules)} "
            f"{direction} rule(s) are ignored and {direction} is not controlled by this policy",
            f"`policyTypes: {flow(wanted)}`, or delete spec.{direction} if it is not meant",
        )
