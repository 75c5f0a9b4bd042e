"""ClusterNetworkPolicy with NetworkPolicy on upstream's x/y/z model (tests/support/xyz_model.py):
the API's edge cases, each as truth tables over the nine pods, asserted through the oracle
(tests/support/cnp_oracle.py) and the engine, a sample through the CLI.

The API text each case restates is kubernetes-sigs/network-policy-api at commit
0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159: apis/v1alpha2/clusternetworkpolicy_types.go ("types")
and site-src/api-overview.md ("overview"). Tables hold every ordered pair of distinct pods; a pod
reaching itself is not subject to CNP ("A Pod connecting to its own Pod IP is not subject to
CNP", overview), so self-pairs are asserted apart: the same as without any CNP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reachability import allowed, from_manifests
from reachability.cli import main
from tests.support.builders import (
    cnp,
    cnp_egress,
    cnp_ingress,
    cnp_named_port,
    cnp_namespaces,
    cnp_networks,
    cnp_nodes,
    cnp_pods,
    cnp_port,
    dump_one,
    dump_yaml,
    egress_rule,
    ingress_rule,
    peer,
    pod,
    selector,
)
from tests.support.cnp_oracle import CnpOracle, rule_fields
from tests.support.processes import run_in_process
from tests.support.xyz_model import TruthTable, upstream_policy, xyz_model, xyz_pod_ids

PODS = xyz_pod_ids()
EXTERNAL = "203.0.113.7"
Doc = dict[str, Any]


def table() -> TruthTable:
    return TruthTable(PODS, default=True)


def ns(name: str) -> Doc:
    return selector({"ns": name})


def pod_is(name: str) -> Doc:
    return selector({"pod": name})


@dataclass
class Case:
    """One cluster state: the x/y/z model, ``policies`` (CNPs and NetworkPolicies), and the
    expected tables per port/protocol."""

    policies: list[Doc]
    checks: list[tuple[int, str, TruthTable]]
    extra: list[Doc] = field(default_factory=list)

    def docs(self) -> list[Doc]:
        return [*xyz_model(), *self.extra, *self.policies]


CASES: dict[str, Callable[[], Case]] = {}


def case(fn: Callable[[], Case]) -> Callable[[], Case]:
    CASES[fn.__name__] = fn
    return fn


# --------------------------------------------------------------------------- tiers


def _delegation() -> list[Doc]:
    return [
        cnp(
            "delegate-y-to-x",
            "Admin",
            10,
            cnp_namespaces(ns("x")),
            ingress=[cnp_ingress("Pass", [cnp_namespaces(ns("y"))])],
        ),
        cnp(
            "deny-y-to-x",
            "Admin",
            20,
            cnp_namespaces(ns("x")),
            ingress=[cnp_ingress("Deny", [cnp_namespaces(ns("y"))])],
        ),
        upstream_policy(
            "x",
            "a-from-y-b",
            pod_is("a"),
            ingress=[ingress_rule([peer(pods=pod_is("b"), namespaces=ns("y"))])],
        ),
        cnp(
            "baseline-deny-y",
            "Baseline",
            10,
            cnp_namespaces(ns("x")),
            ingress=[cnp_ingress("Deny", [cnp_namespaces(ns("y"))], name="no-y")],
        ),
    ]


@case
def pass_falls_through_to_networkpolicy_then_baseline() -> Case:
    """Pass "Skips all further ClusterNetworkPolicy rules in the current tier" (types): the
    Admin Deny at priority 20 never applies. Then "NetworkPolicy will apply next or if there is
    no NetworkPolicy match, Baseline policies will be evaluated" (overview): y -> x/a meets
    x/a-from-y-b (only y/b admitted); y -> x/b, x/c meet the Baseline Deny. x and z -> x/a
    match no Admin rule and meet the NetworkPolicy too."""
    t = table().expect_all_ingress("x/a", False).expect("y/b", "x/a", True)
    t.expect_peer(False, from_ns="y", to_ns="x", to_pod="b")
    t.expect_peer(False, from_ns="y", to_ns="x", to_pod="c")
    return Case(_delegation(), [(80, "TCP", t), (81, "UDP", t)])


@case
def admin_deny_beats_networkpolicy_allow() -> Case:
    """Admin rules "cannot be overridden" by NetworkPolicies (overview): y's allow-all policy
    does not reopen x -> y/a on 80/TCP; other ports and protocols are untouched."""
    allow_all = upstream_policy("y", "allow-all", {}, ingress=[ingress_rule()])
    deny = cnp(
        "deny-x-to-ya-80",
        "Admin",
        5,
        cnp_pods(pod_is("a"), ns("y")),
        ingress=[cnp_ingress("Deny", [cnp_namespaces(ns("x"))], [cnp_port("TCP", 80)])],
    )
    t80 = table().expect_peer(False, from_ns="x", to_ns="y", to_pod="a")
    return Case([allow_all, deny], [(80, "TCP", t80), (81, "TCP", table()), (80, "UDP", table())])


@case
def admin_accept_beats_networkpolicy_deny() -> Case:
    """Accept: "No further ingress ClusterNetworkPolicy or NetworkPolicy rules will be
    processed" (types): x/a reaches z through z's default-deny-ingress."""
    deny = upstream_policy("z", "deny-ingress", {}, ingress=[])
    accept = cnp(
        "accept-xa-into-z",
        "Admin",
        5,
        cnp_namespaces(ns("z")),
        ingress=[cnp_ingress("Accept", [cnp_pods(pod_is("a"), ns("x"))])],
    )
    t = (
        table()
        .expect_peer(False, to_ns="z")
        .expect_peer(True, from_ns="x", from_pod="a", to_ns="z")
    )
    return Case([deny, accept], [(80, "TCP", t)])


