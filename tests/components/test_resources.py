"""The ComponentResources under Pulumi mocks: names, types, inputs, parents, options, outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.args_settings import args_from_settings
from components.environment import EnvironmentNamespace
from components.manifests import environment_manifests, namespace_manifest
from components.policies import network_policies
from components.policy_set import NetworkPolicySet, NetworkPolicySetArgs, namespaced_options
from components.settings import EnvironmentSettings, settings_from_config
from tests.support.pulumi_mocks import Run, run_under_mocks

POSTGRES = {
    "name": "postgres",
    "podLabels": {"app": "postgres"},
    "port": 5432,
    "clientLabels": {"db-access": "true"},
}


def build(settings: EnvironmentSettings, name: str = "env") -> Run:
    def program() -> None:
        component = EnvironmentNamespace(name, args_from_settings(settings))
        pulumi.export("namespace", component.namespace_name)
        pulumi.export("tier", component.tier)
        pulumi.export("policies", component.policy_names)

    return run_under_mocks(program, stack=settings.stack)


def without_type_fields(inputs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in inputs.items() if key not in ("apiVersion", "kind")}


def test_environment_namespace_declares_each_manifest_as_one_resource() -> None:
    settings = settings_from_config(
        "pr-123", {"quota": {"pods": "20"}, "limitRange": {"default": {"cpu": "500m"}}}
    )
    run = build(settings)
    manifests = environment_manifests(settings)
    custom = [resource for resource in run.resources if resource.custom]
    assert len(custom) == len(manifests)
    kinds = {
        "Namespace": "kubernetes:core/v1:Namespace",
        "NetworkPolicy": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "ResourceQuota": "kubernetes:core/v1:ResourceQuota",
        "LimitRange": "kubernetes:core/v1:LimitRange",
    }
    declared = {
        (resource.type, resource.inputs["metadata"]["name"]): resource for resource in custom
    }
    for manifest in manifests:
        resource = declared[(kinds[manifest["kind"]], manifest["metadata"]["name"])]
        assert without_type_fields(resource.inputs) == without_type_fields(manifest)


def test_component_types_names_and_parents() -> None:
    run = build(settings_from_config("pr-123", {"quota": {"pods": "20"}}), name="env")
    environment = run.by_name("env")
    assert environment.type == "catalyst:index:EnvironmentNamespace"
    assert environment.parent_name == "catalyst-environments-pr-123"
    assert run.by_name("env-namespace").parent_name == "env"
    policy_set = run.by_name("env-policies")
    assert policy_set.type == "catalyst:index:NetworkPolicySet"
    assert policy_set.parent_name == "env"
    assert run.by_name("env-quota").parent_name == "env"
    policies = run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert sorted(policy.name for policy in policies) == [
        "env-policies-allow-dns",
        "env-policies-allow-egress-registry",
        "env-policies-allow-ingress-controller",
        "env-policies-allow-same-namespace",
        "env-policies-default-deny-all",
    ]
    assert {policy.parent_name for policy in policies} == {"env-policies"}


def test_namespace_labels() -> None:
    run = build(settings_from_config("pr-123", {"podSecurity": "restricted"}))
    metadata = run.by_name("env-namespace").inputs["metadata"]
    assert metadata["name"] == "myteam-myproject-pr-123"
    assert metadata["labels"] == {
        "app.kubernetes.io/managed-by": "pulumi",
        "catalyst.dev/environment": "pr-123",
        "catalyst.dev/project": "myproject",
        "catalyst.dev/team": "myteam",
        "catalyst.dev/tier": "development",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }


def test_namespaced_objects_depend_on_and_are_deleted_with_the_namespace() -> None:
    run = build(settings_from_config("pr-123", {"limitRange": {"max": {"memory": "1Gi"}}}))
    namespace = run.by_name("env-namespace")
    assert namespace.dependency_names == ()
    assert namespace.deleted_with == ""
    inside = [
        *run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy"),
        run.by_name("env-limits"),
    ]
    for resource in inside:
        assert resource.dependency_names == ("env-namespace",), resource.name
        assert resource.deleted_with == namespace.urn, resource.name
    assert run.by_name("env-policies").dependency_names == ("env-namespace",)


@pytest.mark.parametrize(
    ("stack", "config", "protected"),
    [
        ("production", {}, True),
        ("pr-123", {}, False),
        ("production", {"protect": "false"}, False),
        ("pr-123", {"protect": "true"}, True),
    ],
)
def test_protection_follows_the_tier_unless_overridden(
    stack: str, config: dict[str, str], protected: bool
) -> None:
    run = build(settings_from_config(stack, {**config, "quota": {"pods": "5"}}))
    assert run.resources
    carriers = {"env-namespace", "env-destroy-guard"}
    for resource in run.resources:
        assert resource.protect is (protected and resource.name in carriers), resource.name


def test_outputs_are_namespace_tier_and_policy_names() -> None:
    settings = settings_from_config("production", {"databases": [POSTGRES]})
    run = build(settings)
    assert run.outputs == {
        "namespace": "myteam-myproject-production",
        "tier": "production",
        "policies": [policy["metadata"]["name"] for policy in network_policies(settings)],
    }


def test_no_quota_objects_when_switched_off() -> None:
    run = build(settings_from_config("pr-1", {"quota": {}, "limitRange": {}}))
    types = {resource.type for resource in run.resources}
    assert "kubernetes:core/v1:ResourceQuota" not in types
    assert "kubernetes:core/v1:LimitRange" not in types


def test_two_environments_in_one_program_do_not_collide() -> None:
    first = settings_from_config("pr-1", {})
    second = settings_from_config("pr-1", {"environment": "pr-2"})

    def program() -> None:
        EnvironmentNamespace("one", args_from_settings(first))
        EnvironmentNamespace("two", args_from_settings(second))

    run = run_under_mocks(program, stack="pr-1")
    urns = [resource.urn for resource in run.resources]
    assert len(urns) == len(set(urns))


def test_network_policy_set_alone() -> None:
    settings = settings_from_config("pr-1", {})
    manifests = network_policies(settings)

    def program() -> None:
        import pulumi_kubernetes as k8s

        namespace = k8s.core.v1.Namespace("ns", metadata=namespace_manifest(settings)["metadata"])
        policy_set = NetworkPolicySet(
            "set", NetworkPolicySetArgs(namespace=namespace, policies=manifests, protect=False)
        )
        pulumi.export("names", policy_set.policy_names)

    run = run_under_mocks(program, stack="pr-1")
    assert run.outputs["names"] == sorted(p["metadata"]["name"] for p in manifests)
    assert run.by_name("set").type == "catalyst:index:NetworkPolicySet"


def test_network_policy_set_refuses_duplicate_policy_names() -> None:
    manifests = network_policies(settings_from_config("pr-1", {}))

    def program() -> None:
        import pulumi_kubernetes as k8s

        namespace = k8s.core.v1.Namespace("ns")
        NetworkPolicySet(
            "set",
            NetworkPolicySetArgs(
                namespace=namespace, policies=[manifests[0], manifests[0]], protect=False
            ),
        )

    with pytest.raises(ValueError, match="not unique"):
        run_under_mocks(program, stack="pr-1")


def test_namespaced_options_are_parent_dependency_deleted_with_and_protect() -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        namespace = pulumi.CustomResource("test:index:Thing", "thing")
        options = namespaced_options(parent, namespace, protect=True)
        assert options.parent is parent
        assert options.depends_on == [namespace]
        assert options.deleted_with is namespace
        assert options.protect is True

    run_under_mocks(program, stack="pr-1")
