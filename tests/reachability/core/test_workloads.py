"""Workload resources as endpoints: what real manifests (kubectl output, `helm template`,
kustomize) hold instead of Pods. Each workload is one endpoint `namespace/kind/name` with its pod
template's labels, container ports and hostNetwork; a Pod that a workload of the input controls
is shown as that workload, not twice; representatives stand in only without pods or workloads.
"""

from __future__ import annotations

from typing import Any

import pytest

from reachability import ContainerPort, ManifestError, UnknownEndpoint, allowed, from_manifests
from tests.support.builders import (
    container_port,
    egress_rule,
    ingress_rule,
    namespace,
    netpol,
    np_port,
    owner_reference,
    peer,
    pod,
    selector,
    workload,
)

WEB = workload("Deployment", "shop", "web", {"app": "web"}, [container_port(8080, name="http")])
DB = workload("StatefulSet", "shop", "db", {"app": "db"}, [container_port(5432, name="pg")])
DB_ONLY_FROM_WEB = netpol(
    "shop",
    "db-from-web",
    selector({"app": "db"}),
    ingress=[ingress_rule([peer(pods=selector({"app": "web"}))], [np_port("pg")])],
)


def _problems(docs: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        from_manifests(docs)
    return [f"{p.obj}: {p.field}: {p.message}" for p in caught.value.problems]


# --------------------------------------------------------------------------- each kind


def test_a_folder_of_workloads_is_analysed_as_its_workloads_not_as_representatives() -> None:
    cluster = from_manifests([namespace("shop"), WEB, DB, DB_ONLY_FROM_WEB])
    assert not cluster.representative
    assert [p.id for p in cluster.pods] == ["shop/deployment/web", "shop/statefulset/db"]
    assert allowed(cluster, "shop/deployment/web", "shop/statefulset/db", 5432).allowed
    verdict = allowed(cluster, "shop/statefulset/db", "shop/statefulset/db", 5432)
    assert not verdict.allowed  # two replicas of db: the policy admits only web


@pytest.mark.parametrize(
    "kind", ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"]
)
def test_every_kind_reads_its_pod_template(kind: str) -> None:
    doc = workload(kind, "shop", "w", {"app": "w"}, [container_port(53, "UDP", "dns")])
    (endpoint,) = from_manifests([doc]).pods
    assert endpoint.id == f"shop/{kind.lower()}/w"
    assert (endpoint.kind, endpoint.namespace, endpoint.name) == (kind, "shop", "w")
    assert dict(endpoint.labels) == {"app": "w"}
    assert endpoint.ports == (ContainerPort("dns", 53, "UDP"),)
    assert endpoint.ips == ()
    assert not endpoint.host_network


def test_a_cronjob_reads_the_template_nested_in_its_job_template() -> None:
    doc = workload("CronJob", "ops", "backup", {"job": "backup"}, [container_port(9000)])
    assert doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"] == {"job": "backup"}
    (endpoint,) = from_manifests([doc]).pods
    assert endpoint.id == "ops/cronjob/backup"
    assert dict(endpoint.labels) == {"job": "backup"}
    assert endpoint.ports == (ContainerPort(None, 9000, "TCP"),)


def test_a_daemonset_with_host_network_is_a_host_network_endpoint() -> None:
    doc = workload("DaemonSet", "kube-system", "agent", {"app": "agent"}, host_network=True)
    (endpoint,) = from_manifests([doc]).pods
    assert endpoint.id == "kube-system/daemonset/agent"
    assert endpoint.host_network


def test_a_replicationcontroller_and_a_pod_of_the_same_name_are_two_endpoints() -> None:
    docs = [
        workload("ReplicationController", "shop", "web", {"app": "web"}),
        pod("shop", "web", {"app": "other"}),
    ]
    assert [p.id for p in from_manifests(docs).pods] == [
        "shop/web",
        "shop/replicationcontroller/web",
    ]


def test_a_workload_without_a_namespace_lives_in_default() -> None:
    doc = workload("Deployment", "x", "web", {"app": "web"})
    del doc["metadata"]["namespace"]
    assert [p.id for p in from_manifests([doc]).pods] == ["default/deployment/web"]


def test_a_kind_of_another_api_group_is_not_a_workload() -> None:
    custom = workload("Deployment", "shop", "web", {"app": "web"})
    custom["apiVersion"] = "example.com/v1"
    assert from_manifests([namespace("shop"), custom]).representative


def test_named_ports_resolve_against_the_workload_template() -> None:
    cluster = from_manifests([namespace("shop"), WEB, DB, DB_ONLY_FROM_WEB])
    assert not allowed(cluster, "shop/deployment/web", "shop/statefulset/db", 8080).allowed


# --------------------------------------------------------------------------- owner references


def _owned_pod(name: str, labels: dict[str, str], owner: tuple[str, str], ip: str) -> Any:
    doc = pod("shop", name, labels, [ip])
    doc["metadata"]["ownerReferences"] = [owner_reference(*owner)]
    return doc


def test_a_pod_of_a_replicaset_of_a_deployment_is_shown_as_the_deployment() -> None:
    labels = {"app": "web", "pod-template-hash": "5d8f"}
    docs = [
        WEB,
        workload("ReplicaSet", "shop", "web-5d8f", labels, owner=("Deployment", "web")),
        _owned_pod("web-5d8f-abcde", labels, ("ReplicaSet", "web-5d8f"), "10.0.0.7"),
        _owned_pod("web-5d8f-fghij", labels, ("ReplicaSet", "web-5d8f"), "10.0.0.8"),
    ]
    cluster = from_manifests(docs)
    assert [p.id for p in cluster.pods] == ["shop/deployment/web"]
    # The workload stands for its pods: their addresses name it.
    assert cluster.pods[0].ips == ("10.0.0.7", "10.0.0.8")
    assert cluster.endpoint("10.0.0.8").id == "shop/deployment/web"


def test_a_pod_whose_replicaset_is_absent_is_matched_by_its_pod_template_hash() -> None:
    # `kubectl get deploy,pods -o yaml`: the ReplicaSet between them is not in the input, but its
    # name is the Deployment's plus the pod-template-hash label its pods carry.
    labels = {"app": "web", "pod-template-hash": "5d8f"}
    docs = [WEB, _owned_pod("web-5d8f-abcde", labels, ("ReplicaSet", "web-5d8f"), "10.0.0.7")]
    assert [p.id for p in from_manifests(docs).pods] == ["shop/deployment/web"]


def test_a_pod_of_a_statefulset_is_shown_as_the_statefulset() -> None:
    docs = [DB, _owned_pod("db-0", {"app": "db"}, ("StatefulSet", "db"), "10.0.0.9")]
    assert [p.id for p in from_manifests(docs).pods] == ["shop/statefulset/db"]


def test_a_pod_whose_owner_is_absent_stays_a_pod() -> None:
    labels = {"app": "api", "pod-template-hash": "77aa"}
    docs = [WEB, _owned_pod("api-77aa-xyz", labels, ("ReplicaSet", "api-77aa"), "10.0.0.5")]
    assert [p.id for p in from_manifests(docs).pods] == ["shop/api-77aa-xyz", "shop/deployment/web"]


def test_an_owner_that_is_not_the_controller_does_not_absorb_the_pod() -> None:
    doc = pod("shop", "web-1", {"app": "web"}, ["10.0.0.5"])
    doc["metadata"]["ownerReferences"] = [owner_reference("Deployment", "web", controller=False)]
    assert [p.id for p in from_manifests([WEB, doc]).pods] == ["shop/web-1", "shop/deployment/web"]


def test_an_owner_in_another_namespace_does_not_absorb_the_pod() -> None:
    doc = _owned_pod("web-1", {"app": "web"}, ("Deployment", "web"), "10.0.0.5")
    doc["metadata"]["namespace"] = "other"
    assert [p.id for p in from_manifests([WEB, doc]).pods] == ["other/web-1", "shop/deployment/web"]


# --------------------------------------------------------------------------- endpoint refs


def test_endpoint_refs_name_workloads_as_kubectl_does() -> None:
    cluster = from_manifests([namespace("shop"), WEB, DB, pod("shop", "debug", {})])
    for ref in ("shop/deployment/web", "shop/Deployment/web", "shop/deploy/web"):
        assert cluster.endpoint(ref).id == "shop/deployment/web"
    assert cluster.endpoint("shop/sts/db").id == "shop/statefulset/db"
    assert cluster.endpoint("shop/pod/debug").id == "shop/debug"
    assert cluster.endpoint("shop/debug").id == "shop/debug"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("shop/deployment/nope", "unknown workload 'shop/deployment/nope'"),
        ("shop/widget/web", "'widget' is not a kind of workload"),
        ("shop/a/b/c", "write namespace/pod, namespace/kind/name or an IP address"),
    ],
)
def test_unknown_workload_refs_are_one_line_errors(ref: str, message: str) -> None:
    cluster = from_manifests([namespace("shop"), WEB])
    with pytest.raises(UnknownEndpoint) as caught:
        cluster.endpoint(ref)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- validation


