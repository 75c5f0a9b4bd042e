"""The side sets hold the matrix's verdicts one side at a time: on random clusters, a flow is in
both endpoints' sides exactly when the matrix allows it, `allowed_by` is `allows` read the
other way round (its dense and sparse storage alike), and `flows_range` is `flows` of each."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import reachability.sides as sides_module
from kubefacts.api import DIRECTIONS, Direction
from reachability import SideSets, from_manifests, matrix, opposite, side_sets
from reachability._bits import positions
from tests.support.builders import egress_rule, netpol, pod
from tests.support.strategies import cluster_strategy

PORTS = [(80, "TCP"), (8080, "TCP"), (53, "UDP"), (53, "TCP"), (9090, "SCTP")]
EXTERNALS = ["93.184.216.34", "10.1.0.200"]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cluster_strategy(pod_ip_blocks=True))
def test_both_sides_agree_exactly_when_the_matrix_allows(docs: list[dict[str, Any]]) -> None:
    cluster = from_manifests(docs)
    cluster = dataclasses.replace(
        cluster, options=dataclasses.replace(cluster.options, loopback_allowed=False)
    )
    sides = side_sets(cluster, PORTS, EXTERNALS)
    rows = matrix(cluster, PORTS, EXTERNALS).rows
    everyone = range(len(sides.endpoints))
    for p in range(len(PORTS)):
        for i in everyone:
            assert tuple(positions(sides.flows(Direction.EGRESS, i, p))) == rows[p][i]
            for direction in DIRECTIONS:
                by = sides.allowed_by(direction, i, p)
                assert by == sum(1 << j for j in everyone if sides.allows(direction, j, p) >> i & 1)
                into = sides.flows(opposite(direction), i, p)
                assert into == sides.allows(opposite(direction), i, p) & by
        for direction in DIRECTIONS:
            for start in (0, len(everyone) // 2):
                expected = [sides.flows(direction, i, p) for i in range(start, len(everyone))]
                assert sides.flows_range(direction, p, start, len(everyone)) == expected


def test_endpoints_left_out_by_several_wide_rules_are_left_out_by_each() -> None:
    """Two pods whose egress reaches every pod but `quiet`: neither reaches it (the transpose
    stores such wide sets by what they leave out, once per class)."""
    names = ["a", "b", "c", "d", "quiet"]
    docs: list[dict[str, Any]] = [pod("alpha", n, {"app": n}) for n in names]
    wide = [
        {
            "podSelector": {
                "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["quiet"]}]
            }
        }
    ]
    for n in ("a", "b"):
        docs.append(
            netpol("alpha", f"wide-{n}", {"matchLabels": {"app": n}}, egress=[egress_rule(wide)])
        )
    cluster = from_manifests(docs)
    sides = side_sets(cluster, [(80, "TCP")])
    quiet = sides.position["alpha/quiet"]
    senders = {
        sides.endpoints[j].id for j in sides.members(sides.allowed_by(Direction.EGRESS, quiet, 0))
    }
    assert senders == {"alpha/c", "alpha/d", "alpha/quiet"}


@SETTINGS
@given(cluster_strategy(pod_ip_blocks=True))
def test_classes_hold_each_isolated_endpoint_once_with_its_sides(
    docs: list[dict[str, Any]],
) -> None:
    """`classes` partitions the endpoints a direction isolates, and a class's members answer
    `isolating`, `admitted` and `allows` alike; `allowed_by_each` is `allowed_by` of each."""
    sides = side_sets(from_manifests(docs), PORTS, EXTERNALS)
    everyone = list(range(len(sides.endpoints)))
    for direction in DIRECTIONS:
        classes = sides.classes(direction)
        held = [i for members in classes for i in members]
        assert len(held) == len(set(held))
        # a ClusterNetworkPolicy's subject is classed too, isolated by no NetworkPolicy
        assert {i for i in everyone if sides.isolating(direction, i)} <= set(held)
        for members in classes:
            first = members[0]
            for i in members[1:]:
                assert sides.isolating(direction, i) == sides.isolating(direction, first)
                assert sides.admitted_on_ports(direction, i) == sides.admitted_on_ports(
                    direction, first
                )
                for p in range(len(PORTS)):
                    assert sides.allows(direction, i, p) == sides.allows(direction, first, p)
        for p in range(len(PORTS)):
            expected = [sides.allowed_by(direction, i, p) for i in reversed(everyone)]
            assert sides.allowed_by_each(direction, everyone[::-1], p) == expected


@SETTINGS
@given(cluster_strategy(pod_ip_blocks=True))
def test_sets_computed_elsewhere_answer_as_computed_here(docs: list[dict[str, Any]]) -> None:
    """What one SideSets computed for each direction, pickled (as from a child) and adopted
    by a fresh SideSets of the same cluster, answers what that one computes."""
    cluster = from_manifests(docs)
    there, here = SideSets(cluster, PORTS, EXTERNALS), SideSets(cluster, PORTS, EXTERNALS)
    for direction in DIRECTIONS:
        here.adopt(pickle.loads(pickle.dumps(there.direction_sets(direction))))
    count = len(here.endpoints)
    for direction in DIRECTIONS:
        fresh = SideSets(cluster, PORTS, EXTERNALS)
        for p in range(len(PORTS)):
            expected = fresh.flows_range(direction, p, 0, count)
            assert here.flows_range(direction, p, 0, count) == expected
            assert here.allowed_by_each(direction, range(count), p) == fresh.allowed_by_each(
                direction, range(count), p
            )
        for i in range(count):
            assert here.admitted_on_ports(direction, i) == fresh.admitted_on_ports(direction, i)


def test_adopted_sets_are_not_computed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = from_manifests([pod("alpha", "a"), pod("alpha", "b")])
    there, here = SideSets(cluster, PORTS), SideSets(cluster, PORTS)
    here.adopt(there.direction_sets(Direction.EGRESS, transposed=False))
    here.adopt(there.direction_sets(Direction.INGRESS))
    monkeypatch.setattr(sides_module, "transpose", lambda *_: pytest.fail("transposed again"))
    monkeypatch.setattr(SideSets, "_all_class_sets", lambda *_: pytest.fail("computed again"))
    assert here.flows_range(Direction.EGRESS, 0, 0, 2) == [0b11, 0b11]
    assert here.admitted_on_ports(Direction.EGRESS, 0) == ()


def test_sets_are_adopted_only_for_the_same_ports() -> None:
    cluster = from_manifests([pod("alpha", "a")])
    found = SideSets(cluster, PORTS).direction_sets(Direction.EGRESS)
    with pytest.raises(ValueError, match="ports"):
        SideSets(cluster, PORTS[:2]).adopt(found)
