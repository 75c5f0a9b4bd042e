"""Reading one config value: the shapes every key shares (text, flag, structured value, map,
labels, port, CIDR, quantities) and the error that names the key, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from components.errors import ConfigError
from components.fields import AUTO
from kubefacts.api import MAX_PORT, MIN_PORT
from kubefacts.validation import (
    SHOWN_MAX,
    dns_label_problem,
    label_key_problem,
    label_value_problem,
    resource_quantity_problem,
    shorten,
)

CONFIG_NAMESPACE: Final = "catalyst-environments"
MISSING: Final = object()
MAX_NESTING: Final = 32
"""How many levels of lists and maps a structured value may have; the environments' values
need a handful, and the readers after this one recurse."""
Labels = tuple[tuple[str, str], ...]
"""Labels as sorted (key, value) pairs: immutable, hashable and in a deterministic order."""


class SettingsError(ConfigError):
    """A config value a user can fix: names the key, the bad value and what is allowed."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        shown = "missing" if value is MISSING else show(value)
        super().__init__(f"config {CONFIG_NAMESPACE}:{shorten(key)}: {shown}: {allowed}")


def show(value: object) -> str:
    """Values as a user wrote them in YAML/JSON, not as Python reprs; a long one cut to its first
    characters and its length (a 10 MB value is not echoed whole)."""
    if isinstance(value, str) and len(value) > SHOWN_MAX:
        cut = json.dumps(value[:SHOWN_MAX], ensure_ascii=False)
        return f"{cut}... ({len(value):,} characters)"
    try:
        return shorten(json.dumps(value, sort_keys=True, ensure_ascii=False))
    except (TypeError, ValueError):
        try:
            return shorten(repr(value))
        except RecursionError:
            return f"<a {type(value).__name__} nested too deeply to show>"
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"


def nesting(value: object) -> int:
    """How many levels of lists and maps a value has (a scalar: 0), without recursing."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, Mapping):
            children: Sequence[object] = list(item.values())
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in children)
    return deepest


def text(key: str, raw: object, default: str) -> str:
    if raw is None:
        return default
    if not isinstance(raw, str):
        raise SettingsError(key, raw, "must be a string")
    return raw


def dns_label(key: str, value: str) -> str:
    problem = dns_label_problem(value)
    if problem is not None:
        raise SettingsError(key, value, problem)
    return value


def flag(key: str, raw: object, *, default: bool) -> bool:
    if raw is None or raw == "" or raw == AUTO:
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise SettingsError(key, raw, f"allowed: true, false or {AUTO} (the tier's default)")


def boolean(key: str, raw: object, *, default: bool) -> bool:
    """A key declared ``type: boolean``: the CLI passes ``true`` or ``false`` (a stack file's
    YAML booleans, ``TRUE`` included, arrive so); args and direct callers may pass a bool. No
    ``auto``: such a key means the same in every tier."""
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    raise SettingsError(key, raw, "allowed: true or false")


def structured(key: str, raw: object, default: object) -> object:
    """Decode the JSON text the CLI passes for structured values; Python values pass through."""
    if raw is None:
        return default
    too_deep = f"nests more than {MAX_NESTING} levels of lists and maps"
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except RecursionError:
            raise SettingsError(key, raw, too_deep) from None
        except ValueError:
            raise SettingsError(
                key, raw, "must be a structured value (a YAML list or map in the stack file)"
            ) from None
    if nesting(value) > MAX_NESTING:
        raise SettingsError(key, raw, too_deep)
    return value


def mapping(key: str, raw: object, what: str, fields: Sequence[str] = ()) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise SettingsError(key, raw, f"must be {what}")
    unknown = sorted(set(raw) - set(fields)) if fields else []
    if unknown:
        raise SettingsError(
            f"{key}.{unknown[0]}", raw[unknown[0]], f"unknown field; allowed: {', '.join(fields)}"
        )
    return raw


def labels(key: str, raw: object, *, purpose: str = "") -> Labels:
    """A non-empty label map, every key and value as the API server validates them."""
    what = "a non-empty map of label keys to string values" + purpose
    given = mapping(key, raw, what)
    if not given:
        raise SettingsError(key, raw, f"must be {what}")
    for label, value in given.items():
        problem = label_key_problem(label)
        if problem is not None:
            raise SettingsError(key, label, f"label key {problem}")
        if not isinstance(value, str):
            raise SettingsError(
                f"{key}.{label}", value, f'must be a string label value; quote it: "{show(value)}"'
            )
        problem = label_value_problem(value)
        if problem is not None:
            raise SettingsError(f"{key}.{label}", value, problem)
    return tuple(sorted(given.items()))


def is_list(raw: object) -> bool:
    return isinstance(raw, list | tuple)


def required(key: str, entry: Mapping[str, Any], field: str, allowed: str) -> object:
    if entry.get(field) is None:
        raise SettingsError(f"{key}.{field}", MISSING, allowed)
    return entry[field]


def entry_name(key: str, entry: Mapping[str, Any]) -> str:
    name = required(key, entry, "name", "every entry needs a name, a DNS-1123 label")
    if not isinstance(name, str):
        raise SettingsError(f"{key}.name", name, "must be a string")
    return dns_label(f"{key}.name", name)


def port_number(key: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not MIN_PORT <= raw <= MAX_PORT:
        raise SettingsError(key, raw, "must be an integer port number 1-65535")
    return raw


def network(key: str, raw: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    allowed = "must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32"
    if not isinstance(raw, str) or "/" not in raw or not raw.isascii():
        raise SettingsError(key, raw, allowed)
    if "%" in raw:  # ipaddress takes a scope id; Go's net.ParseCIDR, as the API server, does not
        raise SettingsError(
            key, raw, f"{allowed}, without an IPv6 zone (%...): the API server rejects zones"
        )
    try:
        return ipaddress.ip_network(raw, strict=True)
    except ValueError:
        try:
            network = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise SettingsError(key, raw, allowed) from None
        raise SettingsError(key, raw, f"has host bits set; did you mean {network}?") from None


def quantities(key: str, raw: object) -> Labels:
    given = mapping(key, raw, "a map of resource names to quantities")
    items = []
    for resource, value in given.items():
        problem = label_key_problem(resource)
        if problem is not None:
            raise SettingsError(key, resource, f"resource name {problem}")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SettingsError(f"{key}.{resource}", value, "must be a quantity such as 2 or 4Gi")
        text = value if isinstance(value, str) else json.dumps(value)
        problem = resource_quantity_problem(text)
        if problem is not None:
            raise SettingsError(f"{key}.{resource}", value, problem)
        items.append((resource, text))
    return tuple(sorted(items))
