"""EnvironmentNamespace(name, args, opts) and NetworkPolicySet(name, args, opts) under mocks:
typed args in, the same resources as the stack-config path, and bad args stop everything."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.args import DatabaseArgs, EnvironmentNamespaceArgs
from components.args_settings import ArgsError, environment_args
from components.environment import EnvironmentNamespace
from components.errors import ConfigError
from components.policies import network_policies
from components.policy_set import NetworkPolicySet, NetworkPolicySetArgs
from components.settings import settings_from_config
from tests.support.pulumi_mocks import Run, run_main, run_under_mocks


def declared(run: Run) -> str:
    """Registrations with their options, as one canonical text."""
    rows = [
        {
            "type": r.type,
            "name": r.name,
            "parent": r.parent_name,
            "inputs": r.inputs,
            "protect": r.protect,
            "deletedWith": r.deleted_with_name,
            "dependencies": r.dependency_names,
        }
        for r in run.resources
    ]
    return json.dumps(rows, sort_keys=True)


def environment(args: object, *, stack: str, name: str = "environment") -> Run:
    def program() -> None:
        component = EnvironmentNamespace(name, args)  # type: ignore[arg-type]
        pulumi.export("namespace", component.namespace_name)
        pulumi.export("tier", component.tier)
        pulumi.export("policies", component.policy_names)

    return run_under_mocks(program, stack=stack, raise_errors=False)


@pytest.mark.parametrize("stack", ["pr-123", "dev", "production"])
def test_args_with_the_tier_alone_declare_what_the_program_declares(stack: str) -> None:
    tier = "production" if stack == "production" else "development"
    extra = {}
    if stack == "production":  # Pulumi.production.yaml's database
        extra = {
            "databases": [
                DatabaseArgs(
                    name="postgres",
                    pod_labels={"app": "postgres"},
                    port=5432,
                    client_labels={"db-access": "true"},
                )
            ]
        }
    run = environment(EnvironmentNamespaceArgs(tier=tier, **extra), stack=stack)  # type: ignore[typeddict-item]
    assert run.error is None
    program = run_main(stack)
    assert declared(run) == declared(program)
    assert run.outputs == program.outputs


def test_the_args_the_program_passes_are_the_stack_configs() -> None:
    config = {
        "databases": json.dumps(
            [{"name": "db", "podLabels": {"a": "b"}, "port": 1, "clientLabels": {"c": "d"}}]
        )
    }
    args = environment_args("production", config)
    assert args["tier"] == "production" and args["protect"] is True
    assert declared(environment(args, stack="production")) == declared(
        run_main("production", {f"catalyst-environments:{k}": v for k, v in config.items()})
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "EnvironmentNamespace env: args.tier: missing: allowed: development, production"),
        (
            {"tier": "development", "ingress_namespace": "Bad_NS"},
            'EnvironmentNamespace env: args.ingress_namespace (ingressNamespace): "Bad_NS": ',
        ),
        (
            {
                "tier": "production",
                "egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 0}]}],
            },
            "EnvironmentNamespace env: args.egress[0].ports[0].port: 0: must be an integer port",
        ),
        ({"tier": "development", "namespace": "kube-system"}, 'args.namespace: "kube-system": '),
    ],
)
def test_bad_args_name_the_field_and_nothing_is_registered(args: object, message: str) -> None:
    run = environment(args, stack="pr-1", name="env")
    assert isinstance(run.error, ArgsError)
    assert isinstance(run.error, ConfigError) and isinstance(run.error, ValueError)
    # A RunError, so `pulumi up` prints the one line and no traceback.
    assert isinstance(run.error, pulumi.RunError)
    assert message in str(run.error) and "\n" not in str(run.error)
    assert run.resources == ()
    assert run.outputs == {}


def test_an_environment_in_another_stack_takes_its_tier_from_the_args() -> None:
    run = environment({"tier": "production", "environment": "checkout"}, stack="platform")
    assert run.outputs["tier"] == "production"
    assert run.outputs["namespace"] == "myteam-myproject-checkout"
    assert {r.name for r in run.resources if r.protect} == {
        "environment-namespace",
        "environment-destroy-guard",
    }


def test_network_policy_set_takes_args() -> None:
    manifests = network_policies(settings_from_config("pr-1", {}))

    def program() -> None:
        namespace = k8s.core.v1.Namespace("ns")
        policies = NetworkPolicySet(
            "set", NetworkPolicySetArgs(namespace=namespace, policies=manifests)
        )
        pulumi.export("names", policies.policy_names)

    run = run_under_mocks(program, stack="pr-1")
    assert run.outputs["names"] == sorted(m["metadata"]["name"] for m in manifests)
    policies = run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert len(policies) == len(manifests)
    assert not any(policy.protect for policy in policies)
    assert {policy.deleted_with_name for policy in policies} == {"ns"}


def test_network_policy_set_with_duplicate_names_registers_nothing_of_its_own() -> None:
    manifests = network_policies(settings_from_config("pr-1", {}))

    def program() -> None:
        namespace = k8s.core.v1.Namespace("ns")
        NetworkPolicySet(
            "set", NetworkPolicySetArgs(namespace=namespace, policies=[manifests[0]] * 2)
        )

    run = run_under_mocks(program, stack="pr-1", raise_errors=False)
    assert isinstance(run.error, ValueError) and "not unique" in str(run.error)
    assert [r.name for r in run.resources] == ["ns"]
