"""Upstream conformance scenarios restated: kubernetes/kubernetes test/e2e/network/netpol.

The model is upstream's (model.go): namespaces x, y, z (label ``ns: <name>`` plus the automatic
``kubernetes.io/metadata.name``), pods a, b, c (label ``pod: <name>``), one container per port 80/81
and protocol TCP/UDP/SCTP with ports named ``serve-<port>-<proto>``. Policies are built the way
upstream's ``SetSpecIngressRules``/``SetSpecEgressRules`` build them (policies.go: each setter also
appends its direction to policyTypes). Expected truth tables restate network_policy.go's
``ExpectPeer``/``ExpectAllIngress``/``ExpectAllEgress`` calls over all nine pods, each pod -> itself
included exactly as those calls set it (e.g. ``ExpectPeer(&Peer{}, &Peer{Namespace: nsX}, false)``
denies x/a -> x/a): the policies decide a self-pair, the engine's default. Upstream only ignores
self-pairs when it compares with a real CNI (``ignoreLoopback``, issue #95879); the
``Options(loopback_allowed=True)`` convention (every pod -> itself allowed) is asserted separately.
Where upstream's newer versions probe only a subset of pods, the remaining pairs follow from the
same policies (noted per case). Every ordered pod pair is asserted, through the public API, and a
sample through the CLI's ``check --format json`` (its main, in-process).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reachability import Options, allowed, from_manifests
from reachability.cli import main
from tests.support.builders import (
    dump_one,
    dump_yaml,
    egress_rule,
    ingress_rule,
    np_port,
    peer,
    selector,
)
from tests.support.processes import run_in_process
from tests.support.xyz_model import TruthTable, upstream_policy, xyz_ip, xyz_model, xyz_pod_ids

PODS = xyz_pod_ids()
NS_KEY = "kubernetes.io/metadata.name"


def table() -> TruthTable:
    """A default-allow truth table over the nine model pods."""
    return TruthTable(PODS, default=True)


def ns_is(name: str) -> dict[str, Any]:
    return selector({NS_KEY: name})


def pod_is(name: str) -> dict[str, Any]:
    return selector({"pod": name})


def ns_expr(op: str, *values: str) -> dict[str, Any]:
    return selector(expressions=[(NS_KEY, op, values)])


@dataclass
class Case:
    """One upstream scenario (one cluster state) and its expected tables per port/protocol."""

    policies: list[dict[str, Any]]
    checks: list[tuple[int, str, TruthTable]]
    ns_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    pod_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    remove: tuple[str, ...] = ()  # policy ids removed with Cluster.without_policy

    def docs(self) -> list[dict[str, Any]]:
        return [*xyz_model(ns_labels=self.ns_labels, pod_labels=self.pod_labels), *self.policies]


CASES: dict[str, Callable[[], Case]] = {}


def case(fn: Callable[[], Case]) -> Callable[[], Case]:
    CASES[fn.__name__] = fn
    return fn


# --------------------------------------------------------------------------- the scenarios


@case
def default_deny_ingress() -> Case:
    """'should support a default-deny-ingress policy' (TCP; and the UDP and SCTP contexts)."""
    pol = upstream_policy("x", "deny-ingress", {}, ingress=[])
    t = table().expect_peer(False, to_ns="x")
    return Case([pol], [(80, "TCP", t), (80, "UDP", t), (80, "SCTP", t)])


@case
def default_deny_all() -> Case:
    """'should support a default-deny-all policy'."""
    pol = upstream_policy("x", "deny-all", {}, ingress=[], egress=[])
    t = table().expect_peer(False, to_ns="x").expect_peer(False, from_ns="x")
    return Case([pol], [(80, "TCP", t), (81, "UDP", t)])


@case
def pod_selector_within_server_namespace() -> Case:
    """'should enforce policy to allow traffic from pods within server namespace based on
    PodSelector'."""
    pol = upstream_policy(
        "x", "x-a-allows-x-b", pod_is("a"), ingress=[ingress_rule([peer(pods=pod_is("b"))])]
    )
    t = table().expect_all_ingress("x/a", False).expect("x/b", "x/a", True)
    return Case([pol], [(80, "TCP", t)])


@case
def allow_ingress_for_a_target() -> Case:
    """'should enforce policy to allow ingress traffic for a target' (x/c behaves as x/b)."""
    deny = upstream_policy("x", "deny-all", {}, ingress=[])
    allow = upstream_policy(
        "x", "allow-all-to-a", pod_is("a"), ingress=[ingress_rule([peer(pods={}, namespaces={})])]
    )
    t = table().expect_all_ingress("x/a", True)
    t.expect_all_ingress("x/b", False).expect_all_ingress("x/c", False)
    return Case([deny, allow], [(80, "TCP", t)])


@case
def ingress_from_all_namespaces() -> Case:
    """'should enforce policy to allow ingress traffic from pods in all namespaces'."""
    pol = upstream_policy(
        "x", "allow-from-another-ns", pod_is("a"), ingress=[ingress_rule([peer(namespaces={})])]
    )
    return Case([pol], [(80, "TCP", table())])


