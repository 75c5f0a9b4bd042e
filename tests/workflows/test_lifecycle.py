"""The workflows' side of the life cycle (issue 11): concurrency groups, the guard steps and where
they sit, the post-checks, the Dependabot notice, the receipts and the reaper. Steps' own scripts
run the way a runner would, with fakes of ``gh``, ``pulumi`` and the teardown on PATH."""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO_ROOT

REPO = REPO_ROOT
WORKFLOWS = REPO / ".github" / "workflows"
OPEN_LABELLED = REPO / "tests" / "data" / "lifecycle" / "pull-open-labelled.json"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"

# `gh api repos/R/pulls/N` prints $FAKE_PULL (a file) or, without it, fails with a 404.
FAKE_GH = """#!/usr/bin/env bash
echo "gh $*" >> "$FAKE_LOG"
if [ "$1" = api ]; then
  if [ -n "${FAKE_PULL:-}" ]; then cat "$FAKE_PULL"; exit 0; fi
  echo "gh: Not Found (HTTP 404)" >&2; exit 1
fi
exit 0
"""


def load(name: str) -> dict[Any, Any]:
    """The workflow as YAML 1.1 reads it; parsed once per text, a fresh copy for every call."""
    return copy.deepcopy(_parsed((WORKFLOWS / name).read_text()))


@functools.cache
def _parsed(text: str) -> dict[Any, Any]:
    return yaml.safe_load(text)


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))


def steps(job: dict[str, Any]) -> list[str]:
    return [str(s.get("name", s.get("uses", ""))) for s in job["steps"]]


def step(job: dict[str, Any], start: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if str(s.get("name", "")).startswith(start))


def index(job: dict[str, Any], start: str) -> int:
    return next(i for i, name in enumerate(steps(job)) if name.startswith(start))


def pull_file(tmp_path: Path, **changes: Any) -> Path:
    pull = json.loads(OPEN_LABELLED.read_text())
    pull.update(changes)
    file = tmp_path / "pull.json"
    file.write_text(json.dumps(pull))
    return file


