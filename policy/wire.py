"""The stack's resources as one JSON text, read straight from what the policy SDK's proxies
hold: the cheap way for a policy to recognise a stack that an earlier policy already converted,
and the fast way to convert one that none did.

pulumi_policy's host gives every policy new resources, and converting them item by item through
the proxies (resources.plain) costs more than some whole policies do. `json.dumps` walks the
proxies' underlying dicts and lists in C instead; the proxies hold those in a private attribute
(read directly, or under the key "__target", which the SDK's own serialize_properties reads).

The text is a memo key, and the objects it stands for are decoded from it (`objects_of`): JSON
gives back exactly the strings, booleans, nulls, dicts and lists it was given, and every float
by its shortest repr, so decoding with integral floats as ints is `resources.plain`. What the
proxies would add, the SDK's UnknownValueError for an unknown value, is kept: a text with an
unknown sentinel anywhere in it is not decoded (the caller converts through the proxies).

Anything else (no such proxies in this SDK version, a key that is not a `str`, values JSON
cannot hold exactly such as NaN) gives None, and the caller converts as before.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterable
from typing import Any

from policy.resources import TYPES, ResourceLike, StackObject, manifest_of

try:  # the SDK's proxy types (private): without them, no shortcut
    from pulumi_policy.proxy import (
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
        _DictProxy,
        _ListProxy,
    )

    UNKNOWN = (
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    )
except ImportError:  # pragma: no cover - an SDK that changed them
    _DictProxy = _ListProxy = None  # type: ignore[assignment,misc]
    UNKNOWN = ()

_STR_ONLY = frozenset({str})


class _Unreadable(Exception):
    """Content that cannot be keyed by its JSON text."""


def _slow_target(value: Any) -> Any:
    """What a proxy holds, asked as the SDK asks (any SDK version that has the key)."""
    if type(value) is _DictProxy:
        target = value["__target"]
        if type(target) is dict and _STR_ONLY.issuperset(map(type, target)):
            return target
    elif type(value) is _ListProxy:
        target = value["__target"]
        if type(target) is list:
            return target
    raise _Unreadable(type(value).__name__)


def _fast_target(value: Any) -> Any:
    """The same from the private attributes: no Python-level `__getitem__` per proxy (json.dumps
    calls this for every proxy of the stack, tens of thousands per policy)."""
    if type(value) is _DictProxy:
        target = value._DictProxy__target
        if type(target) is dict and _STR_ONLY.issuperset(map(type, target)):
            return target
    elif type(value) is _ListProxy:
        target = value._ListProxy__target
        if type(target) is list:
            return target
    raise _Unreadable(type(value).__name__)


def _collecting_target(dicts: list[dict[Any, Any]], value: Any) -> Any:
    """`_fast_target`, with the dicts' keys left to be checked all at once afterwards (one C
    pass, `_keys_are_strings`): each dict is added to `dicts`."""
    if type(value) is _DictProxy:
        target = value._DictProxy__target
        if type(target) is dict:
            dicts.append(target)
            return target
    elif type(value) is _ListProxy:
        target = value._ListProxy__target
        if type(target) is list:
            return target
    raise _Unreadable(type(value).__name__)


def _target_reader() -> Any:
    """`_fast_target` if this SDK's proxies keep their content where it reads it, else the slow
    reader."""
    if _DictProxy is None:
        return None
    try:
        probe_dict, probe_list = {"k": []}, [1]
        inner = _DictProxy(probe_dict, [])
        outer = _ListProxy(probe_list, [])
        if _fast_target(inner) is probe_dict and _fast_target(outer) is probe_list:
            return _fast_target
    except (AttributeError, TypeError, _Unreadable):  # pragma: no cover - another SDK
        pass
    return _slow_target  # pragma: no cover - another SDK


_target = _target_reader()


def wire_text(resources: Iterable[ResourceLike]) -> str | None:
    """The type, URN, name and properties of the resources the pack reads, as JSON; or None.

    Equal texts mean equal objects: keys are strings, and JSON keeps strings, numbers, booleans
    and null apart. Texts that differ where the conversion does not (1.0 and 1) only miss."""
    if _target is None:
        return None
    read = [
        [r.resource_type, r.urn, r.name, r.props] for r in resources if r.resource_type in TYPES
    ]
    if any(type(props) is not _DictProxy for _, _, _, props in read):
        return None  # not the SDK's: its dicts could hold keys that JSON would turn into text
    dicts: list[dict[Any, Any]] = []
    target = _target
    if target is _fast_target:
        target = functools.partial(_collecting_target, dicts)
    try:
        # No NaN or infinity (JSON has no such values: Python's own spelling of them would be
        # read back only by Python); trees, so no check for cycles (a cycle ends in
        # RecursionError).
        text = json.dumps(read, default=target, check_circular=False, allow_nan=False)
    except (_Unreadable, TypeError, ValueError, RecursionError):
        return None
    return text if _keys_are_strings(dicts) else None


def _keys_are_strings(dicts: Iterable[dict[Any, Any]]) -> bool:
    """Every key of every dict a `str` (no subclass): one pass in C over all of them."""
    return _STR_ONLY.issuperset(map(type, itertools.chain.from_iterable(dicts)))


def objects_of(text: str) -> tuple[StackObject, ...] | None:
    """The stack's objects as `resources.stack_objects` converts the resources whose wire text
    this is, in canonical form (`canonical`); None when the text holds an unknown value's
    sentinel (even inside a longer string or a key): then only the proxies can say whether and
    where the SDK must raise."""
    if any(sentinel in text for sentinel in UNKNOWN):
        return None
    read = json.loads(text, parse_float=_number, object_pairs_hook=_sorted)
    objects = []
    for type_, urn, name, props in read:
        manifest = _sorted(manifest_of(type_, name, props).items())
        manifest["metadata"] = _sorted(manifest["metadata"].items())
        objects.append(StackObject(urn, manifest))
    return tuple(objects)


def canonical(objects: Iterable[StackObject]) -> tuple[str, tuple[StackObject, ...]]:
    """The objects' canonical JSON text, and the objects as decoded from it: every mapping's
    keys sorted, as the pack has always analysed them (the order decides only in which order
    several problems of one invalid object are reported)."""
    text = json.dumps([[o.urn, o.manifest] for o in objects], sort_keys=True)
    return text, tuple(StackObject(urn, manifest) for urn, manifest in json.loads(text))


def _sorted(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return dict(sorted(pairs))


def _number(literal: str) -> float | int:
    """A JSON float as resources.plain gives it: integral floats (ports from a protobuf
    Struct) as ints."""
    value = float(literal)
    return int(value) if value.is_integer() else value
