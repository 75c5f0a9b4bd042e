"""The nca server gives each question the answer a fresh nca process gives it.

The differential tests send their questions to one long-lived nca per test process
(tests/support/nca_server.py), which forks a child per question after nca's imports. If that
child answered differently from a fresh `nca` (state left over from an earlier question, output
lost, an exit status changed), the differential tests would compare our engine with something
that is not nca; these tests compare the two ways of running nca directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import nca_oracle
from tests.support.builders import container_port, namespace, netpol, pod, selector
from tests.support.nca_oracle import NcaServer, write_manifests
from tests.support.paths import DATA

NCA = nca_oracle.find_nca()
needs_nca = pytest.mark.skipif(NCA is None, reason=nca_oracle.INSTALL_HINT)
SEED = DATA / "seed"


def connectivity_args(*paths: Path) -> list[str]:
    args = ["--connectivity"]
    for path in paths:
        args += ["-r", str(path)]
    return [*args, "-o", "txt_no_fw_rules", "--print_ipv6"]


def fresh(args: list[str]) -> tuple[int, str, str]:
    """What a new nca process answers."""
    assert NCA is not None
    proc = subprocess.run([NCA, *args], capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def without_run_time(output: str) -> list[str]:
    """nca's output minus its `Total run time: ...` line, the one line that varies."""
    return [line for line in output.splitlines() if not line.startswith("Total run time:")]


@pytest.fixture
def server() -> NcaServer:
    """The server the differential tests of this process use (started here if they have not)."""
    assert NCA is not None
    started = nca_oracle.server_for(NCA)
    if started is None:
        pytest.skip(f"{NCA} is not a Python script (or NCA_SERVER=0): no server to compare")
    return started


@pytest.fixture
def refused(tmp_path: Path) -> Path:
    """A cluster nca refuses (policyTypes listed Egress first), exit status 7."""
    docs = [
        namespace("ns"),
        pod("ns", "a", {"app": "a"}, ["10.0.0.1"], [container_port(80, "TCP", "http")]),
        netpol("ns", "deny", selector({"app": "a"}), policy_types=["Egress", "Ingress"]),
    ]
    return write_manifests(tmp_path / "refused.yaml", docs)


@needs_nca
def test_an_answer_is_a_fresh_processes_answer(server: NcaServer) -> None:
    code, out, err = server.run(connectivity_args(SEED), timeout=300)
    fresh_code, fresh_out, fresh_err = fresh(connectivity_args(SEED))

    assert (code, err) == (fresh_code, fresh_err) == (0, "")
    assert without_run_time(out) == without_run_time(fresh_out)
    assert " => " in out  # the connectivity lines themselves, not only a banner


@needs_nca
def test_a_refusal_is_a_fresh_processes_refusal(server: NcaServer, refused: Path) -> None:
    code, out, err = server.run(connectivity_args(refused), timeout=300)

    assert (code, out, err) == fresh(connectivity_args(refused))
    assert code == 7 and "policyTypes has invalid value" in err


@needs_nca
def test_no_question_changes_the_answer_to_the_next(server: NcaServer, refused: Path) -> None:
    """nca keeps singletons (peers, explanations) between queries of one process; the server's
    children start from the state right after the import every time, whatever was asked
    before (here, and by the other tests of this process)."""
    first = server.run(connectivity_args(SEED), timeout=300)
    server.run(connectivity_args(refused), timeout=300)
    server.run(connectivity_args(DATA / "k8s_docs"), timeout=300)
    again = server.run(connectivity_args(SEED), timeout=300)

    assert again[0] == first[0] == 0
    assert without_run_time(again[1]) == without_run_time(first[1])


@needs_nca
def test_usage_errors_exit_2_as_argparse_makes_a_process_exit(server: NcaServer) -> None:
    code, out, err = server.run(["--connectivity", "-r", "/no/such/folder"], timeout=300)

    assert (code, out) == (2, "")
    assert err.startswith("usage: nca ")
    assert err.endswith(
        "nca: error: argument --resource_list/-r: /no/such/folder is not a valid path\n"
    )


@needs_nca
def test_a_question_over_time_raises_timeout_and_the_next_is_answered(server: NcaServer) -> None:
    """`--period 1` answers, then sleeps a minute before answering again: only the alarm ends
    it. The child is killed, and the server goes on."""
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        server.run(["--period", "1", *connectivity_args(SEED)], timeout=1)
    assert time.monotonic() - start < 30

    code, out, _ = server.run(connectivity_args(SEED), timeout=300)
    assert code == 0 and " => " in out


FAKE_NCA_CLI = """
def nca_main(argv):
    print("ns/a[Pod] => ns/b[Pod] : All connections")
    print("args:", " ".join(argv))
    return 0
"""


def test_a_server_that_died_is_replaced_at_the_next_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a stand-in nca (a script of this interpreter, an `nca.nca_cli` of its own), so that
    the server the other tests use lives on and no nca import is paid twice."""
    package = tmp_path / "site" / "nca"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "nca_cli.py").write_text(FAKE_NCA_CLI)
    exe = tmp_path / "nca"
    exe.write_text(f"#!{sys.executable}\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    monkeypatch.delenv("NCA_SERVER", raising=False)
    try:
        first = nca_oracle.server_for(str(exe))
        assert first is not None and first.alive
        assert first.run(["--x"], timeout=30) == (
            0, "ns/a[Pod] => ns/b[Pod] : All connections\nargs: --x\n", ""
        )  # fmt: skip
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while first.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(RuntimeError, match="nca server ended"):
            first.run(["--x"], timeout=30)

        second = nca_oracle.server_for(str(exe))
        assert second is not None and second is not first and second.alive
        assert second.run(["--y"], timeout=30)[1].endswith("args: --y\n")
    finally:
        nca_oracle.forget_server(str(exe))


def test_the_interpreter_comes_from_the_scripts_first_line(tmp_path: Path) -> None:
    script = tmp_path / "nca"
    script.write_text("#!/opt/venv/bin/python3.11\nimport sys\n", encoding="utf-8")
    env_script = tmp_path / "nca-env"
    env_script.write_text("#!/usr/bin/env python3\n", encoding="utf-8")
    binary = tmp_path / "nca-binary"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00")
    shell = tmp_path / "nca-shell"
    shell.write_text('#!/bin/sh\nexec nca "$@"\n', encoding="utf-8")

    assert nca_oracle.python_of(str(script)) == ["/opt/venv/bin/python3.11"]
    assert nca_oracle.python_of(str(env_script)) == ["/usr/bin/env", "python3"]
    assert nca_oracle.python_of(str(binary)) is None
    assert nca_oracle.python_of(str(shell)) is None
    assert nca_oracle.python_of(str(tmp_path / "missing")) is None
