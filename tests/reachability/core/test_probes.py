"""Probe addresses are addresses no pod owns: an ipBlock that covers (or is) a pod's IP must not
make lint, diff or the policy pack refuse a valid cluster (the matrix refuses an "external"
address that a pod owns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from reachability import from_manifests, probe_externals
from reachability.cli import main
from reachability.diff import diff
from reachability.lint import lint_manifests
from tests.support.builders import egress_rule, namespace, netpol, peer, pod
from tests.support.strategies import cluster_strategy

CASES = [
    ("10.0.0.1", "10.0.0.0/8"),  # the block's first sample address is the pod's
    ("10.0.0.1", "10.0.0.1/32"),  # the block is the pod's address
    ("fd00::1", "fd00::/8"),
    ("fd00::1", "fd00::1/128"),
]


def _cluster(ip: str, cidr: str) -> list[dict[str, Any]]:
    return [
        namespace("shop"),
        pod("shop", "web", {"app": "web"}, [ip]),
        pod("shop", "client", {"app": "client"}, ["10.9.9.9"]),
        netpol(
            "shop",
            "out",
            {"matchLabels": {"app": "client"}},
            egress=[egress_rule([peer(cidr=cidr)])],
            policy_types=["Egress"],
        ),
    ]


@pytest.mark.parametrize(("ip", "cidr"), CASES)
def test_probe_addresses_are_never_a_pods(ip: str, cidr: str) -> None:
    cluster = from_manifests(_cluster(ip, cidr))
    owned = {address for p in cluster.pods for address in p.ips}
    assert not owned & set(probe_externals(cluster.policies, cluster.pods))


@pytest.mark.parametrize(("ip", "cidr"), CASES)
@pytest.mark.parametrize("command", ["lint", "diff"])
def test_lint_and_diff_accept_blocks_that_cover_pods(
    tmp_path: Path, command: str, ip: str, cidr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.yaml").write_text(yaml.safe_dump_all(_cluster(ip, cidr)), encoding="utf-8")
    args = ["-f", str(tmp_path)] + (["--after", str(tmp_path)] if command == "diff" else [])
    assert main([command, *args]) in (0, 1), capsys.readouterr().err


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cluster_strategy(pod_ip_blocks=True), cluster_strategy(pod_ip_blocks=True))
def test_lint_and_diff_never_refuse_a_valid_cluster(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> None:
    lint_manifests(after)  # raises on a refusal (a UserError), returns findings otherwise
    diff(from_manifests(before), from_manifests(after))