def _only_from_y(extra: str = "") -> TruthTable:
    t = table().expect_peer(False, from_ns="x", to_ns="x", to_pod="a")
    return t.expect_peer(False, from_ns="z", to_ns="x", to_pod="a")


@case
def namespace_selector_only_other_namespace() -> Case:
    """'should enforce policy to allow traffic only from a different namespace, based on
    NamespaceSelector'."""
    pol = upstream_policy(
        "x",
        "allow-client-a-via-ns-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_is("y"))])],
    )
    return Case([pol], [(80, "TCP", _only_from_y())])


@case
def namespace_selector_custom_label() -> Case:
    """Same, selecting the namespace by the model's own ``ns`` label (older upstream versions)."""
    pol = upstream_policy(
        "x",
        "allow-client-a-via-ns-label",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=selector({"ns": "y"}))])],
    )
    return Case([pol], [(80, "TCP", _only_from_y())])


@case
def pod_selector_match_expressions() -> Case:
    """'should enforce policy based on PodSelector with MatchExpressions'."""
    sel = selector(expressions=[("pod", "In", ["b"])])
    pol = upstream_policy("x", "x-a-allows-x-b", pod_is("a"), ingress=[ingress_rule([peer(sel)])])
    t = table().expect_all_ingress("x/a", False).expect("x/b", "x/a", True)
    return Case([pol], [(80, "TCP", t)])


@case
def namespace_selector_match_expressions() -> Case:
    """'should enforce policy based on NamespaceSelector with MatchExpressions'."""
    pol = upstream_policy(
        "x",
        "allow-ns-y-match-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_expr("In", "y"))])],
    )
    return Case([pol], [(80, "TCP", _only_from_y())])


@case
def pod_selector_or_namespace_selector() -> Case:
    """'should enforce policy based on PodSelector or NamespaceSelector': two peers, OR."""
    pol = upstream_policy(
        "x",
        "allow-ns-y-match-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_expr("NotIn", "x")), peer(pods=pod_is("b"))])],
    )
    t = table().expect("x/a", "x/a", False).expect("x/c", "x/a", False)
    return Case([pol], [(80, "TCP", t)])


@case
def pod_selector_and_namespace_selector() -> Case:
    """'should enforce policy based on PodSelector and NamespaceSelector': one peer, AND."""
    pol = upstream_policy(
        "x",
        "allow-ns-y-podselector-and-nsselector",
        pod_is("a"),
        ingress=[ingress_rule([peer(pods=pod_is("b"), namespaces=ns_expr("NotIn", "x"))])],
    )
    t = table().expect_all_ingress("x/a", False)
    t.expect("y/b", "x/a", True).expect("z/b", "x/a", True)
    return Case([pol], [(80, "TCP", t)])


@case
def multiple_pod_and_namespace_selectors() -> Case:
    """'should enforce policy based on Multiple PodSelectors and NamespaceSelectors' (pods b, c
    of namespaces other than x; z/a is denied like y/a)."""
    pods_bc = selector(expressions=[("pod", "In", ["b", "c"])])
    pol = upstream_policy(
        "x",
        "allow-ns-y-z-pod-b-c",
        pod_is("a"),
        ingress=[ingress_rule([peer(pods=pods_bc, namespaces=ns_expr("NotIn", "x"))])],
    )
    t = table().expect_all_ingress("x/a", False)
    for src in ("y/b", "y/c", "z/b", "z/c"):
        t.expect(src, "x/a", True)
    return Case([pol], [(80, "TCP", t)])


@case
def any_pod_selectors() -> Case:
    """'should enforce policy based on any PodSelectors'."""
    pol = upstream_policy(
        "x",
        "allow-ns-x-pod-b-c",
        pod_is("a"),
        ingress=[ingress_rule([peer(pods=pod_is("b")), peer(pods=pod_is("c"))])],
    )
    t = table().expect_all_ingress("x/a", False)
    t.expect("x/b", "x/a", True).expect("x/c", "x/a", True)
    return Case([pol], [(80, "TCP", t)])


@case
def pod_in_a_different_namespace() -> Case:
    """'should enforce policy to allow traffic only from a pod in a different namespace based on
    PodSelector and NamespaceSelector' (the TCP, UDP and SCTP contexts)."""
    pol = upstream_policy(
        "x",
        "allow-ns-y-pod-a-via-namespace-pod-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(pods=pod_is("a"), namespaces=ns_is("y"))])],
    )
    t = table().expect_all_ingress("x/a", False).expect("y/a", "x/a", True)
    return Case([pol], [(80, "TCP", t), (80, "UDP", t), (80, "SCTP", t)])


def _ports_case(proto: str) -> Case:
    pol = upstream_policy(
        "x",
        "allow-client-a-via-ns-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_is("y"))], [np_port(81, proto)])],
    )
    closed = table().expect_all_ingress("x/a", False)
    others = [p for p in ("TCP", "UDP", "SCTP") if p != proto]
    checks = [(81, proto, _only_from_y()), (80, proto, closed)]
    checks += [(81, other, closed) for other in others]
    return Case([pol], checks)


