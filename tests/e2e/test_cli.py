"""``python -m e2e``: the plan -> predict -> compare steps the Kind workflow runs, offline."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from e2e.cli import main
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_in_process, run_module

REPO = REPO_ROOT


def run_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m e2e``, as the Kind workflow runs it."""
    return run_module("e2e", *args, cwd=REPO)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The same through the CLI's main in-process, from the repository root (as run_process):
    the same status and output without an interpreter start per call."""
    with contextlib.chdir(REPO):
        return run_in_process(main, *args)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, rendered_stacks: Callable[..., Path]) -> Path:
    work = tmp_path_factory.mktemp("e2e")
    shutil.copytree(rendered_stacks("pr-123", "production"), work / "rendered")
    planned = run_process(
        "plan",
        "-f",
        work / "rendered",
        "--out",
        work / "probe",
        "--external",
        "1.1.1.1:443/TCP",
        "--external",
        "1.1.1.1:80/TCP",
    )
    assert planned.returncode == 0, planned.stderr
    assert "8 probe pods in 2 environments" in planned.stdout
    predicted = run_process(
        "predict",
        "-f",
        work / "rendered",
        "-f",
        work / "probe" / "manifests",
        "--plan",
        work / "probe" / "plan.json",
        "--out",
        work / "predicted.json",
    )
    assert predicted.returncode == 0, predicted.stderr
    return work


def test_plan_writes_what_kubectl_applies_and_what_the_prediction_needs(workdir: Path) -> None:
    probe = workdir / "probe"
    applied = list(yaml.safe_load_all((probe / "manifests" / "probe-pods.yaml").read_text()))
    assert [doc["kind"] for doc in applied].count("Pod") == 8
    fixtures = list(yaml.safe_load_all((probe / "manifests" / "fixtures.yaml").read_text()))
    assert {doc["kind"] for doc in fixtures} == {"Namespace", "Pod"}
    assert (probe / "namespaces.txt").read_text().split() == [
        "myteam-myproject-pr-123",
        "myteam-myproject-production",
    ]
    plan = json.loads((probe / "plan.json").read_text())
    assert set(plan[0]) == {"from", "to", "port", "protocol", "method"}


def test_predict_writes_one_verdict_per_probe(workdir: Path) -> None:
    plan = json.loads((workdir / "probe" / "plan.json").read_text())
    predicted = json.loads((workdir / "predicted.json").read_text())
    assert [{k: p[k] for k in ("from", "to", "port", "protocol")} for p in predicted] == [
        {k: p[k] for k in ("from", "to", "port", "protocol")} for p in plan
    ]
    assert all(isinstance(p["allowed"], bool) and p["detail"] for p in predicted)


def test_compare_passes_on_agreement_and_fails_on_a_difference(workdir: Path) -> None:
    predicted = json.loads((workdir / "predicted.json").read_text())
    same = workdir / "measured-same.json"
    same.write_text(json.dumps([{**p, "detail": "connected"} for p in predicted]))
    ok = run("compare", "--predicted", workdir / "predicted.json", "--measured", same)
    assert ok.returncode == 0 and ok.stdout.startswith("OK: ")

    flipped = [dict(p) for p in predicted]
    index = next(i for i, p in enumerate(flipped) if p["to"].endswith("probe-postgres")
                 and p["from"].endswith("probe-worker") and p["port"] == 5432
                 and "production" in p["from"])  # fmt: skip
    flipped[index]["allowed"] = True
    bad = workdir / "measured-bad.json"
    bad.write_text(json.dumps(flipped))
    failed = run(
        "compare", "--predicted", workdir / "predicted.json", "--measured", bad, "--format", "md"
    )
    assert failed.returncode == 1
    assert "probe-worker` | `myteam-myproject-production/probe-postgres` | 5432/TCP" in (
        failed.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "-f", "no/such/dir", "--out", "x"), "no/such/dir: no such file or folder"),
        (("compare", "--predicted", "missing.json", "--measured", "m.json"), "missing.json"),
        (("plan", "-f", "Pulumi.yaml", "--out", "x"), "not a Kubernetes object"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_external_and_dns_label_are_user_errors(tmp_path: Path) -> None:
    rendered = tmp_path / "ns.yaml"
    rendered.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    bad_external = run("plan", "-f", rendered, "--out", tmp_path / "o", "--external", "1.1.1.1")
    assert bad_external.returncode == 2 and "IP:PORT" in bad_external.stderr
    bad_label = run("plan", "-f", rendered, "--out", tmp_path / "o", "--dns-label", "kube-dns")
    assert bad_label.returncode == 2 and "KEY=VALUE" in bad_label.stderr
