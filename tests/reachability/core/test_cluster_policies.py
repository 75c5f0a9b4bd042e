"""ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2): what the loader refuses, as the CRD
would, and how the tiers decide, through `allowed`, the matrix, the side sets, diff and the CLI.

Source of truth: kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go
and config/crd/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml at commit
0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from kubefacts.api import Direction
from kubefacts.cluster_network_policy import Action, Tier
from reachability import ManifestError, Pod, Reason, allowed, from_manifests, load, matrix
from reachability.cli import main
from reachability.diff import diff
from reachability.probes import probe_externals, probe_ports
from reachability.sides import side_sets
from tests.support.builders import (
    cnp,
    cnp_rule,
    container_port,
    dump_yaml,
    egress_rule,
    ingress_rule,
    namespace,
    netpol,
    peer,
    pod,
    selector,
    workload,
)
from tests.support.processes import run_in_process

Doc = dict[str, Any]
NS = "kubernetes.io/metadata.name"


def ns_is(name: str) -> Doc:
    return {"namespaces": selector({NS: name})}


def pods_of(name: str, labels: dict[str, str]) -> Doc:
    return {"pods": {"namespaceSelector": selector({NS: name}), "podSelector": selector(labels)}}


def base() -> list[Doc]:
    """Namespaces x and y, pods a and b in each (port 80 named `web`, 53/UDP named `dns`)."""
    ports = [container_port(80, name="web"), container_port(53, "UDP", "dns")]
    docs: list[Doc] = [namespace("x", {"team": "red"}), namespace("y", {"team": "blue"})]
    for n, ns in enumerate(("x", "y")):
        for m, name in enumerate(("a", "b")):
            docs.append(pod(ns, name, {"app": name}, [f"10.0.{n}.{m + 1}"], ports))
    return docs


def verdict(docs: list[Doc], src: str, dst: str, port: int = 80, protocol: str = "TCP") -> Any:
    return allowed(from_manifests(docs), src, dst, port, protocol)


# ---------------------------------------------------------------------------- validation


def _problems(*docs: Doc) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        from_manifests([*base(), *docs])
    return [f"{p.obj} {p.field}: {p.message}" for p in caught.value.problems]


def _valid(**spec: Any) -> Doc:
    written = cnp("c", "Admin", 10, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    written["spec"].update(spec)
    return written


RULE = {"action": "Deny", "from": [{"namespaces": {}}]}
EGRESS = {"action": "Deny", "to": [{"namespaces": {}}]}
BAD_SPECS: list[tuple[str, dict[str, Any], str]] = [
    ("tier missing", {"tier": None}, "spec.tier: is required: use Admin, Baseline"),
    ("tier case", {"tier": "admin"}, "spec.tier: 'admin' is not supported: use Admin, Baseline"),
    ("priority high", {"priority": 1001}, "spec.priority: 1001 must be from 0 to 1000"),
    ("priority text", {"priority": "5"}, "spec.priority: must be a number from 0 to 1000"),
    (
        "two subjects",
        {"subject": {"namespaces": {}, "pods": {"podSelector": {}}}},
        "spec.subject: must set exactly one of namespaces, pods",
    ),
    ("no subject", {"subject": {}}, "spec.subject: must set exactly one of namespaces, pods"),
    (
        "pods without podSelector",
        {"subject": {"pods": {"namespaceSelector": {}}}},
        "spec.subject.pods.podSelector: is required",
    ),
    (
        "no action",
        {"ingress": [{"from": [{"namespaces": {}}]}]},
        "spec.ingress[0].action: is required: use Accept, Deny, Pass",
    ),
    (
        "action Allow",
        {"ingress": [{**RULE, "action": "Allow"}]},
        "spec.ingress[0].action: 'Allow' is not supported: use Accept, Deny, Pass",
    ),
    (
        "from empty",
        {"ingress": [{**RULE, "from": []}]},
        "spec.ingress[0].from: must have at least one item",
    ),
    ("from missing", {"ingress": [{"action": "Deny"}]}, "spec.ingress[0].from: is required"),
    (
        "empty peer",
        {"ingress": [{**RULE, "from": [{}]}]},
        "spec.ingress[0].from[0]: must set exactly one of namespaces, pods",
    ),
    (
        "networks on ingress",
        {"ingress": [{**RULE, "from": [{"networks": ["10.0.0.0/8"]}]}]},
        "spec.ingress[0].from[0].networks: unknown field",
    ),
    (
        "two peer kinds",
        {"egress": [{**EGRESS, "to": [{"namespaces": {}, "networks": ["10.0.0.0/8"]}]}]},
        "spec.egress[0].to[0]: must set exactly one of",
    ),
    (
        "protocols empty",
        {"ingress": [{**RULE, "protocols": []}]},
        "spec.ingress[0].protocols: must have at least one item",
    ),
    (
        "two protocols in one entry",
        {"ingress": [{**RULE, "protocols": [{"tcp": {}, "udp": {}}]}]},
        "spec.ingress[0].protocols[0]: must set exactly one of tcp, udp, sctp",
    ),
    (
        "tcp without port",
        {"ingress": [{**RULE, "protocols": [{"tcp": {}}]}]},
        "spec.ingress[0].protocols[0].tcp.destinationPort: is required",
    ),
    (
        "port zero",
        {"ingress": [{**RULE, "protocols": [{"tcp": {"destinationPort": {"number": 0}}}]}]},
        "spec.ingress[0].protocols[0].tcp.destinationPort.number: 0 must be a port number",
    ),
    (
        "range backwards",
        {
            "ingress": [
                {
                    **RULE,
                    "protocols": [{"udp": {"destinationPort": {"range": {"start": 9, "end": 9}}}}],
                }
            ]
        },
        "spec.ingress[0].protocols[0].udp.destinationPort.range: start (9) must be less than",
    ),
    (
        "empty named port",
        {"ingress": [{**RULE, "protocols": [{"destinationNamedPort": ""}]}]},
        "spec.ingress[0].protocols[0].destinationNamedPort: must name a container port",
    ),
    (
        "netmask",
        {"egress": [{**EGRESS, "to": [{"networks": ["10.0.0.0/255.0.0.0"]}]}]},
        "spec.egress[0].to[0].networks[0]: '10.0.0.0/255.0.0.0' is not a valid CIDR",
    ),
    (
        "leading zero",
        {"egress": [{**EGRESS, "to": [{"networks": ["010.0.0.0/8"]}]}]},
        "spec.egress[0].to[0].networks[0]: '010.0.0.0/8' is not a valid CIDR",
    ),
    (
        "no prefix",
        {"egress": [{**EGRESS, "to": [{"networks": ["10.0.0.1"]}]}]},
        "spec.egress[0].to[0].networks[0]: '10.0.0.1' is not a valid CIDR",
    ),
    (
        "IPv4-mapped IPv6",
        {"egress": [{**EGRESS, "to": [{"networks": ["::ffff:10.0.0.0/104"]}]}]},
        "spec.egress[0].to[0].networks[0]: '::ffff:10.0.0.0/104' is not a valid CIDR",
    ),
    (
        "network twice",
        {"egress": [{**EGRESS, "to": [{"networks": ["10.0.0.0/8", "10.0.0.0/8"]}]}]},
        "spec.egress[0].to[0].networks[1]: '10.0.0.0/8' is listed twice",
    ),
    (
        "nodes by label",
        {"egress": [{**EGRESS, "to": [{"nodes": {"matchLabels": {"role": "db"}}}]}]},
        "spec.egress[0].to[0].nodes: a nodes peer with a selector is not supported",
    ),
    (
        "domain names",
        {"egress": [{**EGRESS, "action": "Accept", "to": [{"domainNames": ["example.com"]}]}]},
        "spec.egress[0].to[0].domainNames: domainNames peers are not supported",
    ),
    ("26 rules", {"ingress": [RULE] * 26}, "spec.ingress: has 26 rules: at most 25"),
    (
        "long rule name",
        {"ingress": [{**RULE, "name": "r" * 101}]},
        "spec.ingress[0].name: is 101 characters: at most 100",
    ),
    ("unknown field", {"ports": []}, "spec.ports: unknown field"),
]


@pytest.mark.parametrize(
    ("spec", "expected"), [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS]
)
def test_the_crd_refuses_it_and_so_does_the_loader(spec: dict[str, Any], expected: str) -> None:
    written = _valid(**spec)
    written["spec"] = {k: v for k, v in written["spec"].items() if v is not None}
    problems = _problems(written)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("ClusterNetworkPolicy c ") for p in problems)


def test_api_version_and_name_are_checked() -> None:
    written = _valid()
    written["apiVersion"] = "policy.networking.k8s.io/v1alpha1"
    written["metadata"]["name"] = "Not_A_Name"
    problems = _problems(written)
    assert any("apiVersion: the string" in p and "v1alpha2" in p for p in problems), problems
    assert any("metadata.name:" in p for p in problems), problems


def test_a_valid_policy_is_read_with_the_defaults_the_api_gives() -> None:
    written = cnp(
        "admin.guard",  # a DNS subdomain, as custom resource names are
        "Baseline",
        0,
        {"pods": {"podSelector": selector({"app": "a"})}},  # namespaceSelector omitted: all
        egress=[cnp_rule("Accept", [{"nodes": {}}], direction="egress", name="nodes")],
    )
    cluster = from_manifests([*base(), written])
    (read,) = cluster.cluster_policies
    assert (read.name, read.tier, read.priority) == ("admin.guard", Tier.BASELINE, 0)
    assert read.namespace_selector.is_empty and read.pod_selector is not None
    assert read.egress[0].ports is None and read.egress[0].peers[0].nodes
    assert read.ingress == ()


def test_policies_are_evaluated_admin_first_then_by_priority_then_name() -> None:
    docs = [
        cnp(name, tier, priority, ns_is("x"), ingress=[cnp_rule("Pass", [ns_is("y")])])
        for name, tier, priority in (
            ("b", "Admin", 5),
            ("base", "Baseline", 0),
            ("a", "Admin", 5),
            ("first", "Admin", 1),
        )
    ]
    cluster = from_manifests([*base(), *docs])
    assert [p.name for p in cluster.cluster_policies] == ["first", "a", "b", "base"]


# ---------------------------------------------------------------------------- the tiers


def test_an_admin_deny_beats_a_networkpolicy_that_allows() -> None:
    allow_all = netpol("x", "allow-all", ingress=[ingress_rule()], policy_types=["Ingress"])
    deny = cnp("guard", "Admin", 10, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    assert verdict([*base(), allow_all], "y/a", "x/a").allowed
    found = verdict([*base(), allow_all, deny], "y/a", "x/a")
    assert not found.allowed
    assert found.ingress.note == Reason.ADMIN
    decided = found.ingress.decided_by
    assert (decided.policy, decided.tier, decided.index, decided.action) == (
        "guard",
        Tier.ADMIN,
        0,
        Action.DENY,
    )
    assert "denied by Admin ClusterNetworkPolicy guard ingress[0]" in found.reason
    assert verdict([*base(), allow_all, deny], "x/b", "x/a").allowed  # not from y


def test_an_admin_accept_overrides_a_namespace_default_deny_on_its_side_only() -> None:
    deny_all = netpol("x", "deny-all", policy_types=["Ingress", "Egress"])
    accept = cnp("open", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Accept", [ns_is("y")])])
    found = verdict([*base(), deny_all, accept], "y/a", "x/a")
    assert found.allowed and found.ingress.decided_by is not None
    assert found.ingress.isolated and found.ingress.isolated_by == ("x/deny-all",)
    # Accept on x's ingress says nothing about x's egress, which the NetworkPolicy still denies.
    assert not verdict([*base(), deny_all, accept], "x/a", "y/a").allowed


def test_an_egress_accept_still_needs_the_destination_ingress() -> None:
    accept = cnp(
        "out", "Admin", 1, ns_is("x"), egress=[cnp_rule("Accept", [ns_is("y")], direction="egress")]
    )
    deny_in = netpol("y", "deny-in", policy_types=["Ingress"])
    found = verdict([*base(), accept, deny_in], "x/a", "y/a")
    assert found.egress.allowed and found.egress.note == Reason.ADMIN
    assert not found.allowed and not found.ingress.allowed


def test_pass_hands_the_connection_to_networkpolicies_then_to_baseline() -> None:
    passing = cnp("pass", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Pass", [ns_is("y")])])
    later_deny = cnp("deny", "Admin", 2, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    baseline = cnp("floor", "Baseline", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    # Pass skips the later Admin Deny; no NetworkPolicy isolates x, so the Baseline decides.
    found = verdict([*base(), passing, later_deny, baseline], "y/a", "x/a")
    assert not found.allowed
    assert found.ingress.note == Reason.BASELINE
    assert found.ingress.passed_by is not None and found.ingress.passed_by.policy == "pass"
    assert found.ingress.decided_by.policy == "floor"
    assert "passed on by Admin ClusterNetworkPolicy pass ingress[0]" in found.reason
    # With a NetworkPolicy isolating x, it decides and the Baseline is never read.
    allow_y = netpol("x", "from-y", ingress=[ingress_rule([peer(namespaces=selector({NS: "y"}))])])
    found = verdict([*base(), passing, later_deny, baseline, allow_y], "y/a", "x/a")
    assert found.allowed and found.ingress.note == Reason.POLICIES
    assert found.ingress.allowed_by[0].policy == "x/from-y"
    # Without the Pass, the later Admin Deny wins over the NetworkPolicy.
    assert not verdict([*base(), later_deny, baseline, allow_y], "y/a", "x/a").allowed


def test_baseline_applies_only_where_no_networkpolicy_isolates() -> None:
    floor = cnp(
        "floor", "Baseline", 1, {"namespaces": {}}, ingress=[cnp_rule("Deny", [ns_is("y")])]
    )
    only_b = netpol("x", "b-open", selector({"app": "b"}), ingress=[ingress_rule()])
    docs = [*base(), floor, only_b]
    assert not verdict(docs, "y/a", "x/a").allowed  # x/a: no NetworkPolicy, Baseline denies
    assert verdict(docs, "y/a", "x/b").allowed  # x/b: isolated, its NetworkPolicy allows
    assert verdict(docs, "x/a", "y/b").allowed  # y is not a peer of the Baseline rule


def test_rules_decide_in_written_order_and_policies_by_priority() -> None:
    ordered = cnp(
        "ordered",
        "Admin",
        5,
        ns_is("x"),
        ingress=[cnp_rule("Accept", [ns_is("y")]), cnp_rule("Deny", [ns_is("y")])],
    )
    earlier = cnp("earlier", "Admin", 4, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    assert verdict([*base(), ordered], "y/a", "x/a").ingress.decided_by.index == 0
    found = verdict([*base(), ordered, earlier], "y/a", "x/a")
    assert not found.allowed and found.ingress.decided_by.policy == "earlier"


def test_networks_match_pod_addresses_too() -> None:
    """networks: "cluster-internal traffic will be checked against the rule as well"."""
    internet = cnp(
        "no-10",
        "Admin",
        1,
        ns_is("x"),
        egress=[cnp_rule("Deny", [{"networks": ["10.0.1.0/24"]}], direction="egress")],
    )
    docs = [*base(), internet]
    assert not verdict(docs, "x/a", "y/a").allowed  # y/a is 10.0.1.1
    assert verdict(docs, "x/a", "x/b").allowed  # 10.0.0.2
    assert not verdict(docs, "x/a", "10.0.1.200").allowed
    assert verdict(docs, "x/a", "8.8.8.8").allowed


def test_protocols_match_ports_ranges_and_named_ports() -> None:
    def admin(protocols: list[Doc]) -> Doc:
        return cnp("p", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")], protocols)])

    number = admin([{"tcp": {"destinationPort": {"number": 80}}}])
    assert not verdict([*base(), number], "y/a", "x/a", 80).allowed
    assert verdict([*base(), number], "y/a", "x/a", 81).allowed
    assert verdict([*base(), number], "y/a", "x/a", 80, "UDP").allowed
    ranged = admin([{"udp": {"destinationPort": {"range": {"start": 50, "end": 60}}}}])
    assert not verdict([*base(), ranged], "y/a", "x/a", 53, "UDP").allowed
    assert not verdict([*base(), ranged], "y/a", "x/a", 60, "UDP").allowed
    assert verdict([*base(), ranged], "y/a", "x/a", 61, "UDP").allowed
    named = admin([{"destinationNamedPort": "dns"}])  # 53/UDP on every pod here
    assert not verdict([*base(), named], "y/a", "x/a", 53, "UDP").allowed
    assert verdict([*base(), named], "y/a", "x/a", 53, "TCP").allowed
    assert verdict([*base(), named], "y/a", "x/a", 80).allowed


def test_a_named_port_no_container_can_have_is_accepted_and_matches_nothing() -> None:
    """The CRD takes any string (no IANA_SVC_NAME rule, unlike NetworkPolicy's ports)."""
    odd = cnp(
        "odd",
        "Admin",
        1,
        ns_is("x"),
        ingress=[cnp_rule("Deny", [ns_is("y")], [{"destinationNamedPort": "Web_80"}])],
    )
    assert verdict([*base(), odd], "y/a", "x/a", 80).allowed


def test_host_network_pods_are_never_subjects_and_nodes_matches_them() -> None:
    node_pod = pod("x", "agent", {"app": "agent"}, ["192.168.0.5"], host_network=True)
    deny_in = cnp("deny", "Admin", 1, {"namespaces": {}}, ingress=[cnp_rule("Deny", [ns_is("y")])])
    docs = [*base(), node_pod, deny_in]
    assert verdict(docs, "y/a", "x/agent").allowed  # a host-network pod is never a subject
    to_nodes = cnp(
        "no-nodes",
        "Admin",
        1,
        ns_is("y"),
        egress=[cnp_rule("Deny", [{"nodes": {}}], direction="egress")],
    )
    docs = [*base(), node_pod, to_nodes]
    assert not verdict(docs, "y/a", "x/agent").allowed
    assert verdict(docs, "y/a", "x/a").allowed


def test_a_policy_without_rules_of_a_direction_takes_no_part_in_it() -> None:
    egress_only = cnp(
        "e", "Admin", 1, ns_is("x"), egress=[cnp_rule("Deny", [ns_is("y")], direction="egress")]
    )
    found = verdict([*base(), egress_only], "y/a", "x/a")
    assert found.allowed and found.ingress.note == Reason.NOT_ISOLATED
    assert found.ingress.decided_by is None


def test_loopback_still_lets_a_pod_reach_itself_when_asked_to() -> None:
    from reachability import Options

    # Two replicas of a workload: the cluster policy applies to them, loopback overrides it.
    deny = cnp("deny", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("x")])])
    web = workload("Deployment", "x", "web", {"app": "web"})
    cluster = from_manifests([*base(), web, deny], options=Options(loopback_allowed=True))
    found = allowed(cluster, "x/deployment/web", "x/deployment/web", 80)
    assert found.allowed and found.ingress.note == Reason.LOOPBACK
    assert "over the Deny of Admin ClusterNetworkPolicy deny ingress[0]" in found.reason
    assert not allowed(cluster, "x/b", "x/deployment/web", 80).allowed
    assert matrix(cluster, [(80, "TCP")]).is_allowed("x/deployment/web", "x/deployment/web", 80)
    without = from_manifests([*base(), web, deny])
    assert not allowed(without, "x/deployment/web", "x/deployment/web", 80).allowed