@case
def networkpolicy_isolation_skips_baseline() -> Case:
    """ "v1.NetworkPolicy always makes a final decision for selected pods. Further evaluation
    only happens for Pods not selected by a v1.NetworkPolicy" (types): the Baseline Deny from
    z applies everywhere but to x/a, whose NetworkPolicy admits every namespace."""
    baseline = cnp(
        "deny-from-z",
        "Baseline",
        1,
        cnp_namespaces({}),
        ingress=[cnp_ingress("Deny", [cnp_namespaces(ns("z"))])],
    )
    np = upstream_policy(
        "x", "a-from-anywhere", pod_is("a"), ingress=[ingress_rule([peer(namespaces={})])]
    )
    t = (
        table()
        .expect_peer(False, from_ns="z")
        .expect_peer(True, from_ns="z", to_ns="x", to_pod="a")
    )
    return Case([baseline, np], [(80, "TCP", t)])


@case
def baseline_deny_only_where_no_networkpolicy_isolates_that_direction() -> Case:
    """Baseline egress Deny to 0.0.0.0/0 for namespace y: y/a's egress is decided by its
    NetworkPolicy (x only); y/c is isolated by a NetworkPolicy for ingress only, which says
    nothing about its egress: the Baseline Deny applies to it as to y/b."""
    baseline = cnp(
        "no-egress-from-y",
        "Baseline",
        3,
        cnp_namespaces(ns("y")),
        egress=[cnp_egress("Deny", [cnp_networks("0.0.0.0/0")])],
    )
    a_to_x = upstream_policy(
        "y", "a-to-x", pod_is("a"), egress=[egress_rule([peer(namespaces=ns("x"))])]
    )
    c_in = upstream_policy("y", "c-ingress-open", pod_is("c"), ingress=[ingress_rule()])
    t = (
        table()
        .expect_peer(False, from_ns="y")
        .expect_peer(True, from_ns="y", from_pod="a", to_ns="x")
    )
    return Case([baseline, a_to_x, c_in], [(80, "TCP", t), (81, "SCTP", t)])


