"""`Cluster.representatives_elsewhere`: what lint questions besides the given pods, synthesized
only where a namespace has no given pod. It must be what `with_representatives` synthesizes,
kept to those namespaces (its earlier definition)."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from reachability import from_manifests
from tests.support.ref_builders import netpol
from tests.support.strategies import cluster_strategy, cnp_strategy


@given(cluster_strategy(), cnp_strategy())
def test_it_is_with_representatives_where_no_pod_is_given(docs: list[Any], cnps: Any) -> None:
    # a policy in a namespace with no pod, and cluster policies, so that some are synthesized
    extra = [netpol("elsewhere/deny", {"podSelector": {}}), *cnps]
    cluster = from_manifests([*docs, *extra])
    synthesized = cluster.with_representatives()
    given_in = {pod.namespace for pod in cluster.pods}
    known = {ns.name for ns in cluster.namespaces}
    expected = (
        tuple(ns for ns in synthesized.namespaces if ns.name not in known),
        tuple(pod for pod in synthesized.pods if pod.namespace not in given_in),
    )
    assert cluster.representatives_elsewhere() == expected
    assert any(pod.namespace == "elsewhere" for pod in expected[1])