# ---------------------------------------------------------------------------- one answer


def _random_cluster(rng: random.Random) -> list[Doc]:
    """Random namespaces-and-pods clusters with ClusterNetworkPolicies and NetworkPolicies."""

    def sel(key: str, values: list[str]) -> Doc:
        r = rng.random()
        if r < 0.3:
            return {}
        if r < 0.7:
            return selector({key: rng.choice(values)})
        op = rng.choice(["In", "NotIn", "Exists", "DoesNotExist"])
        return selector(expressions=[(key, op, rng.sample(values, rng.randint(1, 2)))])

    def cluster_peer(egress: bool) -> Doc:
        r = rng.random()
        namespaces = sel("team", ["red", "blue"])
        if r < 0.35:
            return {"namespaces": namespaces}
        if r < 0.8 or not egress:
            return {
                "pods": {"namespaceSelector": namespaces, "podSelector": sel("app", ["a", "b"])}
            }
        if r < 0.9:
            return {"nodes": {}}
        return {"networks": [rng.choice(["10.0.0.0/24", "10.0.1.0/24", "0.0.0.0/0"])]}

    def protocols() -> list[Doc]:
        return [
            rng.choice(
                [
                    {"tcp": {"destinationPort": {"number": 80}}},
                    {"udp": {"destinationPort": {"number": 53}}},
                    {"tcp": {"destinationPort": {"range": {"start": 79, "end": 81}}}},
                    {"destinationNamedPort": rng.choice(["web", "dns"])},
                ]
            )
            for _ in range(rng.randint(1, 2))
        ]

    docs = base()
    docs.append(pod("x", "node", {"app": "a"}, ["192.168.0.9"], host_network=True))
    for i in range(rng.randint(0, 4)):
        rules: dict[str, list[Doc]] = {}
        for direction in ("ingress", "egress"):
            if rng.random() < 0.7:
                rules[direction] = [
                    cnp_rule(
                        rng.choice(["Accept", "Deny", "Pass"]),
                        [cluster_peer(direction == "egress") for _ in range(rng.randint(1, 2))],
                        *([protocols()] if rng.random() < 0.5 else []),
                        direction=direction,
                    )
                    for _ in range(rng.randint(1, 3))
                ]
        subject = (
            {"namespaces": sel("team", ["red", "blue"])}
            if rng.random() < 0.5
            else {"pods": {"podSelector": sel("app", ["a", "b"])}}
        )
        tier = rng.choice(["Admin", "Baseline"])
        docs.append(cnp(f"c{i}", tier, rng.randint(0, 3), subject, **rules))
    for i in range(rng.randint(0, 3)):
        namespace_name = rng.choice(["x", "y"])
        from_peer = peer(pods=sel("app", ["a", "b"]), namespaces=sel("team", ["red", "blue"]))
        rules = {
            "ingress": [ingress_rule([from_peer])] if rng.random() < 0.6 else [],
            "egress": [egress_rule([from_peer])] if rng.random() < 0.6 else [],
        }
        types = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        docs.append(
            netpol(namespace_name, f"n{i}", sel("app", ["a", "b"]), policy_types=types, **rules)
        )
    return docs