@case
def egress_accept_still_needs_the_destination_ingress() -> Case:
    """Egress Accept: "No further egress ClusterNetworkPolicy or NetworkPolicy rules will be
    processed but any ingress rules at the destination do apply" (types): x's deny-all egress
    NetworkPolicy is overridden towards y, but y/b's closed ingress still denies."""
    deny_egress = upstream_policy("x", "deny-egress", {}, egress=[])
    accept = cnp(
        "x-to-y",
        "Admin",
        1,
        cnp_namespaces(ns("x")),
        egress=[cnp_egress("Accept", [cnp_namespaces(ns("y"))])],
    )
    b_closed = upstream_policy("y", "b-closed", pod_is("b"), ingress=[])
    t = table().expect_peer(False, from_ns="x").expect_peer(True, from_ns="x", to_ns="y")
    t.expect_all_ingress("y/b", False)
    return Case([deny_egress, accept, b_closed], [(80, "TCP", t)])


# --------------------------------------------------------------------------- peers


@case
def networks_all_ipv4_matches_pod_to_pod() -> Case:
    """ "if you Accept or Deny traffic to "0.0.0.0/0", that will allow or deny all IPv4
    pod-to-pod traffic as well" (types)."""
    deny = cnp(
        "zc-no-ipv4",
        "Admin",
        1,
        cnp_pods(pod_is("c"), ns("z")),
        egress=[cnp_egress("Deny", [cnp_networks("0.0.0.0/0")])],
    )
    return Case([deny], [(80, "TCP", table().expect_all_egress("z/c", False))])


@case
def pass_pod_traffic_before_networks() -> Case:
    """ "If you don't want that, add a rule that Passes all pod traffic before the Networks
    rule" (types): z/c's pod traffic passes (on to the default); only external addresses meet
    the Deny (asserted in test_networks_rules_on_external_addresses)."""
    deny = cnp(
        "zc-internet-denied",
        "Admin",
        1,
        cnp_pods(pod_is("c"), ns("z")),
        egress=[
            cnp_egress("Pass", [cnp_namespaces({})]),
            cnp_egress("Deny", [cnp_networks("0.0.0.0/0")]),
        ],
    )
    return Case([deny], [(80, "TCP", table())])


# --------------------------------------------------------------------------- precedence


def _into_y(first: str, second: str) -> Doc:
    rules = {
        "deny-xa": cnp_ingress("Deny", [cnp_pods(pod_is("a"), ns("x"))], name="deny-xa"),
        "accept-x": cnp_ingress("Accept", [cnp_namespaces(ns("x"))], name="accept-x"),
    }
    deny_all = cnp_ingress("Deny", [cnp_namespaces({})], name="deny-all")
    return cnp(
        "into-y",
        "Admin",
        10,
        cnp_namespaces(ns("y")),
        ingress=[rules[first], rules[second], deny_all],
    )


@case
def rule_order_within_a_policy() -> Case:
    """ "a rule that appears at the top of the ingress rules would take the highest
    precedence" (types): Deny x/a, Accept x, Deny everyone."""
    t = table().expect_peer(False, to_ns="y").expect_peer(True, from_ns="x", to_ns="y")
    t.expect_peer(False, from_ns="x", from_pod="a", to_ns="y")
    return Case([_into_y("deny-xa", "accept-x")], [(80, "TCP", t)])


@case
def rule_order_within_a_policy_swapped() -> Case:
    """The same rules with the first two swapped: Accept x comes first, x/a is allowed."""
    t = table().expect_peer(False, to_ns="y").expect_peer(True, from_ns="x", to_ns="y")
    return Case([_into_y("accept-x", "deny-xa")], [(80, "TCP", t)])


@case
def priority_order_across_policies() -> Case:
    """ "Policies with lower priority values have higher precedence" (types), whatever their
    names; "All Admin tier rules have higher precedence than NetworkPolicy or Baseline tier
    rules": the Baseline Accept at priority 0 changes nothing."""
    low = cnp(
        "aaa-deny-all-into-z",
        "Admin",
        50,
        cnp_namespaces(ns("z")),
        ingress=[cnp_ingress("Deny", [cnp_namespaces({})])],
    )
    high = cnp(
        "zzz-accept-x-into-z",
        "Admin",
        5,
        cnp_namespaces(ns("z")),
        ingress=[cnp_ingress("Accept", [cnp_namespaces(ns("x"))])],
    )
    base = cnp(
        "accept-everything",
        "Baseline",
        0,
        cnp_namespaces({}),
        ingress=[cnp_ingress("Accept", [cnp_namespaces({})])],
    )
    t = table().expect_peer(False, to_ns="z").expect_peer(True, from_ns="x", to_ns="z")
    return Case([low, high, base], [(80, "TCP", t)])


