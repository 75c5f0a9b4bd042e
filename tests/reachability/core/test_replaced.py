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


@dataclasses.dataclass(frozen=True, init=False)
class OwnInit:
    x: int
    y: int

    def __init__(self, x: int, y: int = 0) -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", x * 10)


@dataclasses.dataclass(frozen=True)
class Base:
    x: int


class Derived(Base):
    """A plain subclass of a dataclass, with state of its own."""

    def __init__(self, x: int) -> None:
        super().__init__(x)
        object.__setattr__(self, "double", 2 * x)


def test_values_of_other_classes_go_through_replace() -> None:
    assert replaced(OwnInit(1), x=2).y == dataclasses.replace(OwnInit(1), x=2).y == 20
    assert replaced(Derived(1), x=5).double == 10  # type: ignore[attr-defined]
    cluster = from_manifests(DOCS, source="a.yaml")
    policy = cluster.policies[0]

    class Mine(type(policy)):  # type: ignore[misc]
        pass

    fields = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy)}
    assert replaced(Mine(**fields), name="q") == dataclasses.replace(Mine(**fields), name="q")


def test_the_classes_copied_field_by_field_are_plain_frozen_dataclasses() -> None:
    from reachability._replaced import _FIELDS

    for kind in _FIELDS:
        params = kind.__dict__["__dataclass_params__"]
        assert params.frozen and params.init, kind
        assert not hasattr(kind, "__post_init__"), kind
        assert all(f.init for f in dataclasses.fields(kind)), kind
