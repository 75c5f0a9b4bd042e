"""The guardrails as Pulumi resources, under mocks: created only when on, as CustomResources that
are children of the environment with stable logical names, never deleted with the namespace
(Kubernetes does not delete cluster-scoped objects with it), before the namespace and after it."""

from __future__ import annotations

from typing import Any

import pytest

from components.args_settings import args_from_settings
from components.cluster_policies import cluster_policies
from components.environment import EnvironmentNamespace
from components.settings import settings_from_config
from tests.support.pulumi_mocks import Run, cli_config, run_main, run_under_mocks

CNP_TYPE = "kubernetes:policy.networking.k8s.io/v1alpha2:ClusterNetworkPolicy"
BOTH = {"clusterGuardrails": "true", "clusterBaselineDeny": "true"}
CLI_BOTH = {f"catalyst-environments:{key}": value for key, value in BOTH.items()}


def build(stack: str, config: dict[str, Any], name: str = "env") -> Run:
    settings = settings_from_config(stack, config)
    return run_under_mocks(
        lambda: EnvironmentNamespace(name, args_from_settings(settings)), stack=stack
    )


@pytest.mark.parametrize("stack", ["pr-123", "production"])
def test_nothing_cluster_scoped_is_registered_when_off(stack: str) -> None:
    run = run_main(stack)
    assert run.of_type(CNP_TYPE) == []
    assert run.by_name("environment-namespace").dependency_names == ()


def test_on_each_policy_is_one_custom_resource_child_of_the_environment() -> None:
    run = build("pr-123", BOTH)
    declared = run.of_type(CNP_TYPE)
    assert sorted(r.name for r in declared) == [
        "env-cluster-baseline-deny",
        "env-cluster-guardrails",
    ]
    assert {r.parent_name for r in declared} == {"env"}
    assert all(r.custom for r in declared)
    expected = {
        m["metadata"]["name"]: m for m in cluster_policies(settings_from_config("pr-123", BOTH))
    }
    assert {r.inputs["metadata"]["name"]: r.inputs for r in declared} == expected


def test_logical_names_do_not_depend_on_the_namespace() -> None:
    """Renaming a logical name replaces a live object; the namespace is in the object's name."""
    one = build("pr-1", BOTH)
    other = build("pr-1", {**BOTH, "environment": "pr-99"})
    assert [r.name for r in one.of_type(CNP_TYPE)] == [r.name for r in other.of_type(CNP_TYPE)]
    assert [r.inputs["metadata"]["name"] for r in one.of_type(CNP_TYPE)] != [
        r.inputs["metadata"]["name"] for r in other.of_type(CNP_TYPE)
    ]


def test_never_deleted_with_the_namespace_and_the_namespace_depends_on_them() -> None:
    """deletedWith would make `pulumi destroy` skip their delete call, leaving them behind: the
    namespace's deletion does not take cluster-scoped objects with it. The Namespace depends on
    them, so they exist before it and are deleted after it is gone."""
    run = build("pr-123", BOTH)
    namespace = run.by_name("env-namespace")
    declared = run.of_type(CNP_TYPE)
    for resource in declared:
        assert resource.deleted_with == "", resource.name
        assert namespace.urn not in resource.dependencies, resource.name
    assert set(namespace.dependencies) == {r.urn for r in declared}


@pytest.mark.parametrize("stack", ["pr-123", "production"])
def test_unprotected_but_guarded_like_every_other_object(stack: str) -> None:
    run = build(stack, BOTH)
    guard = run.by_name("env-destroy-guard")
    declared = run.of_type(CNP_TYPE)
    assert declared and not any(r.protect for r in declared)
    assert {r.urn for r in declared} <= set(guard.dependencies)
    assert set(guard.dependencies) == {r.urn for r in run.resources if r.custom}
    assert {r.name for r in run.resources if r.protect} == (
        {"env-namespace", "env-destroy-guard"} if stack == "production" else set()
    )


def test_turning_them_off_removes_only_them() -> None:
    before = run_main("production", {**cli_config("production"), **CLI_BOTH})
    after = run_main("production")
    removed = {r.urn for r in before.resources} - {r.urn for r in after.resources}
    assert {urn.rsplit("::", 1)[-1] for urn in removed} == {
        "environment-cluster-guardrails",
        "environment-cluster-baseline-deny",
    }
    assert not any(r.protect for r in before.resources if r.urn in removed)


def test_the_program_declares_them_from_the_stack_config() -> None:
    run = run_main(
        "pr-123", {**cli_config("pr-123"), "catalyst-environments:clusterGuardrails": "true"}
    )
    assert [r.inputs["metadata"]["name"] for r in run.of_type(CNP_TYPE)] == [
        "catalyst-guardrails-myteam-myproject-pr-123"
    ]
    assert run.outputs["policies"] == run_main("pr-123").outputs["policies"]


def test_a_bad_value_stops_the_program_before_anything_is_registered() -> None:
    config = {**cli_config("pr-1"), "catalyst-environments:clusterBaselineDeny": "true"}
    run = run_main("pr-1", config, raise_errors=False)
    assert run.error is not None and run.resources == ()
    assert str(run.error).startswith(
        "config catalyst-environments:clusterBaselineDeny: true: only with clusterGuardrails: true"
    )