PORTS = [(80, "TCP"), (81, "TCP"), (53, "UDP"), (53, "TCP")]
EXTERNALS = ["8.8.8.8", "10.0.1.77"]


@pytest.mark.parametrize("seed", range(40))
def test_the_matrix_the_side_sets_and_allowed_agree(seed: int) -> None:
    cluster = from_manifests(_random_cluster(random.Random(seed)))
    found = matrix(cluster, PORTS, EXTERNALS)
    sides = side_sets(cluster, PORTS, EXTERNALS)
    pods = len(cluster.pods)
    for i, src in enumerate(found.endpoints[:pods]):
        for j, dst in enumerate(found.endpoints):
            for p, (port, protocol) in enumerate(PORTS):
                expected = allowed(cluster, src, dst, port, protocol)
                assert found.is_allowed(src, dst, port, protocol) == expected.allowed
                assert bool(sides.flows(Direction.EGRESS, i, p) >> j & 1) == expected.allowed
                if i == j:  # a pod's own IP is a pair exception, not a side (hairpin)
                    continue
                assert (
                    bool(sides.allows(Direction.EGRESS, i, p) >> j & 1) == expected.egress.allowed
                )
                assert bool(sides.allows(Direction.INGRESS, j, p) >> i & 1) == (
                    expected.ingress.allowed
                )


