"""`--host-network node|pod` on every command that reads a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reachability.cli import main
from tests.support.builders import namespace, netpol, pod


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = [
        namespace("app"),
        namespace("other"),
        netpol("app", "deny-all", {}, policy_types=["Ingress", "Egress"]),
        pod("app", "agent", {"app": "agent"}, ["192.168.0.5"], host_network=True),
        pod("other", "client", None, ["10.9.1.1"]),
    ]
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return tmp_path


QUERY = ["query", "--from", "other/client", "--to", "app/agent", "--port", "80"]


@pytest.mark.parametrize(("flags", "status"), [([], 0), (["--host-network", "node"], 0)])
def test_node_is_the_default_and_leaves_host_pods_open(
    folder: Path, flags: list[str], status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*QUERY, "-f", str(folder), *flags]) == status
    assert "host-network pod, NetworkPolicy does not isolate it" in capsys.readouterr().out


def test_pod_isolates_them_like_any_pod(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*QUERY, "-f", str(folder), "--host-network=pod"]) == 1
    assert "denied: isolated by app/deny-all" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["matrix", "lint"])
def test_every_command_takes_it(
    folder: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "-f", str(folder), "--host-network", "pod"]) in (0, 1)
    assert main([command, "-f", str(folder), "--host-network", "bridge"]) == 2
    assert "invalid choice: 'bridge'" in capsys.readouterr().err


def test_diff_takes_it(folder: Path) -> None:
    assert main(["diff", "-f", str(folder), "--after", str(folder), "--host-network=pod"]) == 0