@case
def ports_tcp() -> Case:
    """'should enforce policy based on Ports' (TCP context); port 80 and other protocols closed."""
    return _ports_case("TCP")


@case
def ports_udp() -> Case:
    """'should enforce policy based on Ports' (UDP context)."""
    return _ports_case("UDP")


@case
def ports_sctp() -> Case:
    """'should enforce policy based on Ports' (SCTP context)."""
    return _ports_case("SCTP")


def _allow_y_on(port: int, name: str) -> dict[str, Any]:
    return upstream_policy(
        "x",
        name,
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_is("y"))], [np_port(port, "TCP")])],
    )


@case
def stacked_policies_before() -> Case:
    """'should enforce multiple, stacked policies with overlapping podSelectors' (first step)."""
    closed = table().expect_all_ingress("x/a", False)
    return Case(
        [_allow_y_on(81, "allow-client-a-via-ns-selector")],
        [(81, "TCP", _only_from_y()), (80, "TCP", closed)],
    )


@case
def stacked_policies_after() -> Case:
    """... after adding a second policy for port 80: the union opens 80 as well."""
    pols = [
        _allow_y_on(81, "allow-client-a-via-ns-selector"),
        _allow_y_on(80, "allow-client-a-via-ns-selector-80"),
    ]
    return Case(pols, [(81, "TCP", _only_from_y()), (80, "TCP", _only_from_y())])


@case
def allow_all() -> Case:
    """'should support allow-all policy'."""
    pol = upstream_policy("x", "allow-all", {}, ingress=[ingress_rule()])
    return Case([pol], [(80, "TCP", table()), (81, "TCP", table())])


@case
def named_port_ingress() -> Case:
    """'should allow ingress access on one named port' (serve-81-tcp; UDP 81 is not that port)."""
    pol = upstream_policy(
        "x", "allow-all", {}, ingress=[ingress_rule(ports=[np_port("serve-81-tcp")])]
    )
    closed = table().expect_peer(False, to_ns="x")
    return Case([pol], [(81, "TCP", table()), (80, "TCP", closed), (81, "UDP", closed)])


@case
def named_port_from_namespace() -> Case:
    """'should allow ingress access from namespace on one named port'."""
    pol = upstream_policy(
        "x",
        "allow-client-a-via-ns-selector-80",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_is("y"))], [np_port("serve-80-tcp", "TCP")])],
    )
    closed = table().expect_all_ingress("x/a", False)
    return Case([pol], [(80, "TCP", _only_from_y()), (81, "TCP", closed)])


@case
def named_port_egress() -> Case:
    """'should allow egress access on one named port' (resolved on each destination pod)."""
    pol = upstream_policy(
        "x", "allow-egress", {}, egress=[egress_rule(ports=[np_port("serve-80-tcp")])]
    )
    closed = table().expect_peer(False, from_ns="x")
    return Case([pol], [(80, "TCP", table()), (81, "TCP", closed), (80, "UDP", closed)])


@case
def updated_policy_before() -> Case:
    """'should enforce updated policy': allow-all first..."""
    pol = upstream_policy("x", "allow-all-mutate-to-deny-all", {}, ingress=[ingress_rule()])
    return Case([pol], [(81, "TCP", table())])


@case
def updated_policy_after() -> Case:
    """... then the same policy with ``ingress: []`` denies all."""
    pol = upstream_policy("x", "allow-all-mutate-to-deny-all", {}, ingress=[])
    return Case([pol], [(81, "TCP", table().expect_peer(False, to_ns="x"))])


def _ns2_policy() -> dict[str, Any]:
    return upstream_policy(
        "x",
        "allow-client-a-via-ns-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=selector({"ns2": "updated"}))])],
    )


@case
def updated_namespace_before() -> Case:
    """'should allow ingress access from updated namespace': no namespace has the label yet."""
    t = table().expect_all_ingress("x/a", False)
    return Case([_ns2_policy()], [(80, "TCP", t)])


@case
def updated_namespace_after() -> Case:
    """... namespace y labelled ``ns2: updated`` reaches x/a."""
    t = table().expect_all_ingress("x/a", False).expect_peer(True, from_ns="y")
    return Case([_ns2_policy()], [(80, "TCP", t)], ns_labels={"y": {"ns2": "updated"}})


def _pod2_policy() -> dict[str, Any]:
    return upstream_policy(
        "x",
        "allow-client-a-via-pod-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(pods=selector({"pod": "b", "pod2": "updated"}))])],
    )


@case
def updated_pod_before() -> Case:
    """'should allow ingress access from updated pod': x/b lacks ``pod2: updated``."""
    t = table().expect_all_ingress("x/a", False)
    return Case([_pod2_policy()], [(80, "TCP", t)])


@case
def updated_pod_after() -> Case:
    """... once x/b has both labels it reaches x/a (matchLabels is AND over keys)."""
    t = table().expect_all_ingress("x/a", False).expect("x/b", "x/a", True)
    return Case([_pod2_policy()], [(80, "TCP", t)], pod_labels={"x/b": {"pod2": "updated"}})