def _same_priority(deny_name: str) -> list[Doc]:
    return [
        cnp(
            "b-accept-x",
            "Admin",
            7,
            cnp_namespaces(ns("y")),
            ingress=[cnp_ingress("Accept", [cnp_namespaces(ns("x"))])],
        ),
        cnp(
            deny_name,
            "Admin",
            7,
            cnp_namespaces(ns("y")),
            ingress=[cnp_ingress("Deny", [cnp_namespaces(ns("x"))])],
        ),
    ]


@case
def same_priority_overlap_is_decided_by_name() -> Case:
    """ "If two (or more) policies in the same tier with the same priority could match a
    connection, then the implementation can apply any of the matching policies" (types). The
    analyzer's choice, documented: by name, so a-deny-x (before b-accept-x) denies x -> y;
    test_same_priority_order_follows_the_names renames it after b-accept-x."""
    t = table().expect_peer(False, from_ns="x", to_ns="y")
    return Case(_same_priority("a-deny-x"), [(80, "TCP", t)])


@case
def no_implicit_isolation() -> Case:
    """ "there will not be any implicit isolation effects for the Pods selected by the
    ClusterNetworkPolicy" and "CNPs with no ingress rules do not affect ingress traffic"
    (overview, types): Accept-only CNPs change nothing."""
    policies = [
        cnp(
            "x-egress-to-z",
            "Admin",
            1,
            cnp_namespaces(ns("x")),
            egress=[cnp_egress("Accept", [cnp_namespaces(ns("z"))])],
        ),
        cnp(
            "y-ingress-from-z",
            "Baseline",
            1,
            cnp_namespaces(ns("y")),
            ingress=[cnp_ingress("Accept", [cnp_namespaces(ns("z"))])],
        ),
    ]
    return Case(policies, [(80, "TCP", table()), (81, "UDP", table())])


# --------------------------------------------------------------------------- ports


@case
def named_port_ingress() -> Case:
    """destinationNamedPort "selects a destination port on a pod based on the ContainerPort
    name" (types): serve-80-tcp is 80/TCP on x's pods; 80/UDP (serve-80-udp) and 81/TCP are
    other ports."""
    deny = cnp(
        "no-serve-80-tcp-from-y",
        "Admin",
        1,
        cnp_namespaces(ns("x")),
        ingress=[cnp_ingress("Deny", [cnp_namespaces(ns("y"))], [cnp_named_port("serve-80-tcp")])],
    )
    t = table().expect_peer(False, from_ns="y", to_ns="x")
    return Case([deny], [(80, "TCP", t), (80, "UDP", table()), (81, "TCP", table())])


@case
def named_port_egress() -> Case:
    """An egress named port resolves on the destination pod: serve-81-udp on x's pods."""
    deny = cnp(
        "z-no-serve-81-udp-to-x",
        "Admin",
        1,
        cnp_namespaces(ns("z")),
        egress=[cnp_egress("Deny", [cnp_namespaces(ns("x"))], [cnp_named_port("serve-81-udp")])],
    )
    t = table().expect_peer(False, from_ns="z", to_ns="x")
    return Case([deny], [(81, "UDP", t), (81, "TCP", table()), (80, "UDP", table())])


@case
def port_range_and_number() -> Case:
    """destinationPort ``range`` "defines an inclusive range of ports" and ``number`` one port,
    each for its protocol only (types): TCP 81-90 and UDP 80."""
    deny = cnp(
        "ranges",
        "Admin",
        1,
        cnp_namespaces(ns("x")),
        ingress=[
            cnp_ingress(
                "Deny",
                [cnp_namespaces(ns("z"))],
                [cnp_port("TCP", 81, 90), cnp_port("UDP", 80)],
            )
        ],
    )
    closed = table().expect_peer(False, from_ns="z", to_ns="x")
    return Case(
        [deny],
        [
            (80, "TCP", table()),
            (81, "TCP", closed),
            (80, "UDP", closed),
            (81, "UDP", table()),
            (80, "SCTP", table()),
        ],
    )


