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


def _by_key(proxy: Any) -> Any:
    """What a proxy holds, asked as the SDK's serialize_properties asks."""
    return proxy["__target"]


def _by_attribute(proxy: Any) -> Any:
    """The same from the private attribute: no Python-level `__getitem__` per proxy (json.dumps
    asks for every proxy of the stack, tens of thousands per policy)."""
    return proxy._DictProxy__target if type(proxy) is _DictProxy else proxy._ListProxy__target


def _reader() -> Any:
    """`_by_attribute` if this SDK's proxies keep their content where it looks, else `_by_key`;
    None without the SDK's proxy types."""
    if _DictProxy is None:
        return None
    try:
        probe_dict, probe_list = {"k": []}, [1]
        if (
            _by_attribute(_DictProxy(probe_dict, [])) is probe_dict
            and _by_attribute(_ListProxy(probe_list, [])) is probe_list
        ):
            return _by_attribute
    except (AttributeError, TypeError):  # pragma: no cover - another SDK
        pass
    return _by_key  # pragma: no cover - another SDK


_read = _reader()


def _target(dicts: list[dict[Any, Any]], value: Any) -> Any:
    """json.dumps' `default`: a proxy's dict or list, each dict added to `dicts` so that its
    keys are checked all at once afterwards (`_keys_are_strings`); anything else is
    unreadable."""
    if type(value) is _DictProxy:
        target = _read(value)
        if type(target) is dict:
            dicts.append(target)
            return target
    elif type(value) is _ListProxy:
        target = _read(value)
        if type(target) is list:
            return target
    raise _Unreadable(type(value).__name__)


def _default(dicts: list[dict[Any, Any]]) -> Any:
    """`_target` for json.dumps, bound to `dicts`; with `_by_attribute` inlined when it is the
    reader (one Python call per proxy instead of three: json.dumps makes tens of thousands
    of them per policy, most of the time left in a policy that finds its stack known)."""
    if _read is not _by_attribute:  # pragma: no cover - another SDK
        return functools.partial(_target, dicts)
    append = dicts.append

    def target(value: Any, dict_proxy: Any = _DictProxy, list_proxy: Any = _ListProxy) -> Any:
        kind = type(value)
        if kind is dict_proxy:
            found = value._DictProxy__target
            if type(found) is dict:
                append(found)
                return found
        elif kind is list_proxy:
            found = value._ListProxy__target
            if type(found) is list:
                return found
        raise _Unreadable(kind.__name__)

    return target


def wire_text(resources: Iterable[ResourceLike]) -> str | None:
    """The type, URN, name and properties of the resources the pack reads, as JSON; or None.

    Equal texts mean equal objects: keys are strings, and JSON keeps strings, numbers, booleans
    and null apart. Texts that differ where the conversion does not (1.0 and 1) only miss."""
    if _read is None:
        return None
    read = [
        [r.resource_type, r.urn, r.name, r.props] for r in resources if r.resource_type in TYPES
    ]
    if any(type(props) is not _DictProxy for _, _, _, props in read):
        return None  # not the SDK's: its dicts could hold keys that JSON would turn into text
    dicts: list[dict[Any, Any]] = []
    try:
        # No NaN or infinity (JSON has no such values: Python's own spelling of them would be
        # read back only by Python); trees, so no check for cycles (a cycle ends in
        # RecursionError). Compact, and text as it is (no \u escapes): less to write, and
        # still one text per content.
        text = json.dumps(
            read,
            default=_default(dicts),
            check_circular=False,
            allow_nan=False,
            ensure_ascii=False,
            separators=(",", ":"),
        )
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
    read = json.loads(text, parse_float=_number, object_pairs_hook=_sorted_pairs)
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


def _sorted_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`_sorted` for json.loads' object_pairs_hook, which hands over a new list: sorted in
    place."""
    pairs.sort()
    return dict(pairs)


def _number(literal: str) -> float | int:
    """A JSON float as resources.plain gives it: integral floats (ports from a protobuf
    Struct) as ints."""
    value = float(literal)
    return int(value) if value.is_integer() else value
