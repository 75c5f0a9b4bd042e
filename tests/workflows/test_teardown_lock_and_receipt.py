"""e2e/teardown-stack.sh waits while another update holds the stack, and leaves a receipt for the
pull request comment (issue 11, points 1 and 5). A fake ``pulumi`` and ``kubectl`` on PATH."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

E2E = REPO_ROOT / "e2e"
TEARDOWN = E2E / "teardown-stack.sh"
RETRY = E2E / "pulumi-retry-locked.sh"

DIY_LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to "
    "end or delete the lock file with `pulumi cancel`."
)
CLOUD_LOCKED = "error: [409] Conflict: Another update is currently in progress."

# Fails the first $FAKE_LOCKED_TIMES calls of $FAKE_LOCKED_COMMAND with $FAKE_LOCKED_MESSAGE.
FAKE_PULUMI = """#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$1 $2" in
  "stack ls") printf '%s' "$FAKE_STACKS"; exit 0 ;;
  "stack output") printf '%s\\n' "${FAKE_NAMESPACE:-}"; exit 0 ;;
esac
if [ "$1" = "${FAKE_LOCKED_COMMAND:-none}" ]; then
  count=$(cat "$FAKE_COUNT" 2>/dev/null || echo 0)
  if [ "$count" -lt "${FAKE_LOCKED_TIMES:-0}" ]; then
    echo $((count + 1)) > "$FAKE_COUNT"
    [ -n "${FAKE_LOG_HOOK:-}" ] && touch "$FAKE_LOG_HOOK"
    echo "$FAKE_LOCKED_MESSAGE" >&2
    exit 255
  fi