@case
def baseline_port_range_on_egress() -> Case:
    """A Baseline egress Deny on TCP 1-80 for y: 80 is in, 81 out."""
    deny = cnp(
        "y-no-low-tcp",
        "Baseline",
        1,
        cnp_namespaces(ns("y")),
        egress=[cnp_egress("Deny", [cnp_namespaces({})], [cnp_port("TCP", 1, 80)])],
    )
    t = table().expect_peer(False, from_ns="y")
    return Case([deny], [(80, "TCP", t), (81, "TCP", table()), (80, "UDP", table())])


ALL_OPEN = {"pass_pod_traffic_before_networks", "no_implicit_isolation"}


# --------------------------------------------------------------------------- running them


def distinct(t: TruthTable) -> list[tuple[str, str, bool]]:
    return [(a, b, e) for a, b, e in t.items() if a != b]


def assert_table(
    name: str,
    verdict: Callable[[str, str, int, str], tuple[bool, str]],
    port: int,
    proto: str,
    t: TruthTable,
) -> None:
    wrong = []
    for src, dst, expected in distinct(t):
        got, why = verdict(src, dst, port, proto)
        if got is not expected:
            wrong.append(f"  {src} -> {dst}: expected {expected}, got {got} ({why})")
    assert not wrong, (
        f"{name}, {port}/{proto}: {len(wrong)} of 72 verdicts differ; expected (. allowed, X "
        f"denied; the diagonal is not asserted here):\n{t.render()}\n" + "\n".join(wrong)
    )


def test_every_case_denies_something_or_says_why() -> None:
    for name, fn in CASES.items():
        denies = any(not e for _, _, t in fn().checks for _, _, e in distinct(t))
        assert denies != (name in ALL_OPEN), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_oracle_agrees_with_the_table(name: str) -> None:
    c = CASES[name]()
    oracle = CnpOracle(c.docs())

    def verdict(*cell: Any) -> tuple[bool, str]:
        o = oracle.allowed(*cell)
        return o.allowed, ", ".join(
            f"{s.direction} {s.decided} {s.rule}" for s in (o.egress, o.ingress)
        )

    for port, proto, t in c.checks:
        assert_table(f"the oracle on {name}", verdict, port, proto, t)


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_agrees_with_the_table(name: str) -> None:
    c = CASES[name]()
    cluster = from_manifests(c.docs())

    def verdict(*cell: Any) -> tuple[bool, str]:
        v = allowed(cluster, *cell)
        return v.allowed, v.reason.replace("\n", " | ")

    for port, proto, t in c.checks:
        assert_table(f"the engine on {name}", verdict, port, proto, t)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_pod_reaching_itself_is_decided_as_without_cnps(name: str) -> None:
    """Hairpin traffic "is not subject to CNP" (overview): every self-pair is what the
    NetworkPolicies alone say (the same cluster without its CNPs)."""
    c = CASES[name]()
    docs = c.docs()
    without = [d for d in docs if d["kind"] != "ClusterNetworkPolicy"]
    assert len(without) < len(docs)
    cluster, bare, oracle = from_manifests(docs), from_manifests(without), CnpOracle(docs)
    for port, proto, _ in c.checks:
        for p in PODS:
            want = allowed(bare, p, p, port, proto).allowed
            assert oracle.allowed(p, p, port, proto).allowed is want, (name, p, port, proto)
            assert allowed(cluster, p, p, port, proto).allowed is want, (name, p, port, proto)


EVALUATORS = ["oracle", "engine"]


def evaluator(kind: str, docs: list[Doc]) -> Callable[[str, str, int, str], bool]:
    """``allowed`` on ``docs`` by the oracle or by the engine."""
    if kind == "oracle":
        oracle = CnpOracle(docs)
        return lambda *cell: oracle.allowed(*cell).allowed
    cluster = from_manifests(docs)
    return lambda *cell: allowed(cluster, *cell).allowed