# ---------------------------------------------------------------------------- around the engine


def test_representatives_cover_the_classes_cluster_policies_tell_apart() -> None:
    guard = cnp(
        "db",
        "Admin",
        1,
        {
            "pods": {
                "namespaceSelector": selector({"team": "red"}),
                "podSelector": selector({"app": "db"}),
            }
        },
        ingress=[cnp_rule("Deny", [{"namespaces": selector({"team": "blue"})}])],
    )
    docs = [namespace("x", {"team": "red"}), namespace("y", {"team": "blue"}), guard]
    cluster = from_manifests(docs)
    assert cluster.representative
    ids = {p.id for p in cluster.pods}
    assert {"x/app-db", "x/pod", "y/pod"} <= ids
    assert not allowed(cluster, "y/pod", "x/app-db", 80).allowed
    assert allowed(cluster, "y/pod", "x/pod", 80).allowed
    # Other namespaces: one stand-in per class the selectors tell apart, red ones with a db.
    others = {p.id for p in cluster.pods if p.namespace.startswith("other-namespace")}
    assert {"other-namespace/pod", "other-namespace-team-blue/pod"} <= others
    assert "other-namespace-team-red/app-db" in others
    assert not allowed(cluster, "other-namespace-team-blue/pod", "x/app-db", 80).allowed
    assert allowed(cluster, "other-namespace/pod", "x/app-db", 80).allowed
    assert not allowed(cluster, "y/pod", "other-namespace-team-red/app-db", 80).allowed


