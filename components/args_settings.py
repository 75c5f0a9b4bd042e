"""``EnvironmentNamespaceArgs`` <-> ``EnvironmentSettings``: args are checked by the very rules
that check the config, and a bad value gives the same message, naming the arg's field instead of
the config key.

The args are turned into the config's shape (camelCase keys, the same nesting) and validated by
``settings.validated_settings``; a ``SettingsError`` comes back as an ``ArgsError`` whose field
is the Python path (``egress[0].ports[0].end_port``) with the schema's path beside it when they
differ (``egress[0].ports[0].endPort``, what TypeScript and YAML programs write). The other way,
``args_from_settings`` states every field explicitly, so args made from validated settings give
exactly those settings again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from components.args import EgressArgs, EnvironmentNamespaceArgs, PortArgs
from components.config_values import MISSING, SettingsError, is_list, show
from components.errors import ConfigError
from components.fields import ENVIRONMENT_FIELDS, LIMIT_RANGE_FIELDS, Field, camel_case
from components.settings import (
    TIERS,
    EnvironmentSettings,
    Tier,
    settings_from_config,
    validated_settings,
)
from kubefacts.validation import shorten

COMPONENT: Final = "EnvironmentNamespace"
_INDEX = re.compile(r"\[\d+\]")


class ArgsError(ConfigError):
    """Args a caller can fix: names the component, the field, the bad value and what is allowed.

    ``field`` is the Python path, ``key`` the schema's (and config's) path of the same field."""

    def __init__(self, resource: str, field: str, key: str, value: object, allowed: str) -> None:
        self.resource = resource
        self.field = field
        self.key = key
        self.value = value
        self.allowed = allowed
        where = f"args.{shorten(field)}" if field else "args"
        if key != field:
            where += f" ({shorten(key)})"
        shown = "missing" if value is MISSING else show(value)
        super().__init__(f"{COMPONENT} {shorten(resource)}: {where}: {shown}: {allowed}")


def settings_from_args(args: object, *, stack: str, resource: str) -> EnvironmentSettings:
    """Validate ``args`` of the ``EnvironmentNamespace`` named `resource` in `stack` (whose name
    is the environment id unless ``environment`` says otherwise), or raise one ``ArgsError``."""
    if not isinstance(args, Mapping):
        raise ArgsError(resource, "", "", args, "must be EnvironmentNamespaceArgs (a map)")
    tier = args.get("tier", MISSING)
    if tier not in TIERS:
        raise ArgsError(resource, "tier", "tier", tier, f"allowed: {', '.join(TIERS)}")
    values = _config_shaped(args, ENVIRONMENT_FIELDS, "", resource)
    try:
        return validated_settings(stack, cast(Tier, tier), values)
    except SettingsError as error:
        field = python_path(error.key, ENVIRONMENT_FIELDS)
        raise ArgsError(resource, field, error.key, error.value, error.allowed) from None


def _config_shaped(
    given: Mapping[Any, Any], fields: Sequence[Field], path: str, resource: str
) -> dict[str, Any]:
    """The config's keys for the args' names, nested entries too; a field left out (or None)
    stays out, so it means its default; a name no field has is refused here, in Python terms."""
    known = {field.name: field for field in fields}
    unknown = sorted((name for name in given if name not in known), key=str)
    if unknown:
        name = f"{path}.{unknown[0]}" if path else str(unknown[0])
        allowed = f"unknown field; allowed: {', '.join(sorted(known))}"
        raise ArgsError(resource, name, name, given[unknown[0]], allowed)
    shaped: dict[str, Any] = {}
    for name, value in given.items():
        field = known[name]
        if value is None or not field.config:
            continue
        inner = f"{path}.{name}" if path else name
        if field.items and is_list(value):
            value = [
                _config_shaped(item, field.items, f"{inner}[{index}]", resource)
                if isinstance(item, Mapping)
                else item
                for index, item in enumerate(value)
            ]
        elif field.items and isinstance(value, Mapping):
            value = _config_shaped(value, field.items, inner, resource)
        elif field.kind == "integer" and isinstance(value, float) and value.is_integer():
            # Another language's numbers reach the component host as doubles, and the SDK's
            # host (3.272) hands them on as floats: 5432.0 is the 5432 that was written.
            value = int(value)
        shaped[field.key] = value
    return shaped


def python_path(key: str, fields: Sequence[Field]) -> str:
    """A config path (``egress[0].ports[0].endPort``) in the args' Python names
    (``egress[0].ports[0].end_port``); label keys and resource names stay as they are."""
    for field in sorted(fields, key=lambda field: len(field.key), reverse=True):
        if key != field.key and not key.startswith((f"{field.key}.", f"{field.key}[")):
            continue
        rest = key[len(field.key) :]
        index = _INDEX.match(rest)
        if index is not None and field.items:
            rest = rest[index.end() :]
        prefix = field.name + (index.group(0) if index is not None and field.items else "")
        if field.items and rest.startswith("."):
            return f"{prefix}.{python_path(rest[1:], field.items)}"
        return prefix + rest
    return key


def args_from_settings(settings: EnvironmentSettings) -> EnvironmentNamespaceArgs:
    """Every field stated, so the component needs no default and no stack name to agree."""
    return {
        "tier": settings.tier,
        "team": settings.team,
        "project": settings.project,
        "environment": settings.environment,
        "namespace": settings.namespace,
        "pod_security": settings.pod_security,
        "protect": settings.protect,
        "allow_same_namespace": settings.allow_same_namespace,
        "ingress_namespace": settings.ingress_namespace,
        "dns_namespace": settings.dns_namespace,
        "dns_pod_labels": dict(settings.dns_pod_labels),
        "egress": [
            EgressArgs(
                name=rule.name,
                cidr=rule.cidr,
                except_=list(rule.except_cidrs),
                ports=[_port_args(port.port, port.protocol, port.end_port) for port in rule.ports],
            )
            for rule in settings.egress
        ],
        "databases": [
            {
                "name": database.name,
                "pod_labels": dict(database.pod_labels),
                "port": database.port,
                "client_labels": dict(database.client_labels),
            }
            for database in settings.databases
        ],
        "quota": dict(settings.quota.hard) if settings.quota is not None else {},
        "limit_range": cast(
            Any,
            {
                _LIMIT_NAMES[kind]: dict(values)
                for kind, values in (settings.limit_range.limits if settings.limit_range else ())
            },
        ),
        "cluster_guardrails": settings.cluster_guardrails,
        "cluster_baseline_deny": settings.cluster_baseline_deny,
    }


_LIMIT_NAMES: Final = {camel_case(field.name): field.name for field in LIMIT_RANGE_FIELDS}


def _port_args(port: int, protocol: str, end_port: int | None) -> PortArgs:
    args = PortArgs(port=port, protocol=protocol)
    if end_port is not None:
        args["end_port"] = end_port
    return args


def environment_args(stack: str, config: Mapping[str, Any]) -> EnvironmentNamespaceArgs:
    """What the program passes its ``EnvironmentNamespace``: the stack's config read and checked
    as config (messages name the config key), the tier from the stack's name
    (``settings.tier_of_stack``), every field stated."""
    return args_from_settings(settings_from_config(stack, config))
