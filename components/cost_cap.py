"""The cost cap of a development environment: its ResourceQuota and LimitRange, their defaults,
and how config `quota` and `limitRange` override or switch them off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from components import config_values as read
from components.config_values import AUTO, Labels, SettingsError
from components.fields import LIMIT_RANGE_FIELDS, config_keys

LIMIT_KINDS: Final = config_keys(LIMIT_RANGE_FIELDS)
DEFAULT_DEVELOPMENT_QUOTA: Final[Mapping[str, str]] = {
    "limits.cpu": "8",
    "limits.memory": "8Gi",
    "pods": "20",
    "requests.cpu": "2",
    "requests.memory": "4Gi",
}
"""ResourceQuota of a development stack unless config ``quota`` says otherwise: a cost cap, so a
forgotten pull-request environment cannot take the cluster."""
DEFAULT_DEVELOPMENT_LIMIT_RANGE: Final[Mapping[str, Mapping[str, str]]] = {
    "default": {"cpu": "250m", "memory": "256Mi"},
    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
}
"""Container defaults of a development stack unless config ``limitRange`` says otherwise. A quota
on requests and limits rejects pods that state none; these defaults fill them in, so such pods
still start, and the quota's 20 pods at these defaults fit its cpu and memory caps."""


@dataclass(frozen=True, slots=True)
class Quota:
    """ResourceQuota ``spec.hard``: resource name -> quantity."""

    hard: Labels


@dataclass(frozen=True, slots=True)
class LimitRange:
    """Container limits of a LimitRange: kind (default, max, ...) -> resource -> quantity."""

    limits: tuple[tuple[str, Labels], ...]


_COST_CAP_ALLOWED: Final = "({} for none, auto for the tier's default)"


def cost_cap(key: str, raw: object, capped: bool, default: Mapping[str, Any]) -> object:
    """``quota``/``limitRange``: auto (or unset) is the tier's default -- `default` when the tier
    is `capped` (development), nothing otherwise (production); ``{}`` is none; a map replaces
    the default as a whole."""
    if raw is None or raw == "" or raw == AUTO:
        return dict(default) if capped else {}
    what = (
        "a map of resource names to quantities"
        if key == "quota"
        else f"a map with any of {', '.join(LIMIT_KINDS)}"
    )
    try:
        value = read.structured(key, raw, {})
    except SettingsError:
        value = None
    if not isinstance(value, Mapping):
        raise SettingsError(key, raw, f"must be {what} {_COST_CAP_ALLOWED}")
    return value


def quota(raw: object) -> Quota | None:
    hard = read.quantities("quota", raw)
    return Quota(hard=hard) if hard else None


def limit_range(raw: object) -> LimitRange | None:
    mapping = read.mapping(
        "limitRange", raw, f"a map with any of {', '.join(LIMIT_KINDS)}", LIMIT_KINDS
    )
    limits = tuple(
        (kind, quantities)
        for kind in sorted(mapping)
        if (quantities := read.quantities(f"limitRange.{kind}", mapping[kind]))
    )
    return LimitRange(limits=limits) if limits else None