def test_probes_name_the_ports_and_networks_cluster_policies_name() -> None:
    guard = cnp(
        "g",
        "Admin",
        1,
        ns_is("x"),
        egress=[
            cnp_rule(
                "Deny",
                [{"networks": ["203.0.113.0/24"]}],
                [{"sctp": {"destinationPort": {"range": {"start": 7000, "end": 7002}}}}],
                direction="egress",
            )
        ],
    )
    cluster = from_manifests([*base(), guard])
    policies = (*cluster.policies, *cluster.cluster_policies)
    ports = probe_ports(policies, cluster.pods)
    assert {(7000, "SCTP"), (7002, "SCTP")} <= set(ports)
    assert any(a.startswith("203.0.113.") for a in probe_externals(policies, cluster.pods))


def test_probes_sample_every_interval_first_match_rules_tell_apart() -> None:
    """With first-match rules a port between two ranges can be decided by a third rule alone:
    probing each range's ends is not enough, the ports beside them are probed too."""
    ranges = cnp(
        "ranges",
        "Admin",
        10,
        ns_is("y"),
        ingress=[
            cnp_rule(action, [{"namespaces": {}}], [{"tcp": {"destinationPort": {"range": r}}}])
            for action, r in (
                ("Deny", {"start": 100, "end": 200}),
                ("Deny", {"start": 300, "end": 400}),
                ("Accept", {"start": 150, "end": 350}),
            )
        ],
    )
    deny = netpol("y", "deny", policy_types=["Ingress"])
    before = from_manifests([*base(), deny])
    after = from_manifests([*base(), deny, ranges])
    assert allowed(after, "x/a", "y/a", 250).allowed
    found = diff(before, after)
    assert any(c.port in range(201, 300) for c in found.became_allowed), found.ports