@pytest.mark.parametrize("kind", EVALUATORS)
def test_same_priority_order_follows_the_names(kind: str) -> None:
    """The documented tie-break: renamed to c-deny-x (after b-accept-x), the Accept decides."""
    assert not evaluator(kind, CASES["same_priority_overlap_is_decided_by_name"]().docs())(
        "x/a", "y/b", 80, "TCP"
    )
    assert evaluator(kind, [*xyz_model(), *_same_priority("c-deny-x")])("x/a", "y/b", 80, "TCP")


EXTERNAL_EXPECTATIONS = [
    # (case, src, dst, allowed on 443/TCP, why)
    ("networks_all_ipv4_matches_pod_to_pod", "z/c", EXTERNAL, False, "0.0.0.0/0 holds it"),
    ("networks_all_ipv4_matches_pod_to_pod", "z/c", "2001:db8::1", True, "IPv6: not in it"),
    ("networks_all_ipv4_matches_pod_to_pod", "z/b", EXTERNAL, True, "z/b is no subject"),
    ("pass_pod_traffic_before_networks", "z/c", EXTERNAL, False, "no pod: no Pass, the Deny"),
    ("pass_pod_traffic_before_networks", "z/c", "z/a", True, "a pod: passed, the default"),
    ("egress_accept_still_needs_the_destination_ingress", "x/a", EXTERNAL, False,
     "the Accept names y only; x's NetworkPolicy isolates egress"),
    ("egress_accept_still_needs_the_destination_ingress", EXTERNAL, "y/a", True,
     "nothing isolates y/a's ingress"),
    ("egress_accept_still_needs_the_destination_ingress", EXTERNAL, "y/b", False,
     "y/b-closed"),
    ("admin_accept_beats_networkpolicy_deny", EXTERNAL, "z/a", False,
     "the Accept's pods peer does not match an address; z's deny-ingress decides"),
    ("networkpolicy_isolation_skips_baseline", EXTERNAL, "y/a", True,
     "the Baseline Deny's namespaces peer does not match an address"),
]  # fmt: skip


@pytest.mark.parametrize("kind", EVALUATORS)
def test_external_addresses(kind: str) -> None:
    """networks match addresses outside the cluster too; namespaces and pods peers never do."""
    for name, src, dst, ok, why in EXTERNAL_EXPECTATIONS:
        assert evaluator(kind, CASES[name]().docs())(src, dst, 443, "TCP") is ok, (name, why)


AGENT = "y/node-agent"


def host_network_docs() -> list[Doc]:
    """The model plus a host-network pod in y (its IP: its node's), and CNPs whose peers are
    namespaces (which leave host-network pods out), nodes: {} and a CIDR of the nodes."""
    agent = pod("y", "node-agent", {"pod": "agent"}, ["172.18.0.9"], host_network=True)
    return [
        *xyz_model(),
        agent,
        cnp(
            "x-closed",
            "Admin",
            10,
            cnp_namespaces(ns("x")),
            ingress=[cnp_ingress("Deny", [cnp_namespaces({})])],
            egress=[cnp_egress("Deny", [cnp_namespaces({})])],
        ),
        cnp(
            "x-no-nodes",
            "Admin",
            20,
            cnp_namespaces(ns("x")),
            egress=[cnp_egress("Deny", [cnp_nodes()], name="no-nodes")],
        ),
        cnp(
            "y-closed-in",
            "Admin",
            30,
            cnp_namespaces(ns("y")),
            ingress=[cnp_ingress("Deny", [cnp_namespaces({})])],
        ),
        cnp(
            "zb-no-node-cidr",
            "Admin",
            40,
            cnp_pods(pod_is("b"), ns("z")),
            egress=[cnp_egress("Deny", [cnp_networks("172.18.0.0/16")])],
        ),
    ]


