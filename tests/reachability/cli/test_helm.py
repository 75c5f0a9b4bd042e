"""The analyzer on the output of `helm template`: Deployments, a StatefulSet, Services,
ConfigMaps and NetworkPolicies, as a chart renders them, with no Pod among them.

The chart is tests/data/helm/shop (web -> api -> db under a default deny, DNS allowed);
tests/data/helm/shop-rendered/shop.yaml is its output for `helm template shop
tests/data/helm/shop --namespace shop`: `---` separators, a `# Source: shop/templates/<file>`
line per object, objects in Helm's install order. It was rendered by Helm itself (its Go SDK, as
shipped in the `helm-python-sdk` wheel: a client-only dry-run install, which is what `helm
template` runs and prints); the first test renders the chart again and compares, byte for byte,
and skips when that package is not installed.
"""

from __future__ import annotations

import json

import pytest

from reachability import load, matrix
from reachability.cli import main
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_main

CHART = REPO_ROOT / "tests/data/helm/shop"
RENDERED = REPO_ROOT / "tests/data/helm/shop-rendered/shop.yaml"
WEB, API, DB = "shop/deployment/shop-web", "shop/deployment/shop-api", "shop/statefulset/shop-db"
PORTS = [(8080, "TCP"), (9090, "TCP"), (9100, "TCP"), (5432, "TCP"), (53, "UDP")]


def test_the_rendered_output_is_what_helm_template_prints() -> None:
    helm = pytest.importorskip("helm_python", reason="helm-python-sdk (Helm's renderer) missing")
    with helm.Config(namespace="shop", storage_driver="memory") as config:
        release = config.install(
            helm.Chart.load(str(CHART)), "shop", namespace="shop", dry_run="client"
        )
    assert release["manifest"].strip() == RENDERED.read_text(encoding="utf-8").strip()


def test_helm_output_is_analysed_as_its_workloads() -> None:
    cluster = load([RENDERED])
    assert not cluster.representative
    assert [p.id for p in cluster.pods] == [API, WEB, DB]
    assert dict(cluster.pod(WEB).labels) == {
        "app.kubernetes.io/instance": "shop",
        "app.kubernetes.io/name": "web",
        "tier": "frontend",
    }
    # The api's init container has no ports; its containers' named ports are what policies see.
    assert {(p.name, p.port) for p in cluster.pod(API).ports} == {("http", 9090), ("metrics", 9100)}


def test_the_matrix_gives_what_the_charts_policies_mean() -> None:
    flows = matrix(load([RENDERED]), PORTS).allowed_flows()
    # web -> api on api's `http` port, api -> db on `pg`; nothing else under the default deny
    # (not api's metrics port, not web -> db, not a replica to another of its workload).
    assert flows == [(API, DB, 5432, "TCP"), (WEB, API, 9090, "TCP")]


def test_matrix_json_over_helm_output_names_workloads(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(
        main, capsys, "matrix", "-f", str(RENDERED), "--port", "9090", "--port", "5432",
        "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {"from": API, "to": DB, "port": 5432, "protocol": "TCP"},
        {"from": WEB, "to": API, "port": 9090, "protocol": "TCP"},
    ]


def test_query_over_helm_output_explains_with_the_charts_policies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_main(
        main, capsys, "query", "-f", str(RENDERED), "--from", "shop/deploy/shop-web",
        "--to", "shop/sts/shop-db", "--port", "5432",
    )  # fmt: skip
    assert code == 1
    assert out.splitlines() == [
        f"{WEB} -> {DB} 5432/TCP: denied",
        f"  egress from {WEB}: denied: isolated by shop/shop-allow-dns, shop/shop-default-deny, "
        "shop/shop-web and no egress rule admits 5432/TCP to " + DB,
        f"  ingress to {DB}: denied: isolated by shop/shop-db, shop/shop-default-deny and no "
        f"ingress rule admits 5432/TCP from {WEB}",
        "endpoints: the pods and workloads of the input",
    ]