def run_script(
    script: str, tmp_path: Path, env: dict[str, str], cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """As a runner does (``bash --noprofile --norc -eo pipefail``), with fakes first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "gh"
    fake.write_text(FAKE_GH)
    fake.chmod(0o755)
    file = tmp_path / "step.sh"
    file.write_text(script)
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir(exist_ok=True)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(file)],
        cwd=cwd,
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
            "GH_REPO": "acme/catalyst-environments",
            "PR_NUMBER": "42",
            "FAKE_LOG": str(tmp_path / "gh.log"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def outputs(tmp_path: Path) -> dict[str, str]:
    file = tmp_path / "output"
    if not file.exists():
        return {}
    return dict(line.split("=", 1) for line in file.read_text().splitlines() if "=" in line)


# --- concurrency: teardown can never be cancelled by a preview or deploy -------------------------


def test_preview_deploy_and_teardown_are_three_different_groups_per_pull_request() -> None:
    groups = {
        load("pr-preview.yml")["jobs"]["preview"]["concurrency"]["group"],
        load("pr-deploy.yml")["jobs"]["deploy"]["concurrency"]["group"],
        load("pr-teardown.yml")["jobs"]["teardown"]["concurrency"]["group"],
    }
    assert len(groups) == 3
    assert all("github.event.pull_request.number" in group for group in groups)


def test_no_pull_request_job_cancels_a_run_in_progress() -> None:
    for name, job_id in [
        ("pr-preview.yml", "preview"),
        ("pr-deploy.yml", "deploy"),
        ("pr-teardown.yml", "teardown"),
    ]:
        assert load(name)["jobs"][job_id]["concurrency"]["cancel-in-progress"] is False


# --- preview: asks GitHub right before the stack is created, and again after --------------------


def test_preview_asks_whether_the_pull_request_is_open_right_before_creating_the_stack() -> None:
    job = load("pr-preview.yml")["jobs"]["preview"]
    guard = index(job, "Still open?")
    assert index(job, "Log in and select (or create) the stack") == guard + 1
    assert "--operation preview" in step(job, "Still open?")["run"]
    for name in ("Log in and select", "pulumi preview with the policy pack"):
        assert step(job, name)["if"] == "${{ steps.guard.outputs.go == 'true' }}", name
    post = index(job, "Closed meanwhile?")
    assert post == index(job, "pulumi preview with the policy pack") + 1
    assert "bash e2e/teardown-stack.sh" in step(job, "Closed meanwhile?")["run"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_a_closed_pull_request_gets_no_preview_comment_over_its_receipt() -> None:
    job = load("pr-preview.yml")["jobs"]["preview"]
    condition = step(job, "Create or edit the one comment")["if"]
    assert "steps.guard.outputs.verdict != 'closed'" in condition
    assert "steps.postcheck.outputs.closed != 'true'" in condition


@pytest.mark.parametrize(
    ("changes", "go", "verdict"),
    [({}, "true", "proceed"), ({"state": "closed", "merged": True}, "false", "closed")],
)
def test_the_preview_guard_step(
    tmp_path: Path, changes: dict[str, Any], go: str, verdict: str
) -> None:
    script = step(load("pr-preview.yml")["jobs"]["preview"], "Still open?")["run"]
    result = run_script(script, tmp_path, {"FAKE_PULL": str(pull_file(tmp_path, **changes))})
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs(tmp_path)["go"] == go
    assert outputs(tmp_path)["verdict"] == verdict
    if go == "false":
        assert "::notice title=No pulumi preview::pull request #42 is merged" in result.stdout
        assert "No pulumi preview" in (tmp_path / "summary").read_text()


def test_the_preview_guard_step_fails_when_github_cannot_be_asked(tmp_path: Path) -> None:
    script = step(load("pr-preview.yml")["jobs"]["preview"], "Still open?")["run"]
    result = run_script(script, tmp_path, {})
    assert result.returncode != 0
    assert "go" not in outputs(tmp_path)


# --- Dependabot: no secrets is a notice, not a failure -------------------------------------------


def test_without_secrets_the_preview_stops_with_a_notice(tmp_path: Path) -> None:
    job = load("pr-preview.yml")["jobs"]["preview"]
    secrets = step(job, "Secrets for the preview")
    env = {"KUBECONFIG_DATA": "", "PULUMI_ACCESS_TOKEN": "", "PULUMI_BACKEND_URL": ""}
    result = run_script(secrets["run"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert outputs(tmp_path)["ready"] == "false"
    notice = outputs(tmp_path)["notice"]
    assert "KUBECONFIG_DATA" in notice and "Dependabot" in notice
    assert "::notice title=No pulumi preview::" in result.stdout
    assert notice in (tmp_path / "summary").read_text()
    for name in ("Install the Pulumi CLI", "Kubeconfig", "Still open?"):
        assert step(job, name)["if"] == "${{ steps.secrets.outputs.ready == 'true' }}", name
    assert step(job, "Fail when the preview failed")["if"].count("steps.preview.outcome") == 1


def test_with_the_secrets_the_preview_goes_on(tmp_path: Path) -> None:
    secrets = step(load("pr-preview.yml")["jobs"]["preview"], "Secrets for the preview")
    env = {"KUBECONFIG_DATA": "eA==", "PULUMI_ACCESS_TOKEN": "", "PULUMI_BACKEND_URL": "s3://b"}
    result = run_script(secrets["run"], tmp_path, env)
    assert result.returncode == 0 and outputs(tmp_path) == {"ready": "true"}


def test_the_comment_carries_the_no_secrets_notice(tmp_path: Path) -> None:
    compose = step(load("pr-preview.yml")["jobs"]["preview"], "Compose")
    assert compose["env"]["SECRETS_NOTICE"] == "${{ steps.secrets.outputs.notice }}"
    env = {
        "STACK": "pr-42",
        "SECRETS_NOTICE": "No pulumi preview: this run has no KUBECONFIG_DATA secret.",
        "GUARD_MESSAGE": "",
        "CLOSED_DURING_PREVIEW": "",
        "PREVIEW_STATUS": "",
        "GUARDRAILS_REPORT": "### Connectivity changes",
        "HEAD_SHA": HEAD,
        "RUN_URL": "https://example.invalid/run",
    }
    result = run_script(compose["run"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    comment = (tmp_path / "runner" / "comment.md").read_text()
    assert "**No pulumi preview: this run has no KUBECONFIG_DATA secret.**" in comment
    assert "failed" not in comment and "<details>" not in comment
    assert "### Connectivity changes" in comment


# --- deploy: the newest head, guarded right before `pulumi up`, checked after -------------------


def test_deploy_checks_out_the_head_the_api_reports_not_the_event_commit() -> None:
    job = load("pr-deploy.yml")["jobs"]["deploy"]
    checkout = next(
        s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout")
    )
    assert checkout["with"]["ref"] == "${{ steps.head.outputs.sha }}"
    assert index(job, "The pull request's head now") < job["steps"].index(checkout)
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}


def test_deploy_asks_right_before_pulumi_up_and_tears_down_if_closed_after() -> None:
    job = load("pr-deploy.yml")["jobs"]["deploy"]
    assert index(job, "pulumi up") == index(job, "Still open, labelled and at this commit?") + 1
    guard = step(job, "Still open, labelled")["run"]
    assert '--operation deploy --sha "$DEPLOY_SHA"' in guard
    assert step(job, "pulumi up")["if"] == "${{ steps.guard.outputs.go == 'true' }}"
    after = step(job, "Closed or unlabelled meanwhile?")
    assert index(job, "Closed or unlabelled meanwhile?") == index(job, "pulumi up") + 1
    assert "closed | not-labelled)" in after["run"]
    assert "bash e2e/teardown-stack.sh" in after["run"]


@pytest.mark.parametrize(
    ("changes", "sha", "go", "notice"),
    [
        ({}, HEAD, "true", None),
        ({}, "1" * 40, "false", "is now at"),
        ({"labels": []}, HEAD, "false", "no longer has the label deploy-env"),
        ({"state": "closed"}, HEAD, "false", "is closed"),
    ],
)
def test_the_deploy_guard_step(
    tmp_path: Path, changes: dict[str, Any], sha: str, go: str, notice: str | None
) -> None:
    script = step(load("pr-deploy.yml")["jobs"]["deploy"], "Still open, labelled")["run"]
    env = {"FAKE_PULL": str(pull_file(tmp_path, **changes)), "DEPLOY_SHA": sha}
    result = run_script(script, tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs(tmp_path) == {"go": go}
    if notice is not None:
        assert "::notice title=No deploy::" in result.stdout and notice in result.stdout


# --- teardown: its guard, its receipt -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status"),
    [({}, 1), ({"state": "closed"}, 0), ({"labels": []}, 0), (None, 0)],
)
def test_the_teardown_guard_stands_down_only_for_an_open_labelled_pull_request(
    tmp_path: Path, changes: dict[str, Any] | None, status: int
) -> None:
    env = {} if changes is None else {"FAKE_PULL": str(pull_file(tmp_path, **changes))}
    result = run_script("bash .github/scripts/teardown-guard.sh\n", tmp_path, env)
    assert result.returncode == status, result.stdout + result.stderr


def test_every_teardown_from_a_pull_request_workflow_asks_the_guard() -> None:
    texts = [
        step(load("pr-teardown.yml")["jobs"]["teardown"], "Refresh, destroy")["run"],
        step(load("pr-deploy.yml")["jobs"]["deploy"], "Closed or unlabelled")["run"],
        step(load("pr-preview.yml")["jobs"]["preview"], "Closed meanwhile?")["run"],
        step(load("reaper.yml")["jobs"]["reap"], "Destroy each planned stack")["run"],
    ]
    for text in texts:
        assert "bash .github/scripts/teardown-guard.sh" in text
        assert "bash e2e/teardown-stack.sh" in text


def test_teardown_writes_a_receipt_and_puts_it_on_the_pull_request() -> None:
    job = load("pr-teardown.yml")["jobs"]["teardown"]
    assert 'TEARDOWN_RECEIPT="$RUNNER_TEMP/receipt"' in step(job, "Refresh, destroy")["run"]
    receipt = step(job, "Receipt on the pull request")
    assert receipt["if"] == "${{ !cancelled() }}"
    assert receipt["uses"].startswith("actions/github-script@")
    assert receipt["env"]["RECEIPT_FILE"] == "${{ runner.temp }}/receipt"
    assert "environment-comment.js" in receipt["with"]["script"]
    assert "postReceipt" in receipt["with"]["script"]


NODE = shutil.which("node")


def receipt_body(receipt: dict[str, str] | None, tmp_path: Path) -> str:
    file = tmp_path / "receipt"
    if receipt is not None:
        file.write_text("".join(f"{key}={value}\n" for key, value in receipt.items()))
    program = (
        "const m = require(process.argv[1]);"
        "process.stdout.write(m.receiptBody('pr-7', m.readReceipt(process.argv[2]),"
        " 'The pull request was closed', 'https://run'));"
    )
    script = str(REPO / ".github" / "scripts" / "environment-comment.js")
    result = subprocess.run(
        ["node", "-e", program, script, str(file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.skipif(NODE is None, reason="node not installed")
def test_the_receipt_says_stack_removed_and_namespace_gone(tmp_path: Path) -> None:
    body = receipt_body(
        {"stack": "pr-7", "result": "removed", "namespace": "ns-7", "namespace_state": "gone"},
        tmp_path,
    )
    assert body.startswith("<!-- catalyst-environments:pr-environment -->\n")
    assert "## Environment `pr-7`: torn down" in body
    assert "- stack `pr-7`: destroyed and removed" in body
    assert "- namespace `ns-7`: gone" in body
    assert "The pull request was closed: [this run](https://run)" in body


@pytest.mark.skipif(NODE is None, reason="node not installed")
@pytest.mark.parametrize("receipt", [{"stack": "pr-7", "result": "failed"}, None])
def test_the_receipt_says_what_failed(tmp_path: Path, receipt: dict[str, str] | None) -> None:
    body = receipt_body(receipt, tmp_path)
    assert "**teardown failed**" in body and "reaper" in body


# --- the reaper ---------------------------------------------------------------------------------


def test_the_reaper_runs_hourly_and_on_demand_and_never_cancels_itself() -> None:
    workflow = load("reaper.yml")
    on = triggers(workflow)
    (schedule,) = on["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert minute.isdigit() and hour == "*" and rest == ["*", "*", "*"]
    assert "workflow_dispatch" in on
    assert workflow["concurrency"] == {"group": "reaper", "cancel-in-progress": False}


def test_the_reaper_plans_with_components_reap_from_the_documented_inputs() -> None:
    plan = step(load("reaper.yml")["jobs"]["reap"], "Plan")["run"]
    assert 'pulumi stack ls --json --non-interactive > "$RUNNER_TEMP/stacks.json"' in plan
    assert "gh pr list" in plan and "--state all" in plan
    assert "--json number,state,labels,updatedAt" in plan
    assert "-m components reap --stacks" in plan and "--format json" in plan


FAKE_TEARDOWN = """#!/usr/bin/env bash
echo "teardown $1 guard=${TEARDOWN_GUARD:-none} pr=${PR_NUMBER:-}" >> "$FAKE_LOG"
printf 'stack=%s\\nresult=removed\\nnamespace=ns-%s\\nnamespace_state=gone\\n' "$1" "$1" \\
  > "$TEARDOWN_RECEIPT"
[ "$1" = pr-13 ] && exit 1
exit 0
"""


def test_the_reaper_destroys_each_planned_stack_and_writes_the_summary(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "e2e").mkdir(parents=True)
    (project / "e2e" / "teardown-stack.sh").write_text(FAKE_TEARDOWN)
    plan = [
        {"stack": "pr-1", "reason": "closed"},
        {"stack": "pr-6", "reason": "no-such-pull-request"},
        {"stack": "pr-8", "reason": "no-such-pull-request"},
        {"stack": "pr-13", "reason": "ttl"},
    ]
    (tmp_path / "runner").mkdir()
    (tmp_path / "runner" / "plan.json").write_text(json.dumps(plan))
    script = step(load("reaper.yml")["jobs"]["reap"], "Destroy each planned stack")["run"]
    # pr-8's pull request exists after all (a truncated list): gh api answers for it.
    wrapper = (
        'gh() { if [ "$2" = "repos/$GH_REPO/pulls/8" ]; then echo "{}"; return 0; fi; '
        'command gh "$@"; }\n'
    )
    result = run_script(wrapper + script, tmp_path, {}, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = (tmp_path / "gh.log").read_text().splitlines()
    torn = [line for line in calls if line.startswith("teardown")]
    assert torn == [
        "teardown pr-1 guard=bash .github/scripts/teardown-guard.sh pr=1",
        "teardown pr-6 guard=none pr=6",
        "teardown pr-13 guard=none pr=13",
    ]
    summary = (tmp_path / "summary").read_text()
    assert "| `pr-1` | closed | removed | ns-pr-1 gone |" in summary
    assert "| `pr-8` | no-such-pull-request | kept: pull request #8 exists | |" in summary
    assert outputs(tmp_path) == {"failed": "1"}
    assert "::error::the teardown of pr-13 failed" in result.stdout
    receipts = sorted(p.name for p in (tmp_path / "runner" / "receipts").iterdir())
    assert receipts == ["pr-1", "pr-1.reason", "pr-13", "pr-13.reason", "pr-6", "pr-6.reason"]
