"""Upstream ClusterNetworkPolicy conformance restated: kubernetes-sigs/network-policy-api
conformance/tests/*.go at commit 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159 (v1alpha2, the API of
network-policy-api v0.2.0), over its model (conformance/base/manifests.yaml) and the policies
each test applies (conformance/base/{admin_tier,baseline_tier,api_integration}/*.yaml), both
copied verbatim into tests/data/network-policy-api/conformance/.

Each upstream test applies its manifests, probes, then mutates the policies (swaps rules, edits an
action or a priority, inserts a rule, relabels a namespace, deletes a NetworkPolicy) and probes
again; the mutations accumulate within a test. Every cluster state here is one such state,
built by the same mutations in the same order, and holds:

- ``probes``: every ``PokeServer`` call upstream makes in that state, transcribed as (client pod,
  server pod, port, protocol, expected). Upstream pokes the server pod's IP; the endpoint here
  is the pod.
- ``table``: the expected verdict of every ordered pair of distinct endpoints (the 10 pods and
  two external addresses) on every port the pods serve (and, for the node-peer tests, every port
  centaur serves on its node), derived by hand from the policies as the API defines them. The
  probes are checked to be cells of the table with the same value, so the tables restate
  upstream and extend it to the pairs upstream does not probe.

Each table is asserted through the independent oracle (tests/support/cnp_oracle.py) and through
the engine (``allowed``), a sample through the CLI (``check --format json``, its main in-process),
a few deciding rules through ``SideVerdict.decided_by``, and the pods reaching themselves on their
own (hairpin traffic is not subject to CNP, site-src/api-overview.md).

The model is concrete Pods, the StatefulSets' replicas (tests/support/conformance_model.py says
why); one test also loads upstream's StatefulSets as they are.

Restated: every test of conformance/tests/ with the standard features (admin and baseline
ingress/egress TCP, UDP, SCTP, the combined gress rules, inline CIDR peers, the priority field, the
ANP-NP-BANP integration) and the experimental named-port tests. The experimental node-peer tests
(CNPAdminTierEgressNodePeers, CNPBaselineTierEgressNodePeers) select nodes by
``kubernetes.io/os: linux``, which needs Node objects: restated with ``nodes: {}`` (every node
of a conformance cluster runs linux, so the probes' expectations are unchanged), and the verbatim
policies are checked to be refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reachability import UserError, allowed, from_manifests, load
from reachability.cli import main
from tests.support.builders import dump_one
from tests.support.cnp_oracle import CnpOracle, Unsupported, rule_fields
from tests.support.conformance_model import (
    CONFORMANCE,
    EXTERNALS,
    HOST_PORTS,
    POD_IDS,
    POD_PORTS,
    WORKLOAD,
    G,
    H,
    R,
    S,
    Table,
    expectations_yaml,
    model,
    pod_id,
    ref,
    tree_copy,
    write_folder,
)
from tests.support.conformance_model import F as FOREST
from tests.support.conformance_model import load as load_upstream
from tests.support.processes import run_in_process

Doc = dict[str, Any]

TCP80, TCP8080 = (80, "TCP"), (8080, "TCP")
UDP53, UDP5353 = (53, "UDP"), (5353, "UDP")
SCTP9003 = (9003, "SCTP")
INGRESS_TCP = "standard-ingress-tcp-rules.yaml"


@dataclass(frozen=True)
class Probe:
    src: str
    dst: str
    port: int
    protocol: str
    expected: bool


def P(src: str, dst: str, port: int, protocol: str, expected: bool) -> Probe:
    """One ``kubernetes.PokeServer`` call: client pod, server pod (short house names)."""
    return Probe(ref(src), ref(dst), port, protocol, expected)


# Every PokeServer call of conformance/tests/*.go, per test and cluster state, in upstream's
# order (the node-peer tests' ``s.HostNetworkPorts[i]`` is 34345 + i).
PROBES: dict[str, tuple[tuple[Probe, ...], ...]] = {
    "CNPAdminTierEgressNamedPort": (
        (  # state 0
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 8080, "TCP", False),
        ),
    ),
    "CNPAdminTierEgressNodePeers": (
        (  # state 0
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34345, "TCP", True),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34347, "UDP", True),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34346, "TCP", False),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34349, "UDP", False),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34351, "SCTP", False),
        ),
    ),
    "CNPAdminTierIngressNamedPort": (
        (  # state 0
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 5353, "UDP", False),
        ),
    ),
    "CNPAdminTierEgressInlineCIDRPeers": (
        (  # state 0
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9003, "SCTP", True),
        ),
        (  # state 1
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9003, "SCTP", False),
        ),
        (  # state 2
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9003, "SCTP", True),
        ),
        (  # state 3
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 9003, "SCTP", False),
        ),
    ),
    "CNPAdminTierEgressSCTP": (
        (  # state 0
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 9005, "SCTP", True),
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-1", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-1", 9005, "SCTP", False),
        ),
        (  # state 1
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 9003, "SCTP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 9005, "SCTP", False),
            P("ravenclaw/luna-lovegood-0", "slytherin/draco-malfoy-0", 9003, "SCTP", False),
            P("ravenclaw/luna-lovegood-1", "slytherin/draco-malfoy-0", 9005, "SCTP", True),
        ),
        (  # state 2
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 9005, "SCTP", True),
        ),
        (  # state 3
            P("ravenclaw/luna-lovegood-0", "slytherin/draco-malfoy-0", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-1", "slytherin/draco-malfoy-0", 9005, "SCTP", True),
        ),
    ),
    "CNPAdminTierEgressTCP": (
        (  # state 0
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 8080, "TCP", True),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 8080, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 80, "TCP", False),
        ),
        (  # state 1
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 8080, "TCP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
        ),
        (  # state 2
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 8080, "TCP", True),
        ),
        (  # state 3
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
        ),
    ),
    "CNPAdminTierEgressUDP": (
        (  # state 0
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-0", 53, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-0", 5353, "UDP", True),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 53, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 5353, "UDP", False),
        ),
        (  # state 1
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-1", 53, "UDP", False),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-1", 5353, "UDP", False),
            P("hufflepuff/cedric-diggory-0", "slytherin/draco-malfoy-0", 5353, "UDP", False),
            P("hufflepuff/cedric-diggory-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
        ),
        (  # state 2
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-1", 5353, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-1", 53, "UDP", True),
        ),
        (  # state 3
            P("hufflepuff/cedric-diggory-0", "slytherin/draco-malfoy-0", 5353, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
        ),
    ),
    "CNPAdminTierGress": (
        (  # state 0
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 53, "UDP", True),
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 53, "UDP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 8080, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 80, "TCP", False),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 5353, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 53, "UDP", False),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 9005, "SCTP", False),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, "TCP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 5353, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 53, "UDP", False),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 9003, "SCTP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 9005, "SCTP", False),
        ),
        (  # state 1
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 53, "UDP", False),
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", False),
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 80, "TCP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 53, "UDP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 9003, "SCTP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 5353, "UDP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9005, "SCTP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 53, "UDP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 5353, "UDP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 9003, "SCTP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 9005, "SCTP", True),
        ),
        (  # state 2
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 5353, "UDP", True),
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 53, "UDP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 9003, "SCTP", True),
        ),
        (  # state 3
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 5353, "UDP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9005, "SCTP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 53, "UDP", True),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 5353, "UDP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 9003, "SCTP", True),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 9005, "SCTP", True),
        ),
    ),
    "CNPAdminTierIngressSCTP": (
        (  # state 0
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 9005, "SCTP", True),
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", True),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-1", 9005, "SCTP", False),
        ),
        (  # state 1
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 9005, "SCTP", False),
            P("slytherin/draco-malfoy-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", False),
            P("slytherin/draco-malfoy-1", "ravenclaw/luna-lovegood-0", 9005, "SCTP", True),
        ),
        (  # state 2
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 9005, "SCTP", True),
        ),
        (  # state 3
            P("slytherin/draco-malfoy-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("slytherin/draco-malfoy-1", "ravenclaw/luna-lovegood-0", 9005, "SCTP", True),
        ),
    ),
    "CNPAdminTierIngressTCP": (
        (  # state 0
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, "TCP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
        ),
        (  # state 1
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 80, "TCP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
        ),
        (  # state 2
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
        ),
        (  # state 3
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
        ),
    ),
    "CNPAdminTierIngressUDP": (
        (  # state 0
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-0", 5353, "UDP", True),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 5353, "UDP", False),
        ),
        (  # state 1
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-1", 53, "UDP", False),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-1", 5353, "UDP", False),
            P("slytherin/draco-malfoy-0", "hufflepuff/cedric-diggory-0", 5353, "UDP", False),
            P("slytherin/draco-malfoy-1", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
        ),
        (  # state 2
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-1", 5353, "UDP", True),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-1", 53, "UDP", True),
        ),
        (  # state 3
            P("slytherin/draco-malfoy-0", "hufflepuff/cedric-diggory-0", 5353, "UDP", True),
            P("slytherin/draco-malfoy-1", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
        ),
    ),
    "CNPAdminTierIntegration": (
        (  # state 0
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", False),
        ),
        (  # state 1
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
        ),
        (  # state 2
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
        ),
        (  # state 3
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", False),
        ),
    ),
    "CNPAdminTierPriorityField": (
        (  # state 0
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", False),
        ),
        (  # state 1
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
        ),
    ),
    "CNPBaselineTierEgressNamedPort": (
        (  # state 0
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 53, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 5353, "UDP", False),
        ),
    ),
    "CNPBaselineTierEgressNodePeers": (
        (  # state 0
            P("gryffindor/harry-potter-0", "forbidden-forrest/centaur-1", 34345, "TCP", True),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34346, "TCP", True),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34349, "UDP", False),
            P("gryffindor/harry-potter-1", "forbidden-forrest/centaur-1", 34351, "SCTP", False),
        ),
    ),
    "CNPBaselineTierIngressNamedPort": (
        (  # state 0
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, "TCP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
        ),
    ),
    "CNPBaselineTierEgressInlineCIDRPeers": (
        (  # state 0
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9003, "SCTP", True),
        ),
        (  # state 1
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9003, "SCTP", False),
        ),
        (  # state 2
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9003, "SCTP", True),
        ),
        (  # state 3
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 9003, "SCTP", False),
        ),
    ),
    "CNPBaselineTierEgressSCTP": (
        (  # state 0
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 9005, "SCTP", True),
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-1", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-1", 9005, "SCTP", False),
        ),
        (  # state 1
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 9003, "SCTP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 9005, "SCTP", False),
            P("ravenclaw/luna-lovegood-0", "slytherin/draco-malfoy-0", 9003, "SCTP", False),
            P("ravenclaw/luna-lovegood-1", "slytherin/draco-malfoy-0", 9005, "SCTP", True),
        ),
    ),
    "CNPBaselineTierEgressTCP": (
        (  # state 0
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 8080, "TCP", True),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 8080, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 80, "TCP", False),
        ),
        (  # state 1
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 8080, "TCP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
        ),
    ),
    "CNPBaselineTierEgressUDP": (
        (  # state 0
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-0", 53, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-0", 5353, "UDP", True),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 53, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 5353, "UDP", False),
        ),
        (  # state 1
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-1", 53, "UDP", False),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-1", 5353, "UDP", False),
            P("hufflepuff/cedric-diggory-0", "slytherin/draco-malfoy-0", 5353, "UDP", False),
            P("hufflepuff/cedric-diggory-1", "slytherin/draco-malfoy-0", 53, "UDP", True),
        ),
    ),
    "CNPBaselineTierGress": (
        (  # state 0
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, "TCP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 53, "UDP", True),
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 53, "UDP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 8080, "TCP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 80, "TCP", False),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 5353, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 53, "UDP", False),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 9005, "SCTP", False),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, "TCP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 5353, "UDP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 53, "UDP", False),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 9003, "SCTP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 9005, "SCTP", False),
        ),
        (  # state 1
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 53, "UDP", False),
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", False),
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 80, "TCP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 53, "UDP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 9003, "SCTP", False),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, "TCP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, "TCP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 53, "UDP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 5353, "UDP", True),
            P("gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 9005, "SCTP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 53, "UDP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 5353, "UDP", True),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 9003, "SCTP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 9005, "SCTP", True),
        ),
    ),
    "CNPBaselineTierIngressSCTP": (
        (  # state 0
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", True),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 9005, "SCTP", True),
            P("hufflepuff/cedric-diggory-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", True),
            P("hufflepuff/cedric-diggory-1", "ravenclaw/luna-lovegood-1", 9005, "SCTP", False),
        ),
        (  # state 1
            P("gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-1", 9003, "SCTP", False),
            P("gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-1", 9005, "SCTP", False),
            P("slytherin/draco-malfoy-0", "ravenclaw/luna-lovegood-0", 9003, "SCTP", False),
            P("slytherin/draco-malfoy-1", "ravenclaw/luna-lovegood-0", 9005, "SCTP", True),
        ),
    ),
    "CNPBaselineTierIngressTCP": (
        (  # state 0
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, "TCP", True),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
            P("hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, "TCP", True),
            P("hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
        ),
        (  # state 1
            P("ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 80, "TCP", False),
            P("ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 8080, "TCP", False),
            P("slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, "TCP", False),
            P("slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, "TCP", True),
        ),
    ),
    "CNPBaselineTierIngressUDP": (
        (  # state 0
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-0", 5353, "UDP", True),
            P("gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 53, "UDP", True),
            P("gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 5353, "UDP", False),
        ),
        (  # state 1
            P("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-1", 53, "UDP", False),
            P("ravenclaw/luna-lovegood-1", "hufflepuff/cedric-diggory-1", 5353, "UDP", False),
            P("slytherin/draco-malfoy-0", "hufflepuff/cedric-diggory-0", 5353, "UDP", False),
            P("slytherin/draco-malfoy-1", "hufflepuff/cedric-diggory-0", 53, "UDP", True),
        ),
    ),
}


# --------------------------------------------------------------------------- mutations
# What upstream's tests do to the applied objects between probes (a Mutation edits the
# documents in place; the states accumulate them in order).

Mutation = Callable[[list[Doc]], None]


def cnp_named(docs: list[Doc], name: str) -> Doc:
    (found,) = [
        d for d in docs if d["kind"] == "ClusterNetworkPolicy" and d["metadata"]["name"] == name
    ]
    return found


def swap(name: str, i: int, j: int, *directions: str) -> Mutation:
    """``mutate.Spec.Ingress[i], mutate.Spec.Ingress[j] = ...[j], ...[i]`` (and/or Egress)."""

    def apply(docs: list[Doc]) -> None:
        spec = cnp_named(docs, name)["spec"]
        for direction in directions:
            rules = spec[direction]
            rules[i], rules[j] = rules[j], rules[i]

    return apply


def set_action(name: str, direction: str, i: int, action: str) -> Mutation:
    def apply(docs: list[Doc]) -> None:
        cnp_named(docs, name)["spec"][direction][i]["action"] = action

    return apply


def set_priority(name: str, priority: int) -> Mutation:
    def apply(docs: list[Doc]) -> None:
        cnp_named(docs, name)["spec"]["priority"] = priority

    return apply


def named_port(name: str, direction: str, i: int, port_name: str) -> Mutation:
    """``rule.Protocols = [{DestinationNamedPort: port_name}]``."""

    def apply(docs: list[Doc]) -> None:
        cnp_named(docs, name)["spec"][direction][i]["protocols"] = [
            {"destinationNamedPort": port_name}
        ]

    return apply


def insert_networks_rule(name: str, *pods: str) -> Mutation:
    """The inline-CIDR tests' new egress rule 0: Accept to the /32 of each pod's IP."""

    def apply(docs: list[Doc]) -> None:
        ips = {
            f"{d['metadata']['namespace']}/{d['metadata']['name']}": d["status"]["podIP"]
            for d in docs
            if d["kind"] == "Pod"
        }
        rule = {
            "name": "allow-egress-to-specific-podIPs",
            "action": "Accept",
            "to": [{"networks": [f"{ips[p]}/32" for p in pods]}],
        }
        spec = cnp_named(docs, name)["spec"]
        spec["egress"] = [rule, *spec["egress"]]

    return apply


def relabel_namespace(ns: str, labels: dict[str, str]) -> Mutation:
    """``namespace.SetLabels(labels)`` (the API server keeps kubernetes.io/metadata.name)."""

    def apply(docs: list[Doc]) -> None:
        (found,) = [d for d in docs if d["kind"] == "Namespace" and d["metadata"]["name"] == ns]
        found["metadata"]["labels"] = dict(labels)

    return apply


def delete_network_policy(ns: str, name: str) -> Mutation:
    def apply(docs: list[Doc]) -> None:
        (found,) = [
            i
            for i, d in enumerate(docs)
            if d["kind"] == "NetworkPolicy"
            and (d["metadata"]["namespace"], d["metadata"]["name"]) == (ns, name)
        ]
        del docs[found]

    return apply


def nodes_every_node(docs: list[Doc]) -> None:
    """The node-peer tests restated: ``nodes: {matchLabels: {kubernetes.io/os: linux}}`` (every
    node of a conformance cluster) as ``nodes: {}``, since the analyzer has no Node objects."""
    for d in docs:
        if d["kind"] == "ClusterNetworkPolicy":
            for rule in d["spec"].get("egress") or []:
                for peer in rule["to"]:
                    if "nodes" in peer:
                        assert peer["nodes"] == {"matchLabels": {"kubernetes.io/os": "linux"}}
                        peer["nodes"] = {}


# --------------------------------------------------------------------------- the states


@dataclass(frozen=True)
class State:
    test: str  # upstream's ShortName
    index: int  # position among the test's states
    label: str  # what upstream changed to get here
    docs: tuple[Doc, ...]
    table: Table
    probes: tuple[Probe, ...]

    @property
    def key(self) -> str:
        return f"{self.test}/{self.index}"


STATES: dict[str, State] = {}
SOURCES: dict[str, str] = {}  # test -> upstream test file


Step = tuple[str, Sequence[Mutation], Table]


def scenario(test: str, source: str, manifests: Sequence[str], steps: Sequence[Step]) -> None:
    """Upstream test ``test`` (conformance/tests/``source``): applies ``manifests`` on the base
    model, then each step's mutations, in order, each giving one state with its table."""
    SOURCES[test] = source
    docs = [*model(), *(d for m in manifests for d in load_upstream(m))]
    probes = PROBES[test]
    assert len(probes) == len(steps), test
    for index, ((label, mutations, table), state_probes) in enumerate(
        zip(steps, probes, strict=True)
    ):
        docs = tree_copy(docs)
        for mutate in mutations:
            mutate(docs)
        state = State(test, index, label, tuple(docs), table, state_probes)
        STATES[state.key] = state


