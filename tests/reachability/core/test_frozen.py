"""plain_copy: a deep copy of decoded manifests as plain dicts and lists; frozen: a read-only
view of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reachability._frozen import FrozenList, FrozenMapping, frozen, plain_copy


class Text(str):
    """A str subclass (what some YAML libraries decode to)."""


def defined_copy(value: Any) -> Any:
    """plain_copy's definition, as it read before its fast paths for dicts, lists and scalars."""
    if isinstance(value, Mapping):
        return {key: defined_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple | FrozenList):
        return [defined_copy(item) for item in value]
    return value


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=3)
)
KEYS = st.one_of(st.text(max_size=3), st.integers(0, 3), st.text(max_size=2).map(Text))
VALUES = st.recursive(
    st.one_of(SCALARS, st.text(max_size=2).map(Text)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=3),
        st.dictionaries(KEYS, inner, max_size=3).map(frozen),
        st.lists(inner, max_size=3).map(frozen),
    ),
    max_leaves=12,
)


def shape(value: Any) -> Any:
    """The value with every container's and leaf's exact type, to compare copies by."""
    if isinstance(value, dict):
        return ("dict", [(type(k), k, shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [shape(v) for v in value])
    return (type(value), value)


@settings(max_examples=100, deadline=None)
@given(VALUES)
def test_plain_copy_is_its_definition_and_shares_no_container(value: Any) -> None:
    copied = plain_copy(value)
    assert shape(copied) == shape(defined_copy(value))
    pending = [(value, copied)]
    while pending:
        original, copy = pending.pop()
        if isinstance(copy, dict | list):
            assert copy is not original
            inner = original.items() if isinstance(original, Mapping) else enumerate(original)
            pending.extend((item, copy[key]) for key, item in inner)


def defined_view(value: Any) -> Any:
    """frozen's definition, as it read before its fast paths for dicts, lists and scalars."""
    if isinstance(value, FrozenMapping | FrozenList):
        return value
    if isinstance(value, dict):
        return FrozenMapping(value)
    if isinstance(value, list | tuple):
        return FrozenList(value)
    if isinstance(value, Mapping):
        return FrozenMapping(value)
    return value


class Subdict(dict[Any, Any]):
    """A dict subclass: viewed as any mapping is."""


@settings(max_examples=100, deadline=None)
@given(st.one_of(VALUES, VALUES.map(lambda v: Subdict(v) if isinstance(v, dict) else v)))
def test_frozen_is_its_definition(value: Any) -> None:
    view, defined = frozen(value), defined_view(value)
    assert type(view) is type(defined)
    assert view is value if defined is value else view._data is value  # type: ignore[union-attr]


def test_plain_copy_unwraps_read_only_views() -> None:
    data = {"a": [1, {"b": (2, 3)}], "c": "x"}
    assert plain_copy(FrozenMapping(data)) == {"a": [1, {"b": [2, 3]}], "c": "x"}
