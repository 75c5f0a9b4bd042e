"""The proof of the cluster guardrails: what the program renders for pr-123, pr-456 and production
with clusterGuardrails on, a hostile ``allow-all`` NetworkPolicy in pr-123 (and one in pr-456),
and ``reachability check`` (in process) against examples/expectations-guardrails.yaml: pr-123
still neither reaches nor is reached from pr-456 and production, on any port, and what the
environments need still works.

The control is the same input without the guardrails, where the hostile policies DO open pr-123:
with pods on addresses outside the private ranges (examples/guardrails/pods.yaml), pr-456's and
production's registry rule (0.0.0.0/0 on TCP 443) lets them in once allow-all admits them, and
with allow-all in pr-456 too, the two pull requests reach each other on every port.

These need the analyzer to read ClusterNetworkPolicy; the controls and the expectations' own
checks do not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reachability.cli import main as reachability_main
from tests.support.paths import REPO_ROOT
from tests.support.stacks import render_stacks

EXAMPLES = REPO_ROOT / "examples"
EXPECTATIONS = EXAMPLES / "expectations-guardrails.yaml"
PODS = EXAMPLES / "guardrails" / "pods.yaml"
ALLOW_ALL_PR_123 = EXAMPLES / "guardrails" / "allow-all-pr-123.yaml"
ALLOW_ALL_PR_456 = EXAMPLES / "guardrails" / "allow-all-pr-456.yaml"
STACKS = ("pr-123", "pr-456", "production")
PR = "myteam-myproject-pr-123"
OTHER = "myteam-myproject-pr-456"
PROD = "myteam-myproject-production"

Verdict = dict[str, Any]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_stacks(tmp_path_factory.mktemp("guarded"), STACKS, guardrails=True)


@pytest.fixture(scope="module")
def unguarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_stacks(tmp_path_factory.mktemp("unguarded"), STACKS, guardrails=False)


@pytest.fixture
def check(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, list[Verdict]]]:
    """``reachability check -f <the three stacks> -f EXTRA... --expect FILE --format json``."""

    def run(rendered: Path, *extra: Path, expect: Path = EXPECTATIONS) -> tuple[int, list[Verdict]]:
        files = [arg for path in (*(rendered / s for s in STACKS), *extra) for arg in ("-f", path)]
        argv = ["check", *map(str, files), "--expect", str(expect), "--format", "json"]
        capsys.readouterr()  # what ran before (a render) is not the check's output
        code = reachability_main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 1), err
        return code, json.loads(out)

    return run


def failed(verdicts: list[Verdict]) -> set[tuple[str, str, int, str]]:
    return {
        (v["from"], v["to"], v["port"], v["protocol"])
        for v in verdicts
        if v["expected"] != v["actual"]
    }


def expectations() -> list[dict[str, Any]]:
    return yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))


def between(first: str, second: str) -> set[tuple[str, str, int, str]]:
    """The expectations of the file about traffic between two namespaces, either way."""
    return {
        (e["from"], e["to"], e["port"], e.get("protocol", "TCP"))
        for e in expectations()
        if {e["from"].split("/")[0], e["to"].split("/")[0]} == {first, second}
    }


def into_pr_123_on_443() -> set[tuple[str, str, int, str]]:
    return {
        key
        for key in between(PR, OTHER) | between(PR, PROD)
        if key[1].startswith(f"{PR}/") and key[2:] == (443, "TCP")
    }


def test_the_expectations_cover_both_directions_several_ports_and_what_must_keep_working() -> None:
    wanted = expectations()
    for first, second in ((PR, OTHER), (PR, PROD)):
        lines = [e for e in wanted if (e["from"].split("/")[0], e["to"].split("/")[0]) in {
            (first, second), (second, first)
        }]  # fmt: skip
        assert lines and not any(e["allowed"] for e in lines)
        assert {e["from"].split("/")[0] for e in lines} == {first, second}, "both directions"
        assert len({(e["port"], e.get("protocol", "TCP")) for e in lines}) >= 4
    allowed = [e for e in wanted if e["allowed"]]
    assert any(e["from"].startswith("ingress-nginx/") for e in allowed)
    assert any(e["to"].startswith("kube-system/coredns") for e in allowed)
    assert any(e["to"] == "93.184.216.34" for e in allowed)
    assert any(e["to"] == f"{PROD}/postgres" for e in allowed)


def test_a_hostile_allow_all_in_pr_123_cannot_open_it_to_other_environments(
    guarded: Path, check: Callable[..., tuple[int, list[Verdict]]]
) -> None:
    code, verdicts = check(guarded, PODS, ALLOW_ALL_PR_123)
    assert failed(verdicts) == set()
    assert code == 0
    assert len(verdicts) == len(expectations())


def test_nor_hostile_policies_in_pr_123_and_pr_456_together(
    guarded: Path, check: Callable[..., tuple[int, list[Verdict]]]
) -> None:
    code, verdicts = check(guarded, PODS, ALLOW_ALL_PR_123, ALLOW_ALL_PR_456)
    assert failed(verdicts) == set()
    assert code == 0


def test_control_without_the_guardrails_allow_all_in_pr_123_lets_other_environments_in(
    unguarded: Path, check: Callable[..., tuple[int, list[Verdict]]]
) -> None:
    code, verdicts = check(unguarded, PODS, ALLOW_ALL_PR_123)
    assert code == 1
    assert failed(verdicts) == into_pr_123_on_443()
    assert {key[0].split("/")[0] for key in into_pr_123_on_443()} == {OTHER, PROD}


def test_control_without_the_guardrails_two_hostile_policies_open_pr_123_and_pr_456_fully(
    unguarded: Path, check: Callable[..., tuple[int, list[Verdict]]]
) -> None:
    code, verdicts = check(unguarded, PODS, ALLOW_ALL_PR_123, ALLOW_ALL_PR_456)
    assert code == 1
    assert failed(verdicts) == between(PR, OTHER) | into_pr_123_on_443()


def test_control_without_any_hostile_policy_the_network_policies_alone_hold(
    unguarded: Path, check: Callable[..., tuple[int, list[Verdict]]]
) -> None:
    """Every cross-environment line holds on the NetworkPolicies alone; only the last line,
    which the hostile policy opens, does not: the expectations are about what it changes."""
    code, verdicts = check(unguarded, PODS)
    assert code == 1
    assert failed(verdicts) == {(f"{PR}/web", "kube-system/metrics", 8080, "TCP")}


BASELINE_EXPECTATIONS = [
    {"from": "ingress-nginx/controller", "to": f"{PR}/web", "port": 80, "allowed": False},
    {"from": f"{PR}/web", "to": "kube-system/metrics", "port": 8080, "allowed": False},
    {"from": f"{PR}/web", "to": "93.184.216.34", "port": 443, "allowed": False},
    {"from": f"{PR}/web", "to": f"{PR}/worker", "port": 8080, "allowed": False},
    {"from": f"{OTHER}/web", "to": f"{PR}/web", "port": 443, "allowed": False},
    {"from": f"{PROD}/web", "to": f"{PR}/web", "port": 443, "allowed": False},
    {"from": "ingress-nginx/controller", "to": f"{OTHER}/web", "port": 80, "allowed": True},
]


def test_with_the_baseline_deny_a_namespace_whose_network_policies_are_deleted_stays_closed(
    tmp_path: Path, check: Callable[..., tuple[int, list[Verdict]]]
) -> None:
    expect = tmp_path / "baseline.yaml"
    expect.write_text(yaml.safe_dump(BASELINE_EXPECTATIONS))
    for baseline_deny in (True, False):
        rendered = render_stacks(
            tmp_path / str(baseline_deny), STACKS, guardrails=True, baseline_deny=baseline_deny
        )
        deleted = sorted((rendered / "pr-123").glob("networkpolicy-*.yaml"))
        assert deleted
        for path in deleted:
            path.unlink()
        code, verdicts = check(rendered, PODS, expect=expect)
        if baseline_deny:
            assert failed(verdicts) == set()
            assert code == 0
        else:
            # Only the Admin guardrails: other environments stay out, everything else is open.
            assert failed(verdicts) == {
                (e["from"], e["to"], e["port"], "TCP")
                for e in BASELINE_EXPECTATIONS
                if e["from"].split("/")[0] not in (OTHER, PROD) and not e["allowed"]
            }
