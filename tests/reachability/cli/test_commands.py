"""The `python -m reachability` CLI: every subcommand, format, exit status and error line."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from reachability.cli import Command, build_parser, commands, main
from tests.support.builders import dump_yaml
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_in_process, run_main
from tests.support.ref_builders import DENY_ALL, XY, cport, netpol, pod

REPO = REPO_ROOT
DNS_POD = pod("kube-system/dns", {"k8s-app": "kube-dns"}, "10.0.9.1", [cport(53, "dns", "UDP")])
NAMED = pod("x/web", {"app": "web"}, "10.0.0.3", [cport(8080, "http")])
ALLOW_SAME_NS = {
    "podSelector": {},
    "ingress": [{"from": [{"podSelector": {}}]}],
    "egress": [{"to": [{"podSelector": {}}]}],
    "policyTypes": ["Ingress", "Egress"],
}


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    docs = [*XY, DNS_POD, NAMED, netpol("x/deny", DENY_ALL), netpol("x/same", ALLOW_SAME_NS)]
    (folder / "all.yaml").write_text(yaml.safe_dump_all(docs))
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    return run_main(main, capsys, *argv)


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- registry --------------------------------------------------------------------------------


def test_subcommands_are_discovered_from_the_commands_package() -> None:
    found = {command.name: command for command in commands()}
    assert {"query", "matrix", "check"} <= set(found)
    assert all(isinstance(command, Command) for command in found.values())


def subcommand_parsers(parser: Any) -> dict[str, Any]:
    (action,) = (a for a in parser._actions if a.dest == "command_name")
    return dict(action.choices)


def test_a_parser_for_one_command_parses_and_helps_as_the_whole_one() -> None:
    """main builds only the subcommands its argv names (build_parser(argv)): each command's
    help, usage and defaults are those of the parser with every command configured."""
    whole = build_parser()
    for command in commands():
        alone = build_parser([command.name, "--help"])
        assert alone.format_help() == whole.format_help()
        ours, theirs = subcommand_parsers(alone), subcommand_parsers(whole)
        assert ours.keys() == theirs.keys()
        assert ours[command.name].format_help() == theirs[command.name].format_help()
        defaults = [(a.dest, a.default) for a in theirs[command.name]._actions]
        assert [(a.dest, a.default) for a in ours[command.name]._actions] == defaults


# --- query -----------------------------------------------------------------------------------


def test_query_allowed_exits_0_with_the_reason(manifests: Path, capsys) -> None:
    code, out, err = run(
        capsys, "query", "-f", manifests, "--from", "x/a", "--to", "x/b", "--port", 80
    )
    assert (code, err) == (0, "")
    assert out == (
        "x/a -> x/b 80/TCP: allowed\n"
        "  egress from x/a: allowed by x/same egress[0]\n"
        "  ingress to x/b: allowed by x/same ingress[0]\n"
        "endpoints: the pods and workloads of the input\n"
    )


def test_query_denied_exits_1(manifests: Path, capsys) -> None:
    argv = ["query", "-f", manifests, "--from", "x/a", "--to", "kube-system/dns"]
    code, out, _ = run(capsys, *argv, "--port", "53", "--protocol", "udp")
    assert code == 1
    assert out.splitlines()[0] == "x/a -> kube-system/dns 53/UDP: denied"
    assert "denied: isolated by x/deny, x/same and no egress rule admits 53/UDP" in out


def test_query_by_ip_and_json(manifests: Path, capsys) -> None:
    argv = ["query", "-f", manifests, "--from", "8.8.8.8", "--to", "10.0.1.1", "--port", "443"]
    code, out, _ = run(capsys, *argv, "--format", "json")
    record = json.loads(out)
    assert code == 0
    assert (record["from"], record["to"], record["port"], record["protocol"]) == (
        "8.8.8.8",
        "y/a",
        443,
        "TCP",
    )
    assert record["allowed"] is True and record["egress"]["note"] == "external endpoint"
    assert record["ingress"] == {
        "allowed": True,
        "isolated": False,
        "allowed_by": [],
        "isolated_by": [],
        "note": "not isolated",
    }


def test_query_options(tmp_path: Path, capsys) -> None:
    spec = {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.1.0/24"}}]}]}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump_all([*XY, netpol("x/p", spec)]))
    base = ["query", "-f", tmp_path, "--from", "y/a", "--to", "x/a", "--port", "80"]
    assert run(capsys, *base)[0] == 0
    assert run(capsys, *base, "--ipblock-excludes-pods")[0] == 1
    loop = ["query", "-f", tmp_path, "--from", "x/a", "--to", "x/a", "--port", "80"]
    # by default the policies decide x/a -> x/a: x/p admits only 10.0.1.0/24 (y/a, not x/a)
    code, out, _ = run(capsys, *loop)
    assert code == 1 and "x/a -> x/a 80/TCP: denied" in out and "loopback" not in out
    code, out, _ = run(capsys, *loop, "--loopback-allowed")
    assert code == 0 and "x/a -> x/a 80/TCP: allowed" in out
    assert "loopback, a pod may always reach itself" in out
    # only a pod reaching itself is exempt: other pairs are still the policies'
    assert run(capsys, *base, "--ipblock-excludes-pods", "--loopback-allowed")[0] == 1
    code, _, err = run(capsys, *loop, "--no-loopback")  # the old flag is gone
    assert code == 2 and "--no-loopback" in err


# --- matrix ----------------------------------------------------------------------------------


def test_matrix_table_default_port(manifests: Path, capsys) -> None:
    code, out, _ = run(capsys, "matrix", "-f", manifests)
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == ["endpoints: the pods and workloads of the input", ""]
    lines = lines[2:]
    assert lines[0] == "80/TCP (rows: from, columns: to; + allowed, . denied)"
    assert lines[1].split() == ["1", "2", "3", "4", "5", "6"]
    assert lines[2].split() == ["1", "kube-system/dns", "+", ".", ".", ".", "+", "+"]
    assert lines[3].split() == ["2", "x/a", ".", "+", "+", "+", ".", "."]


def test_matrix_json_csv_md(manifests: Path, capsys) -> None:
    argv = [
        "matrix",
        "-f",
        manifests,
        "--port",
        "53/udp",
        "--port",
        "80/TCP",
        "--external",
        "1.1.1.1",
    ]
    code, out, _ = run(capsys, *argv, "--format", "json")
    flows = json.loads(out)
    assert code == 0
    assert flows == sorted(flows, key=lambda f: (f["from"], f["to"], f["port"], f["protocol"]))
    assert {"from": "1.1.1.1", "to": "y/a", "port": 53, "protocol": "UDP"} in flows
    assert {"from": "x/a", "to": "x/b", "port": 80, "protocol": "TCP"} in flows
    assert not any(f["from"] == "x/a" and f["to"] == "y/a" for f in flows)
    _, csv_out, _ = run(capsys, *argv, "--format", "csv")
    rows = csv_out.splitlines()
    assert rows[0] == "from,to,port,protocol" and len(rows) == len(flows) + 1
    assert "x/a,x/b,80,TCP" in rows
    _, md, _ = run(capsys, *argv, "--format", "md")
    assert "### 53/UDP" in md and "### 80/TCP" in md
    assert "| from \\ to | kube-system/dns | x/a | x/b | x/web | y/a | y/b | 1.1.1.1 |" in md
    assert "| x/a | ✗ | ✓ | ✓ | ✓ | ✗ | ✗ | ✗ |" in md


def test_matrix_output_is_deterministic(manifests: Path, capsys) -> None:
    argv = ["matrix", "-f", manifests, "--port", "80/TCP", "--format", "json"]
    assert run(capsys, *argv)[1] == run(capsys, *argv)[1]


# --- check -----------------------------------------------------------------------------------


def write_expectations(tmp_path: Path, entries: Any) -> Path:
    path = tmp_path / "expect.yaml"
    path.write_text(yaml.safe_dump(entries, sort_keys=False))
    return path


EXPECTATIONS = [
    {"from": "x/a", "to": "x/b", "port": 80, "allowed": True},
    {"from": "x/a", "to": "kube-system/dns", "port": 53, "protocol": "UDP", "allowed": False},
    {"from": "8.8.8.8", "to": "y/a", "port": 443, "protocol": "tcp", "allowed": True, "note": "x"},
]


def test_check_all_hold(manifests: Path, tmp_path: Path, capsys) -> None:
    expect = write_expectations(tmp_path, EXPECTATIONS)
    code, out, err = run(capsys, "check", "-f", manifests, "--expect", expect)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "ok    x/a -> x/b 80/TCP: allowed",
        "ok    x/a -> kube-system/dns 53/UDP: denied",
        "ok    8.8.8.8 -> y/a 443/TCP: allowed",
        "endpoints: the pods and workloads of the input",
        "3 of 3 expectations hold",
    ]


def test_check_failure_exits_1_and_json_keeps_the_file_order(
    manifests: Path, tmp_path: Path, capsys
) -> None:
    entries = [{**EXPECTATIONS[1], "allowed": True}, EXPECTATIONS[0]]
    expect = write_expectations(tmp_path, entries)
    code, out, _ = run(capsys, "check", "-f", manifests, "--expect", expect)
    assert code == 1
    assert out.splitlines()[0] == (
        "FAIL  x/a -> kube-system/dns 53/UDP: expected allowed, got denied"
    )
    assert out.splitlines()[1].startswith("      egress from x/a: denied: isolated by x/deny")
    assert out.splitlines()[-1] == "1 of 2 expectations hold"
    code, out, _ = run(capsys, "check", "-f", manifests, "--expect", expect, "--format", "json")
    records = json.loads(out)
    assert code == 1
    assert [list(r) for r in records] == [
        ["from", "to", "port", "protocol", "expected", "actual", "reason"]
    ] * 2
    assert [(r["from"], r["to"], r["expected"], r["actual"]) for r in records] == [
        ("x/a", "kube-system/dns", True, False),
        ("x/a", "x/b", True, True),
    ]
    assert records[1]["reason"] == (
        "egress from x/a: allowed by x/same egress[0]\ningress to x/b: allowed by x/same ingress[0]"
    )


def test_check_rejects_bad_expectations_with_one_line_each(
    manifests: Path, tmp_path: Path, capsys
) -> None:
    entries = [
        {"from": "x/a", "to": "x/b", "port": 0, "allowed": True},
        {"from": "x/a", "port": 80, "protocol": "ICMP", "allowed": "yes"},
        {"from": "x/nobody", "to": "x/b", "port": 80, "allowed": True},
    ]
    expect = write_expectations(tmp_path, entries)
    code, _, err = run(capsys, "check", "-f", manifests, "--expect", expect)
    assert code == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert f"{expect}: expectation 1: port: must be a port number between 1 and 65535" in lines
    assert f"{expect}: expectation 2: to: is required: namespace/pod or an IP address" in lines
    assert (
        f"{expect}: expectation 2: protocol: 'ICMP' is not supported: use TCP, UDP or SCTP" in lines
    )
    assert f"{expect}: expectation 2: allowed: must be true or false" in lines
    assert lines[-1] == "python -m reachability: 4 problems in the manifests"
    entries = [{"from": "x/nobody", "to": "x/b", "port": 80, "allowed": True}]
    code, _, err = run(
        capsys, "check", "-f", manifests, "--expect", write_expectations(tmp_path, entries)
    )
    assert code == 2
    assert_one_error_line(
        err, "expectation 1: from: unknown pod 'x/nobody': pods in x are a, b, web"
    )


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{from: x/a}", "must be a list of {from, to, port, protocol, allowed}"),
        ("- [unclosed\n", "line 2, column 1: is not valid YAML"),
    ],
)
def test_check_unreadable_expectations(manifests: Path, tmp_path: Path, capsys, content, fragment):
    path = tmp_path / "expect.yaml"
    path.write_text(content)
    code, _, err = run(capsys, "check", "-f", manifests, "--expect", path)
    assert code == 2
    assert_one_error_line(err, str(path), fragment)
    code, _, err = run(capsys, "check", "-f", manifests, "--expect", tmp_path / "none.yaml")
    assert code == 2
    assert_one_error_line(err, "none.yaml: no such expectations file")


# --- errors: one line on stderr, exit 2 ------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["query", "--from", "x/a", "--to", "x/b", "--port", "80"], ["required: -f/--file"]),
        (
            ["query", "-f", "{m}", "--from", "x/a", "--to", "x/b", "--port", "http"],
            ["'http' is not a port"],
        ),
        (
            ["query", "-f", "{m}", "--from", "x/a", "--to", "x/b", "--port", "0"],
            ["'0' is not a port"],
        ),
        (
            [
                "query",
                "-f",
                "{m}",
                "--from",
                "x/a",
                "--to",
                "x/b",
                "--port",
                "80",
                "--protocol",
                "icmp",
            ],
            ["'icmp' is not a protocol"],
        ),
        (
            ["query", "-f", "{m}", "--from", "x/zz", "--to", "x/b", "--port", "80"],
            ["--from: unknown pod 'x/zz'"],
        ),
        (
            ["query", "-f", "{m}", "--from", "x/a", "--to", "nowhere", "--port", "80"],
            ["--to: unknown endpoint"],
        ),
        (["matrix", "-f", "{m}", "--port", "80/ICMP"], ["'80/ICMP' is not N/PROTOCOL"]),
        (["matrix", "-f", "{m}", "--port", "x/TCP"], ["'x/TCP' is not N/PROTOCOL"]),
        (["matrix", "-f", "{m}", "--external", "10.0.0.1"], ["10.0.0.1 is the IP of pod x/a"]),
        (
            ["matrix", "-f", "{m}", "--external", "example.com"],
            ["'example.com' is not an IP address"],
        ),
        (["matrix", "-f", "{m}", "--format", "xml"], ["invalid choice: 'xml'"]),
        (["matrix", "-f", "{m}/missing.yaml"], ["missing.yaml: no such file or folder"]),
        (["frobnicate"], ["invalid choice: 'frobnicate'"]),
        ([], ["required: COMMAND"]),
    ],
)
def test_user_errors_are_one_line_and_exit_2(manifests: Path, capsys, argv, fragments) -> None:
    code, out, err = run(capsys, *(a.replace("{m}", str(manifests)) for a in argv))
    assert (code, out) == (2, "")
    assert_one_error_line(err, *fragments)


def test_invalid_manifests_print_one_line_per_problem(tmp_path: Path, capsys) -> None:
    bad = netpol(
        "x/bad", {"ingress": [{"ports": [{"protocol": "tcp", "port": "http", "endPort": 9}]}]}
    )
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(bad))
    (tmp_path / "b.yaml").write_text("kind: Pod\nmetadata: {name: a\n")
    code, out, err = run(capsys, "matrix", "-f", tmp_path)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{tmp_path}/a.yaml: NetworkPolicy x/bad: spec.ingress[0].ports[0].protocol: 'tcp' is not "
        "supported: use TCP, UDP or SCTP (upper case)",
        f"{tmp_path}/a.yaml: NetworkPolicy x/bad: spec.ingress[0].ports[0].endPort: may not be "
        "specified when `port` is a name ('http'): use a number",
        f"{tmp_path}/b.yaml: line 3, column 1: is not valid YAML: "
        "did not find expected ',' or '}'",
        "python -m reachability: 3 problems in the manifests",
    ]


def query_process(manifests: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output buffered
    argv = ["query", "-f", str(manifests), "--from", "x/a", "--to", "x/b", "--port", "80"]
    return subprocess.run(
        [sys.executable, "-m", "reachability", *argv],
        cwd=REPO,
        text=True,
        check=False,
        env=env,
        **options,
    )


def test_output_that_cannot_be_written_is_status_120_and_a_line(manifests: Path) -> None:
    """The process ends without Python's own exit (`cli.console`), but keeps what it says when
    the output is lost: never 0, nor query's 1, which would read as a denied connection."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        lost = query_process(manifests, stdout=full, stderr=subprocess.PIPE)
    assert lost.returncode == 120
    assert (
        lost.stderr == "python -m reachability: cannot write the output: No space left on device\n"
    )