def test_invalid_template_fields_are_reported_with_their_paths() -> None:
    doc = workload("Deployment", "shop", "web", {"app": "web"})
    template = doc["spec"]["template"]
    template["metadata"]["labels"] = {"app": True, "bad key!": "x"}
    template["spec"]["hostNetwork"] = "yes"
    template["spec"]["containers"] = [
        {"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 81, "name": "HTTP!"}]},
        {"name": "b", "ports": [{"containerPort": "80"}, {"containerPort": 82, "protocol": "tcp"}]},
    ]
    problems = _problems([doc])
    obj = "Deployment shop/web"
    assert problems == [
        f"{obj}: spec.template.metadata.labels[app]: must be a string, not the boolean true: "
        "quote it ('true')",
        f"{obj}: spec.template.metadata.labels[bad key!]: " + problems[1].split(": ", 2)[2],
        f"{obj}: spec.template.spec.hostNetwork: must be true or false, not the string 'yes'",
        f"{obj}: spec.template.spec.containers[0].ports[1].name: " + problems[3].split(": ", 2)[2],
        f"{obj}: spec.template.spec.containers[1].ports[0].containerPort: "
        "must be a port number, not the string '80'",
        f"{obj}: spec.template.spec.containers[1].ports[1].protocol: "
        "'tcp' is not supported: use TCP, UDP or SCTP (upper case)",
    ]


def test_a_cronjob_problem_names_the_nested_template_field() -> None:
    doc = workload("CronJob", "ops", "backup", {"job": "backup"})
    doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] = "none"
    assert _problems([doc]) == [
        "CronJob ops/backup: spec.jobTemplate.spec.template.spec.containers: "
        "must be a list, not the string 'none'"
    ]