def seven_rule_tables(
    sides: Sequence[
        tuple[str, str, str, str, Sequence[tuple[int, str]], str, Sequence[tuple[int, str]]]
    ],
) -> list[Table]:
    """The admin tier's rule-order tests. Each (direction, subject, x, y, y_on, z, z_on) is one
    direction of the subject's CNP, written [Accept x, Deny x, Pass x, Deny y on y_on, Pass y
    on y_on, Accept z on z_on, Deny z]; upstream then swaps rules 0 and 1, then 0 and 2, then
    3 and 4. No NetworkPolicy and no Baseline CNP exists, so a Pass ends at the default: allowed.

    initial:  x allowed (Accept first); y denied on y_on (Deny); z allowed on z_on, else denied
    swap 0-1: x denied (Deny first)
    swap 0-2: x allowed (Pass first, then the default)
    swap 3-4: ... and y allowed on y_on (Pass before the Deny)
    """

    def table(x_allowed: bool, y_allowed: bool) -> Table:
        t = Table()
        for direction, subject, x, y, y_on, z, z_on in sides:
            t.between(x_allowed, direction, subject, x)
            t.between(y_allowed, direction, subject, y, y_on)
            t.between(False, direction, subject, z)
            t.between(True, direction, subject, z, z_on)
        return t

    return [table(True, False), table(False, False), table(True, False), table(True, True)]


