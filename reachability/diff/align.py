"""Lining two manifest sets up on the same pods, so that their verdicts compare flow by flow.

Representative pods depend on the selectors, and the two sides rarely have the same selectors. The
pods are therefore chosen once, from both sides together (the union of their selectors and
namespaces), and each side is then rebuilt with exactly those pods. A flow is then the same flow on
both sides, and any difference is the policies'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubefacts.api import NAMESPACE_NAME_LABEL
from reachability import Cluster, Options, Pod, from_manifests
from reachability.lint.context import plain, pod_manifest


@dataclass(frozen=True, slots=True)
class Aligned:
    """Both sides on the same pods; `representative` when those pods were synthesized."""

    before: Cluster
    after: Cluster
    pods: tuple[Pod, ...]
    representative: bool


def align(before: Cluster, after: Cluster, options: Options) -> Aligned:
    before_docs, after_docs = side_manifests(before), side_manifests(after)
    union = from_manifests(
        [
            *_merge_namespaces(before_docs, after_docs),
            *_pods(before_docs, after_docs),
            *(_renamed(doc, "before-") for doc in before_docs if doc["kind"] == "NetworkPolicy"),
            *(_renamed(doc, "after-") for doc in after_docs if doc["kind"] == "NetworkPolicy"),
        ],
        source="<diff: both sides>",
        options=Options(
            ipblock_matches_pods=options.ipblock_matches_pods,
            loopback_allowed=options.loopback_allowed,
            representatives=options.representatives,
        ),
    )
    pods = tuple(union.pods)
    # A representative pod talking to "itself" stands for two replicas with the same labels, which
    # the policies decide; only a real pod reaching itself can be loopback (loopback_allowed).
    fixed = Options(
        ipblock_matches_pods=options.ipblock_matches_pods,
        loopback_allowed=options.loopback_allowed and not union.representative,
        representatives=False,
    )

    def rebuild(docs: list[dict[str, Any]], label: str) -> Cluster:
        own = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
        extra = [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns.name, "labels": dict(ns.labels)},
            }
            for ns in union.namespaces
            if ns.name not in own
        ]
        policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
        namespaces = [d for d in docs if d["kind"] == "Namespace"]
        return from_manifests(
            [*namespaces, *extra, *(pod_manifest(p) for p in pods), *policies],
            source=label,
            options=fixed,
        )

    return Aligned(
        before=rebuild(before_docs, "<before>"),
        after=rebuild(after_docs, "<after>"),
        pods=pods,
        representative=bool(union.representative),
    )


def side_manifests(cluster: Cluster) -> list[dict[str, Any]]:
    """The objects of one side: namespaces, real pods (not representatives) and policies."""
    namespaces = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns.name, "labels": dict(ns.labels)},
        }
        for ns in cluster.namespaces
    ]
    pods = [] if cluster.representative else [pod_manifest(p) for p in cluster.pods]
    return [*namespaces, *pods, *(plain(p.manifest) for p in cluster.policies)]


def rename_namespaces(cluster: Cluster, mapping: Mapping[str, str], options: Options) -> Cluster:
    """The same objects with namespaces renamed (objects, Namespace names and the
    kubernetes.io/metadata.name selectors that name them): compares two stacks' policies as if they
    governed the same namespace."""
    if not mapping:
        return cluster
    docs = [_rename(doc, mapping) for doc in side_manifests(cluster)]
    return from_manifests(docs, source="<renamed>", options=options)


def _rename(doc: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    doc = plain(doc)
    meta = doc["metadata"]
    if doc["kind"] == "Namespace":
        old = meta["name"]
        meta["name"] = mapping.get(old, old)
        labels = meta.setdefault("labels", {})
        if labels.get(NAMESPACE_NAME_LABEL) == old:
            labels[NAMESPACE_NAME_LABEL] = meta["name"]
        return doc
    if "namespace" in meta:
        meta["namespace"] = mapping.get(meta["namespace"], meta["namespace"])
    if doc["kind"] == "NetworkPolicy":
        _rename_selectors(doc.get("spec"), mapping)
    return doc


def _rename_selectors(value: Any, mapping: Mapping[str, str]) -> None:
    if isinstance(value, dict):
        selector = value.get("namespaceSelector")
        if isinstance(selector, dict):
            labels = selector.get("matchLabels")
            if isinstance(labels, dict) and labels.get(NAMESPACE_NAME_LABEL) in mapping:
                labels[NAMESPACE_NAME_LABEL] = mapping[labels[NAMESPACE_NAME_LABEL]]
            for expression in selector.get("matchExpressions") or []:
                if isinstance(expression, dict) and expression.get("key") == NAMESPACE_NAME_LABEL:
                    expression["values"] = [
                        mapping.get(v, v) for v in expression.get("values") or []
                    ]
        for item in value.values():
            _rename_selectors(item, mapping)
    elif isinstance(value, list):
        for item in value:
            _rename_selectors(item, mapping)


def _merge_namespaces(*sides: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One Namespace per name (the later side's labels win): enough to synthesize the pods."""
    merged: dict[str, dict[str, Any]] = {}
    for docs in sides:
        for doc in docs:
            if doc["kind"] == "Namespace":
                merged[doc["metadata"]["name"]] = doc
    return [merged[name] for name in sorted(merged)]


def _pods(*sides: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for docs in sides:
        for doc in docs:
            if doc["kind"] == "Pod":
                meta = doc["metadata"]
                merged[(meta["namespace"], meta["name"])] = doc
    return [merged[key] for key in sorted(merged)]


def _renamed(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A policy under a name that cannot collide with the other side's (same policy, both sides)."""
    doc = plain(doc)
    doc["metadata"]["name"] = prefix + doc["metadata"]["name"]
    return doc
