"""EnvironmentNamespaceArgs: typed args checked by the config's own rules, with the config's
messages naming the arg's field; the field table is their one source."""

from __future__ import annotations

import re
import typing
from typing import Any

import pytest
from pulumi.provider.experimental.analyzer import Analyzer

from components.args import (
    DatabaseArgs,
    EgressArgs,
    EnvironmentNamespaceArgs,
    LimitRangeArgs,
    PortArgs,
)
from components.args_settings import (
    ArgsError,
    args_from_settings,
    environment_args,
    python_path,
    settings_from_args,
)
from components.config_values import SettingsError
from components.fields import (
    DATABASE_FIELDS,
    EGRESS_FIELDS,
    ENVIRONMENT_FIELDS,
    LIMIT_RANGE_FIELDS,
    PORT_FIELDS,
    Field,
)
from components.settings import settings_from_config, tier_of_stack
from tests.components.test_settings import BAD_INPUTS, POSTGRES

TYPES: list[tuple[type, tuple[Field, ...]]] = [
    (EnvironmentNamespaceArgs, ENVIRONMENT_FIELDS),
    (EgressArgs, EGRESS_FIELDS),
    (PortArgs, PORT_FIELDS),
    (DatabaseArgs, DATABASE_FIELDS),
    (LimitRangeArgs, LIMIT_RANGE_FIELDS),
]


# --- the field table is the args' one source --------------------------------------------------


@pytest.mark.parametrize(("typed", "fields"), TYPES, ids=lambda t: getattr(t, "__name__", ""))
def test_each_args_type_has_the_tables_fields_required_as_the_table_says(
    typed: type, fields: tuple[Field, ...]
) -> None:
    hints = typing.get_type_hints(typed)
    assert list(hints) == [field.name for field in fields]
    assert typed.__required_keys__ == {f.name for f in fields if f.required}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("typed", "fields"), TYPES, ids=lambda t: getattr(t, "__name__", ""))
def test_each_fields_docstring_as_the_sdk_reads_it_is_the_tables_description(
    typed: type, fields: tuple[Field, ...]
) -> None:
    analyzer = Analyzer("catalyst")
    properties, mapping = analyzer.analyze_type(typed, is_component_output=False)
    assert mapping == {field.key: field.name for field in fields}
    for field in fields:
        assert properties[field.key].description == field.description, field.key
        assert properties[field.key].optional is not field.required, field.key


# --- same settings as the config --------------------------------------------------------------


@pytest.mark.parametrize("stack", ["pr-123", "dev", "production"])
def test_args_with_only_the_tier_give_what_the_empty_config_gives(stack: str) -> None:
    args = EnvironmentNamespaceArgs(tier=tier_of_stack(stack))
    assert settings_from_args(args, stack=stack, resource="env") == settings_from_config(stack, {})


def test_the_tier_is_the_args_not_the_stack_name() -> None:
    production = settings_from_args({"tier": "production"}, stack="platform", resource="env")
    assert production.tier == "production" and production.protect is True
    assert production.quota is None and production.allow_same_namespace is False
    development = settings_from_args({"tier": "development"}, stack="production", resource="e")
    assert development.tier == "development" and development.protect is False


def test_typed_args_give_the_settings_of_the_same_config() -> None:
    args = EnvironmentNamespaceArgs(
        tier="production",
        team="web",
        environment="checkout",
        pod_security="restricted",
        allow_same_namespace=True,
        dns_pod_labels={"k8s-app": "coredns"},
        egress=[
            EgressArgs(
                name="api",
                cidr="203.0.113.0/24",
                except_=["203.0.113.128/25"],
                ports=[PortArgs(port=8000, end_port=8080), PortArgs(port=53, protocol="UDP")],
            )
        ],
        databases=[
            DatabaseArgs(
                name="postgres",
                pod_labels={"app": "postgres"},
                port=5432,
                client_labels={"db-access": "true"},
            )
        ],
        quota={"pods": "50"},
        limit_range=LimitRangeArgs(default_request={"cpu": "50m"}, max={"memory": "1Gi"}),
    )
    config = {
        "team": "web",
        "environment": "checkout",
        "podSecurity": "restricted",
        "allowSameNamespace": "true",
        "dnsPodLabels": {"k8s-app": "coredns"},
        "egress": [
            {
                "name": "api",
                "cidr": "203.0.113.0/24",
                "except": ["203.0.113.128/25"],
                "ports": [{"port": 8000, "endPort": 8080}, {"port": 53, "protocol": "UDP"}],
            }
        ],
        "databases": [POSTGRES],
        "quota": {"pods": "50"},
        "limitRange": {"defaultRequest": {"cpu": "50m"}, "max": {"memory": "1Gi"}},
    }
    assert settings_from_args(args, stack="production", resource="env") == settings_from_config(
        "production", config
    )


ROUND_TRIPS = [
    ("pr-123", {}),
    ("production", {}),
    ("production", {"databases": [POSTGRES], "protect": "false", "quota": {"pods": "9"}}),
    ("pr-7", {"quota": {}, "limitRange": {}, "egress": [], "namespace": "custom"}),
    ("pr-8", {"limitRange": {"maxLimitRequestRatio": {"cpu": "4"}, "min": {"cpu": "1m"}}}),
]