def five_rule_tables(
    sides: Sequence[
        tuple[str, str, str, str, Sequence[tuple[int, str]], str, Sequence[tuple[int, str]]]
    ],
) -> list[Table]:
    """The baseline tier's rule-order tests: [Accept x, Deny x, Deny y on y_on, Accept z on
    z_on, Deny z], then rules 0 and 1 swapped. No NetworkPolicy isolates any pod, so the
    Baseline CNP decides what it matches.

    initial:  x allowed; y denied on y_on; z allowed on z_on, else denied
    swap 0-1: x denied
    """

    def table(x_allowed: bool) -> Table:
        t = Table()
        for direction, subject, x, y, y_on, z, z_on in sides:
            t.between(x_allowed, direction, subject, x)
            t.between(False, direction, subject, y, y_on)
            t.between(False, direction, subject, z)
            t.between(True, direction, subject, z, z_on)
        return t

    return [table(True), table(False)]


RULE_ORDER = {
    # test: (file stem, direction(s), subject, x, y, y_on, z, z_on)
    "IngressTCP": ("standard-ingress-tcp-rules", "ingress", G, R, S, [TCP80], H, [TCP80]),
    "IngressUDP": ("standard-ingress-udp-rules", "ingress", H, R, S, [UDP5353], G, [UDP53]),
    "IngressSCTP": ("standard-ingress-sctp-rules", "ingress", R, G, S, [SCTP9003], H, [SCTP9003]),
    "EgressTCP": ("standard-egress-tcp-rules", "egress", G, R, S, [TCP80], H, [TCP8080]),
    "EgressUDP": ("standard-egress-udp-rules", "egress", H, R, S, [UDP5353], G, [UDP53]),
    "EgressSCTP": ("standard-egress-sctp-rules", "egress", R, G, S, [SCTP9003], H, [SCTP9003]),
}
ADMIN_NAMES = {
    "IngressTCP": "ingress-tcp",
    "IngressUDP": "ingress-udp",
    "IngressSCTP": "ingress-sctp",
    "EgressTCP": "egress-tcp",
    "EgressUDP": "egress-udp",
    "EgressSCTP": "egress-sctp",
}
GRESS_Y = [TCP80, UDP53, SCTP9003]
GRESS_SIDES = [
    ("egress", G, R, S, GRESS_Y, H, [TCP8080, UDP5353, SCTP9003]),
    ("ingress", G, R, S, GRESS_Y, H, [TCP80, UDP5353, SCTP9003]),
]


