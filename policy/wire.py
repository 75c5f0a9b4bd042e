"""The stack's resources as one JSON text, read straight from what the policy SDK's proxies
hold: the cheap way for a policy to recognise a stack that an earlier policy already converted.

pulumi_policy's host gives every policy new resources, and converting them item by item through
the proxies (resources.plain) costs more than some whole policies do. `json.dumps` walks the
proxies' underlying dicts and lists in C instead; the proxies hand those out under the key
"__target" (what the SDK's own serialize_properties reads them by). The text is only a memo key:
the objects behind it are converted once, through the proxies, so an unknown value still raises
the SDK's error there, and a stack whose text was seen before had none.

Anything else (no such proxies in this SDK version, a dict with a key that is not a string,
values JSON cannot hold) gives None, and the caller converts as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from policy.resources import TYPES, ResourceLike

try:  # the SDK's proxy types (private): without them, no shortcut
    from pulumi_policy.proxy import _DictProxy, _ListProxy
except ImportError:  # pragma: no cover - an SDK that changed them
    _DictProxy = _ListProxy = None  # type: ignore[assignment,misc]


class _Unreadable(Exception):
    """Content that cannot be keyed by its JSON text."""


def wire_text(resources: Iterable[ResourceLike]) -> str | None:
    """The type, URN, name and properties of the resources the pack reads, as JSON; or None.

    Equal texts mean equal objects: keys are strings, and JSON keeps strings, numbers, booleans
    and null apart. Texts that differ where the conversion does not (1.0 and 1) only miss."""
    if _DictProxy is None:
        return None
    read = [
        [r.resource_type, r.urn, r.name, r.props] for r in resources if r.resource_type in TYPES
    ]
    if any(type(props) is not _DictProxy for _, _, _, props in read):
        return None  # not the SDK's: its dicts could hold keys that JSON would turn into text
    try:
        return json.dumps(read, default=_target)
    except (_Unreadable, TypeError, ValueError):
        return None


def _target(value: Any) -> Any:
    """What a proxy holds (called by json.dumps for every object that is no dict or list)."""
    if type(value) is _DictProxy:
        target = value["__target"]
        if type(target) is dict and all(type(key) is str for key in target):
            return target
    elif type(value) is _ListProxy:
        target = value["__target"]
        if type(target) is list:
            return target
    raise _Unreadable(type(value).__name__)
