"""Rules on how peers are written: OR-ed peers (NP001), `name` labels (NP002), open peers (NP012).

These are mistakes of form that read as intended to a reviewer; the text itself is the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubefacts.api import NAMESPACE_NAME_LABEL

from .findings import Finding, finding
from .walk import PolicyLike, flow, is_empty_selector, obj_of, peers_of, rules_of


def or_peers(policy: PolicyLike) -> Iterator[Finding]:
    """NP001: a namespaceSelector-only peer next to a podSelector-only peer in the same list.

    Two items are OR-ed: the first admits every pod of the selected namespaces (the seed's DNS rule
    opened all of kube-system), the second only pods of the policy's own namespace.
    """
    for site in rules_of(policy):
        peers = peers_of(site)
        ns_only = [(i, p) for i, p in peers if _has(p, "namespaceSelector") and not _other(p)]
        pod_only = [(i, p) for i, p in peers if _has(p, "podSelector") and not _has_ns(p)]
        if not ns_only or not pod_only:
            continue
        (i, ns_peer), (j, pod_peer) = ns_only[0], pod_only[0]
        key = site.peers_key
        merged = {
            "namespaceSelector": ns_peer["namespaceSelector"],
            "podSelector": pod_peer["podSelector"],
        }
        yield finding(
            "NP001",
            policy.source,
            obj_of(policy),
            f"{site.field}.{key}",
            f"{key}[{i}] (namespaceSelector {flow(ns_peer['namespaceSelector'])}) and "
            f"{key}[{j}] (podSelector {flow(pod_peer['podSelector'])}) are separate peers, so "
            f"they are OR-ed: {key}[{i}] admits every pod of the selected namespaces and "
            f"{key}[{j}] admits matching pods of {policy.namespace} only; one peer with both "
            "(AND) was likely meant",
            f"merge them into one peer: `- {flow(merged)}`; if both were meant, put each in its "
            "own rule so the intent is visible",
        )


def name_label(
    policy: PolicyLike, namespace_labels: Mapping[str, Mapping[str, str]]
) -> Iterator[Finding]:
    """NP002: a namespaceSelector on `name`, a label Kubernetes does not set.

    An error when no namespace of the input carries the label (the selector matches nothing
    known), a warning when one does (it works here, but only because someone added it).
    """
    for site in rules_of(policy):
        for i, peer in peers_of(site):
            selector = peer.get("namespaceSelector")
            if not isinstance(selector, Mapping):
                continue
            for field, value in _name_terms(selector):
                labelled = any(labels.get("name") in value for labels in namespace_labels.values())
                item = finding(
                    "NP002",
                    policy.source,
                    obj_of(policy),
                    f"{site.field}.{site.peers_key}[{i}].namespaceSelector.{field}",
                    "selects namespaces by the label `name`, which Kubernetes does not set; "
                    + (
                        "some namespace here carries it by hand, but any namespace created "
                        "without it is silently left out"
                        if labelled
                        else "no namespace in the input carries it, so this peer matches "
                        "nothing unless someone labelled the namespace by hand"
                    ),
                    f"select by the automatic, immutable label: `namespaceSelector: "
                    f"{flow({'matchLabels': {NAMESPACE_NAME_LABEL: value[0]}})}`"
                    if len(value) == 1
                    else f"use the key `{NAMESPACE_NAME_LABEL}` with the same values",
                )
                yield replace(item, severity="warning") if labelled else item


def open_namespaces(policy: PolicyLike) -> Iterator[Finding]:
    """NP012: `namespaceSelector: {}` without a narrowing podSelector admits every pod anywhere."""
    for site in rules_of(policy):
        for i, peer in peers_of(site):
            if "namespaceSelector" not in peer or not is_empty_selector(peer["namespaceSelector"]):
                continue
            if "podSelector" in peer and not is_empty_selector(peer["podSelector"]):
                continue
            towards = (
                "from every pod of every namespace"
                if site.direction == "ingress"
                else ("to every pod of every namespace")
            )
            yield finding(
                "NP012",
                policy.source,
                obj_of(policy),
                f"{site.field}.{site.peers_key}[{i}].namespaceSelector",
                f"`namespaceSelector: {{}}` allows {site.direction} {towards}, other "
                "environments and production included",
                f"name the namespaces: `namespaceSelector: "
                f"{flow({'matchLabels': {NAMESPACE_NAME_LABEL: '<namespace>'}})}`",
            )


def _has(peer: Mapping[str, Any], key: str) -> bool:
    return peer.get(key) is not None


def _has_ns(peer: Mapping[str, Any]) -> bool:
    return _has(peer, "namespaceSelector") or _has(peer, "ipBlock")


def _other(peer: Mapping[str, Any]) -> bool:
    return _has(peer, "podSelector") or _has(peer, "ipBlock")


def _name_terms(selector: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, ...]]]:
    labels = selector.get("matchLabels")
    if isinstance(labels, Mapping) and "name" in labels:
        yield "matchLabels.name", (str(labels["name"]),)
    expressions = selector.get("matchExpressions")
    if isinstance(expressions, Sequence) and not isinstance(expressions, str):
        for k, expression in enumerate(expressions):
            if isinstance(expression, Mapping) and expression.get("key") == "name":
                values = expression.get("values") or []
                yield f"matchExpressions[{k}]", tuple(str(v) for v in values)
