"""``python -m components render``: files, determinism, exit codes and error messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from components.cli import main as cli_main
from components.manifests import environment_manifests
from components.render import main
from components.settings import settings_from_config
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_in_process

POSTGRES_STACK = """config:
  catalyst-environments:databases:
    - name: postgres
      podLabels: {app: postgres}
      port: 5432
      clientLabels: {db-access: "true"}
"""


def render(project: Path, *args: str) -> int:
    return main(["render", "--project-dir", str(project), *args])


def read_all(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(folder.iterdir())}


def test_render_writes_one_file_per_object(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert render(project, "--stack", "production", "--out", str(out)) == 0
    assert sorted(read_all(out)) == [
        "namespace-myteam-myproject-production.yaml",
        "networkpolicy-allow-database-postgres-egress.yaml",
        "networkpolicy-allow-database-postgres-ingress.yaml",
        "networkpolicy-allow-dns.yaml",
        "networkpolicy-allow-egress-registry.yaml",
        "networkpolicy-allow-ingress-controller.yaml",
        "networkpolicy-default-deny-all.yaml",
    ]


def test_rendered_objects_are_what_the_program_creates(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (project / "Pulumi.pr-8.yaml").write_text(
        "config:\n  catalyst-environments:quota:\n    pods: 20\n"
    )
    assert render(project, "--stack", "pr-8", "--out", str(out)) == 0
    rendered = [yaml.safe_load(text) for text in read_all(out).values()]
    expected = environment_manifests(settings_from_config("pr-8", {"quota": {"pods": 20}}))
    key = lambda manifest: (manifest["kind"], manifest["metadata"]["name"])  # noqa: E731
    assert sorted(rendered, key=key) == sorted(expected, key=key)
    assert any(manifest["kind"] == "ResourceQuota" for manifest in rendered)


def test_default_output_folder_is_rendered_stack_under_the_project(project: Path) -> None:
    assert render(project, "--stack", "pr-123") == 0
    out = project / "rendered" / "pr-123"
    assert "namespace-myteam-myproject-pr-123.yaml" in read_all(out)


def test_two_renders_are_byte_identical(project: Path, tmp_path: Path) -> None:
    assert render(project, "--stack", "production", "--out", str(tmp_path / "a")) == 0
    assert render(project, "--stack", "production", "--out", str(tmp_path / "b")) == 0
    assert read_all(tmp_path / "a") == read_all(tmp_path / "b")


def test_files_are_plain_yaml_with_sorted_keys_and_no_anchors(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert render(project, "--stack", "pr-1", "--out", str(out)) == 0
    text = (out / "networkpolicy-allow-same-namespace.yaml").read_text()
    assert text.startswith("# Rendered by `python -m components render --stack pr-1`")
    assert "&id" not in text and "*id" not in text
    top_level = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert top_level == ["apiVersion", "kind", "metadata", "spec"]


def test_rerender_removes_objects_the_stack_no_longer_creates(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    stack_file = project / "Pulumi.pr-2.yaml"
    stack_file.write_text(POSTGRES_STACK)
    assert render(project, "--stack", "pr-2", "--out", str(out)) == 0
    assert (out / "networkpolicy-allow-database-postgres-ingress.yaml").exists()
    (out / "notes.yaml").write_text("mine: true\n")
    stack_file.unlink()
    assert render(project, "--stack", "pr-2", "--out", str(out)) == 0
    names = set(read_all(out))
    assert "networkpolicy-allow-database-postgres-ingress.yaml" not in names
    assert "notes.yaml" in names


def test_a_stack_without_a_file_renders_the_defaults(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert render(project, "--stack", "pr-999", "--out", str(out)) == 0
    namespace = yaml.safe_load((out / "namespace-myteam-myproject-pr-999.yaml").read_text())
    assert namespace["metadata"]["labels"]["catalyst.dev/tier"] == "development"


@pytest.mark.parametrize(
    ("stack_file", "message"),
    [
        (
            "config:\n  catalyst-environments:team: Bad_Team!\n",
            'render: error: config catalyst-environments:team: "Bad_Team!": must be a DNS-1123',
        ),
        (
            "config:\n  catalyst-environments:egress:\n    - {name: x, cidr: 10.0.0.300/8}\n",
            'render: error: config catalyst-environments:egress[0].cidr: "10.0.0.300/8"',
        ),
        (
            "config:\n  catalyst-environments:egress:\n"
            "    - {name: x, cidr: 10.0.0.0/8, ports: [{port: 70000}]}\n",
            "render: error: config catalyst-environments:egress[0].ports[0].port: 70000",
        ),
        ("config:\n  team: web\n", "must be of the form <namespace>:<name>"),
    ],
)
def test_bad_config_exits_2_with_one_line_and_writes_nothing(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stack_file: str,
    message: str,
) -> None:
    (project / "Pulumi.pr-3.yaml").write_text(stack_file)
    out = tmp_path / "out"
    assert render(project, "--stack", "pr-3", "--out", str(out)) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("render: error: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert captured.out == ""
    assert not out.exists()


def test_bad_stack_name_and_missing_project_exit_2(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert render(project, "--stack", "../production") == 2
    assert "stack name" in capsys.readouterr().err
    assert main(["render", "--project-dir", str(tmp_path), "--stack", "dev"]) == 2
    assert "no Pulumi.yaml" in capsys.readouterr().err


def test_missing_stack_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["render"])
    assert caught.value.code == 2
    assert "--stack" in capsys.readouterr().err


def test_module_entry_point(project: Path, tmp_path: Path) -> None:
    """The documented command, as a separate process: exit codes and no traceback."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "components", "render", "--project-dir", str(project)]
    ok = subprocess.run(
        [*command, "--stack", "dev", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert str(out / "networkpolicy-default-deny-all.yaml") in ok.stdout.splitlines()
    (project / "Pulumi.pr-4.yaml").write_text("config:\n  catalyst-environments:team: 'a b'\n")
    bad = subprocess.run(
        [*command, "--stack", "pr-4"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert bad.stderr.startswith('render: error: config catalyst-environments:team: "a b"')


def run_render(project: Path, stack: str, out: Path) -> subprocess.CompletedProcess[str]:
    """The documented command's exit status and output, run in this process (run_in_process;
    `python -m components render` as a process, and its exit codes: test_module_entry_point)."""
    return run_in_process(
        cli_main, "render", "--project-dir", project, "--stack", stack, "--out", out
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
    result = run_render(project, "pr-5", tmp_path / "out")
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
    result = run_render(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, "Pulumi.pr-5.yaml", "cannot read it as YAML", where)


def test_render_refuses_a_key_written_twice_as_the_cli_does(project: Path, tmp_path: Path) -> None:
    """The CLI's YAML library refuses duplicate keys; render must not silently take the last."""
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:team: web\n  catalyst-environments:team: api\n"
    )
    result = run_render(project, "pr-5", tmp_path / "out")
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
    result = run_render(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, "line 4", "k8s-app", "already defined")


def test_yaml_merge_keys_are_not_duplicates(project: Path, tmp_path: Path) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:dnsPodLabels:\n"
        "    <<: {k8s-app: kube-dns, tier: dns}\n    k8s-app: coredns\n"
    )
    result = run_render(project, "pr-5", tmp_path / "out")
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
        main(["render", "--project-dir", str(project), "--stack", "pr-5", "--out", str(out)]) == 0
    )
    assert mine.exists()
    assert notes.exists()


def test_render_still_removes_its_own_files_the_stack_no_longer_creates(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["render", "--project-dir", str(project), "--out", str(out)]
    assert main([*args, "--stack", "production"]) == 0
    assert (out / "networkpolicy-allow-database-postgres-ingress.yaml").exists()
    assert main([*args, "--stack", "pr-5"]) == 0
    assert not (out / "networkpolicy-allow-database-postgres-ingress.yaml").exists()
    assert not (out / "namespace-myteam-myproject-production.yaml").exists()


def test_render_refuses_a_namespace_the_environment_does_not_own(
    project: Path, tmp_path: Path
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(
        "config:\n  catalyst-environments:namespace: kube-system\n"
    )
    result = run_render(project, "pr-5", tmp_path / "out")
    assert_one_line_error(result, 'config catalyst-environments:namespace: "kube-system"')
