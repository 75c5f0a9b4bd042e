"""NP003 as written: an egress rule that opens port 53 on UDP or TCP, but not both.

The semantic DNS check (dns.py) judges reachability of the DNS pods it knows about; this one needs
no pods at all, so a rule towards a resolver lint cannot see (another label, an external address)
is judged too. DNS answers that do not fit a UDP datagram are retried over TCP.
"""

from __future__ import annotations

from collections.abc import Iterator

from reachability import NetworkPolicy
from reachability.model import Rule

from .dns import NP003
from .registry import Finding, finding, flow, plain, policy_object, written_rules

DNS_PORT = 53
PAIR = ("UDP", "TCP")


def one_protocol_rules(policy: NetworkPolicy) -> Iterator[Finding]:
    """A rule opening 53 on one protocol, unless another egress rule of the policy opens the
    other (whatever its peers: the rule stays quiet whenever the policy covers both)."""
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
        ports = [dict(plain(p.written)) for p in rule.ports or () if p.written is not None]
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
