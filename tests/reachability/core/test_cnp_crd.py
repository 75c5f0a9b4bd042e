"""The loader refuses a ClusterNetworkPolicy exactly when its CRD would: generated objects, valid
and then broken in one or two places, through `from_manifests` and through an independent
validator of the v0.2.0 standard CRD's schema and CEL rules (tests/support/crd_schema.py, on the
CRD vendored in tests/data/network-policy-api).

Where the two may differ by design, nothing is generated: label selectors (the CRD takes any
map, the loader checks them as metav1 does, since an implementation could not apply a selector
with an invalid key or operator) and `null` values (the API server prunes them before
validation, which the validator does not model).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reachability import ManifestError, from_manifests
from tests.support.builders import namespace
from tests.support.crd_schema import crd_schema, schema_problems

Doc = dict[str, Any]
SCHEMA = crd_schema()
SELECTORS = ({}, {"matchLabels": {"team": "red"}})
CIDRS = (
    "10.0.0.0/8",
    "10.1.2.3/16",
    "0.0.0.0/0",
    "::/0",
    "fd00::/8",
    "::ffff:10.0.0.0/104",
    "192.168.0.0/33",
    "x",
)

# Built once, drawn from for every example: building a strategy costs hypothesis more than
# drawing from it (this test drew its examples in ~3x the time of checking them).
selector_st = st.sampled_from(SELECTORS)
port_st = st.integers(min_value=0, max_value=65536)
protocol_kind_st = st.sampled_from(["tcp", "udp", "sctp", "destinationNamedPort"])
port_name_st = st.sampled_from(["web", "dns", "Web_80"])
cidrs_st = st.lists(st.sampled_from(CIDRS), min_size=1, max_size=3)
peer_kind_st = {
    egress: st.sampled_from(["namespaces", "pods"] + (["networks"] if egress else []))
    for egress in (False, True)
}
action_st = st.sampled_from(["Accept", "Deny", "Pass"])
rule_name_st = st.sampled_from(["r", "deny-all", "n" * 101])
tier_st = st.sampled_from(["Admin", "Baseline"])
priority_st = st.integers(min_value=-1, max_value=1001)
subject_st = st.sampled_from(
    [
        {"namespaces": {}},
        {"pods": {"podSelector": {}}},
        {"pods": {"namespaceSelector": {}, "podSelector": {}}},
    ]
)


@st.composite
def _protocol(draw: st.DrawFn) -> Doc:
    kind = draw(protocol_kind_st)
    if kind == "destinationNamedPort":
        return {kind: draw(port_name_st)}
    if draw(st.booleans()):
        return {kind: {"destinationPort": {"number": draw(port_st)}}}
    start, end = draw(port_st), draw(port_st)
    return {kind: {"destinationPort": {"range": {"start": start, "end": end}}}}


@st.composite
def _peer(draw: st.DrawFn, egress: bool) -> Doc:
    kind = draw(peer_kind_st[egress])
    if kind == "namespaces":
        return {kind: draw(selector_st)}
    if kind == "pods":
        pods: Doc = {"podSelector": draw(selector_st)}
        if draw(st.booleans()):
            pods["namespaceSelector"] = draw(selector_st)
        return {kind: pods}
    return {kind: draw(cidrs_st)}


peers_st = {egress: st.lists(_peer(egress), min_size=1, max_size=2) for egress in (False, True)}
protocols_st = st.lists(_protocol(), min_size=1, max_size=2)


@st.composite
def _rule(draw: st.DrawFn, egress: bool) -> Doc:
    rule: Doc = {
        "action": draw(action_st),
        "to" if egress else "from": draw(peers_st[egress]),
    }
    if draw(st.booleans()):
        rule["name"] = draw(rule_name_st)
    if draw(st.booleans()):
        rule["protocols"] = draw(protocols_st)
    return rule


rules_st = {egress: st.lists(_rule(egress), max_size=2) for egress in (False, True)}


@st.composite
def cluster_network_policy(draw: st.DrawFn) -> Doc:
    spec: Doc = {
        "tier": draw(tier_st),
        "priority": draw(priority_st),
        "subject": copy.deepcopy(draw(subject_st)),
    }
    for direction in ("ingress", "egress"):
        if draw(st.booleans()):
            spec[direction] = draw(rules_st[direction == "egress"])
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "generated"},
        "spec": spec,
    }


def _mappings(value: Any, inside_selector: bool = False) -> list[Doc]:
    """Every mapping of the spec a mutation may touch (none inside a label selector)."""
    found: list[Doc] = []
    if isinstance(value, dict):
        if not inside_selector:
            found.append(value)
        for key, item in value.items():
            selector = key in ("namespaces", "podSelector", "namespaceSelector")
            found += _mappings(item, inside_selector or selector)
    elif isinstance(value, list):
        for item in value:
            found += _mappings(item, inside_selector)
    return found


@st.composite
def broken(draw: st.DrawFn) -> Doc:
    """A generated policy with up to two of: a key dropped, an unknown key, a value of the wrong
    type, a list emptied or lengthened past the CRD's bound, a second member in a one-of."""
    policy = draw(cluster_network_policy())
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        targets = _mappings(policy["spec"])
        target = draw(st.sampled_from(targets))
        keys = sorted(target)
        how = draw(st.sampled_from(["drop", "unknown", "retype", "empty", "long", "second"]))
        if how == "drop" and keys:
            del target[draw(st.sampled_from(keys))]
        elif how == "unknown":
            target["bogus"] = 1
        elif how == "retype" and keys:
            key = draw(st.sampled_from(keys))
            target[key] = draw(st.sampled_from(["5", 5, True, [], {}]))
        elif how in ("empty", "long"):
            lists = [k for k in keys if isinstance(target[k], list) and target[k]]
            if lists:
                key = draw(st.sampled_from(lists))
                target[key] = [] if how == "empty" else target[key] * 26
        elif how == "second" and keys:
            key = keys[0]
            for other in ("namespaces", "pods", "tcp", "udp", "number", "networks"):
                if other not in target:
                    target[other] = copy.deepcopy(target[key])
                    break
    return policy


def _loader_refuses(policy: Doc) -> list[str]:
    try:
        from_manifests([namespace("x"), policy])
    except ManifestError as error:
        return [f"{p.field}: {p.message}" for p in error.problems]
    return []


@settings(max_examples=400, deadline=None)
@given(broken())
def test_the_loader_refuses_what_the_crd_refuses_and_nothing_else(policy: Doc) -> None:
    schema = schema_problems(policy, SCHEMA)
    loader = _loader_refuses(policy)
    assert bool(loader) == bool(schema), (policy, schema, loader)
