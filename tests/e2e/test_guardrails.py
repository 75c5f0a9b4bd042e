"""The guardrails job's part of the e2e plan, offline: hostile allow-all policies, the
ClusterNetworkPolicies teardown must remove, and what the prediction says with and without the
guardrails for the cluster the job builds (two pull requests with allow-all, and production)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.cli import main
from e2e.guardrails import (
    ALLOW_ALL,
    HostilePolicyError,
    allow_all_policy,
    cluster_policy_names,
    hostile_policies,
)
from e2e.manifests import load_manifests
from e2e.plan import probe_plan
from e2e.predict import predict
from e2e.probes import probe_set
from reachability import from_manifests
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_in_process
from tests.support.stacks import render_stacks

STACKS = ("pr-201", "pr-202", "production")
FIRST, SECOND, PROD = (f"myteam-myproject-{stack}" for stack in STACKS)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_stacks(tmp_path_factory.mktemp("guarded"), STACKS, guardrails=True)


@pytest.fixture(scope="module")
def unguarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_stacks(tmp_path_factory.mktemp("unguarded"), STACKS, guardrails=False)


def plan(*args: str | Path) -> Any:
    with contextlib.chdir(REPO_ROOT):
        return run_in_process(main, "plan", *args)


def test_allow_all_selects_every_pod_and_allows_everything_both_ways() -> None:
    policy = allow_all_policy("ns")
    assert policy["metadata"]["name"] == ALLOW_ALL and policy["metadata"]["namespace"] == "ns"
    assert policy["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{}],
        "egress": [{}],
    }
    cluster = from_manifests([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}},
                              policy])  # fmt: skip
    assert [p.name for p in cluster.policies] == [ALLOW_ALL]


def test_hostile_policies_are_only_for_the_rendered_environments() -> None:
    environments = [FIRST, SECOND]
    made = hostile_policies([SECOND, FIRST, SECOND], environments)
    assert [p["metadata"]["namespace"] for p in made] == [FIRST, SECOND]
    assert hostile_policies([], environments) == []
    with pytest.raises(HostilePolicyError, match="--allow-all kube-system: not a namespace"):
        hostile_policies(["kube-system"], environments)


def test_cluster_policy_names_are_the_rendered_ones(guarded: Path, unguarded: Path) -> None:
    assert cluster_policy_names(load_manifests([unguarded])) == []
    assert cluster_policy_names(load_manifests([guarded])) == [
        f"catalyst-guardrails-{namespace}" for namespace in (FIRST, SECOND, PROD)
    ]


def test_plan_writes_the_hostile_policies_and_the_cluster_policies_to_remove(
    guarded: Path, tmp_path: Path
) -> None:
    out = tmp_path / "probe"
    done = plan("-f", guarded, "--out", out, "--allow-all", FIRST, "--allow-all", SECOND)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("; 2 allow-all policies; 3 ClusterNetworkPolicies")
    hostile = list(yaml.safe_load_all((out / "manifests" / "allow-all.yaml").read_text()))
    assert hostile == [allow_all_policy(FIRST), allow_all_policy(SECOND)]
    assert (out / "cluster-policies.txt").read_text().split() == [
        f"catalyst-guardrails-{namespace}" for namespace in (FIRST, SECOND, PROD)
    ]
    again = plan("-f", guarded, "--out", out)
    assert again.returncode == 0, again.stderr
    assert not (out / "manifests" / "allow-all.yaml").exists(), "no earlier plan's policies"


def test_plan_without_guardrails_lists_no_cluster_policy(unguarded: Path, tmp_path: Path) -> None:
    done = plan("-f", unguarded, "--out", tmp_path / "probe")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "probe" / "cluster-policies.txt").read_text() == ""
    assert not (tmp_path / "probe" / "manifests" / "allow-all.yaml").exists()


def test_an_allow_all_for_a_namespace_no_stack_creates_is_one_line_exit_2(
    unguarded: Path, tmp_path: Path
) -> None:
    done = plan("-f", unguarded, "--out", tmp_path / "probe", "--allow-all", "ingress-nginx")
    assert done.returncode == 2
    assert done.stderr.startswith("e2e plan: --allow-all ingress-nginx: not a namespace of")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "probe").exists(), "nothing written"


def predicted(rendered: Path) -> dict[tuple[str, str, int, str], bool]:
    """What the job's predict step says for its cluster: allow-all in both pull requests."""
    manifests = load_manifests([rendered])
    probes = probe_set(manifests)
    every = [*manifests, *probes.apply, *probes.fixtures, *hostile_policies([FIRST, SECOND],
             probes.environment_namespaces)]  # fmt: skip
    outcomes = predict(every, probe_plan([*probes.apply, *probes.fixtures]))
    return {outcome.probe.key: bool(outcome.allowed) for outcome in outcomes}


def between(verdicts: dict[tuple[str, str, int, str], bool], a: str, b: str) -> dict[Any, bool]:
    return {
        key: allowed
        for key, allowed in verdicts.items()
        if {key[0].split("/")[0], key[1].split("/")[0]} == {a, b}
    }


def test_control_without_guardrails_the_hostile_policies_open_the_two_pull_requests(
    unguarded: Path,
) -> None:
    crossing = between(predicted(unguarded), FIRST, SECOND)
    assert crossing and all(crossing.values()), "the job's control: allow-all opens them"
    assert not any(between(predicted(unguarded), FIRST, PROD).values())


def test_with_guardrails_the_prediction_keeps_every_environment_apart(guarded: Path) -> None:
    """What the guardrails job measures on Kind. Needs the analyzer to read
    ClusterNetworkPolicy (without it, it predicts the control's matrix)."""
    verdicts = predicted(guarded)
    for a, b in ((FIRST, SECOND), (FIRST, PROD), (SECOND, PROD)):
        crossing = between(verdicts, a, b)
        assert crossing and not any(crossing.values()), (a, b)
    inside = {k: v for k, v in verdicts.items() if k[0].startswith(f"{FIRST}/")
              and k[1].startswith(f"{FIRST}/")}  # fmt: skip
    assert inside and all(inside.values()), "same-namespace traffic still works"
    assert verdicts[("ingress-nginx/probe-ingress", f"{FIRST}/probe-web", 8080, "TCP")]