@case
def deny_ingress_from_other_namespaces() -> Case:
    """'should deny ingress from pods on other namespaces' (``podSelector: {}`` = own namespace)."""
    pol = upstream_policy(
        "x", "deny-empty-policy", {}, ingress=[ingress_rule([peer(pods=selector({}))])]
    )
    t = (
        table()
        .expect_peer(False, from_ns="y", to_ns="x")
        .expect_peer(False, from_ns="z", to_ns="x")
    )
    return Case([pol], [(80, "TCP", t)])


def _isolate_policy() -> dict[str, Any]:
    return upstream_policy(
        "x", "deny-ingress-via-label-selector", selector({"target": "isolated"}), ingress=[]
    )


@case
def updated_pod_isolated_before() -> Case:
    """'should deny ingress access to updated pod': the policy selects no pod yet."""
    return Case([_isolate_policy()], [(80, "TCP", table())])


@case
def updated_pod_isolated_after() -> Case:
    """... x/a labelled ``target: isolated`` is isolated."""
    t = table().expect_all_ingress("x/a", False)
    return Case([_isolate_policy()], [(80, "TCP", t)], pod_labels={"x/a": {"target": "isolated"}})


@case
def deny_egress_pod_selector() -> Case:
    """'should deny egress from pods based on PodSelector'."""
    pol = upstream_policy("x", "deny-egress-pod-a", pod_is("a"), egress=[])
    t = table().expect_all_egress("x/a", False)
    return Case([pol], [(80, "TCP", t)])


@case
def deny_egress_all_pods_in_namespace() -> Case:
    """'should deny egress from all pods in a namespace'."""
    pol = upstream_policy("x", "deny-egress-ns-x", {}, egress=[])
    t = table().expect_peer(False, from_ns="x")
    return Case([pol], [(80, "TCP", t)])


@case
def ingress_and_egress_together() -> Case:
    """'should work with Ingress, Egress specified together' (policyTypes [Egress, Ingress])."""
    pol = upstream_policy(
        "x",
        "allow-client-a-via-pod-selector",
        pod_is("a"),
        ingress=[ingress_rule([peer(pods=pod_is("b"))])],
        egress=[egress_rule(ports=[np_port(80)])],
    )
    pol["spec"]["policyTypes"] = ["Egress", "Ingress"]
    t80 = table().expect_all_ingress("x/a", False).expect("x/b", "x/a", True)
    t81 = table().expect_all_ingress("x/a", False).expect_all_egress("x/a", False)
    t81.expect("x/b", "x/a", True)
    return Case([pol], [(80, "TCP", t80), (81, "TCP", t81)])


@case
def egress_denied_on_client_side() -> Case:
    """'should support denying of egress traffic on the client side (even if the server
    explicitly allows this traffic)'."""
    egress = upstream_policy(
        "x",
        "allow-to-ns-y-pod-a",
        pod_is("a"),
        egress=[egress_rule([peer(pods=pod_is("a"), namespaces=ns_is("y"))])],
    )
    from_xa = [ingress_rule([peer(pods=pod_is("a"), namespaces=ns_is("x"))])]
    ing_a = upstream_policy("y", "allow-from-xa-on-ya-match-selector", pod_is("a"), ingress=from_xa)
    ing_b = upstream_policy("y", "allow-from-xa-on-yb-match-selector", pod_is("b"), ingress=from_xa)
    t = table().expect_peer(False, from_ns="x", from_pod="a")
    t.expect_peer(False, to_ns="y", to_pod="a")
    t.expect("x/a", "y/a", True)
    t.expect_peer(False, to_ns="y", to_pod="b")
    return Case([egress, ing_a, ing_b], [(80, "TCP", t)])


@case
def egress_to_pod_in_other_namespace() -> Case:
    """'should enforce egress policy allowing traffic to a server in a different namespace based
    on PodSelector and NamespaceSelector'."""
    pol = upstream_policy(
        "x",
        "allow-to-ns-y-pod-a",
        pod_is("a"),
        egress=[egress_rule([peer(pods=pod_is("a"), namespaces=ns_is("y"))])],
    )
    t = table().expect_all_egress("x/a", False).expect("x/a", "y/a", True)
    return Case([pol], [(80, "TCP", t)])


@case
def any_port_on_a_protocol() -> Case:
    """'should enforce ingress policy allowing any port traffic to a server on a specific
    protocol' (a port entry with only ``protocol: TCP``)."""
    pol = upstream_policy(
        "x",
        "allow-ingress-by-proto",
        pod_is("a"),
        ingress=[ingress_rule(ports=[np_port(None, "TCP")])],
    )
    udp = table().expect_all_ingress("x/a", False)
    return Case([pol], [(80, "TCP", table()), (81, "TCP", table()), (80, "UDP", udp)])


def _port80_only_ingress() -> dict[str, Any]:
    return upstream_policy(
        "x", "allow-ingress-port-80", {}, ingress=[ingress_rule(ports=[np_port(80)])]
    )


