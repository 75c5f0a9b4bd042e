"""Rules on how peers are written: OR-ed peers (NP001), `name` labels (NP002), open peers (NP012).

These are mistakes of form that read as intended to a reviewer; the text itself is the evidence,
so the rules read each parsed peer with the selectors as they were written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from kubefacts.api import NAMESPACE_NAME_LABEL
from reachability import NetworkPolicy, Peer

from .registry import SOURCE, Finding, declare, finding, flow, policy_object, written_rules

NP001 = declare("NP001", "error", "peers OR-ed where one peer was meant", reads=(SOURCE,))
NP002 = declare("NP002", "error", "namespace selected by a hand-made `name` label", reads=(SOURCE,))
NP012 = declare("NP012", "warning", "peer open to every namespace", reads=(SOURCE,))

PEERS_KEY = {"ingress": "from", "egress": "to"}


def or_peers(policy: NetworkPolicy) -> Iterator[Finding]:
    """NP001: a namespaceSelector-only peer next to a podSelector-only peer in the same list.

    Two items are OR-ed: the first admits every pod of the selected namespaces (the seed's DNS rule
    opened all of kube-system), the second only pods of the policy's own namespace.
    """
    for direction, rule in written_rules(policy):
        peers = list(enumerate(rule.peers or ()))
        ns_only = [
            (i, p)
            for i, p in peers
            if p.namespace_selector is not None and p.pod_selector is None and p.ip_block is None
        ]
        pod_only = [
            (i, p)
            for i, p in peers
            if p.pod_selector is not None and p.namespace_selector is None and p.ip_block is None
        ]
        if not ns_only or not pod_only:
            continue
        (i, ns_peer), (j, pod_peer) = ns_only[0], pod_only[0]
        key = PEERS_KEY[direction]
        merged = {
            "namespaceSelector": _written(ns_peer, "namespaceSelector"),
            "podSelector": _written(pod_peer, "podSelector"),
        }
        yield finding(
            NP001,
            policy.source,
            policy_object(policy),
            f"{rule.path}.{key}",
            f"{key}[{i}] (namespaceSelector {flow(merged['namespaceSelector'])}) and "
            f"{key}[{j}] (podSelector {flow(merged['podSelector'])}) are separate peers, so "
            f"they are OR-ed: {key}[{i}] admits every pod of the selected namespaces and "
            f"{key}[{j}] admits matching pods of {policy.namespace} only; one peer with both "
            "(AND) was likely meant",
            f"merge them into one peer: `- {flow(merged)}`; if both were meant, put each in its "
            "own rule so the intent is visible",
        )


def name_label(
    policy: NetworkPolicy, namespace_labels: Mapping[str, Mapping[str, str]]
) -> Iterator[Finding]:
    """NP002: a namespaceSelector on `name`, a label Kubernetes does not set.

    An error when no namespace of the input carries the label (the selector matches nothing
    known), a warning when one does (it works here, but only because someone added it).
    """
    for _, rule in written_rules(policy):
        for peer in rule.peers or ():
            if peer.namespace_selector is None:
                continue
            for field, value in _name_terms(_written(peer, "namespaceSelector")):
                labelled = any(labels.get("name") in value for labels in namespace_labels.values())
                item = finding(
                    NP002,
                    policy.source,
                    policy_object(policy),
                    f"{peer.path}.namespaceSelector.{field}",
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


def open_namespaces(policy: NetworkPolicy) -> Iterator[Finding]:
    """NP012: `namespaceSelector: {}` without a narrowing podSelector admits every pod anywhere."""
    for direction, rule in written_rules(policy):
        for peer in rule.peers or ():
            if peer.namespace_selector is None or not peer.namespace_selector.is_empty:
                continue
            if peer.pod_selector is not None and not peer.pod_selector.is_empty:
                continue
            if peer.pod_selector is None and "podSelector" in (peer.written or {}):
                continue  # `podSelector: null`: read as written, like a narrowing selector
            towards = (
                "from every pod of every namespace"
                if direction == "ingress"
                else ("to every pod of every namespace")
            )
            yield finding(
                NP012,
                policy.source,
                policy_object(policy),
                f"{peer.path}.namespaceSelector",
                f"`namespaceSelector: {{}}` allows {direction} {towards}, other "
                "environments and production included",
                f"name the namespaces: `namespaceSelector: "
                f"{flow({'matchLabels': {NAMESPACE_NAME_LABEL: '<namespace>'}})}`",
            )


def _written(peer: Peer, key: str) -> Any:
    """One of the peer's selectors as written (quoted back to the author in messages)."""
    return (peer.written or {}).get(key)


def _name_terms(selector: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The terms of a valid selector, as written (values in their order, repeats kept), that
    select on `name`."""
    if "name" in (selector.get("matchLabels") or {}):
        yield "matchLabels.name", (str(selector["matchLabels"]["name"]),)
    for k, expression in enumerate(selector.get("matchExpressions") or ()):
        if expression.get("key") == "name":
            yield f"matchExpressions[{k}]", tuple(str(v) for v in expression.get("values") or ())
