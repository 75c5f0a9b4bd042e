"""The component package `catalyst`: the schema the Pulumi SDK infers (pinned in
tests/golden/schema/catalyst.json; refresh with --update-golden), its tokens, the plugin's entry
point, and what inputs from another language become."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from components import environment, package, policy_set
from components.args_settings import settings_from_args
from components.fields import ENVIRONMENT_FIELDS
from components.settings import settings_from_config
from components.version import __version__
from tests.support.golden import Golden
from tests.support.paths import REPO_ROOT
from tests.support.pulumi_mocks import run_under_mocks

PLUGIN = REPO_ROOT / "plugin"


def test_the_inferred_schema_is_the_golden_one(golden: Golden) -> None:
    golden.check("schema/catalyst.json", json.dumps(package.schema(), indent=2) + "\n")


def test_the_tokens_are_the_ones_the_components_register_under() -> None:
    schema = package.schema()
    assert schema["name"] == package.PACKAGE_NAME == "catalyst"
    assert schema["version"] == __version__
    assert set(schema["resources"]) == {environment.TYPE_TOKEN, policy_set.TYPE_TOKEN}
    assert set(schema["types"]) == {
        f"catalyst:index:{name}"
        for name in ("EgressArgs", "PortArgs", "DatabaseArgs", "LimitRangeArgs")
    }


def test_every_field_is_an_input_and_only_the_tier_is_required() -> None:
    resource = package.schema()["resources"][environment.TYPE_TOKEN]
    assert list(resource["inputProperties"]) == [field.key for field in ENVIRONMENT_FIELDS]
    assert resource["requiredInputs"] == ["tier"]
    assert all(prop.get("plain") for prop in resource["inputProperties"].values())
    assert set(resource["properties"]) == {"namespaceName", "tier", "policyNames"}
    assert all(prop.get("description") for prop in resource["properties"].values())


def test_the_policy_set_refers_to_the_kubernetes_namespace_resource() -> None:
    schema = package.schema()
    namespace = schema["resources"][policy_set.TYPE_TOKEN]["inputProperties"]["namespace"]
    assert namespace["$ref"].endswith("/schema.json#/resources/kubernetes:core%2Fv1:Namespace")
    assert [dependency["name"] for dependency in schema["dependencies"]] == ["kubernetes"]


def test_the_plugin_is_a_python_component_package_serving_the_components(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest = yaml.safe_load((PLUGIN / "PulumiPlugin.yaml").read_text(encoding="utf-8"))
    assert manifest["runtime"] == "python"
    served: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        package,
        "component_provider_host",
        lambda components, name, version=None: served.append((components, name, version)),
    )
    runpy.run_path(str(PLUGIN / "__main__.py"), run_name="__main__")
    assert served == [(list(package.COMPONENTS), "catalyst", __version__)]


def test_inputs_from_another_language_become_the_args_of_the_same_config() -> None:
    """What a YAML or TypeScript program sends (camelCase, numbers as floats) is mapped by the
    SDK's host to Python names, and gives the settings of the same config."""
    provider = ComponentProvider(list(package.COMPONENTS), package.PACKAGE_NAME)
    definition = provider._component_defs["EnvironmentNamespace"]
    sent = {
        "tier": "production",
        "ingressNamespace": "traefik",
        "allowSameNamespace": True,
        "egress": [
            {
                "name": "api",
                "cidr": "203.0.113.0/24",
                "except": ["203.0.113.0/25"],
                "ports": [{"port": 8000.0, "endPort": 8080.0, "protocol": "TCP"}],
            }
        ],
        "databases": [
            {"name": "pg", "podLabels": {"app": "pg"}, "port": 5432.0, "clientLabels": {"c": "y"}}
        ],
        "limitRange": {"defaultRequest": {"cpu": "10m"}},
    }
    args = provider.map_inputs(sent, definition)
    config = {key: value for key, value in sent.items() if key != "tier"}
    config["egress"] = [{**sent["egress"][0], "ports": [{"port": 8000, "endPort": 8080}]}]
    config["databases"] = [{**sent["databases"][0], "port": 5432}]
    expected = settings_from_config("production", config)
    assert settings_from_args(args, stack="production", resource="env") == expected


SENT_BY_YAML = {
    "tier": "production",
    "team": "shop",
    "environment": "live",
    "databases": [
        {"name": "pg", "podLabels": {"app": "pg"}, "port": 5432.0, "clientLabels": {"c": "y"}}
    ],
}


def test_the_host_constructs_an_environment_from_another_languages_inputs() -> None:
    """What the engine's Construct call does in the provider process, under mocks."""
    provider = ComponentProvider(list(package.COMPONENTS), package.PACKAGE_NAME)

    def program() -> None:
        result = provider.construct("live", environment.TYPE_TOKEN, dict(SENT_BY_YAML))
        pulumi.export("urn", result.urn)
        pulumi.export("state", result.state)

    run = run_under_mocks(program, stack="platform")
    assert run.outputs["urn"].endswith("catalyst:index:EnvironmentNamespace::live")
    assert run.outputs["state"]["namespaceName"] == "shop-myproject-live"
    assert run.outputs["state"]["tier"] == "production"
    assert "allow-database-pg-ingress" in run.outputs["state"]["policyNames"]
    assert run.by_name("live-namespace").protect is True


def test_the_host_reports_bad_inputs_in_the_components_words_and_registers_nothing() -> None:
    provider = ComponentProvider(list(package.COMPONENTS), package.PACKAGE_NAME)

    def program() -> None:
        provider.construct(
            "live", environment.TYPE_TOKEN, {**SENT_BY_YAML, "ingressNamespace": "Bad_NS"}
        )

    run = run_under_mocks(program, stack="platform", raise_errors=False)
    assert isinstance(run.error, ComponentInitError)
    assert 'args.ingress_namespace (ingressNamespace): "Bad_NS": ' in str(run.error)
    assert run.resources == ()
