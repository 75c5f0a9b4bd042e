"""`lint_cluster(..., parallel=True)`: the side sets are computed in two processes, then the rules
run in groups shared by this process and a forked child; the findings are those of one process,
in the same order, whatever ran where."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from reachability import from_manifests
from reachability.lint import lint_cluster
from tests.support.ahead import THREE_PODS, recorded_maps
from tests.support.builders import netpol
from tests.support.strategies import cluster_strategy

linting = importlib.import_module("reachability.lint.run")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_strategy(max_policies=6))
def test_lint_beside_a_child_finds_what_lint_here_finds(docs: list[dict[str, Any]]) -> None:
    expected = lint_cluster(from_manifests(docs))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linting, "PARALLEL_POLICIES", 0)
        patch.setattr(linting, "ahead_available", lambda: True)
        found = lint_cluster(from_manifests(docs), parallel=True)
    assert found == expected


def test_a_child_shares_the_sets_and_the_rules_only_from_a_size_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mapped = recorded_maps(monkeypatch, linting)
    docs = [
        *THREE_PODS,
        netpol("x", "deny", policy_types=["Ingress"]),
        netpol("x", "all", ingress=[{}]),
    ]
    expected = lint_cluster(from_manifests(docs))
    assert lint_cluster(from_manifests(docs), parallel=True) == expected
    assert mapped == []
    monkeypatch.setattr(linting, "PARALLEL_POLICIES", 1)
    assert lint_cluster(from_manifests(docs), parallel=True) == expected
    early, sets, groups = mapped
    assert early == 1, "the rules on each policy as written, started before the sets"
    assert sets == 2, "each direction's sets, whichever process is free"
    assert groups >= 5, "the rules in groups (NP007 and NP006 in two each), whichever is free"
