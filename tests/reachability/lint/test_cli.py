"""`python -m reachability lint`: formats, exit codes and user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reachability.cli import main
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_main

ROOT = REPO_ROOT
SEED = Path("tests/data/lint/seed")
DEV = SEED / "dev-environment-policy.yaml"
CLEAN = Path("tests/data/lint/scenarios/db-migrate-fixed")


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_main(main, capsys, "lint", *argv)


def test_text_format_exit_1_on_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "-f", str(DEV))
    assert code == 1 and err == ""
    assert (
        f"{DEV}:20: error NP001 NetworkPolicy dev-pr-123/dev-environment-policy spec.egress[0].to"
        in out
    )
    assert "    fix: merge them into one peer" in out
    assert out.rstrip().endswith("5 errors, 2 warnings, 0 info in 1 file")


def test_exit_0_with_warnings_only_and_with_no_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-f", str(SEED / "default-deny-ingress.yaml"))
    assert code == 0 and "warning NP006" in out
    code, out, _ = run(capsys, "-f", str(CLEAN))
    assert code == 0 and out.splitlines()[-1] == "no findings"


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-f", str(DEV), "--format", "json")
    findings = json.loads(out)
    assert code == 1
    assert {f["id"] for f in findings} == {"NP001", "NP002", "NP004", "NP005", "NP006", "NP011"}
    first = findings[0]
    assert set(first) == {
        "id",
        "severity",
        "title",
        "file",
        "line",
        "object",
        "field",
        "message",
        "fix",
    }
    assert all(f["file"] == str(DEV) and isinstance(f["line"], int) for f in findings)


def test_github_format_is_workflow_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-f", str(DEV), "--format", "github")
    lines = out.splitlines()
    assert code == 1
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 7
    error = next(line for line in commands if "NP001" in line)
    assert error.startswith(
        f"::error file={DEV},line=20,title=NP001 peers OR-ed where one peer was meant::"
    )
    assert "%0Afix: merge them" in error  # the newline between message and fix, escaped
    assert any(line.startswith("::warning file=") for line in commands)
    assert "\n" not in error


def test_github_escaping_of_properties_and_data() -> None:
    from reachability.lint import Finding
    from reachability.lint.report import render

    item = Finding(
        "NP004", "error", "a,b:c.yaml", "NetworkPolicy x/y", "spec", "50% of\nit", "fix", 3
    )
    (line, _summary) = render([item], "github").splitlines()
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=3,title=NP004 ")
    assert line.endswith("::NetworkPolicy x/y spec: 50%25 of%0Ait%0Afix: fix")


def test_info_findings_are_notices(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-f", "tests/data/seed/namespaces.yaml", "--format", "github")
    assert out.startswith("::notice file=tests/data/seed/namespaces.yaml,line=")


def test_ignore_and_dns_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-f", str(SEED / "default-deny-all.yaml"), "--ignore", "NP005,np006")
    assert code == 0 and out.splitlines()[-1] == "no findings"
    code, out, _ = run(
        capsys, "-f", str(SEED / "default-deny-all.yaml"), "--dns-namespace", "dns",
        "--dns-label", "app=coredns", "--format", "json",
    )  # fmt: skip
    dns = [f for f in json.loads(out) if f["id"] == "NP005"]
    assert code == 1 and "dns pods app=coredns" in dns[0]["message"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-f", "no/such/file.yaml"], "no such file or folder"),
        (["-f", str(DEV), "--ignore", "NP999"], "unknown rule"),
        (["-f", str(DEV), "--dns-label", "k8s-app"], "KEY=VALUE"),
        (["-f", str(DEV), "--dns-namespace", "Bad_NS"], "--dns-namespace"),
        (["-f", str(DEV), "--format", "xml"], "invalid choice"),
        ([], "required"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in err


def test_invalid_objects_are_np000_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: a}\n"
        "spec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: HTTP\n"
    )
    code, out, _ = run(capsys, "-f", str(bad), "--format", "json")
    (item,) = json.loads(out)
    assert code == 1
    assert (item["id"], item["field"], item["line"]) == (
        "NP000",
        "spec.ingress[0].ports[0].protocol",
        8,
    )


def test_invalid_yaml_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [unclosed\n")
    code, _, err = run(capsys, "-f", str(bad))
    assert code == 2 and "not valid YAML" in err


def test_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reachability", "lint", "-f", str(DEV), "--format", "github"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr == ""
    assert result.stdout.count("::error ") == 5
    help_text = subprocess.run(
        [sys.executable, "-m", "reachability", "lint", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert "NP001" in help_text and "NP013" in help_text
