"""`diff` compares the two sides' side sets instead of subtracting whole matrices: on random
pairs of clusters (policies and pods redrawn, representatives when no pods are given, loopback
and the other engine options) it gives exactly the per-flow definition's result
(tests/support/diff_reference.py), changes, reasons, order and counts."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import Options, from_manifests
from reachability.diff import diff
from tests.support import diff_reference
from tests.support.strategies import cluster_strategy, policy_set_strategy

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTIONS = st.builds(
    Options,
    ipblock_matches_pods=st.booleans(),
    loopback_allowed=st.booleans(),
    host_network=st.sampled_from(["node", "pod"]),
)
EXTERNALS = st.lists(st.sampled_from(["93.184.216.34", "10.9.9.9", "2001:db8::1"]), max_size=2)


def same_pods_other_policies(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Any:
    """AFTER keeps BEFORE's namespaces and pods and takes another draw's policies."""
    kept = [d for d in before if d["kind"] != "NetworkPolicy"]
    return kept + [d for d in after if d["kind"] == "NetworkPolicy"]


@SETTINGS
@given(cluster_strategy(), cluster_strategy(), OPTIONS, EXTERNALS, st.booleans())
def test_given_pods_give_the_per_flow_diff(
    before: list[dict[str, Any]],
    other: list[dict[str, Any]],
    options: Options,
    externals: list[str],
    same_pods: bool,
) -> None:
    after = same_pods_other_policies(before, other) if same_pods else other
    old, new = from_manifests(before, options=options), from_manifests(after, options=options)
    expected = diff_reference.diff(old, new, externals=externals, options=options)
    assert diff(old, new, externals=externals, options=options) == expected


@SETTINGS
@given(policy_set_strategy(), policy_set_strategy(), OPTIONS)
def test_representatives_give_the_per_flow_diff(
    before: list[dict[str, Any]], after: list[dict[str, Any]], options: Options
) -> None:
    old, new = from_manifests(before, options=options), from_manifests(after, options=options)
    assert diff(old, new, options=options) == diff_reference.diff(old, new, options=options)
