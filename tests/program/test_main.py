"""The whole ``__main__.py`` under mocks, with config read as the Pulumi CLI would read it."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.manifests import environment_manifests
from components.settings import settings_from_config
from components.stack_config import project_values
from tests.support.pulumi_mocks import Run, cli_config, run_main

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PROJECT = "catalyst-environments"


def manifests_of(run: Run) -> list[dict]:
    """What the program declared, as Kubernetes objects (the custom resources' inputs)."""
    return sorted(
        (resource.inputs for resource in run.resources if resource.custom),
        key=lambda inputs: (inputs["kind"], inputs["metadata"]["name"]),
    )


@pytest.mark.parametrize("stack", ["pr-123", "pr-456", "dev", "production"])
def test_program_declares_exactly_the_rendered_manifests(stack: str) -> None:
    run = run_main(stack)
    settings = settings_from_config(
        stack, project_values(cli_config(stack), "catalyst-environments")
    )
    expected = sorted(
        environment_manifests(settings),
        key=lambda manifest: (manifest["kind"], manifest["metadata"]["name"]),
    )
    assert manifests_of(run) == expected
    assert json.dumps(manifests_of(run), sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_pr_123_namespace_and_outputs() -> None:
    run = run_main("pr-123")
    namespace = run.by_name("environment-namespace")
    assert namespace.inputs["metadata"]["name"] == "myteam-myproject-pr-123"
    labels = namespace.inputs["metadata"]["labels"]
    assert labels["catalyst.dev/team"] == "myteam"
    assert labels["catalyst.dev/project"] == "myproject"
    assert labels["catalyst.dev/environment"] == "pr-123"
    assert labels["catalyst.dev/tier"] == "development"
    assert labels["app.kubernetes.io/managed-by"] == "pulumi"
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    assert labels["pod-security.kubernetes.io/audit"] == "restricted"
    assert run.outputs == {
        "namespace": "myteam-myproject-pr-123",
        "tier": "development",
        "policies": [
            "allow-dns",
            "allow-egress-registry",
            "allow-ingress-controller",
            "allow-same-namespace",
            "default-deny-all",
        ],
    }
    assert not any(resource.protect for resource in run.resources)


def test_production_is_protected_and_has_the_postgres_policies() -> None:
    run = run_main("production")
    assert run.by_name("environment-namespace").protect is True
    # Only the namespace and the destroy guard: the policies must stay deletable by `pulumi up`
    # (issue 11; tests/test_program_protection.py has the whole story).
    assert {resource.name for resource in run.resources if resource.protect} == {
        "environment-namespace",
        "environment-destroy-guard",
    }
    assert run.outputs["tier"] == "production"
    assert run.outputs["namespace"] == "myteam-myproject-production"
    assert "allow-same-namespace" not in run.outputs["policies"]
    assert {"allow-database-postgres-ingress", "allow-database-postgres-egress"} <= set(
        run.outputs["policies"]
    )


def test_dev_stack_is_development_and_unprotected() -> None:
    run = run_main("dev")
    assert run.outputs["namespace"] == "myteam-myproject-dev"
    assert run.outputs["tier"] == "development"
    assert run.by_name("environment-namespace").protect is False


def test_policies_depend_on_and_are_deleted_with_the_namespace() -> None:
    run = run_main("pr-123")
    namespace = run.by_name("environment-namespace")
    for policy in run.of_type(NETWORK_POLICY):
        assert policy.deleted_with == namespace.urn
        assert policy.dependency_names == ("environment-namespace",)
        assert policy.parent_name == "environment-policies"


def test_stack_config_overrides_reach_the_program() -> None:
    config = cli_config("pr-7")
    config["catalyst-environments:team"] = "web"
    config["catalyst-environments:allowSameNamespace"] = "false"
    run = run_main("pr-7", config)
    assert run.outputs["namespace"] == "web-myproject-pr-7"
    assert "allow-same-namespace" not in run.outputs["policies"]


@pytest.mark.parametrize(
    ("key", "value", "named", "shown"),
    [
        ("team", "Bad_Team!", "team", '"Bad_Team!"'),
        ("team", "a" * 70, "team", f'"{"a" * 70}"'),
        (
            "egress",
            json.dumps([{"name": "x", "cidr": "10.0.0.300/8"}]),
            "egress[0].cidr",
            '"10.0.0.300/8"',
        ),
        (
            "egress",
            json.dumps([{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 70000}]}]),
            "egress[0].ports[0].port",
            "70000",
        ),
        ("allowSamenamespace", "false", "allowSamenamespace", '"false"'),
    ],
)
def test_bad_config_fails_naming_the_key_and_value_and_creates_nothing(
    key: str, value: str, named: str, shown: str
) -> None:
    config = cli_config("pr-123")
    config[f"catalyst-environments:{key}"] = value
    run = run_main("pr-123", config, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(f"config catalyst-environments:{named}: {shown}: ")
    assert run.resources == ()
    assert run.outputs == {}


def test_two_runs_declare_identical_resources() -> None:
    first = run_main("production")
    second = run_main("production")
    assert first == second
    assert json.dumps(manifests_of(first), sort_keys=False) == json.dumps(
        manifests_of(second), sort_keys=False
    )


def test_runs_of_different_stacks_do_not_leak_into_each_other() -> None:
    production = run_main("production")
    pr = run_main("pr-123")
    again = run_main("production")
    assert production == again
    assert {r.inputs["metadata"].get("namespace") for r in pr.of_type(NETWORK_POLICY)} == {
        "myteam-myproject-pr-123"
    }


# --- the program: an environment never takes over a namespace it does not own ---------------


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"namespace": "kube-system"}, '"kube-system"'),
        ({"namespace": "default"}, '"default"'),
        ({"namespace": "kube-public"}, '"kube-public"'),
        ({"namespace": "kube-node-lease"}, '"kube-node-lease"'),
        ({"namespace": "ingress-nginx"}, '"ingress-nginx"'),
        ({"namespace": "dns", "dnsNamespace": "dns"}, '"dns"'),
        ({"ingressNamespace": "myteam-myproject-pr-123"}, '"myteam-myproject-pr-123"'),
    ],
)
def test_a_namespace_the_environment_does_not_own_is_refused_and_nothing_is_created(
    overrides: dict[str, str], shown: str
) -> None:
    """default-deny-all in kube-system or the ingress namespace would cut off the whole cluster,
    and `pulumi destroy` deletes the namespace with its stack."""
    config = cli_config("pr-123")
    config.update({f"{PROJECT}:{key}": value for key, value in overrides.items()})
    run = run_main("pr-123", config, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(f"config {PROJECT}:namespace: {shown}: ")
    assert "\n" not in str(run.error)
    assert run.resources == ()


# --- what an independent harness sees ---------------------------------------------------------


def declared(run: Run) -> str:
    """Every registration with its options, in a canonical text form."""
    rows = [
        {
            "dependencies": r.dependency_names,
            "deletedWith": r.deleted_with_name,
            "inputs": r.inputs,
            "name": r.name,
            "parent": r.parent_name,
            "protect": r.protect,
            "type": r.type,
        }
        for r in run.resources
    ]
    return json.dumps(rows, sort_keys=True)


@pytest.mark.parametrize("stack", ["pr-123", "pr-456", "dev"])
def test_no_config_at_all_declares_what_the_pulumi_yaml_defaults_declare(stack: str) -> None:
    """A harness that does not apply Pulumi.yaml defaults gets the same program."""
    with_defaults = run_main(stack)
    without = run_main(stack, {})
    assert declared(without) == declared(with_defaults)
    assert without.outputs == with_defaults.outputs


def test_production_from_its_stack_file_alone_is_production_with_defaults() -> None:
    stack_file_only = {
        f"{PROJECT}:databases": json.dumps(
            [
                {
                    "name": "postgres",
                    "podLabels": {"app": "postgres"},
                    "port": 5432,
                    "clientLabels": {"db-access": "true"},
                }
            ]
        )
    }
    assert declared(run_main("production", stack_file_only)) == declared(run_main("production"))


def test_provider_config_and_other_namespaces_do_not_reach_the_settings() -> None:
    config = cli_config("pr-123")
    config["kubernetes:renderYamlToDirectory"] = "rendered/pulumi-up/pr-123"
    config["kubernetes:namespace"] = "elsewhere"
    config["aws:region"] = "eu-west-1"
    assert declared(run_main("pr-123", config)) == declared(run_main("pr-123"))
