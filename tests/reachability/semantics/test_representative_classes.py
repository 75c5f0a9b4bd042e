"""Representatives are complete and minimal (docs/reachability-api.md, "Representative pods").

Complete: for random policy sets (namespaces and policies only, as `components render` writes)
and random concrete pods, each concrete pod p (labels L, namespace N) has a representative r of
its class: in N when N is a namespace of the input or one a selector names, else in a stand-in
for "any other namespace"; same class means every selector of the input matches both or
neither (restated here with the test oracle's matcher, not the engine's). Then, in one cluster
of the policies, every representative and every concrete pod, p's matrix row and column equal
r's on the probed ports and addresses (`probe_ports`, `probe_externals`).

Minimal: no two representatives of one namespace, and no two stand-in namespaces, are of one
class; the counts for the common stacks are pinned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings

from kubefacts.api import NAMESPACE_NAME_LABEL as NAME
from reachability import (
    Cluster,
    Labels,
    Namespace,
    Pod,
    from_manifests,
    matrix,
    probe_externals,
    probe_ports,
)
from tests.support.oracle import policy_directions, selector_matches
from tests.support.stacks import stack_manifests
from tests.support.strategies import concrete_pods_strategy, policy_set_strategy

Doc = Mapping[str, Any]
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def signature(
    policies: Sequence[Doc], ns: str, ns_labels: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[bool, ...]:
    """Which selectors of the input match a pod: every policy's podSelector, every peer of an
    effective rule (podSelector alone: the policy's namespace; with a namespaceSelector: AND)."""
    found = []
    for policy in policies:
        home, spec = policy["metadata"]["namespace"], policy["spec"]
        found.append(home == ns and selector_matches(spec.get("podSelector"), labels))
        for direction, key in (("Ingress", "from"), ("Egress", "to")):
            if direction not in policy_directions(policy):
                continue
            for rule in spec.get(direction.lower()) or []:
                for peer in rule.get(key) or []:
                    if "ipBlock" in peer:
                        continue
                    pods = selector_matches(peer.get("podSelector"), labels)
                    if "namespaceSelector" in peer:
                        found.append(
                            selector_matches(peer["namespaceSelector"], ns_labels) and pods
                        )
                    else:
                        found.append(home == ns and pods)
    return tuple(found)


def namespace_selectors(policies: Sequence[Doc]) -> list[Doc]:
    """The namespaceSelectors of the effective rules, in order."""
    return [
        peer["namespaceSelector"]
        for policy in policies
        for direction, key in (("Ingress", "from"), ("Egress", "to"))
        if direction in policy_directions(policy)
        for rule in policy["spec"].get(direction.lower()) or []
        for peer in rule.get(key) or []
        if "namespaceSelector" in peer
    ]


def namespace_signature(policies: Sequence[Doc], ns_labels: Mapping[str, str]) -> tuple[bool, ...]:
    return tuple(selector_matches(s, ns_labels) for s in namespace_selectors(policies))


def specific_namespaces(docs: Sequence[Doc]) -> set[str]:
    """The namespaces that are not "any other namespace": declared, holding a policy, or named
    by a namespaceSelector of an effective rule through kubernetes.io/metadata.name."""
    names = {d["metadata"].get("namespace") or d["metadata"]["name"] for d in docs}
    for selector in namespace_selectors([d for d in docs if d["kind"] == "NetworkPolicy"]):
        if NAME in (selector.get("matchLabels") or {}):
            names.add(selector["matchLabels"][NAME])
        for expression in selector.get("matchExpressions") or []:
            if expression["key"] == NAME:
                names.update(expression.get("values") or [])
    return names


def stand_ins(cluster: Cluster, docs: Sequence[Doc]) -> list[Namespace]:
    specific = specific_namespaces(docs)
    return [ns for ns in cluster.namespaces if ns.name not in specific]


@BOUNDED
@given(policy_set_strategy(), concrete_pods_strategy())
def test_every_concrete_pod_behaves_as_the_representative_of_its_class(
    docs: list[dict[str, Any]], concrete: list[tuple[str, dict[str, str], dict[str, str]]]
) -> None:
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    reps = from_manifests(docs)
    assert reps.representative
    namespaces = {ns.name: ns for ns in reps.namespaces}
    specific = specific_namespaces(docs)
    others = stand_ins(reps, docs)

    extra_namespaces: dict[str, Namespace] = {}
    pods: list[tuple[Pod, Pod]] = []  # (concrete pod, the representative of its class)
    for index, (name, drawn, labels) in enumerate(concrete):
        if name in specific:
            ns = namespaces[name]
            homes = [ns]
        else:  # any other namespace: its own labels, one name per namespace
            ns = extra_namespaces.setdefault(name, Namespace(name, Labels({**drawn, NAME: name})))
            homes = others
        wanted = signature(policies, ns.name, ns.labels, labels)
        matching = [
            r
            for home in homes
            for r in reps.pods
            if r.namespace == home.name
            and signature(policies, home.name, home.labels, r.labels) == wanted
        ]
        assert matching, f"no representative for {dict(labels)} in {ns.name} {dict(ns.labels)}"
        pods.append(
            (Pod(namespace=ns.name, name=f"concrete-{index}", labels=Labels(labels)), matching[0])
        )

    cluster = reps.with_objects(extra_namespaces.values(), [p for p, _ in pods])
    ports = probe_ports(cluster.policies, cluster.pods)
    grid = matrix(cluster, ports, probe_externals(cluster.policies, cluster.pods))
    for p, r in pods:
        for other in grid.endpoints:
            seen = r.id if other == p.id else other  # p -> p stands beside r -> r
            for port, protocol in ports:
                assert grid.is_allowed(p.id, other, port, protocol) == grid.is_allowed(
                    r.id, seen, port, protocol
                ), (p.id, dict(p.labels), r.id, "->", other, port, protocol)
                assert grid.is_allowed(other, p.id, port, protocol) == grid.is_allowed(
                    seen, r.id, port, protocol
                ), (other, "->", p.id, dict(p.labels), r.id, port, protocol)


@BOUNDED
@given(policy_set_strategy())
def test_no_two_representatives_are_of_one_class(docs: list[dict[str, Any]]) -> None:
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    reps = from_manifests(docs)
    for ns in reps.namespaces:
        classes = [
            signature(policies, ns.name, ns.labels, p.labels)
            for p in reps.pods
            if p.namespace == ns.name
        ]
        assert classes and len(set(classes)) == len(classes), ns.name
    others = [namespace_signature(policies, ns.labels) for ns in stand_ins(reps, docs)]
    assert others and len(set(others)) == len(others)


def counts(docs: Sequence[Doc]) -> dict[str, int]:
    found: dict[str, int] = {}
    for pod in from_manifests(docs).pods:
        found[pod.namespace] = found.get(pod.namespace, 0) + 1
    return found


def test_representative_counts_of_the_stacks() -> None:
    shared = {"ingress-nginx": 1, "kube-system": 2, "other-namespace": 1}
    assert counts(stack_manifests("pr-123")) == {**shared, "myteam-myproject-pr-123": 1}
    assert counts(stack_manifests("dev")) == {**shared, "myteam-myproject-dev": 1}
    # app=postgres x db-access=true: the database, its clients, a client database, the rest
    assert counts(stack_manifests("production")) == {**shared, "myteam-myproject-production": 4}