for short, (stem, direction, subject, x, y, y_on, z, z_on) in RULE_ORDER.items():
    name = ADMIN_NAMES[short]
    admin = seven_rule_tables([(direction, subject, x, y, y_on, z, z_on)])
    scenario(
        f"CNPAdminTier{short}",
        f"admin-network-policy-{stem}.go",
        [f"admin_tier/{stem}.yaml"],
        [
            ("initial", [], admin[0]),
            ("rules 0 and 1 swapped", [swap(name, 0, 1, direction)], admin[1]),
            ("then rules 0 and 2 swapped", [swap(name, 0, 2, direction)], admin[2]),
            ("then rules 3 and 4 swapped", [swap(name, 3, 4, direction)], admin[3]),
        ],
    )
    baseline = five_rule_tables([(direction, subject, x, y, y_on, z, z_on)])
    scenario(
        f"CNPBaselineTier{short}",
        f"baseline-admin-network-policy-{stem}.go",
        [f"baseline_tier/{stem}.yaml"],
        [
            ("initial", [], baseline[0]),
            ("rules 0 and 1 swapped", [swap("default", 0, 1, direction)], baseline[1]),
        ],
    )

_admin_gress = seven_rule_tables(GRESS_SIDES)
scenario(
    "CNPAdminTierGress",
    "admin-network-policy-standard-gress-rules.go",
    ["admin_tier/standard-gress-rules-combined.yaml"],
    [
        ("initial", [], _admin_gress[0]),
        (
            "rules 0 and 1 swapped",
            [swap("gress-rules", 0, 1, "egress", "ingress")],
            _admin_gress[1],
        ),
        (
            "then rules 0 and 2 swapped",
            [swap("gress-rules", 0, 2, "egress", "ingress")],
            _admin_gress[2],
        ),
        (
            "then rules 3 and 4 swapped",
            [swap("gress-rules", 3, 4, "egress", "ingress")],
            _admin_gress[3],
        ),
    ],
)
_baseline_gress = five_rule_tables(GRESS_SIDES)
scenario(
    "CNPBaselineTierGress",
    "baseline-admin-network-policy-standard-gress-rules.go",
    ["baseline_tier/standard-gress-rules-combined.yaml"],
    [
        ("initial", [], _baseline_gress[0]),
        ("rules 0 and 1 swapped", [swap("default", 0, 1, "egress", "ingress")], _baseline_gress[1]),
    ],
)