@case
def ingress_allow_all_precedence_before() -> Case:
    """'should enforce multiple ingress policies with ingress allow-all policy taking
    precedence' (port-80-only policy: 81 closed)."""
    t = table().expect_peer(False, to_ns="x")
    return Case([_port80_only_ingress()], [(81, "TCP", t), (80, "TCP", table())])


@case
def ingress_allow_all_precedence_after() -> Case:
    """... plus an allow-all ingress policy: everything open."""
    allow = upstream_policy("x", "allow-ingress", {}, ingress=[ingress_rule()])
    return Case([_port80_only_ingress(), allow], [(81, "TCP", table())])


def _port80_only_egress() -> dict[str, Any]:
    return upstream_policy(
        "x", "allow-egress-port-80", {}, egress=[egress_rule(ports=[np_port(80)])]
    )


@case
def egress_allow_all_precedence_before() -> Case:
    """'should enforce multiple egress policies with egress allow-all policy taking precedence'."""
    t = table().expect_peer(False, from_ns="x")
    return Case([_port80_only_egress()], [(81, "TCP", t), (80, "TCP", table())])


@case
def egress_allow_all_precedence_after() -> Case:
    """... plus an allow-all egress policy."""
    allow = upstream_policy("x", "allow-egress", {}, egress=[egress_rule()])
    return Case([_port80_only_egress(), allow], [(81, "TCP", table())])


@case
def policies_deleted() -> Case:
    """'should stop enforcing policies after they are deleted' (Cluster.without_policy)."""
    pol = upstream_policy("x", "deny-all", {}, ingress=[], egress=[])
    return Case([pol], [(80, "TCP", table())], remove=("x/deny-all",))


@case
def egress_to_cidr_of_a_pod() -> Case:
    """'should allow egress access to server in CIDR block' (the /32 of y/b: ipBlock matches
    pod IPs)."""
    pol = upstream_policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        pod_is("a"),
        egress=[egress_rule([peer(cidr=f"{xyz_ip('y', 'b')}/32")])],
    )
    t = table().expect_all_egress("x/a", False).expect("x/a", "y/b", True)
    return Case([pol], [(80, "TCP", t)])


def _except_policy() -> dict[str, Any]:
    return upstream_policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        pod_is("a"),
        egress=[egress_rule([peer(cidr="10.0.0.0/8", except_=[f"{xyz_ip('x', 'b')}/32"])])],
    )


@case
def egress_cidr_except() -> Case:
    """'should enforce except clause while egress access to server in CIDR block' (a large CIDR
    around every pod IP, x/b's /32 excepted)."""
    t = table().expect("x/a", "x/b", False)
    return Case([_except_policy()], [(80, "TCP", t)])


@case
def egress_cidr_except_then_updated() -> Case:
    """'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed': upstream
    then UPDATES the same-named policy to allow only x/b's /32."""
    pol = upstream_policy(
        "x",
        "allow-client-a-via-cidr-egress-rule",
        pod_is("a"),
        egress=[egress_rule([peer(cidr=f"{xyz_ip('x', 'b')}/32")])],
    )
    t = table().expect_all_egress("x/a", False).expect("x/a", "x/b", True)
    return Case([pol], [(80, "TCP", t)])


@case
def ingress_egress_independent_before() -> Case:
    """'should enforce policies to check ingress and egress policies can be controlled
    independently based on PodSelector' (allow-all egress for x/a)."""
    pol = upstream_policy("x", "allow-egress-for-target", pod_is("a"), egress=[egress_rule()])
    return Case([pol], [(80, "TCP", table())])


@case
def ingress_egress_independent_after() -> Case:
    """... plus deny-all ingress for x/a."""
    egr = upstream_policy("x", "allow-egress-for-target", pod_is("a"), egress=[egress_rule()])
    ing = upstream_policy("x", "deny-ingress-via-label-selector", pod_is("a"), ingress=[])
    t = table().expect_all_ingress("x/a", False)
    return Case([egr, ing], [(80, "TCP", t)])


@case
def sctp_is_not_tcp() -> Case:
    """'should not mistakenly treat protocol: SCTP as protocol: TCP' (deny-ingress on x plus
    SCTP 81 for x/a)."""
    deny = upstream_policy("x", "deny-ingress", {}, ingress=[])
    sctp = upstream_policy(
        "x",
        "allow-only-sctp-ingress-on-port-81",
        pod_is("a"),
        ingress=[ingress_rule(ports=[np_port(81, "SCTP")])],
    )
    tcp = table().expect_peer(False, to_ns="x")
    on_sctp = table().expect_peer(False, to_ns="x").expect_all_ingress("x/a", True)
    return Case([deny, sctp], [(81, "TCP", tcp), (81, "SCTP", on_sctp)])


@case
def sctp_rule_still_isolates() -> Case:
    """'should properly isolate pods that are selected by a policy allowing SCTP'."""
    pol = upstream_policy(
        "x",
        "allow-only-sctp-ingress-on-port-80",
        pod_is("a"),
        ingress=[ingress_rule(ports=[np_port(80, "SCTP")])],
    )
    closed = table().expect_all_ingress("x/a", False)
    return Case([pol], [(81, "TCP", closed), (80, "TCP", closed), (80, "SCTP", table())])