def test_a_template_that_is_not_a_mapping_is_a_problem() -> None:
    doc = workload("StatefulSet", "shop", "db", {"app": "db"})
    doc["spec"]["template"] = ["x"]
    assert _problems([doc]) == ["StatefulSet shop/db: spec.template: must be a mapping, not a list"]


def test_workload_metadata_is_checked_like_any_object() -> None:
    doc = workload("Deployment", "shop", "Web_1", {"app": "web"})
    (problem,) = _problems([doc])
    assert problem.startswith("Deployment shop/Web_1: metadata.name: ")


def test_owner_references_of_the_wrong_type_are_problems() -> None:
    doc = pod("shop", "web-1", {"app": "web"})
    doc["metadata"]["ownerReferences"] = [{"kind": "Deployment", "name": "web", "controller": "y"}]
    assert _problems([WEB, doc]) == [
        "Pod shop/web-1: metadata.ownerReferences[0].controller: "
        "must be true or false, not the string 'y'"
    ]


def test_unknown_fields_of_a_workload_beyond_what_is_read_are_accepted() -> None:
    doc = workload("Deployment", "shop", "web", {"app": "web"})
    doc["spec"]["strategy"] = {"type": "RollingUpdate"}
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    doc["status"] = {"replicas": 3}
    assert [p.id for p in from_manifests([doc]).pods] == ["shop/deployment/web"]


def test_egress_to_a_workload_by_label() -> None:
    deny_egress = netpol(
        "shop",
        "web-egress",
        selector({"app": "web"}),
        egress=[egress_rule([peer(pods=selector({"app": "db"}))])],
        policy_types=["Egress"],
    )
    cluster = from_manifests([namespace("shop"), WEB, DB, deny_egress])
    assert allowed(cluster, "shop/deployment/web", "shop/statefulset/db", 5432).allowed
    assert not allowed(cluster, "shop/deployment/web", "1.1.1.1", 443).allowed


def test_an_owner_reference_without_kind_names_no_controller_and_is_no_problem() -> None:
    # As some analyzers' test corpora write them: only what folding needs is required.
    doc = pod("shop", "web-1", {"app": "web"})
    doc["metadata"]["ownerReferences"] = [{"name": "web", "controller": True}]
    assert [p.id for p in from_manifests([WEB, doc]).pods] == ["shop/web-1", "shop/deployment/web"]


def test_a_container_port_without_a_number_declares_no_port() -> None:
    doc = workload("Deployment", "shop", "web", {"app": "web"}, [container_port(8080, name="http")])
    doc["spec"]["template"]["spec"]["containers"][0]["ports"].append(
        {"name": "udps", "containerport": 3535, "protocol": "UDP"}
    )
    (endpoint,) = from_manifests([doc]).pods
    assert endpoint.ports == (ContainerPort("http", 8080, "TCP"),)