def inline_cidr_tables() -> list[Table]:
    """[Accept to pods of slytherin, Deny to networks 0.0.0.0/0 and ::/0] for gryffindor's
    egress: the networks match every address, pods (node addresses of host-network pods too)
    and external ones alike ("cluster-internal traffic will be checked against the rule as
    well"). Upstream relabels slytherin (its pods no longer match the Accept), relabels it
    back, then inserts an Accept to luna-lovegood-0's and cedric-diggory-0's /32 first."""
    initial = Table().set(False, frm=G).set(True, frm=G, to=S)
    relabelled = Table().set(False, frm=G)
    back = Table().set(False, frm=G).set(True, frm=G, to=S)
    inserted = Table().set(False, frm=G).set(True, frm=G, to=S)
    inserted.set(True, frm=G, to=[pod_id(R, 0), pod_id(H, 0)])
    return [initial, relabelled, back, inserted]


for _tier, _name, _prefix, _go in (
    ("Admin", "inline-cidr-as-peers-example", "admin", "admin"),
    ("Baseline", "default", "baseline", "baseline-admin"),
):
    _tables = inline_cidr_tables()
    scenario(
        f"CNP{_tier}TierEgressInlineCIDRPeers",
        f"{_go}-network-policy-standard-egress-inline-cidr-rules.go",
        [f"{_prefix}_tier/standard-egress-inline-cidr-rules.yaml"],
        [
            ("initial", [], _tables[0]),
            (
                "slytherin relabelled conformance-house: denied-namespace-label",
                [relabel_namespace(S, {"conformance-house": "denied-namespace-label"})],
                _tables[1],
            ),
            (
                "slytherin relabelled back",
                [relabel_namespace(S, {"conformance-house": "slytherin"})],
                _tables[2],
            ),
            (
                "Accept to two pods' /32 inserted as egress rule 0",
                [insert_networks_rule(_name, pod_id(R, 0), pod_id(H, 0))],
                _tables[3],
            ),
        ],
    )

scenario(
    "CNPAdminTierPriorityField",
    "admin-network-policy-standard-priority.go",
    ["admin_tier/standard-priority-field.yaml"],
    [
        # priority-50-example (Deny slytherin, both ways) precedes the Pass at priority 60
        ("initial", [], Table().set(False, frm=G, to=S).set(False, frm=S, to=G)),
        # at 40 the Pass comes first: on to the Baseline CNP `default`, which Accepts
        (
            "old-priority-60-new-priority-40-example set to priority 40",
            [set_priority("old-priority-60-new-priority-40-example", 40)],
            Table(),
        ),
    ],
)

NP_GRYFFINDOR = "allow-gress-from-to-slytherin-to-gryffindor"
scenario(
    "CNPAdminTierIntegration",
    "admin-network-policy-standard-integration.go",
    ["api_integration/standard-anp-np-banp.yaml"],
    [
        # Admin pass-example Denies slytherin both ways; everything else of gryffindor meets the
        # NetworkPolicy, which isolates every gryffindor pod both ways and admits slytherin only.
        ("initial", [], Table().set(False, frm=G).set(False, to=G)),
        # ingress Deny -> Pass: slytherin's traffic in reaches the NetworkPolicy, which admits it
        (
            "pass-example ingress[0] action set to Pass",
            [set_action("pass-example", "ingress", 0, "Pass")],
            Table().set(False, frm=G).set(False, to=G).set(True, frm=S, to=G),
        ),
        # egress too: gryffindor -> slytherin reaches the NetworkPolicy, which admits it
        (
            "then pass-example egress[0] action set to Pass",
            [set_action("pass-example", "egress", 0, "Pass")],
            Table()
            .set(False, frm=G)
            .set(False, to=G)
            .set(True, frm=S, to=G)
            .set(True, frm=G, to=S),
        ),
        # no NetworkPolicy: the Pass goes on to the Baseline CNP, which Denies slytherin; the
        # rest of gryffindor's traffic matches no tier: the default, allowed
        (
            "then the NetworkPolicy deleted",
            [delete_network_policy(G, NP_GRYFFINDOR)],
            Table().set(False, frm=G, to=S).set(False, frm=S, to=G),
        ),
    ],
)

scenario(
    "CNPAdminTierEgressNamedPort",
    "admin-network-policy-experimental-egress-rules.go",
    ["admin_tier/standard-egress-tcp-rules.yaml"],
    [
        # egress-tcp's rule 5 (Accept hufflepuff on TCP 8080) rewritten to the named port web,
        # 80/TCP on hufflepuff's pods: hufflepuff is reached on 80 only now
        (
            "egress-tcp egress[5] protocols set to destinationNamedPort web",
            [named_port("egress-tcp", "egress", 5, "web")],
            seven_rule_tables([("egress", G, R, S, [TCP80], H, [TCP80])])[0],
        ),
    ],
)
scenario(
    "CNPAdminTierIngressNamedPort",
    "admin-network-policy-experimental-ingress-rules.go",
    ["admin_tier/standard-ingress-udp-rules.yaml"],
    [
        # ingress-udp's rule 5 (Accept gryffindor on UDP 53) as the named port dns (53/UDP)
        (
            "ingress-udp ingress[5] protocols set to destinationNamedPort dns",
            [named_port("ingress-udp", "ingress", 5, "dns")],
            seven_rule_tables([("ingress", H, R, S, [UDP5353], G, [UDP53])])[0],
        ),
    ],
)
scenario(
    "CNPBaselineTierEgressNamedPort",
    "baseline-admin-network-policy-experimental-egress-rules.go",
    ["baseline_tier/standard-egress-udp-rules.yaml"],
    [
        (
            "default egress[3] protocols set to destinationNamedPort dns",
            [named_port("default", "egress", 3, "dns")],
            five_rule_tables([("egress", H, R, S, [UDP5353], G, [UDP53])])[0],
        ),
    ],
)
scenario(
    "CNPBaselineTierIngressNamedPort",
    "baseline-admin-network-policy-experimental-ingress-rules.go",
    ["baseline_tier/standard-ingress-tcp-rules.yaml"],
    [
        (
            "default ingress[3] protocols set to destinationNamedPort web",
            [named_port("default", "ingress", 3, "web")],
            five_rule_tables([("ingress", G, R, S, [TCP80], H, [TCP80])])[0],
        ),
    ],
)

