"""Rules on egress ipBlocks meant for "the internet": metadata (NP004) and private ranges (NP011).

`0.0.0.0/0` reads as "the outside world" but also covers the cloud metadata service (instance
credentials) and the private ranges where nodes, pods and VPC services live.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence

from reachability import IPBlock, NetworkPolicy

from .registry import SOURCE, Finding, declare, finding, flow, policy_object, written_rules

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_V4 = ipaddress.ip_address("169.254.169.254")
METADATA_V6 = ipaddress.ip_address("fd00:ec2::254")
PRIVATE_V4 = tuple(
    ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
PRIVATE_V6 = (ipaddress.ip_network("fc00::/7"),)


NP004 = declare(
    "NP004", "error", "wide egress ipBlock reaches the cloud metadata service", reads=(SOURCE,)
)
NP011 = declare(
    "NP011", "warning", "wide egress ipBlock does not except private ranges", reads=(SOURCE,)
)


def metadata_exposed(policy: NetworkPolicy) -> Iterator[Finding]:
    """NP004: an egress ipBlock that contains the metadata address and does not except it."""
    for field, block in _egress_blocks(policy):
        cidr, excepts = block.cidr, block.except_
        address = METADATA_V4 if cidr.version == 4 else METADATA_V6
        if address not in cidr or any(address in e for e in excepts):
            continue
        suggestion = sorted({*(str(e) for e in excepts), f"{address}/{cidr.max_prefixlen}"})
        yield finding(
            NP004,
            policy.source,
            policy_object(policy),
            field,
            f"egress to {cidr} includes the cloud metadata service {address}, which hands out "
            "the node's credentials to any pod that can reach it",
            f"add it to the block's except list: `except: {flow(suggestion)}`",
        )


def private_ranges_open(policy: NetworkPolicy) -> Iterator[Finding]:
    """NP011: a block wider than a private range that leaves the range in."""
    for field, block in _egress_blocks(policy):
        cidr, excepts = block.cidr, block.except_
        ranges = PRIVATE_V4 if cidr.version == 4 else PRIVATE_V6
        open_ranges = [
            r
            for r in ranges
            if cidr.prefixlen < r.prefixlen
            and r.subnet_of(cidr)  # type: ignore[arg-type]
            and not any(r.subnet_of(e) for e in excepts if e.version == r.version)  # type: ignore[arg-type]
        ]
        if not open_ranges:
            continue
        names = ", ".join(str(r) for r in open_ranges)
        yield finding(
            NP011,
            policy.source,
            policy_object(policy),
            field,
            f"egress to {cidr} also reaches the private ranges {names} (nodes, other pods, "
            "internal services), which an internet rule rarely means to open",
            f"except them: `except: {flow(_union(excepts, open_ranges))}` or narrow the cidr",
        )


def _union(*groups: Sequence[Network]) -> list[str]:
    return sorted({str(n) for group in groups for n in group})


def _egress_blocks(policy: NetworkPolicy) -> Iterator[tuple[str, IPBlock]]:
    """Every egress ipBlock as written (the parser has checked each except is a subset of its
    cidr, of the same IP family), with the field it sits at."""
    for direction, rule in written_rules(policy):
        if direction != "egress":
            continue
        for peer in rule.peers or ():
            if peer.ip_block is not None:
                yield f"{peer.path}.ipBlock", peer.ip_block
