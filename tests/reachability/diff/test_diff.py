"""`diff`: the flows that become allowed or denied between two manifest sets, and its CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from reachability import Options, from_manifests
from reachability.cli import main
from reachability.diff import Diff, diff, render
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_main
from tests.support.stacks import stack_manifests

ROOT = REPO_ROOT
NS = "app"
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}


def policy(name: str, spec: dict[str, Any], namespace: str = NS) -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": spec,
    }


DENY_ALL = policy("default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
ALLOW_DNS = policy(
    "allow-dns",
    {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [DNS_PEER],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }
        ],
    },
)
SAME_NAMESPACE = policy(
    "allow-same-namespace",
    {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {}}]}],
        "egress": [{"to": [{"podSelector": {}}]}],
    },
)
BASE = [DENY_ALL, ALLOW_DNS, SAME_NAMESPACE]


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]], **kwargs: Any) -> Diff:
    return diff(from_manifests(before), from_manifests(after), **kwargs)


def flows(changes: Any) -> set[tuple[str, str, int, str]]:
    return {(c.src, c.dst, c.port, c.protocol) for c in changes}


def test_no_change_gives_an_empty_diff() -> None:
    result = compare(BASE, list(reversed(BASE)))
    assert not result.changed and result.allowed_before == result.allowed_after > 0


def test_opening_to_every_namespace_shows_as_newly_allowed() -> None:
    open_ = policy(
        "open",
        {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}}]}],
        },
    )
    result = compare(BASE, [*BASE, open_])
    assert result.became_denied == ()
    assert ("other-namespace/pod", "app/pod", 80, "TCP") in flows(result.became_allowed)
    assert ("kube-system/k8s-app-kube-dns", "app/pod", 5432, "TCP") not in flows(
        result.became_allowed
    )
    change = next(
        c for c in result.became_allowed if c.src == "other-namespace/pod" and c.port == 80
    )
    assert change.allowed and "open ingress[0]" in change.reason


def test_removing_dns_shows_as_newly_denied_on_both_protocols() -> None:
    result = compare(BASE, [DENY_ALL, SAME_NAMESPACE])
    assert result.became_allowed == ()
    assert flows(result.became_denied) == {
        ("app/pod", "kube-system/k8s-app-kube-dns", 53, "UDP"),
        ("app/pod", "kube-system/k8s-app-kube-dns", 53, "TCP"),
    }
    assert all("egress denied" in c.reason for c in result.became_denied)


def test_representatives_line_up_when_the_sides_have_different_selectors() -> None:
    """Only AFTER mentions app=postgres; both sides are judged on the same pods anyway, so the
    diff shows exactly what the database policies change for postgres."""
    not_db = {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["postgres"]}]}
    postgres = {"matchLabels": {"app": "postgres"}}
    clients = {"matchLabels": {"db": "client"}}
    database = [
        policy(
            "allow-same-namespace",
            {
                "podSelector": not_db,
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": not_db}]}],
                "egress": [{"to": [{"podSelector": not_db}]}],
            },
        ),
        policy(
            "db-ingress",
            {
                "podSelector": postgres,
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": clients}], "ports": [{"port": 5432}]}],
            },
        ),
        policy(
            "db-egress",
            {
                "podSelector": clients,
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": postgres}], "ports": [{"port": 5432}]}],
            },
        ),
    ]
    result = compare(BASE, [DENY_ALL, ALLOW_DNS, *database])
    denied = flows(result.became_denied)
    assert ("app/pod", "app/app-postgres", 5432, "TCP") in denied
    assert ("app/db-client", "app/app-postgres", 80, "TCP") in denied
    assert ("app/db-client", "app/app-postgres", 5432, "TCP") not in denied
    assert result.became_allowed == ()
    assert result.representative and 5432 in {port for port, _ in result.ports}


def test_port_override_limits_the_comparison() -> None:
    result = compare(BASE, [DENY_ALL, SAME_NAMESPACE], ports=[(80, "TCP")])
    assert result.ports == ((80, "TCP"),) and not result.changed


REAL_PODS = [
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": n, "namespace": NS, "labels": {"app": n}},
        "status": {"podIP": ip},
    }
    for n, ip in (("web", "10.0.0.10"), ("db", "10.0.0.11"), ("worker", "10.0.0.12"))
]
ONLY_WEB = policy("db-from-web", {
    "podSelector": {"matchLabels": {"app": "db"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
})  # fmt: skip


def test_real_pods_are_compared_as_given() -> None:
    result = compare(REAL_PODS, [*REAL_PODS, ONLY_WEB], ports=[(5432, "TCP")])
    assert not result.representative
    # db -> db is a pair like any other by default: db-from-web denies it too
    assert flows(result.became_denied) == {
        ("app/worker", "app/db", 5432, "TCP"),
        ("app/db", "app/db", 5432, "TCP"),
    }
    assert result.became_allowed == ()


def test_real_pods_with_loopback_allowed_keep_reaching_themselves() -> None:
    options = Options(loopback_allowed=True)
    before = from_manifests(REAL_PODS, options=options)
    after = from_manifests([*REAL_PODS, ONLY_WEB], options=options)
    result = diff(before, after, ports=[(5432, "TCP")], options=options)
    assert flows(result.became_denied) == {("app/worker", "app/db", 5432, "TCP")}
    assert result.became_allowed == ()  # db -> db stays allowed: a real pod reaching itself


def test_cli_loopback_allowed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    before = write(tmp_path / "before", REAL_PODS)
    after = write(tmp_path / "after", [*REAL_PODS, ONLY_WEB])
    argv = ["-f", str(before), "--after", str(after), "--port", "5432/TCP", "--format", "json"]
    results = {}
    for extra in ([], ["--loopback-allowed"]):
        code, out, _ = cli(capsys, *argv, *extra)
        assert code == 0
        data = json.loads(out)
        assert data["became_allowed"] == []
        results[bool(extra)] = {(f["from"], f["to"]) for f in data["became_denied"]}
    assert results[False] == {("app/worker", "app/db"), ("app/db", "app/db")}
    assert results[True] == {("app/worker", "app/db")}


# --- two stacks ------------------------------------------------------------------------------


def test_production_with_same_namespace_on_opens_only_non_database_pods() -> None:
    result = compare(
        stack_manifests("production"), stack_manifests("production", allowSameNamespace=True)
    )
    assert result.became_denied == ()
    allowed = flows(result.became_allowed)
    prod = "myteam-myproject-production"
    assert (f"{prod}/pod", f"{prod}/db-access-true", 80, "TCP") in allowed
    assert not any(dst.endswith("/app-postgres") for _, dst, _, _ in allowed)


def write(folder: Path, docs: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifests.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=True))
    return folder


@pytest.fixture
def stacks(tmp_path: Path) -> dict[str, Path]:
    return {
        name: write(tmp_path / name, stack_manifests(name)) for name in ("pr-123", "production")
    }


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_main(main, capsys, "diff", *argv)


def test_cli_two_stacks_mapped_onto_one_namespace(
    capsys: pytest.CaptureFixture[str], stacks: dict[str, Path]
) -> None:
    mapping = "myteam-myproject-pr-123=myteam-myproject-production"
    code, out, _ = cli(
        capsys, "--before", str(stacks["pr-123"]), "--after", str(stacks["production"]),
        "--map-namespace", mapping, "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    prod = "myteam-myproject-production"
    assert code == 0 and data["changed"] and data["became_allowed"] == []
    denied = {(f["from"], f["to"], f["port"], f["protocol"]) for f in data["became_denied"]}
    assert ("ingress-nginx/pod", f"{prod}/app-postgres", 80, "TCP") in denied
    assert (f"{prod}/pod", f"{prod}/pod", 80, "TCP") in denied
    assert (f"{prod}/db-access-true", f"{prod}/app-postgres", 5432, "TCP") not in denied


def test_cli_text_and_md(capsys: pytest.CaptureFixture[str], stacks: dict[str, Path]) -> None:
    argv = ["-f", str(stacks["pr-123"]), "--against", str(stacks["production"]),
            "--map-namespace", "myteam-myproject-pr-123=myteam-myproject-production"]  # fmt: skip
    code, text, _ = cli(capsys, *argv)
    assert code == 0 and text.startswith(
        "reachability diff: 0 flow(s) become allowed, 104 become denied"
    )
    assert (
        "  ingress-nginx -> myteam-myproject-production\n    pod -> app-postgres  all probed ports"
        in text
    )
    code, md, _ = cli(capsys, *argv, "--format", "md")
    assert md.startswith("### NetworkPolicy reachability diff")
    assert "```mermaid\nflowchart LR" in md and "linkStyle" in md and "-.->" in md
    assert "#### Newly denied (104)" in md
    assert (
        "| `ingress-nginx/pod` | `myteam-myproject-production/app-postgres` | all probed ports |"
        in md
    )
    code, again, _ = cli(capsys, *argv, "--format", "md")
    assert again == md  # deterministic, so a PR comment only changes when the policies do


def test_cli_fail_on_new_allowed(
    capsys: pytest.CaptureFixture[str], stacks: dict[str, Path]
) -> None:
    mapping = "myteam-myproject-production=myteam-myproject-pr-123"
    forward = ["--before", str(stacks["production"]), "--after", str(stacks["pr-123"]),
               "--map-namespace", mapping]  # fmt: skip
    assert cli(capsys, *forward)[0] == 0
    code, out, _ = cli(capsys, *forward, "--fail-on-new-allowed")
    assert code == 1 and "become allowed" in out
    same = [
        "--before",
        str(stacks["pr-123"]),
        "--after",
        str(stacks["pr-123"]),
        "--fail-on-new-allowed",
    ]
    code, out, _ = cli(capsys, *same)
    assert code == 0 and "no reachability changes" in out


def test_cli_md_without_changes(
    capsys: pytest.CaptureFixture[str], stacks: dict[str, Path]
) -> None:
    code, md, _ = cli(
        capsys, "-f", str(stacks["pr-123"]), "--after", str(stacks["pr-123"]), "--format", "md"
    )
    assert code == 0 and "No flow changes" in md and "mermaid" not in md


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-f", "nope", "--after", "nope"], "no such file or folder"),
        (["-f", "tests/data/lint/seed"], "--after"),
        (
            [
                "-f",
                "tests/data/lint/seed",
                "--after",
                "tests/data/lint/seed",
                "--map-namespace",
                "x",
            ],
            "OLD=NEW",
        ),
        (
            ["-f", "tests/data/lint/seed", "--after", "tests/data/lint/seed", "--port", "99999"],
            "N/PROTOCOL",
        ),
        (
            ["-f", "tests/data/lint/seed", "--after", "tests/data/lint/seed", "--external", "x"],
            "--external",
        ),
    ],
)
def test_cli_user_errors(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_cli_notes_and_problems_name_each_sides_own_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The two sides share their byte-identical files' decoding and parsing; what is said about
    a file still names that side's file: BEFORE's notes first, then AFTER's, or AFTER's
    problems after BEFORE's notes."""
    web = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": "web-", "namespace": NS, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "x"}]},
    }
    for side in ("before", "after"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "web.yaml").write_text(yaml.safe_dump(web), encoding="utf-8")
    before, after = str(tmp_path / "before"), str(tmp_path / "after")
    code, out, err = cli(capsys, "-f", before, "--after", after)
    assert code == 0 and "no reachability changes" in out
    files = [line.split(": ")[1] for line in err.splitlines()]
    assert files == [f"{before}/web.yaml", f"{after}/web.yaml"], err
    (tmp_path / "after" / "bad.yaml").write_text("kind: [", encoding="utf-8")
    code, out, err = cli(capsys, "-f", before, "--after", after)
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 2, err
    assert lines[0].startswith(f"note: {before}/web.yaml") and f"{after}/bad.yaml" in lines[1]


def test_md_render_caps_the_graph() -> None:
    open_ = policy(
        "open",
        {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}}]}],
        },
    )
    result = compare(BASE, [*BASE, open_])
    md = render(result, "md")
    assert md.count(" --> ") <= 60


def test_as_a_process(stacks: dict[str, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reachability", "diff", "-f", str(stacks["pr-123"]),
         "--against", str(stacks["production"]), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["changed"] is True