HOST_NETWORK_EXPECTATIONS = [
    # (src, dst, allowed, why)
    (EXTERNAL, "x/a", True, "ingress peers never match an address outside the cluster"),
    (AGENT, "x/a", True, "a host-network pod is no namespaces peer"),
    ("x/a", AGENT, False, "nodes: {} matches the node addresses: host-network pods"),
    ("x/a", EXTERNAL, True, "namespaces and nodes peers do not match external addresses"),
    ("x/a", "y/b", False, "x-closed's egress Deny to every namespace"),
    ("z/a", AGENT, True, "the host-network pod is not a subject of y-closed-in"),
    ("z/a", "y/b", False, "y-closed-in"),
    (AGENT, "y/b", True, "y-closed-in's namespaces peer leaves the host-network pod out"),
    ("z/b", AGENT, False, "networks 172.18.0.0/16 matches the node address"),
    ("z/b", "y/a", False, "y-closed-in (the CIDR does not hold pod IPs)"),
    ("z/b", "x/c", False, "x-closed"),
    ("z/c", AGENT, True, "nothing selects z/c"),
]


@pytest.mark.parametrize("kind", EVALUATORS)
def test_host_network_pods(kind: str) -> None:
    """ "host-networked pods are not included in subject selection" nor in namespaces/pods
    peers (types); nodes: {} and networks match their (node) address."""
    verdict = evaluator(kind, host_network_docs())
    for src, dst, ok, why in HOST_NETWORK_EXPECTATIONS:
        assert verdict(src, dst, 80, "TCP") is ok, (src, dst, why)


def test_host_network_pods_stay_outside_cnp_under_the_pod_convention() -> None:
    """``Options(host_network="pod")`` treats host-network pods as ordinary pods for
    NetworkPolicy, whose behaviour for them upstream leaves undefined. The CNP API is not
    silent: "Note that host-networked pods are not included in subject selection" and, of the
    namespaces and pods peers, "host-networked pods are not included in this type of peer"
    (types). So under either convention the CNPs see them only as node addresses."""
    from reachability import Options

    docs = host_network_docs()
    for options in (Options(), Options(host_network="pod")):
        cluster = from_manifests(docs, options=options)
        for src, dst, ok, why in HOST_NETWORK_EXPECTATIONS:
            v = allowed(cluster, src, dst, 80, "TCP")
            assert v.allowed is ok, (options.host_network, src, dst, why, v.reason)


# --------------------------------------------------------------------------- deciding rules

DECIDING = [
    # (case, src, dst, side, allowed, (policy, tier, index, name, action), note)
    ("pass_falls_through_to_networkpolicy_then_baseline", "y/a", "x/b", "ingress", False,
     ("baseline-deny-y", "Baseline", 0, "no-y", "Deny"), "baseline tier"),
    ("rule_order_within_a_policy", "x/a", "y/c", "ingress", False,
     ("into-y", "Admin", 0, "deny-xa", "Deny"), "admin tier"),
    ("rule_order_within_a_policy", "x/b", "y/c", "ingress", True,
     ("into-y", "Admin", 1, "accept-x", "Accept"), "admin tier"),
    ("rule_order_within_a_policy", "z/b", "y/c", "ingress", False,
     ("into-y", "Admin", 2, "deny-all", "Deny"), "admin tier"),
    ("priority_order_across_policies", "x/a", "z/b", "ingress", True,
     ("zzz-accept-x-into-z", "Admin", 0, "", "Accept"), "admin tier"),
    ("priority_order_across_policies", "y/a", "z/b", "ingress", False,
     ("aaa-deny-all-into-z", "Admin", 0, "", "Deny"), "admin tier"),
    ("egress_accept_still_needs_the_destination_ingress", "x/a", "y/b", "egress", True,
     ("x-to-y", "Admin", 0, "", "Accept"), "admin tier"),
    ("same_priority_overlap_is_decided_by_name", "x/a", "y/a", "ingress", False,
     ("a-deny-x", "Admin", 0, "", "Deny"), "admin tier"),
]  # fmt: skip


def test_oracle_reports_the_deciding_rule() -> None:
    for name, src, dst, side, ok, rule, _ in DECIDING:
        o = getattr(CnpOracle(CASES[name]().docs()).allowed(src, dst, 80, "TCP"), side)
        assert o.allowed is ok and o.rule is not None, (name, src, dst)
        assert rule_fields(o.rule) == rule


