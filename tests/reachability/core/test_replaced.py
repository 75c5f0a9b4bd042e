"""`replaced` (what the parse memo re-sources values with, and diff renames policies with) makes
the value `dataclasses.replace` makes, field by field (those left out of equality included)."""

from __future__ import annotations

import dataclasses

import pytest

from reachability import from_manifests
from reachability._replaced import replaced
from reachability.model import Options
from tests.support.builders import cnp, cnp_ingress, cnp_namespaces, namespace, netpol

DOCS = [
    namespace("x", {"team": "red"}),
    netpol("x", "p", {"matchLabels": {"app": "web"}}, ingress=[{"from": [{"podSelector": {}}]}]),
    cnp(
        "guard", "Admin", 10, {"namespaces": {}}, ingress=[cnp_ingress("Deny", [cnp_namespaces()])]
    ),
]


@pytest.mark.parametrize("kind", ["namespaces", "policies", "cluster_policies"])
def test_replaced_is_replace(kind: str) -> None:
    cluster = from_manifests(DOCS, source="a.yaml")
    values = [v for v in getattr(cluster, kind) if v.source is not None]  # not synthesized
    assert values
    for value in values:
        moved = replaced(value, source="b.yaml")
        expected = dataclasses.replace(value, source="b.yaml")
        assert type(moved) is type(expected)
        for field in dataclasses.fields(expected):
            assert getattr(moved, field.name) is getattr(expected, field.name) or (
                getattr(moved, field.name) == getattr(expected, field.name)
            ), field.name
        assert moved.source == "b.yaml" and value.source == "a.yaml"


def test_a_class_with_post_init_goes_through_replace() -> None:
    with pytest.raises(ValueError, match="host_network"):
        replaced(Options(), host_network="nowhere")
    with pytest.raises(TypeError):
        replaced(Options(), no_such_field=1)
