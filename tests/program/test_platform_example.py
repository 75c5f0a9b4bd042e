"""examples/platform: two environments in one stack from typed args, under mocks; each declares
what the program's stack-config path declares for the same values."""

from __future__ import annotations

import runpy
from typing import Any

from components.manifests import environment_manifests
from components.settings import settings_from_config
from tests.support.paths import REPO_ROOT
from tests.support.pulumi_mocks import Run, run_under_mocks

EXAMPLE = REPO_ROOT / "examples" / "platform" / "__main__.py"
POSTGRES = {
    "name": "postgres",
    "podLabels": {"app": "postgres"},
    "port": 5432,
    "clientLabels": {"db-access": "true"},
}


def run_example() -> Run:
    return run_under_mocks(
        lambda: runpy.run_path(str(EXAMPLE), run_name="__main__"), stack="platform"
    )


def manifests_under(run: Run, component: str) -> list[dict[str, Any]]:
    """The Kubernetes objects one environment declared (its descendants' inputs)."""
    names = {component}
    changed = True
    while changed:
        before = len(names)
        names |= {r.name for r in run.resources if r.parent_name in names}
        changed = len(names) != before
    objects = [r.inputs for r in run.resources if r.custom and r.parent_name in names]
    return sorted(objects, key=lambda o: (o["kind"], o["metadata"]["name"]))


def expected(stack: str, config: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        environment_manifests(settings_from_config(stack, config)),
        key=lambda o: (o["kind"], o["metadata"]["name"]),
    )


def test_two_environments_in_one_stack_each_with_its_own_tier() -> None:
    run = run_example()
    assert run.outputs["namespaces"] == ["shop-checkout-staging", "shop-checkout-live"]
    assert run.outputs["tiers"] == ["development", "production"]
    assert {r.name for r in run.resources if r.protect} == {
        "live-namespace",
        "live-destroy-guard",
    }
    urns = [r.urn for r in run.resources]
    assert len(urns) == len(set(urns))


def test_each_environment_is_what_the_stack_config_path_declares() -> None:
    run = run_example()
    common = {"team": "shop", "project": "checkout", "databases": [POSTGRES]}
    staging = expected(
        "pr-1",
        {
            **common,
            "environment": "staging",
            "quota": {"pods": "40", "requests.cpu": "4", "requests.memory": "8Gi"},
        },
    )
    live = expected(
        "production",
        {
            **common,
            "environment": "live",
            "podSecurity": "restricted",
            "egress": [{"name": "payments", "cidr": "203.0.113.0/24", "ports": [{"port": 443}]}],
        },
    )
    assert manifests_under(run, "staging") == staging
    assert manifests_under(run, "live") == live
    assert run.outputs["livePolicies"] == sorted(
        o["metadata"]["name"] for o in live if o["kind"] == "NetworkPolicy"
    )
