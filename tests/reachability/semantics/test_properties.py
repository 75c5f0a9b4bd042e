"""Property tests over generated small clusters (tests/support/strategies.py ``cluster_strategy``):
2-3 namespaces, up to 6 pods, up to 4 policies with random selectors, policyTypes, rules, named
ports, endPort ranges and ipBlocks.

The oracle-free properties follow from the API's definition: policies are additive allow-lists,
isolation is per direction and only for selected pods, and a connection needs both sides.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import allowed, from_manifests, load, matrix, selected_pods
from tests.support.builders import dump_yaml, items_list, namespace, netpol, selector
from tests.support.oracle import policy_directions, selects
from tests.support.strategies import cluster_strategy

PROBES = [(80, "TCP"), (8080, "TCP"), (53, "UDP"), (53, "TCP"), (9090, "SCTP")]
EXTERNALS = ["93.184.216.34", "10.1.0.200"]
CLUSTERS = cluster_strategy()
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pod_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "Pod"]


def policy_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "NetworkPolicy"]


def ns_names(docs: list[dict[str, Any]]) -> list[str]:
    return [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]


def pid(doc: dict[str, Any]) -> str:
    return f"{doc['metadata']['namespace']}/{doc['metadata']['name']}"


def flows(cluster: Any) -> list[tuple[str, str, int, str]]:
    return matrix(cluster, PROBES, EXTERNALS).allowed_flows()


def endpoints(docs: list[dict[str, Any]]) -> list[str]:
    return [pid(p) for p in pod_docs(docs)] + EXTERNALS


def pairs(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Ordered pairs with at least one pod."""
    eps = endpoints(docs)
    return [(a, b) for a in eps for b in eps if not (a in EXTERNALS and b in EXTERNALS)]


def explain(docs: list[dict[str, Any]]) -> str:
    return dump_yaml(docs)


# --------------------------------------------------------------------------- selection


@FAST
@given(CLUSTERS)
def test_selected_pods_agree_with_the_label_selector_semantics(docs: list[dict[str, Any]]) -> None:
    """Host-network pods are left out of the comparison: NetworkPolicy behaviour for them is
    undefined (docs, "NetworkPolicy and hostNetwork pods"); they are never isolated."""
    c = from_manifests(docs)
    host = {pid(p) for p in pod_docs(docs) if p["spec"].get("hostNetwork")}
    for pol in policy_docs(docs):
        want = {pid(p) for p in pod_docs(docs) if selects(pol, p)} - host
        got = {p.id for p in selected_pods(c, pid(pol))} - host
        assert got == want, f"{pid(pol)}\n{explain(docs)}"


# --------------------------------------------------------------------------- no-op policies


@SLOW
@given(CLUSTERS, CLUSTERS)
def test_a_policy_that_selects_no_pod_changes_nothing(
    docs: list[dict[str, Any]], donor: list[dict[str, Any]]
) -> None:
    names = ns_names(docs)
    ghosts = []
    for i, pol in enumerate(
        policy_docs(donor) or [netpol(names[0], "x", {}, policy_types=["Ingress", "Egress"])]
    ):
        g = copy.deepcopy(pol)
        g["metadata"] = {"name": f"ghost{i}", "namespace": names[i % len(names)]}
        g["spec"]["podSelector"] = selector({"nobody": "here"})
        ghosts.append(g)
        e = copy.deepcopy(pol)
        e["metadata"] = {"name": f"empty-ns{i}", "namespace": "empty"}
        e["spec"]["podSelector"] = {}
        ghosts.append(e)
    before = from_manifests(docs)
    after = from_manifests([*docs, namespace("empty"), *ghosts])
    m1, m2 = matrix(before, PROBES, EXTERNALS), matrix(after, PROBES, EXTERNALS)
    assert m1.endpoints == m2.endpoints
    assert m1.allowed_flows() == m2.allowed_flows(), explain([*docs, *ghosts])


# --------------------------------------------------------------------------- additivity


