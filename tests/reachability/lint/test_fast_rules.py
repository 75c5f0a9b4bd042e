"""The semantic rules answer with sets (the engine's side sets) what they used to ask `allowed`
pair by pair: on random clusters, each gives exactly the findings, in the same order, of its
per-pair definition (tests/support/lint_reference), so a shortcut that is wrong fails here.

The clusters mix what the shortcuts must get right: policies shadowed by allow-all ones, a sole
isolating policy, default denies, workloads beside pods with their labels (a workload reaching
"itself" stands for two replicas), host-network pods, DNS pods given or probed, loopback on or off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import Cluster, Options, from_manifests, side_sets
from reachability.lint import Finding, LintOptions, dns, isolation, policies
from reachability.lint.context import Analysis, analyse
from tests.support.builders import (
    OMIT,
    container_port,
    egress_rule,
    ingress_rule,
    netpol,
    pod,
    workload,
)
from tests.support.lint_reference import dns as dns_reference
from tests.support.lint_reference import isolation as isolation_reference
from tests.support.lint_reference import policies as policies_reference
from tests.support.strategies import (
    cluster_strategy,
    cluster_with_cnps_strategy,
    policy_set_strategy,
)

Rule = Callable[[Analysis], Iterator[Finding]]
RULES: tuple[tuple[str, Rule, Rule], ...] = (
    ("dns", dns.dns_findings, dns_reference.dns_findings),
    ("NP006", isolation.intra_namespace, isolation_reference.intra_namespace),
    (
        "NP013",
        isolation.namespaces_without_default_deny,
        isolation_reference.namespaces_without_default_deny,
    ),
    ("NP007", policies.shadowed, policies_reference.shadowed),
    ("NP008", policies.selects_nothing, policies_reference.selects_nothing),
    ("NP009", policies.undefined_named_ports, policies_reference.undefined_named_ports),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMESPACES = ("alpha", "beta", "gamma")

# Policies that make others redundant or decide a namespace alone.
EXTRAS: tuple[Callable[[str, int], dict[str, Any]], ...] = (
    lambda ns, i: netpol(ns, f"allow-all-ingress-{i}", ingress=[ingress_rule()]),
    lambda ns, i: netpol(ns, f"allow-all-egress-{i}", egress=[egress_rule()]),
    lambda ns, i: netpol(ns, f"deny-{i}", policy_types=["Ingress", "Egress"]),
    lambda ns, i: netpol(
        ns,
        f"same-namespace-{i}",
        ingress=[ingress_rule([{"podSelector": {}}])],
        egress=[egress_rule([{"podSelector": {}}])],
    ),
    lambda ns, i: netpol(
        ns,
        f"web-{i}",
        {"matchLabels": {"app": "web"}},
        ingress=[ingress_rule(OMIT, [{"port": 80, "protocol": "TCP"}])],
    ),
)


# Built once and drawn from in every example (building a strategy, and validating it on its
# first draw, costs hypothesis more than drawing from it); the same strategies draw the same
# examples wherever they are built.
CLUSTERS = cluster_strategy(max_pods=6, max_policies=4)
SOME_EXTRAS = st.lists(st.sampled_from(EXTRAS), max_size=3)
EVERYWHERE_APP = st.sampled_from(["web", "db"])
DNS_POD_COUNT = st.integers(1, 2)
DNS_A_PORTS = st.sampled_from([OMIT, [{"port": 53, "protocol": "TCP"}]])


@st.composite
def clusters(draw: Any) -> list[dict[str, Any]]:
    """A random cluster (tests/support/strategies.py) plus some of EXTRAS, workloads with the
    labels of pods, and maybe the DNS pods lint looks for."""
    docs: list[dict[str, Any]] = draw(CLUSTERS)
    names = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
    for i, make in enumerate(draw(SOME_EXTRAS)):
        docs.append(make(draw(st.sampled_from(names)), i))
    pods = [d for d in docs if d["kind"] == "Pod"]
    for i, twin in enumerate(draw(st.lists(st.sampled_from(pods), max_size=2, unique_by=id))):
        labels = twin["metadata"].get("labels", {})
        ports = twin["spec"]["containers"][0].get("ports", [])
        docs.append(workload("Deployment", twin["metadata"]["namespace"], f"w{i}", labels, ports))
    if draw(st.booleans()):
        # Every namespace with a pod and DNS given: lint questions the cluster as it is (no
        # stand-ins added), so its loopback option holds.
        for ns in names:
            docs.append(pod(ns, "everywhere", {"app": draw(EVERYWHERE_APP)}))
        dns_ports = [container_port(53, "UDP", "dns"), container_port(53, "TCP", "dns-tcp")]
        for suffix in ("a", "b")[: draw(DNS_POD_COUNT)]:
            labels = {"k8s-app": "kube-dns", "dns": suffix}
            docs.append(pod("kube-system", f"coredns-{suffix}", labels, [], dns_ports))
        if draw(st.booleans()):  # the first DNS pod closed to one protocol or both
            ports = draw(DNS_A_PORTS)
            ingress = OMIT if ports is OMIT else [ingress_rule(OMIT, ports)]
            docs.append(
                netpol(
                    "kube-system",
                    "dns-a",
                    {"matchLabels": {"dns": "a"}},
                    ingress=ingress,
                    policy_types=["Ingress"],
                )
            )
    return docs


OPTIONS = st.builds(
    Options,
    ipblock_matches_pods=st.booleans(),
    loopback_allowed=st.booleans(),
    host_network=st.sampled_from(["node", "pod"]),
)


def assert_same_findings(cluster: Cluster) -> None:
    analysis = analyse(cluster, LintOptions())
    # Lint questions its clusters with loopback off; an Analysis of a cluster with it on
    # must follow the per-pair definition too (a pod's flow with itself always allowed).
    looped = dataclasses.replace(
        analysis.cluster,
        options=dataclasses.replace(analysis.cluster.options, loopback_allowed=True),
    )
    variants = (
        analysis,
        dataclasses.replace(
            analysis, cluster=looped, sides=side_sets(looped, analysis.ports, analysis.externals)
        ),
    )
    for case in variants:
        for name, fast, reference in RULES:
            assert list(fast(case)) == list(reference(case)), name


@SETTINGS
@given(clusters(), OPTIONS)
def test_given_pods_give_the_per_pair_findings(
    docs: list[dict[str, Any]], options: Options
) -> None:
    assert_same_findings(from_manifests(docs, options=options))


@SETTINGS
@given(policy_set_strategy(max_policies=5), OPTIONS)
def test_representatives_give_the_per_pair_findings(
    docs: list[dict[str, Any]], options: Options
) -> None:
    assert_same_findings(from_manifests(docs, options=options))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(clusters(), cluster_with_cnps_strategy()),
    st.sets(st.sampled_from((*NAMESPACES, "kube-system"))),
)
def test_shadowed_and_intra_in_some_namespaces_are_those_namespaces_findings(
    docs: list[dict[str, Any]], namespaces: set[str]
) -> None:
    """Removing a policy changes verdicts in its own namespace only, and NP006 judges each
    namespace's own pairs, so both answer for some namespaces alone (lint shares the
    namespaces out between processes); cluster policies may put pods of several namespaces in
    one class, which no NetworkPolicy isolates."""
    analysis = analyse(from_manifests(docs), LintOptions())
    for rule in (policies.shadowed, isolation.intra_namespace):
        everywhere = list(rule(analysis))
        found = list(rule(analysis, namespaces))
        assert found == [f for f in everywhere if f.obj.split(" ")[1].split("/")[0] in namespaces]


def test_shadowed_policy_found_through_sets() -> None:
    """The issue's case: an allow-all-ingress policy shadows the database rule beside it."""
    docs = [
        pod("alpha", "web", {"app": "web"}, ["10.1.0.10"]),
        pod("alpha", "db", {"app": "db"}, ["10.1.0.11"]),
        netpol("alpha", "allow-all-ingress", ingress=[ingress_rule()]),
        netpol(
            "alpha",
            "db-from-web",
            {"matchLabels": {"app": "db"}},
            ingress=[ingress_rule([{"podSelector": {"matchLabels": {"app": "web"}}}])],
        ),
    ]
    analysis = analyse(from_manifests(docs), LintOptions())
    found = list(policies.shadowed(analysis))
    assert [f.obj for f in found] == ["NetworkPolicy alpha/db-from-web"]
    assert "also admitted by alpha/allow-all-ingress" in found[0].message
    assert found == list(policies_reference.shadowed(analysis))


