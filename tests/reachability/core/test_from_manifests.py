"""`from_manifests`: a copy by default, so the caller may change its dicts afterwards; without
the copy (`copy=False`) the same cluster, over the caller's own dicts."""

from __future__ import annotations

import copy

from reachability import from_manifests
from tests.support.ref_builders import DENY_ALL, XY, Doc, netpol


def documents() -> list[Doc]:
    allow = {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{}]}
    return [*copy.deepcopy(XY), netpol("x/deny", DENY_ALL), netpol("x/allow", allow)]


def test_later_changes_by_the_caller_do_not_reach_the_cluster() -> None:
    docs = documents()
    cluster = from_manifests(docs)
    docs[-1]["spec"]["ingress"] = []
    docs[-1]["metadata"]["name"] = "renamed"
    assert cluster.policy("x/allow").manifest["spec"]["ingress"] == [{}]
    assert cluster == from_manifests(documents())


def test_without_the_copy_the_cluster_is_the_same_and_reads_the_callers_dicts() -> None:
    docs = documents()
    before = copy.deepcopy(docs)
    cluster = from_manifests(docs, copy=False)
    assert cluster == from_manifests(documents())
    assert [p.id for p in cluster.policies] == ["x/allow", "x/deny"]
    assert docs == before  # parsing changes nothing
    docs[-1]["spec"]["ingress"].append({"from": []})  # what the caller promised not to do
    assert cluster.policy("x/allow").manifest["spec"]["ingress"] == [{}, {"from": []}]