ALL_PORTS = (*POD_PORTS, *HOST_PORTS)
# node-and-cidr-as-peers-example: [Accept nodes on TCP 34345, Pass nodes on UDP 34347, Deny
# slytherin's pods, nodes and 0.0.0.0/0, ::/0]: everything gryffindor sends is denied but those
# two ports of the nodes (centaur's replicas are host-networked: node addresses); the Pass ends
# at the default, allowed.
_admin_nodes = Table(ALL_PORTS).set(False, frm=G)
_admin_nodes.set(True, frm=G, to=FOREST, on=[(34345, "TCP"), (34347, "UDP")])
scenario(
    "CNPAdminTierEgressNodePeers",
    "admin-network-policy-experimental-egress-rules.go",
    ["admin_tier/experimental-egress-selector-rules.yaml"],
    [
        (
            "nodes selector kubernetes.io/os: linux restated as nodes: {}",
            [nodes_every_node],
            _admin_nodes,
        )
    ],
)
# Baseline default: [Accept nodes on TCP 34345-34346, Deny nodes and 0.0.0.0/0, ::/0]
_baseline_nodes = Table(ALL_PORTS).set(False, frm=G)
_baseline_nodes.set(True, frm=G, to=FOREST, on=[(34345, "TCP"), (34346, "TCP")])
scenario(
    "CNPBaselineTierEgressNodePeers",
    "baseline-admin-network-policy-experimental-egress-rules.go",
    ["baseline_tier/experimental-egress-selector-rules.yaml"],
    [
        (
            "nodes selector kubernetes.io/os: linux restated as nodes: {}",
            [nodes_every_node],
            _baseline_nodes,
        )
    ],
)

assert set(SOURCES) == set(PROBES), set(SOURCES) ^ set(PROBES)
KEYS = sorted(STATES)
ALL_OPEN = {"CNPAdminTierPriorityField/1"}


# --------------------------------------------------------------------------- the tables


def test_every_upstream_probe_is_a_cell_of_its_state_table() -> None:
    """The hand-derived tables restate upstream: every PokeServer expectation is in its
    state's table with the same value (301 probes over 62 states)."""
    count = 0
    for state in STATES.values():
        for p in state.probes:
            key = (p.src, p.dst, p.port, p.protocol)
            assert key in state.table.values, (state.key, p)
            assert state.table.values[key] is p.expected, (state.key, p)
            count += 1
    assert count == sum(len(s) for states in PROBES.values() for s in states) == 301
    assert len(STATES) == 62


def test_every_table_but_the_all_open_one_denies_something() -> None:
    for key, state in STATES.items():
        assert (state.table.denied() == 0) == (key in ALL_OPEN), key


def assert_cells(
    name: str, verdict: Callable[[str, str, int, str], tuple[bool, Callable[[], str]]], state: State
) -> None:
    """Every cell of the state's table; ``verdict`` gives (allowed, why), ``why`` a function
    (the explanation is only written for the cells that are wrong)."""
    wrong = []
    for src, dst, port, proto, expected in state.table.items():
        got, why = verdict(src, dst, port, proto)
        if got is not expected:
            wrong.append(f"  {src} -> {dst} {port}/{proto}: expected {expected} ({why()})")
    assert not wrong, (
        f"{state.key} ({state.label}), {SOURCES[state.test]}: {name} differs on {len(wrong)} "
        f"of {len(state.table.items())} cells:\n" + "\n".join(wrong[:40])
    )


@pytest.mark.parametrize("key", KEYS)
def test_oracle_agrees_with_the_table(key: str) -> None:
    state = STATES[key]
    oracle = CnpOracle(state.docs)

    def verdict(*cell: Any) -> tuple[bool, Callable[[], str]]:
        c = oracle.allowed(*cell)
        sides = (f"{s.direction} {s.decided} {s.rule}" for s in (c.egress, c.ingress))
        return c.allowed, lambda: ", ".join(sides)

    assert_cells("the oracle", verdict, state)


@pytest.mark.parametrize("key", KEYS)
def test_engine_agrees_with_the_table(key: str) -> None:
    state = STATES[key]
    cluster = from_manifests(list(state.docs))
    assert {p.id for p in cluster.pods} == set(POD_IDS)

    def verdict(*cell: Any) -> tuple[bool, Callable[[], str]]:
        v = allowed(cluster, *cell)
        return v.allowed, lambda: v.reason.replace("\n", " | ")

    assert_cells("the engine", verdict, state)


# --------------------------------------------------------------------------- hairpin

EVALUATORS = ["oracle", "engine"]


def evaluator(kind: str, docs: Sequence[Doc]) -> Callable[[str, str, int, str], bool]:
    """``allowed`` on ``docs`` by the oracle or by the engine."""
    if kind == "oracle":
        oracle = CnpOracle(docs)
        return lambda *cell: oracle.allowed(*cell).allowed
    cluster = from_manifests(list(docs))
    return lambda *cell: allowed(cluster, *cell).allowed