def test_a_closed_stderr_changes_nothing_when_nothing_is_wrong(manifests: Path) -> None:
    closed = query_process(manifests, stdout=subprocess.PIPE, pass_fds=(), preexec_fn=_close_stderr)
    assert (closed.returncode, closed.stdout.splitlines()[0]) == (0, "x/a -> x/b 80/TCP: allowed")


def _close_stderr() -> None:
    os.close(2)


def test_python_dash_m_runs_without_traceback(manifests: Path) -> None:
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "reachability",
            "query",
            "-f",
            str(manifests),
            "--from",
            "x/a",
            "--to",
            "x/b",
            "--port",
            "80",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (ok.returncode, ok.stdout.splitlines()[0]) == (0, "x/a -> x/b 80/TCP: allowed")
    bad = subprocess.run(
        [sys.executable, "-m", "reachability", "query", "-f", str(manifests / "nope")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.splitlines()) == 1 and "Traceback" not in bad.stderr


# --- user errors as a process (review findings)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI's main in-process, with a process's status and output (the process itself:
    test_python_dash_m_runs_without_traceback)."""
    return run_in_process(main, *args)


def _expect_file(tmp_path: Path) -> Path:
    expect = tmp_path / "expect.yaml"
    expect.write_text("- {from: x/a, to: x/b, port: 80, allowed: true}\n")
    return expect


@pytest.mark.parametrize("command", ["matrix", "lint", "check"])
def test_a_folder_without_manifests_is_one_clear_error(tmp_path: Path, command: str) -> None:
    # Contract (issue 3, docs/reachability-api.md): a user error is one line on stderr, exit 2.
    # A folder holding no manifest file is a wrong path, not an empty cluster that passes.
    folder = tmp_path / "rendered"
    folder.mkdir()
    (folder / "README.txt").write_text("not a manifest\n")
    extra = ["--expect", str(_expect_file(tmp_path))] if command == "check" else []
    result = _cli(command, "-f", str(folder), *extra)
    assert result.returncode == 2, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"{folder}: ") and "no manifest" in lines[0]


def test_a_recursive_yaml_alias_is_a_yaml_error_naming_the_file(tmp_path: Path) -> None:
    # go-yaml (what kubectl decodes with) rejects an anchor whose value contains itself.
    bad = tmp_path / "loop.yaml"
    bad.write_text("kind: Pod\nmetadata: {name: a}\nspec: &s {containers: [*s]}\n")
    result = _cli("matrix", "-f", str(bad))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad}: ")
    assert "is not valid YAML" in lines[0] and "internal error" not in lines[0]


def test_unknown_pod_in_an_input_without_pods_says_so(tmp_path: Path) -> None:
    manifest = tmp_path / "config.yaml"
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    manifest.write_text(dump_yaml([config_map]))
    result = _cli("query", "-f", str(manifest), "--from", "x/a", "--to", "x/b", "--port", "80")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "(have: )" not in lines[0]
    assert "no pods or workloads" in lines[0]


def test_the_console_ends_the_process_with_the_collector_still_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Turned back on after a command, the cyclic collector's first pass scans every object the
    command allocated (a quarter of a second after lint at 1,000 environments) just before the
    process ends: the console leaves it off."""
    cli = sys.modules["reachability.cli"]
    seen: list[tuple[bool, int]] = []

    def ended(code: int) -> None:
        seen.append((gc.isenabled(), code))
        raise SystemExit(code)

    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli.os, "_exit", ended)
    was = gc.isenabled()
    gc.enable()
    try:
        with pytest.raises(SystemExit):
            cli.console()
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [(False, 3)]