@pytest.mark.parametrize(("stack", "config"), ROUND_TRIPS)
def test_args_from_settings_give_those_settings_back_in_any_stack(
    stack: str, config: dict[str, Any]
) -> None:
    settings = settings_from_config(stack, config)
    args = args_from_settings(settings)
    assert settings_from_args(args, stack=stack, resource="env") == settings
    # Every field is stated: the stack name matters no more (but as EnvironmentSettings.stack).
    elsewhere = settings_from_args(args, stack="platform", resource="env")
    assert elsewhere == settings.__class__(**{**_fields(settings), "stack": "platform"})
    assert environment_args(stack, config) == args


def _fields(settings: object) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__slots__}  # type: ignore[attr-defined]


# --- the same rules and messages, naming the field --------------------------------------------


def _snake(name: str) -> str:
    return "except_" if name == "except" else re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


_ENTRY_LISTS = {"egress", "ports", "databases"}
_MAPS_OF_FIELDS = {"limitRange"}


def _as_args(config: Any, *, structural: bool = True) -> Any:
    """A config value in the args' Python names (a test's own conversion, not the module's)."""
    if isinstance(config, dict) and structural:
        return {
            _snake(key): _as_args(value, structural=key in _ENTRY_LISTS or key in _MAPS_OF_FIELDS)
            if key in _ENTRY_LISTS or key in _MAPS_OF_FIELDS
            else value
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [_as_args(item) for item in config]
    if isinstance(config, dict) and not structural:
        return config
    return config


def _as_field(key: str) -> str:
    return ".".join(
        _snake(part.split("[")[0]) + part[len(part.split("[")[0]) :] for part in key.split(".")
    )


ARGS_CASES = [case for case in BAD_INPUTS if "unknown" not in case[3]]


@pytest.mark.parametrize(
    ("stack", "config", "key", "allowed"),
    ARGS_CASES,
    ids=[f"{case[2]}-{index}" for index, case in enumerate(ARGS_CASES)],
)
def test_bad_args_fail_with_the_configs_message_naming_the_field(
    stack: str, config: dict[str, Any], key: str, allowed: str
) -> None:
    with pytest.raises(SettingsError) as from_config:
        settings_from_config(stack, config)
    args = {"tier": tier_of_stack(stack), **_as_args(config)}
    with pytest.raises(ArgsError) as from_args:
        settings_from_args(args, stack=stack, resource="web")
    error = from_args.value
    assert (error.field, error.key) == (_as_field(key), key)
    assert error.value == from_config.value.value
    assert error.allowed == from_config.value.allowed
    message = str(error)
    where = f"args.{error.field}" + ("" if error.field == key else f" ({key})")
    assert message.startswith(f"EnvironmentNamespace web: {where}: ")
    assert message.endswith(from_config.value.allowed)
    assert allowed in message and "\n" not in message


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ({}, "tier", "missing: allowed: development, production"),
        ({"tier": "prod"}, "tier", '"prod": allowed: development, production'),
        ({"tier": "development", "teams": "web"}, "teams", "unknown field; allowed: "),
        ({"tier": "development", "ingressNamespace": "x"}, "ingressNamespace", "ingress_namespace"),
        (
            {"tier": "development", "egress": [{"name": "x", "cidr": "10.0.0.0/8", "bad": 1}]},
            "egress[0].bad",
            "unknown field; allowed: cidr, except_, name, ports",
        ),
        (
            {"tier": "development", "limit_range": {"maximum": {"cpu": "1"}}},
            "limit_range.maximum",
            "allowed: default, default_request, max, max_limit_request_ratio, min",
        ),
    ],
)
def test_fields_the_config_does_not_know_are_named_in_python_terms(
    args: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ArgsError) as caught:
        settings_from_args(args, stack="pr-1", resource="web")
    assert caught.value.field == field
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"EnvironmentNamespace web: args.{field}: ")


def test_args_that_are_no_map_are_refused() -> None:
    with pytest.raises(ArgsError, match=r"^EnvironmentNamespace web: args: \[\]: must be "):
        settings_from_args([], stack="pr-1", resource="web")


def test_a_field_given_as_none_means_its_default() -> None:
    args = {"tier": "development", "team": None, "quota": None}
    assert settings_from_args(args, stack="pr-1", resource="e") == settings_from_config("pr-1", {})


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("egress[3].ports[1].endPort", "egress[3].ports[1].end_port"),
        ("egress[0].except[2]", "egress[0].except_[2]"),
        ("databases[1].clientLabels.db-access", "databases[1].client_labels.db-access"),
        ("dnsPodLabels.k8s-app", "dns_pod_labels.k8s-app"),
        ("quota.requests.cpu", "quota.requests.cpu"),
        ("limitRange.defaultRequest.cpu", "limit_range.default_request.cpu"),
        ("limitRange", "limit_range"),
        ("podSecurity", "pod_security"),
    ],
)
def test_config_paths_become_python_paths_label_keys_untouched(key: str, field: str) -> None:
    assert python_path(key, ENVIRONMENT_FIELDS) == field


def test_whole_numbers_sent_as_floats_are_integers_and_fractions_are_refused() -> None:
    """Numbers from other languages arrive as doubles (5432.0) through the component host."""
    database = {"name": "pg", "pod_labels": {"a": "b"}, "port": 5432.0, "client_labels": {"c": "d"}}
    settings = settings_from_args(
        {"tier": "development", "databases": [database]}, stack="p", resource="e"
    )
    assert settings.databases[0].port == 5432 and isinstance(settings.databases[0].port, int)
    with pytest.raises(ArgsError, match=r"args\.databases\[0\]\.port: 5432\.5: must be an integer"):
        settings_from_args(
            {"tier": "development", "databases": [{**database, "port": 5432.5}]},
            stack="p",
            resource="e",
        )
