"""The cost cap of development environments (issue 11, point 6).

A ``pr-<N>`` stack gets a ResourceQuota and a LimitRange by default, so a forgotten environment
cannot take the cluster; the LimitRange's defaults let pods without requests still start under
the quota. ``quota``/``limitRange`` replace them as a whole, ``{}`` switches one off, and
production has none unless configured.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.manifests import environment_manifests
from components.settings import (
    DEFAULT_DEVELOPMENT_LIMIT_RANGE,
    DEFAULT_DEVELOPMENT_QUOTA,
    LimitRange,
    Quota,
    SettingsError,
    settings_from_config,
)
from components.stack_config import project_values
from tests.support.pulumi_mocks import cli_config, run_main

QUOTA_KIND = "kubernetes:core/v1:ResourceQuota"
LIMITS_KIND = "kubernetes:core/v1:LimitRange"


def kinds(stack: str, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    manifests = environment_manifests(settings_from_config(stack, config))
    return {m["kind"]: m for m in manifests if m["kind"] in ("ResourceQuota", "LimitRange")}


def quantity(text: str) -> float:
    """Just enough of Kubernetes quantities for the defaults: m, Mi, Gi and plain numbers."""
    for suffix, factor in (("m", 1e-3), ("Mi", 2**20), ("Gi", 2**30)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


@pytest.mark.parametrize("raw", [None, "auto", ""])
def test_a_pull_request_stack_gets_the_default_quota_and_limit_range(raw: object) -> None:
    config = {} if raw is None else {"quota": raw, "limitRange": raw}
    objects = kinds("pr-12", config)
    hard = objects["ResourceQuota"]["spec"]["hard"]
    assert hard == dict(sorted(DEFAULT_DEVELOPMENT_QUOTA.items()))
    (limits,) = objects["LimitRange"]["spec"]["limits"]
    assert limits["type"] == "Container"
    assert limits["default"] == DEFAULT_DEVELOPMENT_LIMIT_RANGE["default"]
    assert limits["defaultRequest"] == DEFAULT_DEVELOPMENT_LIMIT_RANGE["defaultRequest"]
    assert objects["ResourceQuota"]["metadata"]["namespace"] == "myteam-myproject-pr-12"


def test_the_default_quota_caps_pods_and_cpu_and_memory_requests_and_limits() -> None:
    assert set(DEFAULT_DEVELOPMENT_QUOTA) == {
        "pods",
        "requests.cpu",
        "requests.memory",
        "limits.cpu",
        "limits.memory",
    }


def test_the_limit_range_defaults_let_the_quota_admit_pods_without_requests() -> None:
    """A quota on requests/limits rejects pods that state none, unless a LimitRange fills them
    in: both defaults must cover cpu and memory, and a full quota of default pods must fit."""
    pods = int(DEFAULT_DEVELOPMENT_QUOTA["pods"])
    for kind, prefix in (("defaultRequest", "requests"), ("default", "limits")):
        defaults = DEFAULT_DEVELOPMENT_LIMIT_RANGE[kind]
        assert set(defaults) == {"cpu", "memory"}, kind
        for resource in ("cpu", "memory"):
            cap = quantity(DEFAULT_DEVELOPMENT_QUOTA[f"{prefix}.{resource}"])
            assert pods * quantity(defaults[resource]) <= cap, (kind, resource)
    for resource in ("cpu", "memory"):
        request = quantity(DEFAULT_DEVELOPMENT_LIMIT_RANGE["defaultRequest"][resource])
        assert request <= quantity(DEFAULT_DEVELOPMENT_LIMIT_RANGE["default"][resource])


def test_production_has_no_quota_objects_by_default() -> None:
    assert kinds("production", {}) == {}
    assert kinds("production", {"quota": "auto", "limitRange": "auto"}) == {}


@pytest.mark.parametrize("off", [{}, "{}"])
def test_an_empty_map_switches_each_off(off: object) -> None:
    assert set(kinds("pr-12", {"quota": off})) == {"LimitRange"}
    assert set(kinds("pr-12", {"limitRange": off})) == {"ResourceQuota"}
    assert kinds("pr-12", {"quota": off, "limitRange": off}) == {}


def test_a_configured_value_replaces_the_default_as_a_whole() -> None:
    settings = settings_from_config(
        "pr-12", {"quota": {"pods": "5"}, "limitRange": {"max": {"cpu": "1"}}}
    )
    assert settings.quota == Quota(hard=(("pods", "5"),))
    assert settings.limit_range == LimitRange(limits=(("max", (("cpu", "1"),)),))


def test_production_gets_a_quota_when_configured() -> None:
    objects = kinds("production", {"quota": json.dumps({"pods": "100"})})
    assert objects["ResourceQuota"]["spec"]["hard"] == {"pods": "100"}
    assert "LimitRange" not in objects


@pytest.mark.parametrize("key", ["quota", "limitRange"])
@pytest.mark.parametrize("value", [False, "false", "off", [], 3])
def test_anything_else_is_one_clear_error_naming_the_off_syntax(key: str, value: object) -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from_config("pr-12", {key: value})
    message = str(raised.value)
    assert message.startswith(f"config catalyst-environments:{key}: ")
    assert "{} for none" in message and "auto" in message
    assert "\n" not in message


def test_pulumi_yaml_declares_auto_so_every_stack_without_a_value_gets_its_tier_default() -> None:
    values = project_values(cli_config("pr-3"), "catalyst-environments")
    assert values["quota"] == "auto" and values["limitRange"] == "auto"


def test_the_program_declares_the_default_cap_for_a_pull_request_stack() -> None:
    run = run_main("pr-77")
    (quota,) = run.of_type(QUOTA_KIND)
    (limits,) = run.of_type(LIMITS_KIND)
    assert quota.inputs["spec"]["hard"]["pods"] == DEFAULT_DEVELOPMENT_QUOTA["pods"]
    assert limits.inputs["spec"]["limits"][0]["defaultRequest"] == dict(
        DEFAULT_DEVELOPMENT_LIMIT_RANGE["defaultRequest"]
    )
    namespace = run.by_name("environment-namespace")
    assert quota.deleted_with == limits.deleted_with == namespace.urn
    assert not run_main("production").of_type(QUOTA_KIND)
