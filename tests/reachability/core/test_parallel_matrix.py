"""`matrix(..., parallel=True)`: the ports' rows are shared between this process and a forked
child (each takes the next port no one has taken); the matrix is the one computed here."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from reachability import from_manifests, matrix
from tests.support.ahead import THREE_PODS, recorded_maps
from tests.support.strategies import cluster_strategy

PORTS = [(80, "TCP"), (8080, "TCP"), (53, "UDP"), (53, "TCP"), (9090, "SCTP")]
EXTERNALS = ["93.184.216.34", "10.1.0.200"]
rows = importlib.import_module("reachability.matrix")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_strategy(pod_ip_blocks=True))
def test_the_matrix_computed_beside_a_child_is_the_matrix(docs: list[dict[str, Any]]) -> None:
    cluster = from_manifests(docs)
    expected = matrix(cluster, PORTS, EXTERNALS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rows, "PARALLEL_ENDPOINTS", 0)
        patch.setattr(rows, "ahead_available", lambda: True)
        found = matrix(cluster, PORTS, EXTERNALS, parallel=True)
    assert found == expected
    assert found.allowed_flows() == expected.allowed_flows()


def test_a_child_shares_the_ports_only_from_a_size_on(monkeypatch: pytest.MonkeyPatch) -> None:
    mapped = recorded_maps(monkeypatch, rows)
    cluster = from_manifests(THREE_PODS)
    assert matrix(cluster, PORTS, parallel=True) == matrix(cluster, PORTS)
    assert mapped == []
    monkeypatch.setattr(rows, "PARALLEL_ENDPOINTS", 3)
    assert matrix(cluster, PORTS[:1], parallel=True) == matrix(cluster, PORTS[:1])
    assert mapped == [], "one port: nothing to share"
    assert matrix(cluster, PORTS, parallel=True) == matrix(cluster, PORTS)
    assert mapped == [len(PORTS)]