fi
[ "$1" = destroy ] && [ "${FAKE_DESTROY_FAILS:-0}" = 1 ] && { echo "error: boom" >&2; exit 255; }
exit 0
"""

FAKE_KUBECTL = """#!/usr/bin/env bash
echo "kubectl $*" >> "$FAKE_LOG"
printf '%s' "${FAKE_KUBECTL_FOUND:-}"
"""


def run(
    tmp_path: Path, *command: str, stacks: list[str] | None = None, **env: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in (("pulumi", FAKE_PULUMI), ("kubectl", FAKE_KUBECTL)):
        fake = bin_dir / name
        fake.write_text(text)
        fake.chmod(0o755)
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    (tmp_path / "count").unlink(missing_ok=True)
    result = subprocess.run(
        ["bash", *command],
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "FAKE_COUNT": str(tmp_path / "count"),
            "FAKE_STACKS": json.dumps([{"name": name} for name in (stacks or ["pr-7"])]),
            "PULUMI_LOCK_WAIT": "0",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    return result, (log.read_text().splitlines() if log.exists() else [])


def receipt(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@pytest.mark.parametrize("message", [DIY_LOCKED, CLOUD_LOCKED])
@pytest.mark.parametrize("command", ["refresh", "destroy", "stack"])
def test_teardown_waits_while_another_update_holds_the_stack(
    tmp_path: Path, message: str, command: str
) -> None:
    result, calls = run(
        tmp_path,
        str(TEARDOWN),
        "pr-7",
        FAKE_LOCKED_COMMAND=command,
        FAKE_LOCKED_TIMES="2",
        FAKE_LOCKED_MESSAGE=message,
    )
    assert result.returncode == 0, result.stderr
    assert "another update holds the stack" in result.stderr
    prefix = "stack rm" if command == "stack" else command
    assert len([call for call in calls if call.startswith(prefix)]) == 3
    assert calls[-1] == "stack rm pr-7 --yes --non-interactive"


def test_a_lock_that_never_goes_away_fails_after_the_attempts(tmp_path: Path) -> None:
    result, calls = run(
        tmp_path,
        str(TEARDOWN),
        "pr-7",
        FAKE_LOCKED_COMMAND="destroy",
        FAKE_LOCKED_TIMES="99",
        FAKE_LOCKED_MESSAGE=DIY_LOCKED,
        PULUMI_LOCK_ATTEMPTS="3",
    )
    assert result.returncode != 0
    assert "still locked after 3 attempts" in result.stderr
    assert len([c for c in calls if c.startswith("destroy")]) == 3
    assert not any(c.startswith("stack rm") for c in calls), "never rm a stack with resources"


def test_other_failures_are_not_retried(tmp_path: Path) -> None:
    result, calls = run(tmp_path, str(TEARDOWN), "pr-7", FAKE_DESTROY_FAILS="1")
    assert result.returncode != 0
    assert len([c for c in calls if c.startswith("destroy")]) == 1


def test_the_retry_wrapper_passes_output_and_status_through(tmp_path: Path) -> None:
    result, _ = run(tmp_path, str(RETRY), "sh", "-c", "echo out; echo err >&2; exit 3")
    assert result.returncode == 3
    assert result.stdout == "out\nerr\n"
    usage, _ = run(tmp_path, str(RETRY))
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_receipt_of_a_removed_stack_whose_namespace_is_gone(tmp_path: Path) -> None:
    file = tmp_path / "receipt"
    result, calls = run(
        tmp_path,
        str(TEARDOWN),
        "pr-7",
        TEARDOWN_RECEIPT=str(file),
        FAKE_NAMESPACE="myteam-myproject-pr-7",
    )
    assert result.returncode == 0, result.stderr
    assert receipt(file) == {
        "stack": "pr-7",
        "result": "removed",
        "namespace": "myteam-myproject-pr-7",
        "namespace_state": "gone",
    }
    assert calls[-1] == "kubectl get namespace myteam-myproject-pr-7 --ignore-not-found -o name"


def test_receipt_says_when_the_namespace_is_still_there(tmp_path: Path) -> None:
    file = tmp_path / "receipt"
    run(
        tmp_path,
        str(TEARDOWN),
        "pr-7",
        TEARDOWN_RECEIPT=str(file),
        FAKE_NAMESPACE="myteam-myproject-pr-7",
        FAKE_KUBECTL_FOUND="namespace/myteam-myproject-pr-7",
    )
    assert receipt(file)["namespace_state"] == "present"


def test_receipt_of_a_stack_that_was_already_gone(tmp_path: Path) -> None:
    file = tmp_path / "receipt"
    result, _ = run(tmp_path, str(TEARDOWN), "pr-7", stacks=["pr-8"], TEARDOWN_RECEIPT=str(file))
    assert result.returncode == 0
    assert receipt(file) == {
        "stack": "pr-7",
        "result": "absent",
        "namespace": "",
        "namespace_state": "unknown",
    }


def test_receipt_of_a_failed_teardown(tmp_path: Path) -> None:
    file = tmp_path / "receipt"
    result, _ = run(
        tmp_path, str(TEARDOWN), "pr-7", TEARDOWN_RECEIPT=str(file), FAKE_DESTROY_FAILS="1"
    )
    assert result.returncode != 0
    assert receipt(file)["result"] == "failed"


def test_a_guard_that_says_stop_before_the_first_command_touches_nothing(tmp_path: Path) -> None:
    file = tmp_path / "receipt"
    result, calls = run(
        tmp_path, str(TEARDOWN), "pr-7", TEARDOWN_GUARD="exit 1", TEARDOWN_RECEIPT=str(file)
    )
    assert result.returncode == 0, result.stderr
    assert not any(c.startswith(("refresh", "destroy", "stack rm")) for c in calls)
    assert receipt(file)["result"] == "skipped"


def test_the_guard_is_asked_again_before_each_retry_while_locked(tmp_path: Path) -> None:
    """Re-opened and re-deployed while the teardown waited for the lock: it must not destroy."""
    flag = tmp_path / "reopened"
    file = tmp_path / "receipt"
    result, calls = run(
        tmp_path,
        str(TEARDOWN),
        "pr-7",
        # The pull request is "re-opened" once the destroy has been refused for the lock.
        TEARDOWN_GUARD=f"! [ -e {flag} ]",
        FAKE_LOCKED_COMMAND="destroy",
        FAKE_LOCKED_TIMES="5",
        FAKE_LOCKED_MESSAGE=DIY_LOCKED,
        FAKE_LOG_HOOK=str(flag),
        TEARDOWN_RECEIPT=str(file),
    )
    assert result.returncode == 0, result.stderr
    assert len([c for c in calls if c.startswith("destroy")]) == 1
    assert not any(c.startswith("stack rm") for c in calls)
    assert receipt(file)["result"] == "skipped"


def test_a_guard_that_keeps_saying_go_lets_the_teardown_finish(tmp_path: Path) -> None:
    result, calls = run(
        tmp_path,
        str(TEARDOWN),
        "pr-7",
        TEARDOWN_GUARD="true",
        FAKE_LOCKED_COMMAND="destroy",
        FAKE_LOCKED_TIMES="1",
        FAKE_LOCKED_MESSAGE=CLOUD_LOCKED,
    )
    assert result.returncode == 0, result.stderr
    assert calls[-1] == "stack rm pr-7 --yes --non-interactive"
