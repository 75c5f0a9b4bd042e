"""``python -m components guard``: may a queued preview or deploy still touch the stack?
(issue 11, point 1)

Each case is one row of the README's interleaving table: a run that starts after the pull request
closed, lost its label or moved on must stop with a notice and never create or update the stack.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.cli import main
from components.json_input import InputError
from components.lifecycle import (
    Operation,
    Verdict,
    decide,
    pull_request_from_json,
)
from tests.support.paths import DATA, REPO_ROOT
from tests.support.processes import run_in_process

OPEN_LABELLED = DATA / "lifecycle" / "pull-open-labelled.json"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
OLDER = "0000000000000000000000000000000000000001"


def api_pull(**changes: Any) -> dict[str, Any]:
    pull = copy.deepcopy(json.loads(OPEN_LABELLED.read_text()))
    pull.update(changes)
    return pull


def verdict(operation: Operation, sha: str | None = HEAD, **changes: Any) -> Verdict:
    pull = pull_request_from_json(api_pull(**changes), "pull.json")
    return decide(pull, operation, sha=sha).verdict


def guard(
    tmp_path: Path, pull: object, *args: str, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """``components guard`` on `pull` written to a file: through the CLI's main in-process,
    or with `process` as the workflows run it, ``python -m components guard``."""
    file = tmp_path / "pull.json"
    file.write_text(json.dumps(pull) if not isinstance(pull, str) else pull)
    if not process:
        return run_in_process(main, "guard", "--pull", file, *args)
    return subprocess.run(
        [sys.executable, "-m", "components", "guard", "--pull", str(file), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_open_pull_request_is_previewed() -> None:
    assert verdict(Operation.PREVIEW, sha=None) is Verdict.PROCEED
    assert verdict(Operation.PREVIEW, sha=None, labels=[]) is Verdict.PROCEED


@pytest.mark.parametrize("merged", [False, True])
@pytest.mark.parametrize("operation", [Operation.PREVIEW, Operation.DEPLOY])
def test_a_closed_or_merged_pull_request_is_never_previewed_or_deployed(
    operation: Operation, merged: bool
) -> None:
    """A preview queued behind the teardown must not re-create the stack it removed."""
    assert verdict(operation, state="closed", merged=merged) is Verdict.CLOSED


def test_a_closed_message_says_closed_or_merged() -> None:
    closed = pull_request_from_json(api_pull(state="closed"), "p")
    merged = pull_request_from_json(api_pull(state="closed", merged=True), "p")
    assert "#42 is closed" in decide(closed, Operation.PREVIEW).message
    assert "#42 is merged" in decide(merged, Operation.DEPLOY, sha=HEAD).message


def test_an_open_labelled_pull_request_at_the_commit_is_deployed() -> None:
    assert verdict(Operation.DEPLOY) is Verdict.PROCEED


def test_a_deploy_after_the_label_was_removed_stops() -> None:
    assert verdict(Operation.DEPLOY, labels=[{"name": "keep-env"}]) is Verdict.NOT_LABELLED


def test_a_deploy_of_a_commit_that_is_no_longer_the_head_stops() -> None:
    assert verdict(Operation.DEPLOY, sha=OLDER) is Verdict.SUPERSEDED


def test_closed_wins_over_every_other_reason() -> None:
    assert verdict(Operation.DEPLOY, sha=OLDER, state="closed", labels=[]) is Verdict.CLOSED


def test_the_deploy_label_is_configurable() -> None:
    pull = pull_request_from_json(api_pull(), "p")
    assert decide(pull, Operation.DEPLOY, sha=HEAD, label="ship-it").verdict is (
        Verdict.NOT_LABELLED
    )


def test_the_cli_exits_0_to_go_on_and_1_to_stop_with_the_reason(tmp_path: Path) -> None:
    go = guard(tmp_path, api_pull(), "--operation", "deploy", "--sha", HEAD, process=True)
    assert go.returncode == 0, go.stderr
    assert "deploy" in go.stdout
    closed = api_pull(state="closed")
    stop = guard(tmp_path, closed, "--operation", "preview", "--format", "json", process=True)
    assert stop.returncode == 1
    assert json.loads(stop.stdout) == {
        "proceed": False,
        "verdict": "closed",
        "message": "pull request #42 is closed: no preview; its stack is torn down, not updated",
    }


def test_the_cli_deploy_needs_the_sha(tmp_path: Path) -> None:
    result = guard(tmp_path, api_pull(), "--operation", "deploy")
    assert result.returncode == 2
    assert result.stderr == "guard: error: --sha: deploy needs the commit it deploys\n"


@pytest.mark.parametrize(
    ("pull", "expected"),
    [
        ("{", "not valid JSON"),
        ([], "must be the JSON object of one pull request"),
        ({"number": 1}, 'missing field "state"'),
        (api_pull(state="draft"), "state 'draft' is not open or closed"),
        (api_pull(head={"ref": "x"}), 'head: missing field "sha"'),
        (api_pull(labels=["deploy-env"]), "labels[0]: must be an object"),
        (api_pull(number="42"), 'field "number" must be an integer'),
    ],
)
def test_malformed_pull_json_is_one_line_and_exit_2(
    tmp_path: Path, pull: object, expected: str
) -> None:
    result = guard(tmp_path, pull, "--operation", "preview")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"guard: error: {tmp_path / 'pull.json'}")
    assert expected in result.stderr


def test_the_reader_ignores_fields_it_does_not_need() -> None:
    pull = pull_request_from_json(api_pull(), "p")
    assert (pull.number, pull.open, pull.head_sha) == (42, True, HEAD)
    assert pull.labels == {"deploy-env", "keep-env"}
    with pytest.raises(InputError):
        pull_request_from_json(api_pull(labels={"name": "x"}), "p")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"state": "closed"}, Verdict.PROCEED),
        ({"state": "closed", "merged": True}, Verdict.PROCEED),
        ({"labels": []}, Verdict.PROCEED),
        ({}, Verdict.WANTED),
    ],
)
def test_a_teardown_goes_on_unless_the_pull_request_is_open_and_labelled_again(
    changes: dict[str, Any], expected: Verdict
) -> None:
    """Closed, then re-opened with deploy-env before the teardown ran: the deploy of the re-open
    owns the stack, and a late teardown must not destroy what it deploys."""
    assert verdict(Operation.TEARDOWN, sha=None, **changes) is expected


def test_a_closed_and_labelled_pull_request_is_torn_down() -> None:
    assert verdict(Operation.TEARDOWN, sha=None, state="closed") is Verdict.PROCEED