def self_expectations(key: str) -> dict[str, bool]:
    """A pod reaching its own IP "is not subject to CNP" (site-src/api-overview.md): only
    NetworkPolicies decide it. The only one, the integration test's, isolates gryffindor
    both ways and admits slytherin only, so gryffindor's pods cannot reach themselves while
    it exists; every other pod reaches itself in every state (even under a Deny to
    0.0.0.0/0, or a Baseline Deny matching its own namespace)."""
    isolated = key in {f"CNPAdminTierIntegration/{i}" for i in (0, 1, 2)}
    return {p: not (isolated and p.startswith(G + "/")) for p in POD_IDS}


@pytest.mark.parametrize("kind", EVALUATORS)
def test_a_pod_reaching_itself_is_not_subject_to_cnp(kind: str) -> None:
    for key in KEYS:
        verdict, want = evaluator(kind, STATES[key].docs), self_expectations(key)
        for port, proto in POD_PORTS:
            assert {p: verdict(p, p, port, proto) for p in POD_IDS} == want, (key, port, proto)


# --------------------------------------------------------------------------- deciding rules

HP0, HP1 = pod_id(G, 0), pod_id(G, 1)
DECIDING = [
    # (state, src, dst, port/protocol, side, allowed, (policy, tier, index, name, action))
    ("CNPAdminTierIngressTCP/0", pod_id(R, 0), HP0, TCP80, "ingress", True,
     ("ingress-tcp", "Admin", 0, "allow-from-ravenclaw-everything", "Accept")),
    ("CNPAdminTierIngressTCP/0", pod_id(H, 1), HP1, TCP8080, "ingress", False,
     ("ingress-tcp", "Admin", 6, "deny-from-hufflepuff-everything-else", "Deny")),
    ("CNPAdminTierIngressTCP/1", pod_id(R, 1), HP1, TCP8080, "ingress", False,
     ("ingress-tcp", "Admin", 0, "deny-from-ravenclaw-everything", "Deny")),
    ("CNPAdminTierEgressInlineCIDRPeers/3", HP1, pod_id(R, 0), UDP53, "egress", True,
     ("inline-cidr-as-peers-example", "Admin", 0, "allow-egress-to-specific-podIPs", "Accept")),
    ("CNPAdminTierEgressInlineCIDRPeers/3", HP1, EXTERNALS[1], TCP80, "egress", False,
     ("inline-cidr-as-peers-example", "Admin", 2, "deny-egress-to-internet", "Deny")),
    ("CNPAdminTierPriorityField/0", pod_id(S, 0), HP0, TCP80, "ingress", False,
     ("priority-50-example", "Admin", 0, "deny-all-ingress-from-slytherin", "Deny")),
    ("CNPAdminTierIntegration/0", pod_id(S, 1), HP0, TCP8080, "ingress", False,
     ("pass-example", "Admin", 0, "deny-all-ingress-from-slytherin", "Deny")),
    ("CNPAdminTierIntegration/3", pod_id(S, 0), HP0, TCP80, "ingress", False,
     ("default", "Baseline", 0, "deny-all-ingress-from-slytherin", "Deny")),
    ("CNPBaselineTierIngressTCP/0", pod_id(H, 0), HP1, TCP80, "ingress", True,
     ("default", "Baseline", 3, "allow-from-hufflepuff-at-port-80", "Accept")),
    ("CNPBaselineTierEgressNamedPort/0", pod_id(H, 0), HP1, UDP53, "egress", True,
     ("default", "Baseline", 3, "allow-to-gryffindor-at-port-53", "Accept")),
]  # fmt: skip


def test_oracle_reports_the_deciding_rule() -> None:
    for key, src, dst, (port, proto), side, ok, rule in DECIDING:
        o = getattr(CnpOracle(STATES[key].docs).allowed(src, dst, port, proto), side)
        assert o.allowed is ok and o.rule is not None, (key, src, dst)
        assert rule_fields(o.rule) == rule


def test_engine_reports_the_deciding_rule() -> None:
    """``SideVerdict.decided_by`` names the CNP rule that decided a side, ``note`` its tier
    (Reason.ADMIN, Reason.BASELINE); the other end, selected by no CNP, reports none."""
    from reachability import Reason

    for key, src, dst, (port, proto), side, ok, rule in DECIDING:
        v = allowed(from_manifests(list(STATES[key].docs)), src, dst, port, proto)
        got = getattr(v, side)
        assert got.allowed is ok and rule_fields(got.decided_by) == rule, (key, src, dst, got)
        assert got.note == (Reason.ADMIN if rule[1] == "Admin" else Reason.BASELINE), got.note
        other = v.ingress if side == "egress" else v.egress
        assert other.decided_by is None, (key, src, dst, other)


def test_networkpolicies_decide_after_the_admin_tier_with_no_rule_reported() -> None:
    """Integration, initial: gryffindor -> ravenclaw matches no Admin rule (they name
    slytherin only); the NetworkPolicy isolating gryffindor's egress decides, and denies."""
    state = STATES["CNPAdminTierIntegration/0"]
    v = allowed(from_manifests(list(state.docs)), HP0, pod_id(R, 0), 80, "TCP")
    assert not v.allowed and not v.egress.allowed and v.ingress.allowed
    assert v.egress.decided_by is None and v.egress.isolated
    assert v.egress.isolated_by == (f"{G}/{NP_GRYFFINDOR}",)
    # after both Passes (state 2), slytherin is admitted by that policy's rules
    state = STATES["CNPAdminTierIntegration/2"]
    v = allowed(from_manifests(list(state.docs)), HP0, pod_id(S, 0), 80, "TCP")
    assert v.allowed and v.egress.decided_by is None
    assert [r.policy for r in v.egress.allowed_by] == [f"{G}/{NP_GRYFFINDOR}"]


def test_oracle_names_the_networkpolicy_tier() -> None:
    oracle = CnpOracle(STATES["CNPAdminTierIntegration/0"].docs)
    o = oracle.allowed(HP0, pod_id(R, 0), 80, "TCP")
    assert o.egress.decided == "networkpolicy" and o.egress.np_isolated and not o.egress.allowed
    oracle = CnpOracle(STATES["CNPAdminTierIntegration/2"].docs)
    o = oracle.allowed(HP0, pod_id(S, 0), 80, "TCP")
    assert o.allowed and o.egress.decided == "networkpolicy"
    assert [r.action for r in o.egress.passed] == ["Pass"]
    assert o.egress.np_admitted == ((f"{G}/{NP_GRYFFINDOR}", 0),)