def test_diff_shows_what_a_cluster_policy_changes() -> None:
    guard = cnp("guard", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    before = from_manifests(base())
    after = from_manifests([*base(), guard])
    found = diff(before, after, ports=[(80, "TCP")])
    assert not found.became_allowed
    denied = {(c.src, c.dst) for c in found.became_denied}
    assert denied == {("y/a", "x/a"), ("y/a", "x/b"), ("y/b", "x/a"), ("y/b", "x/b")}
    assert all("Admin ClusterNetworkPolicy guard" in c.reason for c in found.became_denied)


def test_a_scoped_query_still_reads_cluster_policies_in_other_files(tmp_path: Path) -> None:
    (tmp_path / "cluster.yaml").write_text(dump_yaml(base()))
    guard = cnp(
        "guard",
        "Admin",
        1,
        {"namespaces": selector({"team": "red"})},
        ingress=[cnp_rule("Deny", [{"namespaces": selector({"team": "blue"})}])],
    )
    (tmp_path / "guard.yaml").write_text(dump_yaml([guard]))  # names neither x nor y
    expectations = tmp_path / "expect.yaml"
    expectations.write_text(
        "- {from: y/a, to: x/a, port: 80, allowed: false}\n"
        "- {from: x/a, to: y/a, port: 80, allowed: true}\n"
    )
    out = run_in_process(
        main,
        *[
            "check",
            "-f",
            str(tmp_path / "cluster.yaml"),
            "-f",
            str(tmp_path / "guard.yaml"),
            "--expect",
            str(expectations),
            "--format",
            "json",
        ],
    )
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert [r["actual"] for r in records] == [False, True]
    assert "Admin ClusterNetworkPolicy guard ingress[0]" in records[0]["reason"]
    assert load([tmp_path / "guard.yaml", tmp_path / "cluster.yaml"]).cluster_policies


def test_query_json_names_the_deciding_rule(tmp_path: Path) -> None:
    guard = cnp("guard", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Pass", [ns_is("y")], name="p")])
    floor = cnp("floor", "Baseline", 9, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    (tmp_path / "all.yaml").write_text(dump_yaml([*base(), guard, floor]))
    out = run_in_process(
        main,
        *[
            "query",
            "-f",
            str(tmp_path),
            "--from",
            "y/a",
            "--to",
            "x/a",
            "--port",
            "80",
            "--format",
            "json",
        ],
    )
    assert out.returncode == 1, out.stderr  # denied
    record = json.loads(out.stdout)
    assert record["allowed"] is False
    assert record["ingress"]["note"] == "baseline tier"
    assert record["ingress"]["decided_by"] == {
        "policy": "floor",
        "tier": "Baseline",
        "index": 0,
        "name": "",
        "action": "Deny",
        "kind": "ClusterNetworkPolicy",
    }
    assert record["ingress"]["passed_by"]["name"] == "p"
    assert "decided_by" not in record["egress"]


# ---------------------------------------------------------------------------- v1alpha1


def anp(name: str, priority: int, subject: Doc, **rules: Any) -> Doc:
    """An AdminNetworkPolicy (v1alpha1): rules as written (`ports`, actions Allow/Deny/Pass)."""
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, "subject": subject, **rules},
    }


def banp(subject: Doc, name: str = "default", **rules: Any) -> Doc:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"subject": subject, **rules},
    }


