"""`query` and `check` read only the namespaces their endpoints live in, with the same verdicts
and explanations as a full read, and fall back to one where a scoped read could differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import allowed, load
from reachability.cli import main
from tests.support.builders import dump_yaml, ingress_rule, namespace, netpol, peer, pod, selector
from tests.support.processes import run_main
from tests.support.strategies import cluster_strategy


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=cluster_strategy(pod_ip_blocks=True), one_file_each=st.booleans())
def test_a_scoped_read_gives_every_pair_the_full_reads_verdict(
    tmp_path_factory: pytest.TempPathFactory, docs: list[dict[str, Any]], one_file_each: bool
) -> None:
    """In one file, the objects outside the scope are not parsed; one object a file, their
    files are not even decoded."""
    folder = tmp_path_factory.mktemp("cluster")
    if one_file_each:
        for i, doc in enumerate(docs):
            (folder / f"{i:03d}.yaml").write_text(dump_yaml([doc]))
    else:
        (folder / "all.yaml").write_text(dump_yaml(docs))
    full = load([folder])
    scopes = {
        scope: load([folder], namespaces=scope)
        for scope in {frozenset({a.namespace, b.namespace}) for a in full.pods for b in full.pods}
    }
    for src in full.pods:
        for dst in full.pods:
            scoped = scopes[frozenset({src.namespace, dst.namespace})]
            for port, protocol in ((80, "TCP"), (53, "UDP")):
                assert allowed(scoped, scoped.pod(src.id), scoped.pod(dst.id), port, protocol) == (
                    allowed(full, src, dst, port, protocol)
                )


def _write(folder: Path, docs: list[dict[str, Any]]) -> Path:
    folder.mkdir()
    (folder / "cluster.yaml").write_text(dump_yaml(docs))
    return folder


def _cluster(tmp_path: Path, broken: bool) -> Path:
    bad = netpol("other", "broken", ingress=[ingress_rule([peer(selector({"app": True}))])])  # type: ignore[dict-item]
    from_web = ingress_rule([peer(selector({"app": "web"}))])
    return _write(
        tmp_path / "cluster",
        [
            namespace("shop"),
            namespace("other"),
            pod("shop", "web", {"app": "web"}, ["10.0.0.1"]),
            pod("shop", "db", {"app": "db"}, ["10.0.0.2"]),
            pod("other", "x", {"app": "x"}, ["10.0.0.3"]),
            netpol("shop", "db-from-web", selector({"app": "db"}), ingress=[from_web]),
            *([bad] if broken else []),
        ],
    )


def test_query_answers_about_a_namespace_whatever_another_one_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _cluster(tmp_path, broken=True)
    code, out, _ = run_main(
        main, capsys, "query", "-f", folder, "--from", "shop/web", "--to", "shop/db", "--port", 80
    )
    assert code == 0 and "allowed" in out
    code, out, _ = run_main(main, capsys, "lint", "-f", folder)  # the broken policy is not lost
    assert code == 1 and "NetworkPolicy other/broken" in out


def test_an_ip_or_an_unknown_endpoint_reads_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _cluster(tmp_path, broken=False)
    # 10.0.0.3 is a pod of another namespace: a scoped read would take it for an external.
    code, out, _ = run_main(
        main, capsys, "query", "-f", folder, "--from", "10.0.0.3", "--to", "shop/db",
        "--port", 80, "--format", "json",
    )  # fmt: skip
    assert code == 1 and json.loads(out)["from"] == "other/x"
    code, _, err = run_main(
        main, capsys, "query", "-f", folder, "--from", "nowhere/a", "--to", "shop/db", "--port", 80
    )
    assert code == 2 and "(have: other, shop)" in err


def test_files_that_cannot_hold_the_scope_are_skipped_and_escapes_are_not_missed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _cluster(tmp_path, broken=False)
    (folder / "elsewhere.yaml").write_text("kind: [this is not YAML\n")  # not shop's: unread
    escaped = "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata:\n  name: deny\n"
    escaped += '  namespace: "sh\\x6fp"\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n'
    (folder / "escaped.yaml").write_text(escaped)  # namespace "shop", written with an escape
    code, out, _ = run_main(
        main, capsys, "query", "-f", folder, "--from", "shop/db", "--to", "shop/web", "--port", 80
    )
    assert code == 1 and "shop/deny" in out


def test_a_scope_without_pods_is_not_answered_with_stand_ins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The input has pods (elsewhere): a namespace without any has no `pod` to ask about."""
    folder = _write(
        tmp_path / "cluster",
        [netpol("alpha", "deny", selector(), policy_types=["Ingress"]), pod("beta", "web")],
    )
    code, _, err = run_main(
        main, capsys, "query", "-f", folder, "--from", "alpha/pod", "--to", "alpha/pod",
        "--port", 80,
    )  # fmt: skip
    assert code == 2 and "no pods in namespace 'alpha' (have: beta)" in err
