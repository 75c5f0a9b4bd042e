"""Property tests for ClusterNetworkPolicy with NetworkPolicy on generated small clusters
(tests/support/strategies.py: cluster_strategy's namespaces, pods and NetworkPolicies, plus
cnp_strategy's CNPs): the engine against the independent oracle (tests/support/cnp_oracle.py),
and what the API's definition implies whatever the policies are.

The API text is kubernetes-sigs/network-policy-api at 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159,
apis/v1alpha2/clusternetworkpolicy_types.go and site-src/api-overview.md.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import allowed, from_manifests, matrix
from tests.support.builders import (
    cnp,
    cnp_egress,
    cnp_ingress,
    cnp_namespaces,
    cnp_networks,
    cnp_nodes,
    namespace,
    netpol,
    pod,
)
from tests.support.cnp_oracle import ADMIN, BASELINE, CnpOracle
from tests.support.oracle import endpoints_of, np_isolates
from tests.support.strategies import (
    cluster_strategy,
    cluster_with_cnps_strategy,
    cnp_strategy,
)

Doc = dict[str, Any]
# Every port the strategies' container ports, NetworkPolicy ports and CNP protocols name, and
# the edges of their ranges (NetworkPolicy 80-81, 80-9090; CNP 50-90, 53-9090, 8080-8081).
PROBES = [
    (80, "TCP"),
    (8080, "TCP"),
    (53, "UDP"),
    (53, "TCP"),
    (9090, "SCTP"),
    (9090, "TCP"),
    (81, "TCP"),
    (90, "UDP"),
    (91, "TCP"),
    (8081, "SCTP"),
]
EXTERNALS = ["93.184.216.34", "10.1.0.200", "fd00::1"]
CLUSTERS = cluster_with_cnps_strategy()
ONE_CNP = cnp_strategy(min_policies=1, max_policies=1)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pod_ids(docs: list[Doc]) -> list[str]:
    return [
        f"{d['metadata']['namespace']}/{d['metadata']['name']}" for d in docs if d["kind"] == "Pod"
    ]


def connections(docs: list[Doc]) -> list[tuple[str, str]]:
    """Every ordered pair with at least one pod, pod -> itself included."""
    eps = [*pod_ids(docs), *EXTERNALS]
    return [(a, b) for a in eps for b in eps if not (a in EXTERNALS and b in EXTERNALS)]


def namespaces_of(docs: list[Doc]) -> list[str]:
    return [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]


def without(docs: list[Doc], tier: str) -> list[Doc]:
    return [
        d for d in docs if not (d["kind"] == "ClusterNetworkPolicy" and d["spec"]["tier"] == tier)
    ]


def flows(docs: list[Doc]) -> set[tuple[str, str, int, str]]:
    """The engine's allowed flows (the matrix over every pod, EXTERNALS and PROBES)."""
    return set(matrix(from_manifests(docs), PROBES, EXTERNALS).allowed_flows())


def oracle_flows(docs: list[Doc]) -> set[tuple[str, str, int, str]]:
    oracle = CnpOracle(docs)
    return {
        (a, b, port, proto)
        for a, b in connections(docs)
        for port, proto in PROBES
        if oracle.allowed(a, b, port, proto).allowed
    }


def explain(docs: list[Doc]) -> str:
    import yaml

    return yaml.safe_dump_all(docs, sort_keys=False)


# --------------------------------------------------------------------------- the oracle's NP half


@SLOW
@given(cluster_strategy(pod_ip_blocks=True))
def test_oracle_equals_engine_without_cnps(docs: list[Doc]) -> None:
    """The oracle's NetworkPolicy tier (tests/support/oracle.py) is the engine's NetworkPolicy
    semantics: on clusters without CNPs both give every verdict and side alike."""
    cluster, oracle = from_manifests(docs), CnpOracle(docs)
    for a, b in connections(docs):
        for port, proto in PROBES:
            v, o = allowed(cluster, a, b, port, proto), oracle.allowed(a, b, port, proto)
            assert (v.allowed, v.egress.allowed, v.ingress.allowed) == (
                o.allowed,
                o.egress.allowed,
                o.ingress.allowed,
            ), f"{a} -> {b} {port}/{proto}\n{explain(docs)}"


# --------------------------------------------------------------------------- (a) engine == oracle