def test_engine_reports_the_deciding_rule() -> None:
    """``SideVerdict.decided_by``: the CNP rule that decided a side (tier, 0-based index, name
    or "", action) and ``note`` Reason.ADMIN / Reason.BASELINE."""
    from reachability import Reason

    assert (Reason.ADMIN, Reason.BASELINE) == ("admin tier", "baseline tier")
    for name, src, dst, side, ok, rule, note in DECIDING:
        v = getattr(allowed(from_manifests(CASES[name]().docs()), src, dst, 80, "TCP"), side)
        assert v.allowed is ok and rule_fields(v.decided_by) == rule, (name, src, dst, v)
        assert v.note == note, (name, src, dst, v.note)


def test_networkpolicy_decided_sides_name_no_cnp_rule() -> None:
    """After a Pass, or when no Admin rule matches, the NetworkPolicies decide: no CNP rule is
    reported (decided_by None), the policies' own fields are."""
    docs = CASES["pass_falls_through_to_networkpolicy_then_baseline"]().docs()
    cluster = from_manifests(docs)
    v = allowed(cluster, "y/b", "x/a", 80, "TCP")
    assert v.allowed and v.ingress.decided_by is None
    assert [(r.policy, r.index) for r in v.ingress.allowed_by] == [("x/a-from-y-b", 0)]
    v = allowed(cluster, "z/a", "x/a", 80, "TCP")  # no Admin rule matches z at all
    assert not v.allowed and v.ingress.decided_by is None
    assert v.ingress.isolated_by == ("x/a-from-y-b",)
    # the destination's NetworkPolicy denies after the egress Accept
    docs = CASES["egress_accept_still_needs_the_destination_ingress"]().docs()
    v = allowed(from_manifests(docs), "x/a", "y/b", 80, "TCP")
    assert not v.allowed and v.egress.allowed and not v.ingress.allowed
    assert v.ingress.decided_by is None and v.ingress.isolated_by == ("y/b-closed",)


def test_oracle_names_the_deciding_tier() -> None:
    docs = CASES["pass_falls_through_to_networkpolicy_then_baseline"]().docs()
    oracle = CnpOracle(docs)
    o = oracle.allowed("y/b", "x/a", 80, "TCP")
    assert o.allowed and o.ingress.decided == "networkpolicy" and o.ingress.rule is None
    assert [(r.policy, r.action) for r in o.ingress.passed] == [("delegate-y-to-x", "Pass")]
    assert o.ingress.np_admitted == (("x/a-from-y-b", 0),)
    o = oracle.allowed("z/a", "x/a", 80, "TCP")
    assert not o.allowed and o.ingress.decided == "networkpolicy" and not o.ingress.passed
    o = oracle.allowed("z/a", "x/b", 80, "TCP")
    assert o.allowed and o.ingress.decided == "default" and o.egress.decided == "default"
    docs = CASES["egress_accept_still_needs_the_destination_ingress"]().docs()
    o = CnpOracle(docs).allowed("x/a", "y/b", 80, "TCP")
    assert (o.egress.decided, o.ingress.decided) == ("admin", "networkpolicy")


# --------------------------------------------------------------------------- through the CLI

CLI_SAMPLE = [
    "pass_falls_through_to_networkpolicy_then_baseline",
    "egress_accept_still_needs_the_destination_ingress",
    "baseline_deny_only_where_no_networkpolicy_isolates_that_direction",
    "named_port_egress",
]


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_table_through_cli_check_json(name: str, tmp_path: Path) -> None:
    c = CASES[name]()
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "model.yaml").write_text(dump_yaml(xyz_model()))
    (folder / "policies.yaml").write_text(dump_yaml(c.policies))
    expect = [
        {"from": a, "to": b, "port": port, "protocol": proto, "allowed": e}
        for port, proto, t in c.checks
        for a, b, e in distinct(t)
    ]
    expect_file = tmp_path / "expect.yaml"
    expect_file.write_text(dump_one(expect, sort_keys=False))
    res = run_in_process(main, "check", "-f", folder, "--expect", expect_file, "--format", "json")
    assert res.returncode in (0, 1), res.stdout[-3000:] + res.stderr[-3000:]
    out = json.loads(res.stdout)
    wrong = [o for o in out if o["actual"] is not o["expected"]]
    assert res.returncode == 0 and len(out) == len(expect) and not wrong, wrong[:20]