def test_dns_verdict_towards_the_dns_pod_the_pods_reach() -> None:
    """Of two DNS pods, the pods' egress admits the second only: the one-protocol finding
    explains the verdict towards that one, which they reach over UDP."""
    dns_ports = [container_port(53, "UDP", "dns"), container_port(53, "TCP", "dns-tcp")]
    labels = {"k8s-app": "kube-dns", "dns": "b"}
    to_dns = [{"namespaceSelector": {}, "podSelector": {"matchLabels": labels}}]
    docs = [
        pod("alpha", "web", {"app": "web"}, ["10.1.0.10"]),
        pod("kube-system", "coredns-a", {"k8s-app": "kube-dns", "dns": "a"}, [], dns_ports),
        pod("kube-system", "coredns-b", labels, [], dns_ports),
        netpol("alpha", "dns-udp", egress=[egress_rule(to_dns, [{"port": 53, "protocol": "UDP"}])]),
    ]
    analysis = analyse(from_manifests(docs), LintOptions())
    found = list(dns.dns_findings(analysis))
    assert [(f.id, f.field) for f in found] == [("NP003", "spec.egress[0].ports")]
    assert found == list(dns_reference.dns_findings(analysis))


def test_a_namespace_whose_pods_lie_apart_gives_the_per_pair_findings() -> None:
    """Host-network pods sorted between a namespace's others: the pods are not one range."""
    docs = [
        pod("x", name, {"app": name}, [f"10.0.0.{i + 1}"], host_network=name in "bcd")
        for i, name in enumerate("abcde")
    ]
    docs.append(netpol("x", "deny", {}, policy_types=["Ingress", "Egress"]))
    assert_same_findings(from_manifests(docs))
    found = list(isolation.intra_namespace(analyse(from_manifests(docs), LintOptions())))
    assert [f.id for f in found] == ["NP006"]
