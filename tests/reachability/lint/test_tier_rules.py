"""Lint's rules on ClusterNetworkPolicies (NP014-NP017): each fires on the mistake it names and
stays quiet on the corrected policy."""

from __future__ import annotations

from typing import Any

from reachability.lint import lint_manifests
from tests.support.builders import cnp, cnp_rule, namespace, netpol, pod, selector

Doc = dict[str, Any]
NS = "kubernetes.io/metadata.name"


def ns_is(name: str) -> Doc:
    return {"namespaces": selector({NS: name})}


def base() -> list[Doc]:
    return [
        namespace("x"),
        namespace("y"),
        pod("x", "a", {"app": "a"}, ["10.0.0.1"]),
        pod("y", "b", {"app": "b"}, ["10.0.1.1"]),
        pod("kube-system", "dns", {"k8s-app": "kube-dns"}, ["10.0.2.1"]),
    ]


def found(docs: list[Doc], rule_id: str) -> list[tuple[str, str, str]]:
    return [(f.obj, f.field, f.message) for f in lint_manifests(docs) if f.id == rule_id]


def test_np014_admin_accept_over_a_default_deny() -> None:
    deny = netpol("x", "deny-all", policy_types=["Ingress"])
    accept = cnp("open-x", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Accept", [ns_is("y")])])
    (hit,) = found([*base(), deny, accept], "NP014")
    assert hit[:2] == ("ClusterNetworkPolicy open-x", "spec.ingress[0]")
    assert "x" in hit[2] and "default deny" in hit[2]
    passing = cnp("open-x", "Admin", 1, ns_is("x"), ingress=[cnp_rule("Pass", [ns_is("y")])])
    assert not found([*base(), deny, passing], "NP014")
    assert not found([*base(), accept], "NP014")  # no default deny to override


def test_np015_baseline_behind_networkpolicies() -> None:
    floor = cnp("floor", "Baseline", 1, ns_is("x"), ingress=[cnp_rule("Deny", [ns_is("y")])])
    deny = netpol("x", "deny-all", policy_types=["Ingress"])
    (hit,) = found([*base(), deny, floor], "NP015")
    assert hit[:2] == ("ClusterNetworkPolicy floor", "spec.ingress")
    assert not found([*base(), floor], "NP015")  # x/a is not isolated: the floor applies
    egress_only = netpol("x", "deny-out", policy_types=["Egress"])
    assert not found([*base(), egress_only, floor], "NP015")  # other direction


def test_np016_same_priority_different_actions() -> None:
    accept = cnp("a-accept", "Admin", 7, ns_is("x"), ingress=[cnp_rule("Accept", [ns_is("y")])])
    deny = cnp("b-deny", "Admin", 7, {"namespaces": {}}, ingress=[cnp_rule("Deny", [ns_is("y")])])
    (hit,) = found([*base(), accept, deny], "NP016")
    assert hit[:2] == ("ClusterNetworkPolicy b-deny", "spec.priority")
    assert "a-accept" in hit[2]
    later = cnp("b-deny", "Admin", 8, {"namespaces": {}}, ingress=[cnp_rule("Deny", [ns_is("y")])])
    assert not found([*base(), accept, later], "NP016")
    other_peer = cnp(
        "b-deny", "Admin", 7, {"namespaces": {}}, ingress=[cnp_rule("Deny", [ns_is("x")])]
    )
    assert not found([*base(), accept, other_peer], "NP016")  # no connection both match
    udp = cnp(
        "b-deny",
        "Admin",
        7,
        {"namespaces": {}},
        ingress=[cnp_rule("Deny", [ns_is("y")], [{"udp": {"destinationPort": {"number": 53}}}])],
    )
    tcp = cnp(
        "a-accept",
        "Admin",
        7,
        ns_is("x"),
        ingress=[cnp_rule("Accept", [ns_is("y")], [{"tcp": {"destinationPort": {"number": 53}}}])],
    )
    assert not found([*base(), tcp, udp], "NP016")  # no port both match


def test_np017_rule_hidden_by_earlier_rules() -> None:
    hidden = cnp(
        "g",
        "Admin",
        1,
        ns_is("x"),
        ingress=[
            cnp_rule("Accept", [ns_is("y")]),
            cnp_rule("Deny", [ns_is("y")], [{"tcp": {"destinationPort": {"number": 80}}}]),
        ],
    )
    (hit,) = found([*base(), hidden], "NP017")
    assert hit[:2] == ("ClusterNetworkPolicy g", "spec.ingress[1]")
    assert "ingress[0] (Accept)" in hit[2]
    reordered = cnp(
        "g",
        "Admin",
        1,
        ns_is("x"),
        ingress=[
            cnp_rule("Deny", [ns_is("y")], [{"tcp": {"destinationPort": {"number": 80}}}]),
            cnp_rule("Accept", [ns_is("y")]),
        ],
    )
    assert not found([*base(), reordered], "NP017")
    wider = cnp(
        "g",
        "Admin",
        1,
        ns_is("x"),
        ingress=[
            cnp_rule("Accept", [ns_is("y")], [{"tcp": {"destinationPort": {"number": 80}}}]),
            cnp_rule("Deny", [ns_is("y")]),  # also every other port
        ],
    )
    assert not found([*base(), wider], "NP017")


def test_a_lint_ignore_annotation_silences_a_cluster_policy_finding() -> None:
    hidden = cnp(
        "g",
        "Admin",
        1,
        ns_is("x"),
        ingress=[cnp_rule("Accept", [ns_is("y")]), cnp_rule("Deny", [ns_is("y")])],
    )
    assert found([*base(), hidden], "NP017")
    hidden["metadata"]["annotations"] = {"reachability.catalyst.dev/lint-ignore": "NP017"}
    assert not found([*base(), hidden], "NP017")


def test_np014_skips_an_accept_that_can_never_match() -> None:
    deny = netpol("x", "deny-all", policy_types=["Ingress"])
    hidden_accept = cnp(
        "a-deny",
        "Admin",
        1,
        ns_is("x"),
        ingress=[cnp_rule("Deny", [ns_is("y")]), cnp_rule("Accept", [ns_is("y")])],
    )
    docs = [*base(), deny, hidden_accept]
    assert found(docs, "NP017") and not found(docs, "NP014")


def test_np016_names_the_kinds_when_names_are_shared() -> None:
    admin = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "guard"},
        "spec": {
            "priority": 10,
            "subject": ns_is("x"),
            "ingress": [{"action": "Deny", "from": [ns_is("y")]}],
        },
    }
    accept = cnp("guard", "Admin", 10, ns_is("x"), ingress=[cnp_rule("Accept", [ns_is("y")])])
    (hit,) = found([*base(), admin, accept], "NP016")
    kinds = {"ClusterNetworkPolicy guard", "AdminNetworkPolicy guard"}
    (other,) = kinds - {hit[0]}
    assert f"with {other}, and both" in hit[2]
