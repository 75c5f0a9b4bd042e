"""Review findings: each test pins a behaviour a user relies on that an earlier version got wrong,
plus the checks an independent harness makes (config with and without Pulumi.yaml defaults)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from components.render import main as render_main
from tests.support.paths import REPO_ROOT
from tests.support.pulumi_mocks import Run, cli_config, run_main

PROJECT = "catalyst-environments"


def render_process(project: Path, stack: str, out: Path) -> subprocess.CompletedProcess[str]:
    """The documented command as a user runs it: a separate process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "components",
            "render",
            "--project-dir",
            str(project),
            "--stack",
            stack,
            "--out",
            str(out),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("render: error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    for part in parts:
        assert part in result.stderr
    assert result.stdout == ""


# --- render: every user error is one line and exit 2 -------------------------------------------


def test_render_of_a_stack_file_that_is_not_utf8_is_one_line_not_a_traceback(
    project: Path, tmp_path: Path
) -> None:
    (project / "Pulumi.pr-5.yaml").write_bytes(b"config:\n  catalyst-environments:team: caf\xe9\n")
    result = render_process(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, "Pulumi.pr-5.yaml", "UTF-8")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("config:\n  catalyst-environments:team: [a\n", "line 3"),
        ("config: {}\n---\nconfig: {}\n", "line 2"),
    ],
)
def test_render_of_a_stack_file_that_is_not_yaml_is_one_line_naming_file_and_line(
    project: Path, tmp_path: Path, text: str, where: str
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(text)
    result = render_process(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, "Pulumi.pr-5.yaml", "cannot read it as YAML", where)


def test_render_refuses_a_key_written_twice_as_the_cli_does(project: Path, tmp_path: Path) -> None:
    """The CLI's YAML library refuses duplicate keys; render must not silently take the last."""
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:team: web\n  catalyst-environments:team: api\n"
    )
    result = render_process(project, "pr-5", tmp_path / "out")
    assert_one_line_error(
        result, "Pulumi.pr-5.yaml", "line 3", "catalyst-environments:team", "already defined"
    )
    assert not (tmp_path / "out").exists()


def test_render_refuses_duplicate_keys_inside_structured_values(
    project: Path, tmp_path: Path
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:dnsPodLabels:\n    k8s-app: kube-dns\n"
        "    k8s-app: coredns\n"
    )
    result = render_process(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, "line 4", "k8s-app", "already defined")


def test_yaml_merge_keys_are_not_duplicates(project: Path, tmp_path: Path) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:dnsPodLabels:\n"
        "    <<: {k8s-app: kube-dns, tier: dns}\n    k8s-app: coredns\n"
    )
    result = render_process(project, "pr-5", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    dns = (tmp_path / "out" / "networkpolicy-allow-dns.yaml").read_text()
    assert "k8s-app: coredns" in dns
    assert "tier: dns" in dns


# --- render: --out never loses a user's own files ---------------------------------------------


def test_render_keeps_files_in_out_that_it_did_not_write(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "networkpolicy-mine.yaml"
    mine.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: m}\n")
    notes = out / "namespace-notes.yaml"
    notes.write_text("notes: true\n")
    assert (
        render_main(["render", "--project-dir", str(project), "--stack", "pr-5", "--out", str(out)])
        == 0
    )
    assert mine.exists()
    assert notes.exists()


def test_render_still_removes_its_own_files_the_stack_no_longer_creates(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["render", "--project-dir", str(project), "--out", str(out)]
    assert render_main([*args, "--stack", "production"]) == 0
    assert (out / "networkpolicy-allow-database-postgres-ingress.yaml").exists()
    assert render_main([*args, "--stack", "pr-5"]) == 0
    assert not (out / "networkpolicy-allow-database-postgres-ingress.yaml").exists()
    assert not (out / "namespace-myteam-myproject-production.yaml").exists()


# --- the program: an environment never takes over a namespace it does not own ---------------


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"namespace": "kube-system"}, '"kube-system"'),
        ({"namespace": "default"}, '"default"'),
        ({"namespace": "kube-public"}, '"kube-public"'),
        ({"namespace": "kube-node-lease"}, '"kube-node-lease"'),
        ({"namespace": "ingress-nginx"}, '"ingress-nginx"'),
        ({"namespace": "dns", "dnsNamespace": "dns"}, '"dns"'),
        ({"ingressNamespace": "myteam-myproject-pr-123"}, '"myteam-myproject-pr-123"'),
    ],
)
def test_a_namespace_the_environment_does_not_own_is_refused_and_nothing_is_created(
    overrides: dict[str, str], shown: str
) -> None:
    """default-deny-all in kube-system or the ingress namespace would cut off the whole cluster,
    and `pulumi destroy` deletes the namespace with its stack."""
    config = cli_config("pr-123")
    config.update({f"{PROJECT}:{key}": value for key, value in overrides.items()})
    run = run_main("pr-123", config, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(f"config {PROJECT}:namespace: {shown}: ")
    assert "\n" not in str(run.error)
    assert run.resources == ()


def test_render_refuses_a_namespace_the_environment_does_not_own(
    project: Path, tmp_path: Path
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:namespace: kube-system\n"
    )
    result = render_process(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, 'config catalyst-environments:namespace: "kube-system"')


# --- what an independent harness sees ---------------------------------------------------------


def declared(run: Run) -> str:
    """Every registration with its options, in a canonical text form."""
    rows = [
        {
            "dependencies": r.dependency_names,
            "deletedWith": r.deleted_with_name,
            "inputs": r.inputs,
            "name": r.name,
            "parent": r.parent_name,
            "protect": r.protect,
            "type": r.type,
        }
        for r in run.resources
    ]
    return json.dumps(rows, sort_keys=True)


@pytest.mark.parametrize("stack", ["pr-123", "pr-456", "dev"])
def test_no_config_at_all_declares_what_the_pulumi_yaml_defaults_declare(stack: str) -> None:
    """A harness that does not apply Pulumi.yaml defaults gets the same program."""
    with_defaults = run_main(stack)
    without = run_main(stack, {})
    assert declared(without) == declared(with_defaults)
    assert without.outputs == with_defaults.outputs


def test_production_from_its_stack_file_alone_is_production_with_defaults() -> None:
    stack_file_only = {
        f"{PROJECT}:databases": json.dumps(
            [
                {
                    "name": "postgres",
                    "podLabels": {"app": "postgres"},
                    "port": 5432,
                    "clientLabels": {"db-access": "true"},
                }
            ]
        )
    }
    assert declared(run_main("production", stack_file_only)) == declared(run_main("production"))


def test_provider_config_and_other_namespaces_do_not_reach_the_settings() -> None:
    config = cli_config("pr-123")
    config["kubernetes:renderYamlToDirectory"] = "rendered/pulumi-up/pr-123"
    config["kubernetes:namespace"] = "elsewhere"
    config["aws:region"] = "eu-west-1"
    assert declared(run_main("pr-123", config)) == declared(run_main("pr-123"))
