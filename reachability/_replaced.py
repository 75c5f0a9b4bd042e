"""`dataclasses.replace` at the cost of a copy, for the engine's frozen, slotted values.

replace goes through `__init__` with keyword arguments for every field: for the tens of
thousands of objects a diff re-sources or renames, a tenth of its time. A value whose class
has no `__post_init__` is rebuilt field by field instead, which gives the same object.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

_FIELDS: dict[type, tuple[str, ...] | None] = {}


def replaced(value: T, **changes: Any) -> T:
    """`dataclasses.replace(value, **changes)`."""
    kind = value.__class__
    names = _FIELDS.get(kind, ())
    if names == ():
        plain = not hasattr(kind, "__post_init__") and all(
            f.init
            for f in dataclasses.fields(value)  # type: ignore[arg-type]
        )
        names = _FIELDS[kind] = (
            tuple(f.name for f in dataclasses.fields(value)) if plain else None  # type: ignore[arg-type]
        )
    if names is None or not changes.keys() <= set(names):
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    copied = object.__new__(kind)
    for name in names:
        object.__setattr__(copied, name, changes[name] if name in changes else getattr(value, name))
    return copied