# --------------------------------------------------------------------------- workloads, refusals

STATEFULSETS = {ns: f"{ns}/statefulset/{name}" for ns, name in WORKLOAD.items()}
STATEFULSET_EXPECTATIONS = [
    (STATEFULSETS[R], STATEFULSETS[G], TCP80, True),
    (STATEFULSETS[R], STATEFULSETS[G], TCP8080, True),
    (STATEFULSETS[H], STATEFULSETS[G], TCP80, True),
    (STATEFULSETS[H], STATEFULSETS[G], TCP8080, False),
    (STATEFULSETS[S], STATEFULSETS[G], TCP80, False),
    (STATEFULSETS[S], STATEFULSETS[G], TCP8080, True),
    (STATEFULSETS[FOREST], STATEFULSETS[G], TCP80, True),  # host network: no namespaces peer
    (STATEFULSETS[G], STATEFULSETS[R], TCP80, True),
]


@pytest.mark.parametrize("kind", EVALUATORS)
def test_upstream_statefulsets_as_written(kind: str) -> None:
    """manifests.yaml's StatefulSets themselves, each standing for its replicas and named
    ``namespace/statefulset/name``: ingress-tcp (initial) decides them as it does the pods."""
    docs = [*load_upstream("manifests.yaml"), *load_upstream(f"admin_tier/{INGRESS_TCP}")]
    if kind == "engine":
        assert {p.id for p in from_manifests(docs).pods} == set(STATEFULSETS.values())
    verdict = evaluator(kind, docs)
    for src, dst, (port, proto), ok in STATEFULSET_EXPECTATIONS:
        assert verdict(src, dst, port, proto) is ok, (src, dst, port)


TIER_FOLDERS = ["admin_tier", "baseline_tier"]


@pytest.mark.parametrize("tier", TIER_FOLDERS)
def test_oracle_refuses_node_peers_with_a_selector(tier: str) -> None:
    with pytest.raises(Unsupported, match="nodes"):
        CnpOracle([*model(), *load_upstream(f"{tier}/experimental-egress-selector-rules.yaml")])


@pytest.mark.parametrize("tier", TIER_FOLDERS)
def test_engine_refuses_node_peers_with_a_selector(tier: str, tmp_path: Path) -> None:
    """The node-peer tests as written select nodes by label: that needs Node objects, which
    manifests do not hold; the analyzer refuses the policy (an error naming the field) rather
    than guess, through the API and the CLI (exit 2)."""
    docs = [*model(), *load_upstream(f"{tier}/experimental-egress-selector-rules.yaml")]
    with pytest.raises(UserError, match="nodes"):
        from_manifests(docs)
    res = run_cli("matrix", "-f", write_folder(docs, tmp_path / "m"))
    assert res.returncode == 2 and "nodes" in res.stderr, res.stdout[-2000:] + res.stderr


def test_the_copied_files_load_as_files() -> None:
    """The copies in tests/data/network-policy-api/conformance parse with the engine's loader."""
    cluster = load([CONFORMANCE / "manifests.yaml", CONFORMANCE / "admin_tier" / INGRESS_TCP])
    assert {p.id for p in cluster.pods} == set(STATEFULSETS.values())


# --------------------------------------------------------------------------- through the CLI

CLI_SAMPLE = [
    "CNPAdminTierIngressTCP/0",
    "CNPAdminTierEgressUDP/1",
    "CNPAdminTierGress/2",
    "CNPAdminTierEgressInlineCIDRPeers/3",
    "CNPAdminTierPriorityField/1",
    "CNPAdminTierIntegration/0",
    "CNPAdminTierIntegration/1",
    "CNPAdminTierIntegration/3",
    "CNPBaselineTierIngressSCTP/1",
    "CNPBaselineTierEgressNamedPort/0",
    "CNPAdminTierEgressNodePeers/0",
]


def run_cli(*args: str | Path) -> Any:
    return run_in_process(main, *args)


def test_the_expectations_file_is_what_yaml_writes() -> None:
    table = STATES["CNPAdminTierEgressNodePeers/0"].table  # every endpoint, every port
    rows = [
        {"from": src, "to": dst, "port": port, "protocol": proto, "allowed": ok}
        for src, dst, port, proto, ok in table.items()
    ]
    assert expectations_yaml(table) == dump_one(rows, sort_keys=False)
    rows[3]["allowed"] = not rows[3]["allowed"]
    assert expectations_yaml(table, flipped=3) == dump_one(rows, sort_keys=False)


@pytest.mark.parametrize("key", CLI_SAMPLE)
def test_table_through_cli_check_json(key: str, tmp_path: Path) -> None:
    state = STATES[key]
    folder = write_folder(state.docs, tmp_path / "manifests")
    expect = [
        {"from": src, "to": dst, "port": port, "protocol": proto, "allowed": ok}
        for src, dst, port, proto, ok in state.table.items()
    ]
    expect_file = tmp_path / "expect.yaml"
    expect_file.write_text(expectations_yaml(state.table))
    res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "json")
    assert res.returncode in (0, 1), res.stdout[-3000:] + res.stderr[-3000:]
    out = json.loads(res.stdout)
    assert len(out) == len(expect)
    wrong = [o for o in out if o["actual"] is not o["expected"]]
    assert res.returncode == 0 and not wrong, wrong[:20]
    for want, got in zip(expect, out, strict=True):
        assert (got["from"], got["to"], int(got["port"]), got["protocol"].upper()) == (
            want["from"],
            want["to"],
            want["port"],
            want["protocol"],
        )
    # one flipped expectation: exit 1, that one reported
    idx = next(i for i, e in enumerate(expect) if not e["allowed"]) if state.table.denied() else 0
    expect_file.write_text(expectations_yaml(state.table, flipped=idx))
    res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "json")
    assert res.returncode == 1, res.stdout[-2000:] + res.stderr[-2000:]
    out = json.loads(res.stdout)
    assert [i for i, o in enumerate(out) if o["expected"] is not o["actual"]] == [idx]
