"""A small label-selector matcher and policy-selection rules, restated independently of the
engine so property tests can compare the engine's answers against them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def selector_matches(sel: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector semantics, independently restated (empty selector matches all)."""
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def policy_directions(policy: Mapping[str, Any]) -> set[str]:
    """The directions a policy isolates: its policyTypes, or the API defaults when omitted."""
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return set(types)
    return {"Ingress", "Egress"} if spec.get("egress") else {"Ingress"}


def selects(policy: Mapping[str, Any], pod_doc: Mapping[str, Any]) -> bool:
    """Whether ``policy`` selects ``pod_doc`` (same namespace and podSelector matches)."""
    pm = pod_doc["metadata"]
    if policy["metadata"]["namespace"] != pm["namespace"]:
        return False
    return selector_matches((policy.get("spec") or {}).get("podSelector"), pm.get("labels") or {})
