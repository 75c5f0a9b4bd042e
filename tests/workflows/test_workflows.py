"""The GitHub workflows read against issue 5: triggers, permissions, concurrency, guards.

actionlint (scripts/actionlint) checks that they are valid workflows; these tests check that they
do what we promise, and run the guard and kubeconfig steps' own scripts the way a runner would.
"""

from __future__ import annotations

import base64
import copy
import functools
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PR_NUMBER = "${{ github.event.pull_request.number }}"
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"


def load(name: str) -> dict[Any, Any]:
    """The workflow as YAML 1.1 reads it; parsed once per text, a fresh copy for every call."""
    return copy.deepcopy(_parsed((WORKFLOWS / name).read_text()))


@functools.cache
def _parsed(text: str) -> dict[Any, Any]:
    return yaml.safe_load(text)


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """``on:`` (which YAML 1.1 reads as the key True)."""
    return workflow.get("on", workflow.get(True))


def all_workflows() -> dict[str, dict[Any, Any]]:
    return {path.name: load(path.name) for path in sorted(WORKFLOWS.glob("*.yml"))}


def step(job: dict[str, Any], name_start: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if str(s.get("name", "")).startswith(name_start))


def run_step(script: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """As a runner does: ``bash --noprofile --norc -eo pipefail FILE``."""
    file = tmp_path / "step.sh"
    file.write_text(script)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(file)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_six_workflows_exist() -> None:
    assert set(all_workflows()) == {
        "pr-preview.yml",
        "pr-deploy.yml",
        "pr-teardown.yml",
        "production.yml",
        "e2e-kind.yml",
        "reaper.yml",  # issue 11: the backstop behind pr-teardown
    }


def test_triggers() -> None:
    assert triggers(load("pr-preview.yml")) == {
        "pull_request": {"types": ["opened", "synchronize", "reopened"]}
    }
    assert set(triggers(load("pr-deploy.yml"))["pull_request"]["types"]) >= {
        "labeled",
        "synchronize",
    }
    assert "closed" in triggers(load("pr-teardown.yml"))["pull_request"]["types"]
    production = triggers(load("production.yml"))
    assert production["push"] == {"branches": ["main"]}
    assert "pull_request" not in production
    e2e = triggers(load("e2e-kind.yml"))
    assert "pull_request" in e2e and e2e["push"] == {"branches": ["main"]}


def test_no_workflow_runs_untrusted_code_with_secrets() -> None:
    for name, workflow in all_workflows().items():
        assert not {"pull_request_target", "workflow_run"} & set(triggers(workflow)), name


def test_least_privilege_permissions() -> None:
    writers = {}
    for name, workflow in all_workflows().items():
        assert workflow["permissions"] == {}, f"{name}: default token must get nothing"
        for job_id, job in workflow["jobs"].items():
            assert "permissions" in job, f"{name}/{job_id} must declare its permissions"
            assert job["permissions"].get("contents") == "read", f"{name}/{job_id}"
            writes = {scope for scope, level in job["permissions"].items() if level == "write"}
            if writes:
                writers[f"{name}/{job_id}"] = writes
    # The preview comment, and the teardown receipts in it (issue 11).
    assert writers == {
        "pr-preview.yml/preview": {"pull-requests"},
        "pr-teardown.yml/teardown": {"pull-requests"},
        "reaper.yml/reap": {"pull-requests"},
    }


def test_every_update_of_a_stack_is_serialised_per_stack_and_never_cancelled() -> None:
    """One group per kind of run and pull request (issue 11): GitHub lets a newly queued run
    cancel the pending one of its group, so preview, deploy and teardown must not share one;
    Pulumi's stack lock serialises them on the stack instead (they wait for it)."""
    pr_jobs = {
        "preview": load("pr-preview.yml")["jobs"]["preview"],
        "deploy": load("pr-deploy.yml")["jobs"]["deploy"],
        "teardown": load("pr-teardown.yml")["jobs"]["teardown"],
    }
    for kind, job in pr_jobs.items():
        group = f"pulumi-{kind}-pr-{PR_NUMBER}"
        assert job["concurrency"] == {"group": group, "cancel-in-progress": False}
    production = load("production.yml")["jobs"]["up"]
    assert production["concurrency"] == {"group": "pulumi-production", "cancel-in-progress": False}


def test_pull_request_jobs_with_secrets_skip_forks() -> None:
    for name, job_id in [
        ("pr-preview.yml", "preview"),
        ("pr-deploy.yml", "deploy"),
        ("pr-teardown.yml", "teardown"),
    ]:
        assert SAME_REPO in load(name)["jobs"][job_id]["if"], f"{name}/{job_id}"
    guardrails = load("pr-preview.yml")["jobs"]["guardrails"]
    assert "secrets." not in yaml.safe_dump(guardrails), "guardrails must work without secrets"


def test_production_is_behind_its_environment_and_main_only() -> None:
    job = load("production.yml")["jobs"]["up"]
    assert job["environment"] == {"name": "production"}
    assert job["if"] == "${{ github.ref == 'refs/heads/main' }}"
    up = next(s for s in job["steps"] if s.get("with", {}).get("command") == "up")
    assert up["uses"].startswith("pulumi/actions@")
    assert up["with"]["stack-name"] == "production" and up["with"]["policyPacks"] == "policy"
    for name, workflow in all_workflows().items():
        for job_id, other in workflow["jobs"].items():
            if (name, job_id) != ("production.yml", "up"):
                assert "environment" not in other, f"{name}/{job_id}"


@pytest.mark.parametrize(
    ("name", "job_id"),
    [("pr-preview.yml", "preview"), ("pr-deploy.yml", "deploy"), ("pr-teardown.yml", "teardown")],
)
def test_pull_request_stacks_are_named_from_the_number_only(name: str, job_id: str) -> None:
    job = load(name)["jobs"][job_id]
    naming = job["steps"][0]
    assert naming["id"] == "stack"
    assert naming["env"] == {"PR_NUMBER": "${{ github.event.pull_request.number }}"}
    text = yaml.safe_dump(job)
    stack_uses = re.findall(r"(?:STACK|stack-name): (.+)", text)
    assert stack_uses and set(stack_uses) == {"${{ steps.stack.outputs.name }}"}
    assert "head_ref" not in text and "pull_request.title" not in text


@pytest.mark.parametrize("bad", ["production", "pr-", "pr-0", "pr-12; rm -rf /", "dev", ""])
def test_the_teardown_guard_refuses_production_and_any_other_name(bad: str, tmp_path: Path) -> None:
    guard = step(load("pr-teardown.yml")["jobs"]["teardown"], "Guard")
    result = run_step(guard["run"], {"STACK": bad}, tmp_path)
    assert result.returncode != 0 and "refusing" in result.stdout
    assert run_step(guard["run"], {"STACK": "pr-42"}, tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("name", "job_id"),
    [("pr-preview.yml", "preview"), ("pr-deploy.yml", "deploy"), ("pr-teardown.yml", "teardown")],
)
def test_the_stack_name_step_yields_pr_number(name: str, job_id: str, tmp_path: Path) -> None:
    naming = step(load(name)["jobs"][job_id], "Stack name")
    output = tmp_path / "output"
    result = run_step(naming["run"], {"PR_NUMBER": "42", "GITHUB_OUTPUT": str(output)}, tmp_path)
    assert result.returncode == 0 and output.read_text() == "name=pr-42\n"


@pytest.mark.parametrize(
    ("name", "job_id"), [("pr-preview.yml", "preview"), ("pr-deploy.yml", "deploy")]
)
@pytest.mark.parametrize("number", ["", "0", "production", "12; rm -rf /"])
def test_pull_request_jobs_refuse_a_name_that_is_not_pr_number(
    name: str, job_id: str, number: str, tmp_path: Path
) -> None:
    naming = step(load(name)["jobs"][job_id], "Stack name")
    output = tmp_path / "output"
    result = run_step(naming["run"], {"PR_NUMBER": number, "GITHUB_OUTPUT": str(output)}, tmp_path)
    assert result.returncode != 0 and not output.exists()


def test_teardown_uses_the_idempotent_script_from_the_base_branch() -> None:
    job = load("pr-teardown.yml")["jobs"]["teardown"]
    checkout = next(
        s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout")
    )
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    destroy = step(job, "Refresh, destroy, stack rm")
    assert 'bash e2e/teardown-stack.sh "$STACK"' in destroy["run"]
    names = [s.get("name", "") for s in job["steps"]]
    assert names.index("Guard - never production, only pr-<number>") < names.index(
        "Refresh, destroy, stack rm (success when already gone)"
    )
    assert "'deploy-env'" in job["if"] and "closed" in job["if"]


def test_deploy_follows_the_deploy_env_label() -> None:
    job = load("pr-deploy.yml")["jobs"]["deploy"]
    assert "contains(github.event.pull_request.labels.*.name, 'deploy-env')" in job["if"]
    # `pulumi up` runs in a shell now, so it can wait while a teardown holds the stack (issue 11).
    up = step(job, "pulumi up")
    assert up["env"]["STACK"] == "${{ steps.stack.outputs.name }}"
    assert 'pulumi stack select --create "$STACK"' in up["run"]
    assert 'pulumi-retry-locked.sh pulumi up --stack "$STACK" --yes' in up["run"]
    assert "--policy-pack policy" in up["run"]
    assert not any("pulumi/actions" in str(s.get("uses")) and "command" in s.get("with", {})
                   for s in job["steps"])  # fmt: skip


def test_preview_posts_one_comment_edited_by_its_marker() -> None:
    job = load("pr-preview.yml")["jobs"]["preview"]
    preview = step(job, "pulumi preview")["run"]
    assert "--policy-pack policy" in preview
    assert 'pulumi stack select --create "$STACK"' in step(job, "Log in")["run"]
    marker = "<!-- catalyst-environments:pr-environment -->"
    assert marker in step(job, "Compose")["run"]
    upsert = step(job, "Create or edit the one comment")
    assert upsert["uses"].startswith("actions/github-script@")
    assert marker in upsert["with"]["script"] and "updateComment" in upsert["with"]["script"]
    assert "GUARDRAILS_REPORT" in step(job, "Compose")["env"]
    for workflow in all_workflows().values():
        for other in workflow["jobs"].values():
            for s in other["steps"]:
                assert s.get("with", {}).get("comment-on-pr") in (None, False)


def test_guardrails_diff_base_against_head_and_lint_the_rendered_stacks() -> None:
    job = load("pr-preview.yml")["jobs"]["guardrails"]
    render = step(job, "Render")["run"]
    assert '-m components render --stack "$stack" --out "$OUT/head/$stack"' in render
    base = step(job, "Check out the base branch")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert "(cd .pr-base &&" in render and '--out "$GITHUB_WORKSPACE/$OUT/base/$stack"' in render
    assert "--format github" in step(job, "Lint")["run"]
    assert "-m reachability diff" in step(job, "Connectivity diff report")["run"]
    assert job["outputs"]["report"] == "${{ steps.report.outputs.report }}"


@pytest.mark.parametrize(
    ("name", "job_id"),
    [
        ("pr-preview.yml", "preview"),
        ("pr-deploy.yml", "deploy"),
        ("pr-teardown.yml", "teardown"),
        ("production.yml", "up"),
    ],
)
def test_the_kubeconfig_is_written_owner_only_from_its_secret(
    name: str, job_id: str, tmp_path: Path
) -> None:
    kube = step(load(name)["jobs"][job_id], "Kubeconfig")
    assert kube["env"] == {"KUBECONFIG_DATA": "${{ secrets.KUBECONFIG_DATA }}"}
    config = "apiVersion: v1\nkind: Config\nclusters: []\n"
    env = {
        "KUBECONFIG_DATA": base64.b64encode(config.encode()).decode(),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ENV": str(tmp_path / "github_env"),
    }
    assert run_step(kube["run"], env, tmp_path).returncode == 0
    written = tmp_path / "kube" / "config"
    assert written.read_text() == config
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert (tmp_path / "github_env").read_text() == f"KUBECONFIG={written}\n"
    missing = run_step(kube["run"], {**env, "KUBECONFIG_DATA": ""}, tmp_path)
    assert missing.returncode != 0 and "KUBECONFIG_DATA is not set" in missing.stdout


@pytest.mark.parametrize(
    ("name", "job_id"),
    [
        ("pr-preview.yml", "preview"),
        ("pr-deploy.yml", "deploy"),
        ("pr-teardown.yml", "teardown"),
        ("production.yml", "up"),
        ("reaper.yml", "reap"),
    ],
)
def test_both_backends_are_supported(name: str, job_id: str) -> None:
    """Pulumi Cloud (access token) or a self-managed backend URL with a passphrase."""
    job = load(name)["jobs"][job_id]
    env = job["env"]
    assert env["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    backend = {env.get("PULUMI_BACKEND_URL")} | {
        s["with"].get("cloud-url") for s in job["steps"] if "cloud-url" in s.get("with", {})
    }
    assert "${{ secrets.PULUMI_BACKEND_URL }}" in backend


def test_actions_are_pinned_to_one_major_version_each() -> None:
    versions: dict[str, set[str]] = {}
    for workflow in all_workflows().values():
        for job in workflow["jobs"].values():
            for s in job["steps"]:
                if "uses" in s:
                    action, _, ref = s["uses"].partition("@")
                    assert re.fullmatch(r"v\d+|[0-9a-f]{40}", ref), s["uses"]
                    versions.setdefault(action, set()).add(ref)
    assert {action: len(refs) for action, refs in versions.items()} == dict.fromkeys(versions, 1)
    assert versions["pulumi/actions"] == {"v7"}


def test_e2e_runs_on_kind_with_enforcing_kindnet_and_always_tears_down() -> None:
    job = load("e2e-kind.yml")["jobs"]["kind"]
    kind = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("helm/kind-action"))
    major, minor = (int(x) for x in kind["with"]["version"].removeprefix("v").split(".")[:2])
    assert (major, minor) >= (0, 24), "kindnet enforces NetworkPolicy from kind v0.24"
    names = [s.get("name", "") for s in job["steps"]]
    for needed in ("Plan the probes", "Predict with reachability", "Measure the real matrix",
                   "Compare measured with predicted"):  # fmt: skip
        assert any(n.startswith(needed) for n in names), needed
    assert names.index("Predict with reachability (before touching the cluster)") < names.index(
        "Deploy the probe pods"
    )
    for final in ("Tear down", "Refuses production", "The namespaces are gone"):
        assert step(job, final)["if"] == "${{ always() }}"
    teardown = step(job, "Tear down")["run"]
    assert teardown.count("bash e2e/teardown-stack.sh") == 2
    assert "kubectl delete namespace -l catalyst.dev/environment=pr-102" in teardown
    assert "pulumi state unprotect --all" in teardown
    assert "PULUMI_ACCESS_TOKEN" not in yaml.safe_dump(job), "the e2e job needs no secret"