@FAST
@given(CLUSTERS)
def test_engine_verdicts_and_matrix_equal_the_oracle(docs: list[Doc]) -> None:
    """Every connection, every side, on every probed port: the engine's verdict is the
    oracle's (self-pairs and external addresses included), and so is its matrix."""
    cluster, oracle = from_manifests(docs), CnpOracle(docs)
    m = matrix(cluster, PROBES, EXTERNALS)
    for a, b in connections(docs):
        for port, proto in PROBES:
            v, o = allowed(cluster, a, b, port, proto), oracle.allowed(a, b, port, proto)
            got = (v.allowed, v.egress.allowed, v.ingress.allowed)
            want = (o.allowed, o.egress.allowed, o.ingress.allowed)
            assert got == want, (
                f"{a} -> {b} {port}/{proto}: engine {got}, oracle {want} (oracle: egress "
                f"{o.egress.decided} {o.egress.rule}, ingress {o.ingress.decided} "
                f"{o.ingress.rule}; engine: {v.reason})\n{explain(docs)}"
            )
            assert m.is_allowed(a, b, port, proto) is o.allowed, (
                f"matrix: {a} -> {b} {port}/{proto}\n{explain(docs)}"
            )


@SLOW
@given(CLUSTERS)
def test_engine_reports_the_rule_the_oracle_says_decided(docs: list[Doc]) -> None:
    """``decided_by`` is the Accept/Deny rule that decided a side (policy, tier, 0-based index,
    name, action); None when the NetworkPolicies or the default decided and no Pass was met
    on the way (what a Pass leaves behind is not asserted here)."""
    cluster, oracle = from_manifests(docs), CnpOracle(docs)
    for a, b in connections(docs):
        for port, proto in PROBES:
            v, o = allowed(cluster, a, b, port, proto), oracle.allowed(a, b, port, proto)
            for got, want in ((v.egress, o.egress), (v.ingress, o.ingress)):
                ref = got.decided_by
                found = (
                    None if ref is None else (ref.policy, ref.tier, ref.index, ref.name, ref.action)
                )
                if want.decided in (ADMIN, BASELINE):
                    assert want.rule is not None
                    rule = want.rule
                    assert found == (rule.policy, rule.tier, rule.index, rule.name, rule.action), (
                        f"{a} -> {b} {port}/{proto} {want.direction}\n{explain(docs)}"
                    )
                elif not want.passed:
                    assert found is None, (
                        f"{a} -> {b} {port}/{proto} {want.direction}\n{explain(docs)}"
                    )


# --------------------------------------------------------------------------- (b) Pass-only CNPs


@st.composite
def pass_only_cnp(draw: Any, priority: int) -> Doc:
    """A CNP of Pass rules only: any subject, any peers, any protocols (cnp_strategy's)."""
    (base,) = draw(ONE_CNP)
    pol = copy.deepcopy(base)
    pol["metadata"]["name"] = "passes"
    pol["spec"]["tier"] = "Admin"
    pol["spec"]["priority"] = priority
    for direction in ("ingress", "egress"):
        for rule in pol["spec"].get(direction) or []:
            rule["action"] = "Pass"
    return pol


@SLOW
@given(CLUSTERS, pass_only_cnp(1000))
def test_a_pass_only_admin_cnp_after_the_others_changes_nothing(
    docs: list[Doc], passes: Doc
) -> None:
    """A Pass "Skips all further ClusterNetworkPolicy rules in the current tier": with no Admin
    rule after it (priority 1000, after every other Admin CNP), skipping is what matching no
    Admin rule does. (Before another Admin CNP it may skip that one's Deny: see
    test_a_pass_before_an_admin_deny_does_change_the_verdict.)"""
    assert flows([*docs, passes]) == flows(docs), explain([*docs, passes])
    assert oracle_flows([*docs, passes]) == oracle_flows(docs), explain([*docs, passes])


PASS_EVERYTHING = cnp(
    "pass-everything",
    "Admin",
    0,
    cnp_namespaces({}),
    ingress=[cnp_ingress("Pass", [cnp_namespaces({})])],
    egress=[
        cnp_egress("Pass", [cnp_namespaces({}), cnp_networks("0.0.0.0/0", "::/0"), cnp_nodes()])
    ],
)


@SLOW
@given(CLUSTERS)
def test_passing_everything_first_is_having_no_admin_tier(docs: list[Doc]) -> None:
    """A Pass matching every peer, before every other Admin CNP (priority 0; cnp_strategy's
    start at 1), leaves the NetworkPolicies and the Baseline tier to decide: the same flows as
    without any Admin CNP. (Ingress peers cannot match external addresses or host-network
    pods, but then no Admin ingress rule can either.)"""
    assert flows([*docs, PASS_EVERYTHING]) == flows(without(docs, "Admin")), explain(docs)
    assert oracle_flows([*docs, PASS_EVERYTHING]) == oracle_flows(without(docs, "Admin"))