def test_admin_network_policy_v1alpha1_is_the_admin_tier() -> None:
    allow_y = netpol("x", "from-y", ingress=[ingress_rule([peer(namespaces=selector({NS: "y"}))])])
    deny = anp(
        "guard",
        3,
        ns_is("x"),
        ingress=[
            {
                "name": "no-web",
                "action": "Deny",
                "from": [ns_is("y")],
                "ports": [{"portNumber": {"port": 80}}],  # protocol defaults to TCP
            },
            {"action": "Pass", "from": [ns_is("y")]},
        ],
    )
    docs = [*base(), allow_y, deny]
    found = verdict(docs, "y/a", "x/a", 80)
    assert not found.allowed
    decided = found.ingress.decided_by
    assert (decided.kind, decided.policy, decided.action) == ("AdminNetworkPolicy", "guard", "Deny")
    assert "denied by AdminNetworkPolicy guard ingress[0] (no-web)" in found.reason
    passed = verdict(docs, "y/a", "x/a", 81)
    assert passed.allowed and passed.ingress.passed_by.kind == "AdminNetworkPolicy"
    ranged = anp(
        "r",
        1,
        ns_is("x"),
        ingress=[
            {
                "action": "Allow",
                "from": [ns_is("y")],
                "ports": [{"portRange": {"protocol": "UDP", "start": 53, "end": 53}}],
            }
        ],
    )
    deny_all = netpol("x", "deny", policy_types=["Ingress"])
    assert verdict([*base(), deny_all, ranged], "y/a", "x/a", 53, "UDP").allowed
    assert not verdict([*base(), deny_all, ranged], "y/a", "x/a", 54, "UDP").allowed


def test_baseline_admin_network_policy_v1alpha1_is_the_baseline_tier() -> None:
    floor = banp(
        {"namespaces": {}},
        egress=[{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}],
    )
    deny_out = netpol("y", "out", policy_types=["Egress"], egress=[egress_rule()])
    docs = [*base(), floor, deny_out]
    found = verdict(docs, "x/a", "y/a")
    assert not found.allowed and found.egress.decided_by.kind == "BaselineAdminNetworkPolicy"
    assert verdict(docs, "y/a", "x/a").allowed  # y's egress: its NetworkPolicy decides


def test_v1alpha1_objects_are_checked_as_their_crds_check_them() -> None:
    problems = _problems(
        banp({"namespaces": {}}, name="other", ingress=[{"action": "Pass", "from": [{}]}]),
        anp(
            "a",
            2000,
            {"pods": {"podSelector": {}}},  # v1alpha1 requires namespaceSelector
            egress=[{"action": "Accept", "to": [ns_is("y")], "protocols": []}],
        ),
    )
    expected = [
        "BaselineAdminNetworkPolicy other metadata.name: 'other': there is one",
        "BaselineAdminNetworkPolicy other spec.ingress[0].action: 'Pass' is not supported: "
        "use Allow, Deny",
        "BaselineAdminNetworkPolicy other spec.ingress[0].from[0]: must set exactly one of",
        "AdminNetworkPolicy a spec.priority: 2000 must be from 0 to 1000",
        "AdminNetworkPolicy a spec.subject.pods.namespaceSelector: is required",
        "AdminNetworkPolicy a spec.egress[0].action: 'Accept' is not supported: use Allow, Deny, "
        "Pass",
        "AdminNetworkPolicy a spec.egress[0].protocols: unknown field",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)


def test_a_fall_through_names_the_cluster_policies_that_did_not_match() -> None:
    unrelated = cnp("guard", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("x")])])
    found = verdict([*base(), unrelated], "y/a", "x/a")
    assert found.allowed and found.ingress.decided_by is None
    assert found.ingress.governed_by == ("Admin ClusterNetworkPolicy guard",)
    assert "no rule of Admin ClusterNetworkPolicy guard matches, not isolated" in found.reason
    assert found.egress.governed_by == ()


