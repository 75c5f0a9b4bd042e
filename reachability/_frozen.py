"""Read-only views of decoded manifests, made on access instead of by copying.

A NetworkPolicy keeps its original manifest so that tools can point at fields. Copying every
manifest into immutable containers up front costs more than analysing thousands of them, so the
view wraps nested dicts and lists lazily: same reading interface, no way to write through it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any


class FrozenMapping(Mapping[str, Any]):
    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return frozen(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"


class FrozenList(Sequence[Any]):
    __slots__ = ("_data",)

    def __init__(self, data: Sequence[Any]) -> None:
        self._data = data

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return FrozenList(self._data[index])
        return frozen(self._data[index])

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenList):
            return list(self._data) == list(other._data)
        if isinstance(other, list | tuple):
            return list(self._data) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FrozenList({self._data!r})"


def frozen(value: Any) -> Any:
    """A read-only view of `value` (mappings and lists wrapped, scalars as they are)."""
    kind = value.__class__
    if kind is dict:  # what decoded manifests are made of, without an ABC lookup
        return FrozenMapping(value)
    if kind is list:
        return FrozenList(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, FrozenMapping | FrozenList):
        return value
    if isinstance(value, dict):
        return FrozenMapping(value)
    if isinstance(value, list | tuple):
        return FrozenList(value)
    if isinstance(value, Mapping):
        return FrozenMapping(value)
    return value


_SCALARS = frozenset((str, int, float, bool, type(None)))
"""Types whose values plain_copy returns as they are, checked by exact type: a Mapping check is
an ABC lookup, slow for the leaves that make most of a manifest."""


def plain_copy(value: Any) -> Any:
    """A deep copy as plain dicts and lists (read-only views unwrapped), so later changes by the
    caller cannot reach us, and YAML or JSON can write it."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:  # what decoded YAML and JSON are made of: the same as below, sooner
        return {
            key: item if type(item) in _SCALARS else plain_copy(item) for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _SCALARS else plain_copy(item) for item in value]
    if isinstance(value, Mapping):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple | FrozenList):
        return [plain_copy(item) for item in value]
    return value
