"""The CLI on workloads: `ns/kind/name` ids in query, check, matrix, lint and diff, and the one
line every text output prints about its endpoints (the input's, or representatives)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reachability import endpoints_note
from reachability.cli import main
from tests.support.builders import (
    container_port,
    dump_yaml,
    ingress_rule,
    namespace,
    netpol,
    np_port,
    peer,
    selector,
    workload,
)
from tests.support.processes import run_main

GIVEN = endpoints_note(False)
REPRESENTATIVE = endpoints_note(True)
WEB = workload("Deployment", "shop", "web", {"app": "web"}, [container_port(8080, name="http")])
DB = workload("StatefulSet", "shop", "db", {"app": "db"}, [container_port(5432, name="pg")])
DB_FROM_WEB = netpol(
    "shop",
    "db-from-web",
    selector({"app": "db"}),
    ingress=[ingress_rule([peer(pods=selector({"app": "web"}))], [np_port("pg")])],
)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "all.yaml").write_text(dump_yaml([namespace("shop"), WEB, DB, DB_FROM_WEB]))
    return folder


@pytest.fixture
def policies_only(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "all.yaml").write_text(dump_yaml([namespace("shop"), DB_FROM_WEB]))
    return folder


def test_query_takes_workload_ids(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(
        main, capsys, "query", "-f", str(shop), "--from", "shop/deployment/web",
        "--to", "shop/sts/db", "--port", "5432",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "shop/deployment/web -> shop/statefulset/db 5432/TCP: allowed"
    assert lines[-1] == GIVEN and out.count("endpoints:") == 1


def test_query_json_says_whether_endpoints_are_representative(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(
        main, capsys, "query", "-f", str(shop), "--from", "shop/statefulset/db",
        "--to", "shop/statefulset/db", "--port", "5432", "--format", "json",
    )  # fmt: skip
    record = json.loads(out)
    assert code == 1
    assert (record["from"], record["representative"]) == ("shop/statefulset/db", False)


def test_an_unknown_workload_is_one_error_line(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(
        main, capsys, "query", "-f", str(shop), "--from", "shop/deployment/nope",
        "--to", "shop/statefulset/db", "--port", "5432",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert "--from: unknown workload 'shop/deployment/nope'" in err
    assert "deployment/web, statefulset/db" in err


def test_check_takes_workload_ids(
    shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        yaml.safe_dump(
            [
                {"from": "shop/deployment/web", "to": "shop/statefulset/db", "port": 5432,
                 "allowed": True},
                {"from": "shop/statefulset/db", "to": "shop/deployment/web", "port": 8080,
                 "allowed": True},
                {"from": "shop/deploy/web", "to": "shop/statefulset/db", "port": 8080,
                 "allowed": False},
            ]
        )
    )  # fmt: skip
    code, out, err = run_main(main, capsys, "check", "-f", str(shop), "--expect", str(expect))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "ok    shop/deployment/web -> shop/statefulset/db 5432/TCP: allowed"
    assert lines[-2:] == [GIVEN, "3 of 3 expectations hold"]


def test_matrix_lists_workload_ids(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        main, capsys, "matrix", "-f", str(shop), "--port", "5432", "--format", "json"
    )
    flows = {(f["from"], f["to"]) for f in json.loads(out)}
    assert code == 0
    assert flows == {
        ("shop/deployment/web", "shop/statefulset/db"),
        ("shop/deployment/web", "shop/deployment/web"),
        ("shop/statefulset/db", "shop/deployment/web"),
    }


@pytest.mark.parametrize(
    ("command", "fmt"),
    [
        ("query", "text"),
        ("check", "text"),
        ("matrix", "table"),
        ("matrix", "md"),
        ("lint", "text"),
        ("lint", "github"),
        ("diff", "text"),
        ("diff", "md"),
    ],
)
@pytest.mark.parametrize("given", [True, False], ids=["given", "representative"])
def test_every_text_output_says_in_one_line_which_endpoints_it_shows(
    command: str,
    fmt: str,
    given: bool,
    shop: Path,
    policies_only: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = shop if given else policies_only
    a, b = ("shop/deployment/web", "shop/statefulset/db") if given else ("shop/pod", "shop/pod")
    expect = tmp_path / "expect.yaml"
    expect.write_text(yaml.safe_dump([{"from": a, "to": b, "port": 5432, "allowed": True}]))
    args = {
        "query": ("--from", a, "--to", b, "--port", "5432"),
        "check": ("--expect", str(expect)),
        "matrix": (),
        "lint": (),
        "diff": ("--after", str(folder)),
    }[command]
    _, out, err = run_main(main, capsys, command, "-f", str(folder), *args, "--format", fmt)
    assert err == ""
    note = [line for line in out.splitlines() if "endpoints: " in line]
    assert len(note) == 1, out
    wanted = GIVEN if given else REPRESENTATIVE
    assert wanted in note[0]