@case
def udp_rule_does_not_allow_tcp() -> Case:
    """'should not allow access by TCP when a policy specifies only UDP'."""
    pol = upstream_policy(
        "x",
        "allow-only-udp-ingress-on-port-81",
        pod_is("a"),
        ingress=[ingress_rule(ports=[np_port(81, "UDP")])],
    )
    closed = table().expect_all_ingress("x/a", False)
    return Case([pol], [(81, "TCP", closed), (81, "UDP", table())])


@case
def egress_namespace_not_in_default_label() -> Case:
    """'should enforce policy based on NamespaceSelector with MatchExpressions using default ns
    label' (egress NotIn [y])."""
    pol = upstream_policy(
        "x",
        "allow-ns-y-match-selector-for-immutable-ns-label",
        pod_is("a"),
        egress=[egress_rule([peer(namespaces=ns_expr("NotIn", "y"))])],
    )
    t = table().expect_peer(False, from_ns="x", from_pod="a", to_ns="y")
    return Case([pol], [(80, "TCP", t)])


@case
def end_port_range() -> Case:
    """Port ranges (endPort, GA in 1.25), in the style of 'should enforce policy based on Ports':
    80-81 from namespace y; 81-82 opens 81 only (not verbatim upstream)."""
    wide = upstream_policy(
        "x",
        "allow-y-80-81",
        pod_is("a"),
        ingress=[ingress_rule([peer(namespaces=ns_is("y"))], [np_port(80, "TCP", 81)])],
    )
    narrow = upstream_policy(
        "x",
        "allow-y-81-82",
        pod_is("b"),
        ingress=[ingress_rule([peer(namespaces=ns_is("y"))], [np_port(81, "TCP", 82)])],
    )
    t80 = _only_from_y().expect_all_ingress("x/b", False)
    t81 = _only_from_y()
    t81.expect_all_ingress("x/b", False).expect_peer(True, from_ns="y", to_ns="x", to_pod="b")
    return Case(
        [wide, narrow],
        [(80, "TCP", t80), (81, "TCP", t81), (81, "UDP", _closed_ab())],
    )


def _closed_ab() -> TruthTable:
    return table().expect_all_ingress("x/a", False).expect_all_ingress("x/b", False)


# --------------------------------------------------------------------------- running them


def build(c: Case, options: Options | None = None) -> Any:
    docs = c.docs()
    cluster = from_manifests(docs) if options is None else from_manifests(docs, options=options)
    for pid in c.remove:
        cluster = cluster.without_policy(pid)
    return cluster


