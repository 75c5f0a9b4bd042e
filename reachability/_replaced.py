"""`dataclasses.replace` at the cost of a copy, for the engine's own frozen values.

replace goes through `__init__` with keyword arguments for every field: for the tens of
thousands of objects a diff re-sources or renames, a tenth of its time. The values of the
classes below (frozen, slotted, every field set by the generated `__init__`, no
`__post_init__`) are rebuilt field by field instead, which gives the same object; a value of
any other class, a subclass of these included, goes through replace.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from reachability.cluster_policy import ClusterNetworkPolicy
from reachability.model import Namespace, NetworkPolicy

T = TypeVar("T")

_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind))
    for kind in (Namespace, NetworkPolicy, ClusterNetworkPolicy)
}


def replaced(value: T, **changes: Any) -> T:
    """`dataclasses.replace(value, **changes)`."""
    names = _FIELDS.get(value.__class__)
    if names is None or not changes.keys() <= set(names):
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    copied = object.__new__(value.__class__)
    for name in names:
        object.__setattr__(copied, name, changes[name] if name in changes else getattr(value, name))
    return copied
