"""The probe pods and the probe plan built from what ``python -m components render`` writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from e2e.manifests import container_ports, dump_manifests, load_manifests, pod_id
from e2e.plan import External, PlanError, Probe, parse_external, probe_plan
from e2e.probes import (
    AGNHOST_IMAGE,
    PROBE_LABEL,
    PROBE_METHOD,
    STANDS_FOR,
    Layout,
    ProbeSetError,
    namespace_manifest,
    probe_set,
)

STACKS = ("pr-123", "pr-456", "production")
NAMESPACES = tuple(f"myteam-myproject-{stack}" for stack in STACKS)


@pytest.fixture(scope="module")
def rendered(rendered_stacks: Callable[..., Path]) -> list[dict[str, Any]]:
    """The three stacks exactly as CI renders them (the public CLI, not internals)."""
    return load_manifests([rendered_stacks(*STACKS)])


def pods_of(docs: Any) -> dict[str, dict[str, Any]]:
    return {pod_id(doc): doc for doc in docs if doc["kind"] == "Pod"}


def test_each_environment_gets_web_worker_and_postgres_with_the_labels_policies_select(
    rendered: list[dict[str, Any]],
) -> None:
    pods = pods_of(probe_set(rendered).apply)
    for namespace in NAMESPACES:
        web = pods[f"{namespace}/probe-web"]["metadata"]["labels"]
        worker = pods[f"{namespace}/probe-worker"]["metadata"]["labels"]
        postgres = pods[f"{namespace}/probe-postgres"]["metadata"]["labels"]
        assert web["db-access"] == "true" and web["app"] == "web"
        assert "db-access" not in worker and worker["app"] == "worker"
        assert postgres["app"] == "postgres" and "db-access" not in postgres
    assert set(pods) == {
        *(f"{ns}/probe-{role}" for ns in NAMESPACES for role in ("web", "worker", "postgres")),
        "ingress-nginx/probe-ingress",
        "kube-system/probe-kube-system",
    }
    assert all(doc["metadata"]["labels"][PROBE_LABEL] == "true" for doc in pods.values())


def test_the_ingress_namespace_is_created_but_kube_system_and_kube_dns_are_never_applied(
    rendered: list[dict[str, Any]],
) -> None:
    probes = probe_set(rendered)
    namespaces = {doc["metadata"]["name"] for doc in probes.apply if doc["kind"] == "Namespace"}
    assert namespaces == {"ingress-nginx"}, "the environments' namespaces come from Pulumi"
    assert not any(
        doc["metadata"].get("labels", {}).get("k8s-app") == "kube-dns" for doc in probes.apply
    ), "a fake kube-dns pod would join the cluster DNS Service"
    stand_in = next(doc for doc in probes.fixtures if doc["kind"] == "Pod")
    assert stand_in["metadata"]["labels"] == {"k8s-app": "kube-dns"}
    assert stand_in["metadata"]["annotations"][STANDS_FOR] == "k8s-app=kube-dns"
    assert stand_in["metadata"]["annotations"][PROBE_METHOD] == "dns"
    assert container_ports(stand_in) == [(53, "TCP"), (53, "UDP")]
    assert namespace_manifest("kube-system") in probes.fixtures


def test_environment_probe_pods_pass_the_restricted_pod_security_level(
    rendered: list[dict[str, Any]],
) -> None:
    for doc in probe_set(rendered).apply:
        if doc["kind"] != "Pod" or doc["metadata"]["namespace"] == "kube-system":
            continue
        spec = doc["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert all(port["containerPort"] > 1024 for port in container["ports"])
            assert container["resources"]["limits"], "a namespace quota needs limits"


def test_every_container_serves_exactly_the_port_it_declares(
    rendered: list[dict[str, Any]],
) -> None:
    for doc in probe_set(rendered).apply:
        if doc["kind"] != "Pod":
            continue
        for container in doc["spec"]["containers"]:
            (port,) = container["ports"]
            assert container["image"] == AGNHOST_IMAGE
            assert container["args"][:2] == ["serve-hostname", f"--{port['protocol'].lower()}"]
            assert container["args"][-2:] == ["--port", str(port["containerPort"])]
            assert len(port["name"]) <= 15 and port["name"] == container["name"]


def test_the_dns_namespace_pod_listens_on_53_to_prove_only_kube_dns_is_open(
    rendered: list[dict[str, Any]],
) -> None:
    pod = pods_of(probe_set(rendered).apply)["kube-system/probe-kube-system"]
    assert {(53, "UDP"), (53, "TCP")} <= set(container_ports(pod))
    assert "k8s-app" not in pod["metadata"]["labels"]
    assert pod["spec"]["containers"][0]["securityContext"]["capabilities"]["add"] == [
        "NET_BIND_SERVICE"
    ]


def test_probe_set_and_plan_are_deterministic(rendered: list[dict[str, Any]]) -> None:
    first, second = probe_set(rendered), probe_set(list(reversed(rendered)))
    assert dump_manifests(first.apply) == dump_manifests(second.apply)
    assert probe_plan([*first.apply, *first.fixtures]) == probe_plan(
        [*reversed(second.fixtures), *reversed(second.apply)]
    )
    assert first.environment_namespaces == NAMESPACES


def test_plan_probes_every_served_port_of_every_other_pod_from_every_probe_pod(
    rendered: list[dict[str, Any]],
) -> None:
    probes = probe_set(rendered)
    manifests = [*probes.apply, *probes.fixtures]
    externals = [External("1.1.1.1", 443), External("1.1.1.1", 80)]
    plan = probe_plan(manifests, externals)
    pods = pods_of(manifests)
    sources = [pid for pid, doc in pods.items() if doc["metadata"]["labels"].get(PROBE_LABEL)]
    expected = {
        (source, target, port, protocol)
        for source in sources
        for target, doc in pods.items()
        if target != source
        for port, protocol in container_ports(doc)
    } | {(source, "1.1.1.1", port, "TCP") for source in sources for port in (443, 80)}
    assert {probe.key for probe in plan} == expected
    assert len(plan) == len(expected), "no probe twice"
    assert all(probe.source != probe.target for probe in plan), "CNIs differ on loopback"
    assert "kube-system/cluster-dns" not in {probe.source for probe in plan}
    assert plan == sorted(plan, key=lambda p: (p.source, p.target, p.protocol, p.port))
    methods = {probe.method for probe in plan if probe.target == "kube-system/cluster-dns"}
    assert methods == {"dns"}
    assert {p.method for p in plan if p.target != "kube-system/cluster-dns"} == {"connect"}


def test_plan_includes_the_flows_the_issue_names(rendered: list[dict[str, Any]]) -> None:
    probes = probe_set(rendered)
    keys = {p.key for p in probe_plan([*probes.apply, *probes.fixtures])}
    prod, dev = "myteam-myproject-production", "myteam-myproject-pr-123"
    assert (f"{prod}/probe-web", f"{prod}/probe-postgres", 5432, "TCP") in keys
    assert (f"{prod}/probe-worker", f"{prod}/probe-postgres", 5432, "TCP") in keys
    assert (f"{prod}/probe-web", f"{prod}/probe-postgres", 8080, "TCP") in keys
    assert (f"{dev}/probe-web", "kube-system/cluster-dns", 53, "UDP") in keys
    assert (f"{dev}/probe-web", "kube-system/probe-kube-system", 53, "UDP") in keys
    assert ("ingress-nginx/probe-ingress", f"{prod}/probe-postgres", 5432, "TCP") in keys


def test_a_custom_layout_moves_the_ingress_and_dns_pods(rendered: list[dict[str, Any]]) -> None:
    layout = Layout(ingress_namespace="traefik", dns_namespace="dns", dns_labels=(("app", "dns"),))
    probes = probe_set(rendered, layout)
    assert "traefik/probe-ingress" in pods_of(probes.apply)
    stand_in = pods_of(probes.fixtures)["dns/cluster-dns"]
    assert stand_in["metadata"]["labels"] == {"app": "dns"}


def test_rendered_stacks_that_claim_the_ingress_namespace_are_refused() -> None:
    with pytest.raises(ProbeSetError, match="ingress-nginx"):
        probe_set([namespace_manifest("ingress-nginx")])
    with pytest.raises(ProbeSetError, match="no Namespace"):
        probe_set([])


def test_a_plan_needs_probe_pods() -> None:
    with pytest.raises(PlanError, match="no probe pods"):
        probe_plan([namespace_manifest("a")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.1.1.1:443", External("1.1.1.1", 443, "TCP")),
        ("1.1.1.1:53/udp", External("1.1.1.1", 53, "UDP")),
        ("[2606:4700:4700::1111]:443/TCP", External("2606:4700:4700::1111", 443, "TCP")),
    ],
)
def test_external_endpoints_parse(text: str, expected: External) -> None:
    assert parse_external(text) == expected


@pytest.mark.parametrize("text", ["1.1.1.1", "example.com:443", "1.1.1.1:70000", "1.1.1.1:80/ICMP"])
def test_bad_external_endpoints_say_what_is_expected(text: str) -> None:
    with pytest.raises(PlanError, match="external endpoint"):
        parse_external(text)


def test_probes_round_trip_through_json_and_reject_bad_entries() -> None:
    probe = Probe("a/x", "b/y", 53, "UDP", "dns")
    assert Probe.from_json(probe.to_json()) == probe
    with pytest.raises(PlanError, match="from, to, port"):
        Probe.from_json({"from": "a/x", "port": 1})
    with pytest.raises(PlanError, match="protocol"):
        Probe.from_json({"from": "a/x", "to": "b/y", "port": 80, "protocol": "ICMP"})
    with pytest.raises(PlanError, match="method"):
        Probe.from_json({"from": "a/x", "to": "b/y", "port": 80, "method": "ping"})
