"""``python -m components reap``: which pull-request stacks to destroy (issue 11, point 2).

Pure decisions from two files -- what ``pulumi stack ls --json`` and ``gh pr list --state all
--json number,state,labels,updatedAt`` print -- checked on fixture files under tests/data/reap.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from components.cli import main
from components.json_input import InputError
from components.reap import Reap, Reason, plan_reaps, pulls_from_json, stacks_from_json
from tests.support.paths import DATA as ALL_DATA
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_in_process

DATA = ALL_DATA / "reap"
NOW = "2024-05-03T00:00:00Z"


def reap_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m components reap``, as the reaper workflow runs it."""
    return subprocess.run(
        [sys.executable, "-m", "components", "reap", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def reap(*args: str) -> subprocess.CompletedProcess[str]:
    """The same command through the CLI's main, in-process: the same status and output
    without an interpreter start per call (the process itself: reap_process)."""
    return run_in_process(main, "reap", *args)


def fixture_args(*extra: str) -> list[str]:
    return ["--stacks", str(DATA / "stacks.json"), "--pulls", str(DATA / "pulls.json"), *extra]


def test_reasons_are_the_documented_closed_set() -> None:
    assert [reason.value for reason in Reason] == [
        "closed",
        "merged",
        "no-such-pull-request",
        "ttl",
    ]


def test_closed_merged_and_missing_pull_requests_are_reaped_in_stack_order() -> None:
    result = reap_process(*fixture_args("--now", NOW, "--format", "json"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((DATA / "expected.json").read_text())


def test_with_a_ttl_stale_open_pull_requests_without_the_keep_label_are_reaped_too() -> None:
    result = reap(*fixture_args("--now", NOW, "--ttl-hours", "168", "--format", "json"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((DATA / "expected-ttl.json").read_text())


def test_text_format_is_one_line_per_stack() -> None:
    result = reap(*fixture_args("--now", NOW, "--ttl-hours", "168"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (DATA / "expected-ttl.txt").read_text()
    assert "5 of 11 stacks to reap" in result.stderr


def test_production_and_names_that_are_not_pr_number_are_never_reaped() -> None:
    stacks = stacks_from_json(
        [{"name": n} for n in ("production", "dev", "pr-007", "pr-8-old", "org/production")],
        "stacks.json",
    )
    assert plan_reaps(stacks, {}, now=datetime.now(UTC)) == []


def test_the_keep_label_is_configurable_and_only_guards_against_the_ttl() -> None:
    stacks = stacks_from_json([{"name": "pr-5"}, {"name": "pr-9"}], "s")
    pulls = pulls_from_json(json.loads((DATA / "pulls.json").read_text()), "p")
    now = datetime(2024, 5, 3, tzinfo=UTC)
    ttl = timedelta(hours=1)
    assert plan_reaps(stacks, pulls, now=now, ttl=ttl) == [Reap("pr-9", Reason.CLOSED, 9)]
    assert plan_reaps(stacks, pulls, now=now, ttl=ttl, keep_label="pinned") == [
        Reap("pr-5", Reason.TTL, 5),
        Reap("pr-9", Reason.CLOSED, 9),
    ]


def test_the_ttl_is_strictly_older_than() -> None:
    stacks = stacks_from_json([{"name": "pr-3"}], "s")
    pulls = pulls_from_json(
        [{"number": 3, "state": "OPEN", "labels": [], "updatedAt": "2024-05-01T00:00:00Z"}], "p"
    )
    at_the_limit = datetime(2024, 5, 2, tzinfo=UTC)
    assert plan_reaps(stacks, pulls, now=at_the_limit, ttl=timedelta(hours=24)) == []
    later = at_the_limit + timedelta(seconds=1)
    assert plan_reaps(stacks, pulls, now=later, ttl=timedelta(hours=24)) == [
        Reap("pr-3", Reason.TTL, 3)
    ]


def test_without_a_ttl_open_pull_requests_are_kept_however_old() -> None:
    stacks = stacks_from_json([{"name": "pr-4"}], "s")
    pulls = pulls_from_json(json.loads((DATA / "pulls.json").read_text()), "p")
    assert plan_reaps(stacks, pulls, now=datetime(2030, 1, 1, tzinfo=UTC)) == []


def test_a_stack_listed_twice_under_two_qualified_names_is_reaped_once() -> None:
    stacks = stacks_from_json([{"name": "a/p/pr-6"}, {"name": "pr-6"}], "s")
    assert plan_reaps(stacks, {}, now=datetime.now(UTC)) == [
        Reap("pr-6", Reason.NO_SUCH_PULL_REQUEST, 6)
    ]


def test_an_empty_plan_prints_nothing_and_exits_0(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks.json"
    stacks.write_text('[{"name": "production"}]')
    result = reap("--stacks", str(stacks), "--pulls", str(DATA / "pulls.json"), "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout) == []


def pull(**changes: object) -> dict[str, object]:
    """One entry of `gh pr list --json number,state,labels,updatedAt`, with some fields changed
    (a value of None drops the field)."""
    entry: dict[str, object] = {
        "number": 1,
        "state": "OPEN",
        "labels": [],
        "updatedAt": "2024-05-01T00:00:00Z",
    }
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not None}


def pulls_text(*entries: dict[str, object]) -> str:
    return json.dumps(list(entries))


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("stacks", "[{", "not valid JSON: line 1"),
        ("stacks", '{"name": "pr-1"}', "must be a JSON list"),
        ("stacks", '["pr-1"]', "[0]: must be an object"),
        ("stacks", '[{"current": true}]', '[0]: missing field "name"'),
        ("stacks", '[{"name": 12}]', '[0]: field "name" must be a string'),
        ("pulls", '{"number": 1}', "must be a JSON list"),
        ("pulls", pulls_text(pull(number="1")), 'field "number" must be an integer'),
        ("pulls", pulls_text(pull(number=True)), 'field "number"'),
        ("pulls", pulls_text(pull(state="open")), "OPEN, CLOSED or MERGED"),
        ("pulls", pulls_text(pull(labels=["x"])), "labels[0]: must be an object"),
        ("pulls", pulls_text(pull(labels=[{"id": 1}])), 'labels[0]: missing field "name"'),
        ("pulls", pulls_text(pull(updatedAt="yesterday")), "is not an ISO-8601 time"),
        ("pulls", pulls_text(pull(updatedAt="2024-05-01T00:00:00")), "has no time zone"),
        ("pulls", pulls_text(pull(updatedAt=None)), 'missing field "updatedAt"'),
        ("pulls", pulls_text(pull(), pull()), "pull request #1 is listed twice"),
    ],
)
def test_malformed_input_files_are_one_line_naming_the_file_and_exit_2(
    tmp_path: Path, file: str, content: str, expected: str
) -> None:
    bad = tmp_path / f"{file}.json"
    bad.write_text(content)
    paths = {"stacks": str(DATA / "stacks.json"), "pulls": str(DATA / "pulls.json")}
    paths[file] = str(bad)
    result = reap("--stacks", paths["stacks"], "--pulls", paths["pulls"], "--now", NOW)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"reap: error: {bad}")
    assert expected in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--now", "tomorrow"], "--now: "),
        (["--now", "2024-05-01T00:00:00"], "has no time zone"),
        (["--ttl-hours", "-1"], "--ttl-hours: must be a positive number of hours"),
        (["--ttl-hours", "soon"], "--ttl-hours: must be a positive number of hours"),
        (["--format", "yaml"], "--format"),
        (["--keep-label", ""], "--keep-label"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args: list[str], expected: str) -> None:
    result = reap(*fixture_args(*args))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr


def test_a_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = reap("--stacks", str(tmp_path / "nope.json"), "--pulls", str(DATA / "pulls.json"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"reap: error: {tmp_path / 'nope.json'}: cannot read it")
    assert result.stderr.count("\n") == 1


def test_input_error_is_a_value_error_with_the_file_in_it() -> None:
    with pytest.raises(InputError, match=r"^stacks\.json: must be a JSON list"):
        stacks_from_json({}, "stacks.json")