@pytest.mark.parametrize("kind", ["oracle", "engine"])
def test_a_pass_before_an_admin_deny_does_change_the_verdict(kind: str) -> None:
    """Why the Pass-only property needs the Pass last: first, it skips the Deny after it."""
    docs = [
        namespace("a"),
        pod("a", "p", {"app": "web"}, ["10.1.0.10"]),
        pod("a", "q", {"app": "db"}, ["10.1.0.13"]),
        cnp(
            "deny",
            "Admin",
            5,
            cnp_namespaces({}),
            ingress=[cnp_ingress("Deny", [cnp_namespaces({})])],
        ),
    ]
    passes = cnp(
        "passes",
        "Admin",
        1,
        cnp_namespaces({}),
        ingress=[cnp_ingress("Pass", [cnp_namespaces({})])],
    )

    def verdict(d: list[Doc]) -> bool:
        if kind == "oracle":
            return CnpOracle(d).allowed("a/p", "a/q", 80, "TCP").allowed
        return allowed(from_manifests(d), "a/p", "a/q", 80, "TCP").allowed

    assert not verdict(docs)
    assert verdict([*docs, passes])


# --------------------------------------------------------------------------- (c) Admin Deny


@st.composite
def deny_first(draw: Any) -> Doc:
    """An Admin CNP of Deny rules before every other (priority 0): cnp_strategy's subject,
    peers and protocols."""
    (base,) = draw(ONE_CNP)
    pol = copy.deepcopy(base)
    pol["metadata"]["name"] = "deny-first"
    pol["spec"]["tier"] = "Admin"
    pol["spec"]["priority"] = 0
    for direction in ("ingress", "egress"):
        for rule in pol["spec"].get(direction) or []:
            rule["action"] = "Deny"
    return pol


def rehomed_network_policies(donor: list[Doc], namespaces: list[str]) -> list[Doc]:
    """The donor cluster's NetworkPolicies (their pods are not used), renamed and spread over
    ``namespaces``."""
    out = []
    for i, pol in enumerate(d for d in donor if d["kind"] == "NetworkPolicy"):
        p = copy.deepcopy(pol)
        p["metadata"] = {"name": f"added{i}", "namespace": namespaces[i % len(namespaces)]}
        out.append(p)
    return out


@SLOW
@given(CLUSTERS, deny_first(), cluster_strategy(max_pods=1, max_policies=4))
def test_an_admin_deny_is_never_undone_by_networkpolicies(
    docs: list[Doc], deny: Doc, donor: list[Doc]
) -> None:
    """Admin rules are those "a developer CANNOT override ... by creating NetworkPolicies"
    (api-overview.md): whatever the Deny alone denies (pod -> itself aside: hairpin traffic is
    not subject to CNP) stays denied with every other policy of the cluster and any
    NetworkPolicies added, allow-all ones included."""
    bare = [d for d in docs if d["kind"] in ("Namespace", "Pod")]
    names = namespaces_of(docs)
    allow_all = [
        netpol(ns, "allow-all", {}, ingress=[{}], egress=[{}], policy_types=["Ingress", "Egress"])
        for ns in names
    ]
    crowded = [*docs, deny, *rehomed_network_policies(donor, names), *allow_all]
    everything = set(connections(docs))
    for evaluate in (flows, oracle_flows):
        alone = evaluate([*bare, deny])
        denied = {
            (a, b, port, proto)
            for a, b in everything
            if a != b
            for port, proto in PROBES
            if (a, b, port, proto) not in alone
        }
        assert not denied & evaluate(crowded), explain(crowded)


# --------------------------------------------------------------------------- (d) Baseline tier


@SLOW
@given(CLUSTERS)
def test_baseline_cnps_change_nothing_where_networkpolicies_isolate(docs: list[Doc]) -> None:
    """ "v1.NetworkPolicy always makes a final decision for selected pods" (types.go): a side
    whose pod NetworkPolicies isolate for that direction is the same with or without the
    Baseline CNPs (so are sides no CNP can have: external addresses, host-network pods), and so
    is a connection both of whose sides are such sides, or a pod reaching itself."""
    pods = endpoints_of(docs)
    nps = [d for d in docs if d["kind"] == "NetworkPolicy"]

    def fixed(ref: str, direction: str) -> bool:
        ep = pods.get(ref)
        return ep is None or ep.host_network or any(np_isolates(p, ep, direction) for p in nps)

    bare = without(docs, "Baseline")
    with_c, without_c = from_manifests(docs), from_manifests(bare)
    with_o, without_o = CnpOracle(docs), CnpOracle(bare)
    for a, b in connections(docs):
        out_fixed, in_fixed = fixed(a, "Egress"), fixed(b, "Ingress")
        for port, proto in PROBES:
            for one, other in (
                (allowed(with_c, a, b, port, proto), allowed(without_c, a, b, port, proto)),
                (with_o.allowed(a, b, port, proto), without_o.allowed(a, b, port, proto)),
            ):
                same = (one.allowed, one.egress.allowed, one.ingress.allowed) == (
                    other.allowed,
                    other.egress.allowed,
                    other.ingress.allowed,
                )
                if a == b or (out_fixed and in_fixed):
                    assert same, (a, b, port, proto, explain(docs))
                if out_fixed:
                    assert one.egress.allowed == other.egress.allowed, (a, b, port, proto)
                if in_fixed:
                    assert one.ingress.allowed == other.ingress.allowed, (a, b, port, proto)