def assert_table(cluster: Any, port: int, proto: str, t: TruthTable) -> None:
    wrong = []
    for src, dst, expected in t.items():
        v = allowed(cluster, src, dst, port, proto)
        if v.allowed is not expected:
            reason = v.reason.replace("\n", " | ")
            wrong.append(f"  {src} -> {dst}: expected {expected}, got {v.allowed} ({reason})")
    assert not wrong, (
        f"{port}/{proto}: {len(wrong)} of {len(t.items())} verdicts differ; expected table "
        f"(. allowed, X denied):\n{t.render()}\n" + "\n".join(wrong)
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_upstream_truth_table(name: str) -> None:
    c = CASES[name]()
    cluster = build(c)
    assert {p.id for p in cluster.pods} == set(PODS)
    for port, proto, t in c.checks:
        assert_table(cluster, port, proto, t)


def test_every_case_isolates_something_or_says_why() -> None:
    """Guard against vacuous cases: each case but the all-open ones expects some denial."""
    all_open = {
        "ingress_from_all_namespaces",
        "allow_all",
        "updated_policy_before",
        "updated_pod_isolated_before",
        "ingress_egress_independent_before",
        "ingress_allow_all_precedence_after",
        "egress_allow_all_precedence_after",
        "policies_deleted",
    }
    for name, fn in CASES.items():
        denies = any(not e for _, _, t in fn().checks for _, _, e in t.items())
        assert denies != (name in all_open), name


def self_pairs(t: TruthTable) -> dict[str, bool]:
    return {a: e for a, b, e in t.items() if a == b}


def test_upstream_tables_deny_self_pairs_where_the_policies_do() -> None:
    """The tables restate upstream's Expect calls, self-pairs included (not vacuous: the
    scenarios the calls deny x/a -> x/a in)."""
    x_denied = {"x/a": False, "x/b": False, "x/c": False}
    rest = {p: True for p in PODS if not p.startswith("x/")}
    # ExpectPeer(&Peer{}, &Peer{Namespace: nsX}, false)
    assert self_pairs(CASES["default_deny_ingress"]().checks[0][2]) == {**x_denied, **rest}
    # ExpectPeer(&Peer{}, ...) and ExpectPeer(&Peer{Namespace: nsX}, &Peer{}, false)
    assert self_pairs(CASES["default_deny_all"]().checks[0][2]) == {**x_denied, **rest}
    # Expect(x/a, x/a, false), written out by upstream
    only_xa = self_pairs(CASES["pod_selector_or_namespace_selector"]().checks[0][2])
    assert only_xa == {p: p != "x/a" for p in PODS}
    # ExpectAllIngress(x/a, false) and ExpectAllEgress(x/a, false)
    for name in ("pod_selector_within_server_namespace", "deny_egress_pod_selector"):
        assert self_pairs(CASES[name]().checks[0][2]) == {p: p != "x/a" for p in PODS}, name
    # every other case denies some self-pair but these, where the policies admit each pod itself
    # (own namespace, a CIDR around x/a, NotIn another namespace) or isolate nothing
    all_selves_open = {
        n
        for n, fn in CASES.items()
        if all(e for *_, t in fn().checks for e in self_pairs(t).values())
    }
    assert all_selves_open == {
        "allow_all",
        "deny_ingress_from_other_namespaces",
        "egress_allow_all_precedence_after",
        "egress_cidr_except",
        "egress_namespace_not_in_default_label",
        "ingress_allow_all_precedence_after",
        "ingress_egress_independent_before",
        "ingress_from_all_namespaces",
        "policies_deleted",
        "updated_pod_isolated_before",
        "updated_policy_before",
    }


def test_default_deny_all_under_both_loopback_conventions() -> None:
    """Default (and loopback_allowed=False): x/a -> x/a is denied by x/deny-all on both sides.
    loopback_allowed=True: every pod reaches itself, noted "loopback"; other pairs unchanged."""
    c = CASES["default_deny_all"]()
    for cluster in (build(c), build(c, Options(loopback_allowed=False))):
        v = allowed(cluster, "x/a", "x/a", 80, "TCP")
        assert not v.allowed and not v.egress.allowed and not v.ingress.allowed
        assert v.egress.note == v.ingress.note == "" and "loopback" not in v.reason
        assert v.egress.isolated_by == v.ingress.isolated_by == ("x/deny-all",)
        assert allowed(cluster, "y/a", "y/a", 80, "TCP").allowed
    looped = build(c, Options(loopback_allowed=True))
    v = allowed(looped, "x/a", "x/a", 80, "TCP")
    assert v.allowed and v.egress.note == v.ingress.note == "loopback"
    assert "loopback, a pod may always reach itself" in v.reason
    assert not allowed(looped, "x/a", "x/b", 80, "TCP").allowed
    assert not allowed(looped, "y/a", "x/a", 80, "TCP").allowed


@pytest.mark.parametrize("name", sorted(CASES))
def test_upstream_truth_table_with_loopback_allowed(name: str) -> None:
    """Options(loopback_allowed=True): the same tables with every pod -> itself allowed."""
    c = CASES[name]()
    cluster = build(c, Options(loopback_allowed=True))
    for port, proto, t in c.checks:
        assert_table(cluster, port, proto, t.allow_loopback())


def test_ipblock_does_not_match_pods_with_the_documented_alternative() -> None:
    cluster = build(CASES["egress_to_cidr_of_a_pod"](), Options(ipblock_matches_pods=False))
    assert not allowed(cluster, "x/a", "y/b", 80, "TCP").allowed
    cluster = build(CASES["egress_cidr_except"](), Options(ipblock_matches_pods=False))
    assert not allowed(cluster, "x/a", "x/c", 80, "TCP").allowed
    assert allowed(cluster, "x/b", "x/c", 80, "TCP").allowed


# --------------------------------------------------------------------------- through the CLI

CLI_SAMPLE = [
    "default_deny_all",
    "pod_selector_or_namespace_selector",
    "multiple_pod_and_namespace_selectors",
    "named_port_egress",
    "ingress_and_egress_together",
    "egress_denied_on_client_side",
    "egress_cidr_except",
    "sctp_is_not_tcp",
    "end_port_range",
]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI's main in-process (`python -m reachability` itself: cli/test_commands.py)."""
    return run_in_process(main, *args)


def write_case(c: Case, where: Path) -> Path:
    folder = where / "manifests"
    folder.mkdir()
    (folder / "model.yaml").write_text(
        dump_yaml(xyz_model(ns_labels=c.ns_labels, pod_labels=c.pod_labels))
    )
    (folder / "policies.yaml").write_text(dump_yaml(c.policies))
    return folder


def expectations(c: Case) -> list[dict[str, Any]]:
    return [
        {"from": src, "to": dst, "port": port, "protocol": proto, "allowed": exp}
        for port, proto, t in c.checks
        for src, dst, exp in t.items()
    ]


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_upstream_truth_table_through_cli_check_json(name: str, tmp_path: Path) -> None:
    c = CASES[name]()
    folder = write_case(c, tmp_path)
    expect = expectations(c)
    expect_file = tmp_path / "expect.yaml"
    expect_file.write_text(dump_one(expect, sort_keys=False))

    res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "json")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = json.loads(res.stdout)
    assert isinstance(out, list) and len(out) == len(expect)
    wrong = []
    for want, got in zip(expect, out, strict=True):
        assert {"from", "to", "port", "protocol", "expected", "actual", "reason"} <= set(got)
        assert (got["from"], got["to"], int(got["port"]), got["protocol"].upper()) == (
            want["from"],
            want["to"],
            want["port"],
            want["protocol"],
        )
        assert got["expected"] is want["allowed"]
        assert isinstance(got["reason"], str) and got["reason"]
        if got["actual"] is not want["allowed"]:
            wrong.append(got)
    assert not wrong, wrong[:20]

    # one flipped expectation: exit 1, and the json says which one failed
    flipped = [dict(e) for e in expect]
    idx = next(i for i, e in enumerate(flipped) if e["from"] != e["to"] and not e["allowed"])
    flipped[idx]["allowed"] = True
    expect_file.write_text(dump_one(flipped, sort_keys=False))
    res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "json")
    assert res.returncode == 1, res.stdout[-2000:] + res.stderr[-2000:]
    out = json.loads(res.stdout)
    failed = [i for i, o in enumerate(out) if o["expected"] is not o["actual"]]
    assert failed == [idx]
    assert out[idx]["actual"] is False and out[idx]["expected"] is True


