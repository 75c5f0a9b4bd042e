"""NP003 as written: an egress rule that opens port 53 on UDP or TCP, but not both, to its peers.

The semantic DNS check (dns.py) judges reachability of the DNS pods it knows about; this one needs
no pods at all, so a rule towards a resolver lint cannot see (another label, an external address)
is judged too. DNS answers that do not fit a UDP datagram are retried over TCP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from kubefacts.api import DNS_PORT

from .findings import Finding, finding
from .walk import PolicyLike, RuleSite, flow, obj_of, plain, ports_of, rules_of

PAIR = ("UDP", "TCP")


def one_protocol_rules(policy: PolicyLike) -> Iterator[Finding]:
    egress = [site for site in rules_of(policy) if site.direction == "egress"]
    covered: dict[str, set[str]] = {}
    for site in egress:
        covered.setdefault(_peers(site), set()).update(_protocols_at_53(site))
    for site in egress:
        mine = _protocols_at_53(site) & set(PAIR)
        if len(mine) != 1:
            continue
        (works,) = mine
        fails = PAIR[1 - PAIR.index(works)]
        if fails in covered[_peers(site)]:
            continue  # another rule of the policy opens the other protocol to the same peers
        ports = [dict(plain(p)) for _, p in ports_of(site)]
        ports.append({"protocol": fails, "port": DNS_PORT})
        yield finding(
            "NP003",
            policy.source,
            obj_of(policy),
            f"{site.field}.ports",
            f"opens port {DNS_PORT} on {works} but not on {fails} to its peers: DNS retries "
            f"answers that do not fit a UDP datagram over TCP, so some lookups fail "
            "intermittently",
            f"allow both protocols in this rule: `ports: {flow(ports)}`",
        )


def _protocols_at_53(site: RuleSite) -> set[str]:
    """Protocols on which the rule admits port 53 (every protocol when it names no port)."""
    entries = ports_of(site)
    if not entries and not site.rule.get("ports"):
        return {"TCP", "UDP", "SCTP"}
    found = set()
    for _, entry in entries:
        protocol = str(entry.get("protocol") or "TCP")
        if _covers(entry.get("port"), entry.get("endPort")):
            found.add(protocol)
    return found


def _covers(port: Any, end: Any) -> bool:
    if port is None:
        return True
    if isinstance(port, bool) or not isinstance(port, int):
        return False  # a named port: lint cannot tell its number here
    return port == DNS_PORT or (isinstance(end, int) and port <= DNS_PORT <= end)


def _peers(site: RuleSite) -> str:
    peers = site.rule.get(site.peers_key)
    return json.dumps(
        plain(peers) if isinstance(peers, Mapping | list | tuple) else None, sort_keys=True
    )
