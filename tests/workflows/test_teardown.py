"""e2e/teardown-stack.sh (what pr-teardown.yml runs) against a fake ``pulumi`` on PATH.

Idempotency and the production guard are the promises: a missing stack is success, a backend that
cannot be listed is not mistaken for a missing stack, and nothing but pr-<number> reaches Pulumi.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "e2e" / "teardown-stack.sh"

FAKE_PULUMI = """#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$1 $2" in
  "stack ls") [ "${FAKE_LS_FAILS:-0}" = 1 ] && { echo "error: no credentials" >&2; exit 1; }
              printf '%s' "$FAKE_STACKS"; exit 0 ;;
esac
[ "$1" = destroy ] && [ "${FAKE_DESTROY_FAILS:-0}" = 1 ] && exit 255
exit 0
"""


def teardown(
    tmp_path: Path, stack: str, stacks: list[str], **env: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_PULUMI)
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    listing = json.dumps([{"name": name, "current": False} for name in stacks])
    result = subprocess.run(
        ["bash", str(SCRIPT), stack],
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "FAKE_STACKS": listing,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


def test_an_existing_stack_is_refreshed_destroyed_and_removed_in_that_order(tmp_path: Path) -> None:
    result, calls = teardown(tmp_path, "pr-7", ["dev", "pr-7", "production"])
    assert result.returncode == 0, result.stderr
    assert calls == [
        "stack ls --json --non-interactive",
        "stack output namespace --stack pr-7 --non-interactive",  # for the receipt
        "refresh --stack pr-7 --non-interactive --color never --yes --skip-preview",
        "destroy --stack pr-7 --non-interactive --color never --yes --skip-preview",
        "stack rm pr-7 --yes --non-interactive",
    ]


def test_a_missing_stack_is_success_and_touches_nothing(tmp_path: Path) -> None:
    result, calls = teardown(tmp_path, "pr-7", ["dev", "pr-70", "production"])
    assert result.returncode == 0
    assert "does not exist: nothing to tear down" in result.stdout
    assert calls == ["stack ls --json --non-interactive"]


def test_running_it_twice_succeeds_twice(tmp_path: Path) -> None:
    first, _ = teardown(tmp_path, "pr-7", ["pr-7"])
    second, calls = teardown(tmp_path, "pr-7", [])  # the first run removed it
    assert first.returncode == second.returncode == 0
    assert calls == ["stack ls --json --non-interactive"]


def test_stacks_listed_with_their_organisation_are_found(tmp_path: Path) -> None:
    result, calls = teardown(tmp_path, "pr-7", ["acme/catalyst-environments/pr-7"])
    assert result.returncode == 0 and any(call.startswith("destroy") for call in calls)


@pytest.mark.parametrize(
    "name", ["production", "dev", "pr-", "pr-0", "pr-007", "pr-1 production", "pr-1;true", ""]
)
def test_anything_but_pr_number_is_refused_before_pulumi_runs(tmp_path: Path, name: str) -> None:
    result, calls = teardown(tmp_path, name, ["production", "dev"])
    assert result.returncode == 2
    assert "refusing" in result.stderr
    assert calls == []


def test_a_backend_that_cannot_be_listed_fails_instead_of_passing(tmp_path: Path) -> None:
    result, calls = teardown(tmp_path, "pr-7", ["pr-7"], FAKE_LS_FAILS="1")
    assert result.returncode == 1
    assert "cannot list the stacks" in result.stderr
    assert not any(call.startswith(("destroy", "stack rm")) for call in calls)


def test_a_failed_destroy_keeps_the_stack(tmp_path: Path) -> None:
    result, calls = teardown(tmp_path, "pr-7", ["pr-7"], FAKE_DESTROY_FAILS="1")
    assert result.returncode != 0
    assert not any(call.startswith("stack rm") for call in calls), "never rm a stack with resources"