@SLOW
@given(CLUSTERS, CLUSTERS, st.data())
def test_adding_a_policy_only_removes_flows_of_newly_isolated_pods(
    docs: list[dict[str, Any]], donor: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Policies are allow-lists: a new policy can only take a connection away by isolating a
    pod in a direction where it was not isolated before; for pods already isolated in that
    direction it can only add."""
    donors = policy_docs(donor)
    if not donors:
        return
    added = copy.deepcopy(data.draw(st.sampled_from(donors)))
    added["metadata"] = {"name": "added", "namespace": data.draw(st.sampled_from(ns_names(docs)))}
    before, after = from_manifests(docs), from_manifests([*docs, added])
    dirs = policy_directions(added)
    newly = {p.id for p in selected_pods(after, pid(added))}
    lost = set(flows(before)) - set(flows(after))
    for src, dst, port, proto in sorted(lost):
        v = allowed(before, src, dst, port, proto)
        explained = ("Egress" in dirs and src in newly and not v.egress.isolated) or (
            "Ingress" in dirs and dst in newly and not v.ingress.isolated
        )
        assert explained, f"{src} -> {dst} {port}/{proto} lost\n{explain([*docs, added])}"


@SLOW
@given(CLUSTERS, st.data())
def test_an_extra_allow_rule_on_an_existing_policy_never_removes_a_flow(
    docs: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Appending a rule to a policy whose directions already isolate its pods only adds flows."""
    pols = policy_docs(docs)
    if not pols:
        return
    target = data.draw(st.sampled_from(pols))
    extra_docs = copy.deepcopy(docs)
    (mutated,) = [p for p in extra_docs if p["kind"] == "NetworkPolicy" and pid(p) == pid(target)]
    spec = mutated["spec"]
    dirs_before = policy_directions(mutated)
    direction = data.draw(st.sampled_from(["ingress", "egress"]))
    spec.setdefault(direction, [])
    spec[direction].append(
        data.draw(st.sampled_from([{}, {"ports": [{"port": 53, "protocol": "UDP"}]}]))
    )
    if "policyTypes" not in spec and policy_directions(mutated) != dirs_before:
        return  # the new rule changed the defaulted policyTypes: that may isolate, skip
    assert set(flows(from_manifests(docs))) <= set(flows(from_manifests(extra_docs)))


# --------------------------------------------------------------------------- unselected pods


@FAST
@given(CLUSTERS)
def test_a_pod_selected_by_no_policy_is_open_both_ways(docs: list[dict[str, Any]]) -> None:
    c = from_manifests(docs)
    pols = policy_docs(docs)
    for p in pod_docs(docs):
        in_sel = any(selects(pol, p) and "Ingress" in policy_directions(pol) for pol in pols)
        out_sel = any(selects(pol, p) and "Egress" in policy_directions(pol) for pol in pols)
        me = pid(p)
        for other in endpoints(docs):
            for port, proto in PROBES:
                if not in_sel:
                    v = allowed(c, other, me, port, proto)
                    assert v.ingress.allowed and not v.ingress.isolated, v.reason
                    assert v.allowed == v.egress.allowed
                if not out_sel:
                    v = allowed(c, me, other, port, proto)
                    assert v.egress.allowed and not v.egress.isolated, v.reason
                    assert v.allowed == v.ingress.allowed


# --------------------------------------------------------------------------- consistency


@FAST
@given(CLUSTERS)
def test_verdict_is_the_conjunction_of_its_sides_and_matrix_agrees(
    docs: list[dict[str, Any]],
) -> None:
    c = from_manifests(docs)
    m = matrix(c, PROBES, EXTERNALS)
    assert set(m.endpoints) == set(endpoints(docs))
    assert list(m.endpoints[-len(EXTERNALS) :]) == EXTERNALS
    flowset = set(m.allowed_flows())
    host = {pid(p) for p in pod_docs(docs) if p["spec"].get("hostNetwork")}
    for src, dst in pairs(docs):
        for port, proto in PROBES:
            v = allowed(c, src, dst, port, proto)
            assert v.egress.direction == "egress" and v.ingress.direction == "ingress"
            assert v.allowed == (v.egress.allowed and v.ingress.allowed)
            if src != dst and src not in host:
                # an isolated side is allowed exactly when some rule admits the connection
                assert not v.egress.isolated or v.egress.allowed == bool(v.egress.allowed_by)
            if src != dst and dst not in host:
                assert not v.ingress.isolated or v.ingress.allowed == bool(v.ingress.allowed_by)
            assert m.is_allowed(src, dst, port, proto) == v.allowed
            assert ((src, dst, port, proto) in flowset) == v.allowed


@SLOW
@given(CLUSTERS)
def test_load_from_files_equals_from_manifests(docs: list[dict[str, Any]]) -> None:
    mem = from_manifests(docs)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sub").mkdir()
        half = len(docs) // 2
        (root / "one.yaml").write_text(dump_yaml(docs[:half]))
        (root / "sub" / "two.yml").write_text(dump_yaml([items_list(docs[half:])]))
        disk = load([root])

    def key_pods(c: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (
                p.id,
                tuple(sorted(dict(p.labels).items())),
                tuple(p.ips),
                tuple(sorted(map(repr, p.ports))),
                p.host_network,
            )
            for p in c.pods
        )

    assert key_pods(disk) == key_pods(mem)
    assert sorted(p.id for p in disk.policies) == sorted(p.id for p in mem.policies)
    assert sorted(
        (n.name, tuple(sorted(dict(n.labels).items()))) for n in disk.namespaces
    ) == sorted((n.name, tuple(sorted(dict(n.labels).items()))) for n in mem.namespaces)
    assert flows(disk) == flows(mem)


@SLOW
@given(CLUSTERS, st.randoms(use_true_random=False))
def test_output_does_not_depend_on_input_order(docs: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    a, b = from_manifests(docs), from_manifests(shuffled)
    ma, mb = matrix(a, PROBES, EXTERNALS), matrix(b, PROBES, EXTERNALS)
    assert ma.endpoints == mb.endpoints
    assert ma.allowed_flows() == mb.allowed_flows()
    for src, dst in pairs(docs):
        for port, proto in PROBES[:2]:
            assert allowed(a, src, dst, port, proto) == allowed(b, src, dst, port, proto)
