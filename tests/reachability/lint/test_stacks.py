"""Our own environments must lint clean of errors: what the program renders for each stack, read
as the Pulumi CLI reads the config, and variants a team is likely to configure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reachability.cli import main
from reachability.lint import Finding, has_errors, lint_manifests
from tests.support.processes import run_in_process
from tests.support.stacks import stack_manifests

STACKS = ["dev", "pr-123", "pr-456", "production"]


def lint(stack: str, **overrides: Any) -> tuple[Finding, ...]:
    return lint_manifests(stack_manifests(stack, **overrides), source=f"<{stack}>")


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_lints_clean_of_errors(stack: str) -> None:
    findings = lint(stack)
    assert not has_errors(findings), [f.to_json() for f in findings]


@pytest.mark.parametrize("stack", ["dev", "pr-123", "pr-456"])
def test_development_stacks_have_no_findings_at_all(stack: str) -> None:
    assert lint(stack) == ()


def test_production_only_warns_that_its_pods_do_not_reach_each_other() -> None:
    """allowSameNamespace is off in production: intended, hence a warning and not an error."""
    findings = lint("production")
    assert [(f.id, f.severity) for f in findings] == [("NP006", "warning")]
    assert "cannot reach each other" in findings[0].message


def test_a_database_in_development_is_not_shadowed_by_allow_same_namespace() -> None:
    """The program keeps database pods out of allow-same-namespace so that the database policies
    still decide who reaches them (the seed's "moot policy" trap)."""
    database = {"name": "redis", "podLabels": {"app": "redis"}, "port": 6379,
                "clientLabels": {"cache": "true"}}  # fmt: skip
    findings = lint("pr-123", databases=[database])
    assert not has_errors(findings)
    assert [f for f in findings if f.id == "NP007"] == []


def test_custom_egress_without_metadata_exception_is_caught() -> None:
    """The program's default excepts cloud metadata; a team overriding `egress` may forget."""
    egress = [{"name": "internet", "cidr": "0.0.0.0/0", "ports": [{"port": 443}]}]
    findings = lint("pr-123", egress=egress)
    assert {f.id for f in findings if f.severity == "error"} == {"NP004"}
    assert all(f.obj == "NetworkPolicy myteam-myproject-pr-123/allow-egress-internet"
               for f in findings if f.id == "NP004")  # fmt: skip


@pytest.mark.parametrize("stack", ["pr-123", "production"])
def test_rendered_stack_lints_clean_through_the_cli(
    stack: str, rendered_stacks: Callable[..., Path]
) -> None:
    out = rendered_stacks(stack) / stack
    result = run_in_process(main, "lint", "-f", out)  # as a process: lint/test_cli.py
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert "0 errors" in last or last == "no findings"