def test_cli_check_text_format_exit_codes_and_default_protocol(tmp_path: Path) -> None:
    c = CASES["pod_in_a_different_namespace"]()
    folder = write_case(c, tmp_path)
    expect_file = tmp_path / "expect.yaml"
    # protocol omitted -> TCP
    expect_file.write_text(
        dump_one(
            [
                {"from": "y/a", "to": "x/a", "port": 80, "allowed": True},
                {"from": "y/b", "to": "x/a", "port": 80, "allowed": False},
                {"from": "192.0.2.10", "to": "x/b", "port": 80, "allowed": True},
                {"from": "192.0.2.10", "to": "x/a", "port": 80, "allowed": False},
            ]
        )
    )
    res = run_cli("check", "-f", folder, "--expect", expect_file)
    assert res.returncode == 0, res.stdout + res.stderr
    res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert [o["protocol"].upper() for o in json.loads(res.stdout)] == ["TCP"] * 4
    expect_file.write_text(dump_one([{"from": "y/b", "to": "x/a", "port": 80, "allowed": True}]))
    res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "text")
    assert res.returncode == 1, res.stdout + res.stderr


def test_cli_ipblock_excludes_pods_flag(tmp_path: Path) -> None:
    c = CASES["egress_to_cidr_of_a_pod"]()
    folder = write_case(c, tmp_path)
    expect_file = tmp_path / "expect.yaml"
    expect_file.write_text(
        dump_one([{"from": "x/a", "to": "y/b", "port": 80, "protocol": "TCP", "allowed": True}])
    )
    assert run_cli("check", "-f", folder, "--expect", expect_file).returncode == 0
    res = run_cli("check", "-f", folder, "--expect", expect_file, "--ipblock-excludes-pods")
    assert res.returncode == 1, res.stdout + res.stderr


def test_cli_check_json_under_both_loopback_conventions(tmp_path: Path) -> None:
    """`check --format json` on 'default-deny-ingress': by default x/a, x/b, x/c are denied
    reaching themselves, as upstream's table says; `--loopback-allowed` allows every pod ->
    itself and changes nothing else."""
    c = CASES["default_deny_ingress"]()
    folder = write_case(c, tmp_path)
    expect = [
        {"from": src, "to": dst, "port": 80, "protocol": "TCP", "allowed": exp}
        for src, dst, exp in c.checks[0][2].items()
    ]
    looped = [{**e, "allowed": e["allowed"] or e["from"] == e["to"]} for e in expect]
    x_selves = [("x/a", "x/a"), ("x/b", "x/b"), ("x/c", "x/c")]
    upstream_file, looped_file = tmp_path / "upstream.yaml", tmp_path / "looped.yaml"
    upstream_file.write_text(dump_one(expect, sort_keys=False))
    looped_file.write_text(dump_one(looped, sort_keys=False))

    def check(expect_file: Path, *flags: str) -> tuple[int, list[dict[str, Any]]]:
        res = run_cli("check", "-f", folder, "--expect", expect_file, "--format", "json", *flags)
        assert res.returncode in (0, 1), res.stdout[-2000:] + res.stderr[-2000:]
        return res.returncode, json.loads(res.stdout)

    def failed(out: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(o["from"], o["to"]) for o in out if o["actual"] is not o["expected"]]

    code, out = check(upstream_file)
    assert code == 0 and failed(out) == []
    assert [(o["from"], o["to"]) for o in out if o["from"] == o["to"] and not o["actual"]] == (
        x_selves
    )
    code, out = check(upstream_file, "--loopback-allowed")
    assert code == 1 and failed(out) == x_selves
    for o in out:
        if (o["from"], o["to"]) in x_selves:
            assert o["actual"] is True and "loopback, a pod may always reach itself" in o["reason"]

    code, out = check(looped_file, "--loopback-allowed")
    assert code == 0 and failed(out) == []
    code, out = check(looped_file)
    assert code == 1 and failed(out) == x_selves
    assert all(o["actual"] is False for o in out if (o["from"], o["to"]) in x_selves)
