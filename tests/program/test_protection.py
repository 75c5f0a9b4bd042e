"""Which resources carry ``protect`` and ``deletedWith``, under Pulumi mocks (issue 11, point 3).

The engine refuses to delete or replace a protected resource, during ``pulumi up`` as much as
during ``pulumi destroy``, so protecting every production object blocked routine edits (removing a
database entry deletes its two policies). What production needs instead:

* the Namespace protected: it cannot be deleted or replaced, by ``up`` or by ``destroy``;
* everything inside it unprotected and ``deleted_with`` the namespace: ``pulumi up`` may delete or
  replace one policy, quota or limit range;
* one protected ``DestroyGuard`` that depends on every object of the environment: ``destroy``
  deletes dependents first, so the guard is the first delete attempted, and the engine skips every
  transitive dependency of a delete it refused, so nothing at all is deleted (see the README,
  "Why production is protected the way it is").
"""

from __future__ import annotations

import pytest

from tests.support.pulumi_mocks import Registration, Run, cli_config, run_main

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
GUARD = "catalyst:index:DestroyGuard"
ENVIRONMENT = "catalyst:index:EnvironmentNamespace"
POLICY_SET = "catalyst:index:NetworkPolicySet"
QUOTA_CONFIG = {
    "catalyst-environments:quota": '{"pods":"50"}',
    "catalyst-environments:limitRange": '{"default":{"cpu":"1"}}',
}


def production(**extra: str) -> Run:
    return run_main("production", {**cli_config("production"), **QUOTA_CONFIG, **extra})


def inside_the_namespace(run: Run) -> list[Registration]:
    return [r for r in run.resources if r.type in (NETWORK_POLICY, QUOTA, LIMIT_RANGE)]


def test_production_protects_exactly_the_namespace_and_the_destroy_guard() -> None:
    run = production()
    protected = {r.type for r in run.resources if r.protect}
    assert protected == {NAMESPACE, GUARD}
    assert run.by_name("environment-namespace").protect is True
    assert run.by_name("environment-destroy-guard").protect is True


def test_production_objects_inside_the_namespace_are_unprotected_and_deleted_with_it() -> None:
    run = production()
    namespace = run.by_name("environment-namespace")
    inside = inside_the_namespace(run)
    assert {r.type for r in inside} == {NETWORK_POLICY, QUOTA, LIMIT_RANGE}
    for resource in inside:
        assert resource.protect is False, resource.name
        assert resource.deleted_with == namespace.urn, resource.name
        assert namespace.urn in resource.dependencies, resource.name


def test_the_components_themselves_are_not_protected() -> None:
    run = production()
    for resource in run.of_type(ENVIRONMENT) + run.of_type(POLICY_SET):
        assert resource.protect is False, resource.name


def test_the_destroy_guard_depends_on_every_object_of_the_environment() -> None:
    run = production()
    guard = run.by_name("environment-destroy-guard")
    assert guard.type == GUARD and guard.custom is False
    assert guard.parent_name == "environment"
    objects = {r.urn for r in run.resources if r.custom}
    assert objects == {r.urn for r in inside_the_namespace(run)} | {
        run.by_name("environment-namespace").urn
    }
    assert set(guard.dependencies) == objects


def test_nothing_depends_on_the_guard_so_destroy_attempts_it_first() -> None:
    run = production()
    guard = run.by_name("environment-destroy-guard")
    for resource in run.resources:
        assert guard.urn not in resource.dependencies, resource.name
        assert resource.deleted_with != guard.urn, resource.name
        assert resource.parent != guard.urn, resource.name


def test_removing_a_database_from_production_removes_only_unprotected_resources() -> None:
    """The routine edit the issue names: what `pulumi up` deletes must carry no protect."""
    before = production()
    after = production(**{"catalyst-environments:databases": "[]"})
    removed = {r.urn for r in before.resources} - {r.urn for r in after.resources}
    assert removed, "the database's policies must go"
    for urn in removed:
        resource = next(r for r in before.resources if r.urn == urn)
        assert resource.type == NETWORK_POLICY and resource.protect is False, resource.name


@pytest.mark.parametrize("stack", ["pr-123", "dev"])
def test_development_protects_nothing_but_still_declares_the_guard(stack: str) -> None:
    run = run_main(stack)
    assert not any(r.protect for r in run.resources)
    guard = run.by_name("environment-destroy-guard")
    assert set(guard.dependencies) == {r.urn for r in run.resources if r.custom}


def test_protect_false_unprotects_the_guard_and_namespace_with_a_pulumi_up() -> None:
    """Turning protection off is one `pulumi up`: the guard stays declared, unprotected, so the
    engine updates its flag instead of refusing to delete a protected guard."""
    run = production(**{"catalyst-environments:protect": "false"})
    assert not any(r.protect for r in run.resources)
    assert run.by_name("environment-destroy-guard").type == GUARD


def test_protect_true_on_a_pull_request_stack_protects_namespace_and_guard() -> None:
    config = {**cli_config("pr-9"), "catalyst-environments:protect": "true"}
    run = run_main("pr-9", config)
    assert {r.name for r in run.resources if r.protect} == {
        "environment-namespace",
        "environment-destroy-guard",
    }