def test_a_pod_reaching_its_own_ip_is_left_to_networkpolicies() -> None:
    """network-policy-api site-src/api-overview.md (commit 2089511): "A Pod connecting to its
    own Pod IP is not subject to CNP"; a workload's replicas or a representative pod reaching
    "itself" are two pods, to which it is."""
    deny_self = cnp("no-x", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("x")])])
    docs = [*base(), deny_self]
    cluster = from_manifests(docs)
    found = allowed(cluster, "x/a", "x/a", 80)
    assert found.allowed and "its own IP: cluster policies do not apply" in found.reason
    assert not allowed(cluster, "x/b", "x/a", 80).allowed
    assert matrix(cluster, [(80, "TCP")]).is_allowed("x/a", "x/a", 80)
    sides = side_sets(cluster, [(80, "TCP")])
    a = sides.position["x/a"]
    assert sides.flows(Direction.EGRESS, a, 0) >> a & 1
    # The NetworkPolicies still decide it.
    deny_in = netpol("x", "deny-in", policy_types=["Ingress"])
    assert not verdict([*docs, deny_in], "x/a", "x/a").allowed
    # A representative pod reaching "itself" stands for two pods: the cluster policy applies.
    represented = from_manifests([namespace("x"), deny_self])
    assert not allowed(represented, "x/pod", "x/pod", 80).allowed
    assert not matrix(represented, [(80, "TCP")]).is_allowed("x/pod", "x/pod", 80)


def test_representatives_stay_two_pods_when_mixed_with_given_ones() -> None:
    """diff aligns both sides on one set of pods and lint adds a DNS pod: representatives then
    sit in a cluster of given pods, and `x/pod -> x/pod` still stands for two pods, to which
    cluster policies apply (not a pod's own IP)."""
    no_intra = cnp("no-intra-x", "Admin", 10, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("x")])])
    before = from_manifests([namespace("x")])
    after = from_manifests([namespace("x"), no_intra])
    assert not allowed(after, "x/pod", "x/pod", 80).allowed
    found = diff(after, before, ports=[(80, "TCP")])
    assert [(c.src, c.dst) for c in found.became_allowed] == [("x/pod", "x/pod")]
    mixed = after.with_objects(pods=[Pod("y", "given")])
    assert not allowed(mixed, "x/pod", "x/pod", 80).allowed
    assert not matrix(mixed, [(80, "TCP")]).is_allowed("x/pod", "x/pod", 80)


def test_after_a_pass_the_explanation_names_only_what_was_consulted() -> None:
    passing = cnp("pass", "Admin", 1, {"namespaces": {}}, ingress=[cnp_rule("Pass", [ns_is("x")])])
    found = verdict([*base(), passing], "x/a", "y/b")
    assert found.allowed and found.ingress.passed_by is not None
    assert found.ingress.governed_by == ()
    assert "no rule of" not in found.reason
    floor = cnp("floor", "Baseline", 1, ns_is("y"), ingress=[cnp_rule("Deny", [ns_is("z")])])
    found = verdict([*base(), passing, floor], "x/a", "y/b")
    assert found.ingress.governed_by == ("Baseline ClusterNetworkPolicy floor",)
    assert "then no rule of Baseline ClusterNetworkPolicy floor matches" in found.reason


def test_another_groups_cluster_network_policy_is_noted_not_refused() -> None:
    """Antrea's ClusterNetworkPolicy (crd.antrea.io) shares the kind name: it is not the
    network-policy-api's, so it is not checked against that schema; the load says it is left out."""
    antrea = {
        "apiVersion": "crd.antrea.io/v1beta1",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "acnp"},
        "spec": {"priority": 5, "appliedTo": [{"podSelector": {}}], "ingress": []},
    }
    cluster = from_manifests([*base(), antrea])
    assert cluster.cluster_policies == ()
    (note,) = [n for n in cluster.notes if "acnp" in n.obj]
    assert "crd.antrea.io/v1beta1" in note.message and "not analysed" in note.message


def test_networks_that_pods_without_an_address_cannot_match_are_noted() -> None:
    """A `networks` peer may hold pod addresses (the API: Accept or Deny of 0.0.0.0/0 covers
    pod-to-pod traffic); representatives and workloads without pods have none to match, so the
    load says their verdicts leave it out."""
    internet = cnp(
        "all-v4",
        "Admin",
        1,
        ns_is("x"),
        egress=[cnp_rule("Accept", [{"networks": ["0.0.0.0/0"]}], direction="egress")],
    )
    represented = from_manifests([namespace("x"), namespace("y"), internet])
    (note,) = [n for n in represented.notes if n.obj == "ClusterNetworkPolicy all-v4"]
    assert note.field == "spec.egress[0].to[0].networks"
    assert "no address" in note.message
    given = from_manifests([*base(), internet])  # every pod has its IP
    assert not [n for n in given.notes if n.obj == "ClusterNetworkPolicy all-v4"]
