"""`diff(..., parallel=True)`: a forked child and this process share computing both sides' sets,
then compare the two sides' flows part by part; the diff is the one computed in one process,
whatever the parts."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from reachability import Options, from_manifests
from reachability.diff import diff
from tests.reachability.diff.test_fast_diff import EXTERNALS, OPTIONS, same_pods_other_policies
from tests.support.ahead import THREE_PODS, recorded_maps
from tests.support.strategies import cluster_strategy

flows = importlib.import_module("reachability.diff.flows")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_strategy(), cluster_strategy(), OPTIONS, EXTERNALS)
def test_the_diff_computed_beside_a_child_is_the_diff(
    before: list[dict[str, Any]],
    other: list[dict[str, Any]],
    options: Options,
    externals: list[str],
) -> None:
    after = same_pods_other_policies(before, other)
    old, new = from_manifests(before, options=options), from_manifests(after, options=options)
    expected = diff(old, new, externals=externals, options=options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flows, "PARALLEL_ENDPOINTS", 0)
        patch.setattr(flows, "CHUNK", 3)
        patch.setattr(flows, "ahead_available", lambda: True)
        found = diff(old, new, externals=externals, options=options, parallel=True)
    assert found == expected


def test_a_child_shares_the_comparing_only_from_a_size_on(monkeypatch: pytest.MonkeyPatch) -> None:
    mapped = recorded_maps(monkeypatch, flows)
    cluster = from_manifests(THREE_PODS)
    assert not diff(cluster, cluster, parallel=True).changed
    assert mapped == []
    monkeypatch.setattr(flows, "PARALLEL_ENDPOINTS", 3)
    monkeypatch.setattr(flows, "CHUNK", 2)
    assert not diff(cluster, cluster, parallel=True).changed
    sides, parts = mapped
    assert sides == 4, "each side's ingress, then egress, sets: whichever process is free"
    assert parts >= 2, "parts of the sources, per probed port"
