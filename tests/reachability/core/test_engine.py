"""Unit tests of reachability's parsing, validation, selectors and verdict semantics.

The manifests are written with tests/support/ref_builders.py, as a user would write them (the
matrix and CLI tests share them). Each semantic test pins one rule of the NetworkPolicy v1 API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reachability import (
    Cluster,
    ExternalIP,
    LabelSelector,
    ManifestError,
    Options,
    Problem,
    Requirement,
    allowed,
    load,
    selected_pods,
)
from tests.support.ref_builders import DENY_ALL, XY, build, cport, netpol, ns, pod

Doc = dict[str, Any]


def problems_of(*docs: Doc) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        build(*docs)
    return [str(problem) for problem in caught.value.problems]


def verdict(cluster: Cluster, src: str, dst: str, port: int = 80, protocol: str = "TCP") -> bool:
    return allowed(cluster, src, dst, port, protocol).allowed


# --- selectors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "labels", "expected"),
    [
        (Requirement("app", "In", ("web",)), {"app": "web"}, True),
        (Requirement("app", "In", ("web",)), {"app": "db"}, False),
        (Requirement("app", "In", ("web",)), {}, False),
        (Requirement("app", "NotIn", ("web",)), {"app": "db"}, True),
        (Requirement("app", "NotIn", ("web",)), {"app": "web"}, False),
        (Requirement("app", "NotIn", ("web",)), {}, True),  # key absent matches NotIn
        (Requirement("app", "Exists"), {"app": ""}, True),
        (Requirement("app", "Exists"), {}, False),
        (Requirement("app", "DoesNotExist"), {}, True),
        (Requirement("app", "DoesNotExist"), {"app": "x"}, False),
    ],
)
def test_requirement_operators(requirement: Requirement, labels: dict, expected: bool) -> None:
    assert requirement.matches(labels) is expected


def test_selector_is_the_and_of_labels_and_expressions() -> None:
    selector = LabelSelector((("app", "web"),), (Requirement("tier", "NotIn", ("db",)),))
    assert selector.matches({"app": "web"})
    assert selector.matches({"app": "web", "tier": "front"})
    assert not selector.matches({"app": "web", "tier": "db"})
    assert not selector.matches({"tier": "front"})
    assert LabelSelector().matches({}) and LabelSelector().is_empty
    assert not LabelSelector((("k", ""),)).matches({})  # matchLabels needs the key
    assert str(selector) == "app=web,tier notin (db)"
    assert str(LabelSelector()) == "{}"


# --- loading ---------------------------------------------------------------------------------


def test_load_reads_folders_recursively_and_every_format(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.yaml").write_text("---\n" + json.dumps(ns("x")) + "\n---\n# empty\n")
    (tmp_path / "sub" / "b.yml").write_text(
        json.dumps({"apiVersion": "v1", "kind": "PodList", "items": [_bare(pod("x/a"))]})
    )
    (tmp_path / "sub" / "c.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": [netpol("x/p", {})]})
    )
    (tmp_path / "sub" / "other.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n- from: x/a\n"
    )
    (tmp_path / ".hidden" / "skip.yaml").write_text("not: [valid")
    (tmp_path / "notes.txt").write_text("ignored")
    cluster = load([tmp_path])
    assert [p.id for p in cluster.pods] == ["x/a"]
    assert [p.id for p in cluster.policies] == ["x/p"]
    assert [n.name for n in cluster.namespaces] == ["x"]
    assert not cluster.representative


def _bare(doc: Doc) -> Doc:
    """An item of a typed list, which the REST API writes without kind and apiVersion."""
    return {k: v for k, v in doc.items() if k not in ("kind", "apiVersion")}


def test_load_accepts_repeated_and_overlapping_paths(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(json.dumps(pod("x/a")))
    assert len(load([path, tmp_path, str(path)]).pods) == 1


def test_namespace_gets_the_automatic_name_label() -> None:
    cluster = build(ns("x", team="red"), ns("y", **{"kubernetes.io/metadata.name": "lie"}))
    labels = {n.name: dict(n.labels) for n in cluster.namespaces}
    assert labels["x"] == {"team": "red", "kubernetes.io/metadata.name": "x"}
    assert labels["y"] == {"kubernetes.io/metadata.name": "y"}  # the API server overwrites it


def test_objects_without_namespace_live_in_default_and_namespaces_are_implied() -> None:
    doc = pod("x/a")
    del doc["metadata"]["namespace"]
    cluster = build(doc, netpol("z/p", {}))
    assert [p.id for p in cluster.pods] == ["default/a"]
    assert [n.name for n in cluster.namespaces] == ["default", "z"]
    assert dict(cluster.namespaces[1].labels) == {"kubernetes.io/metadata.name": "z"}


def test_pod_fields() -> None:
    doc = pod(
        "x/a",
        {"app": "web"},
        ["10.0.0.1", "fd00::1"],
        [cport(80, "http"), cport(53, "dns", "UDP")],
        host_network=True,
    )
    doc["status"]["podIP"] = "10.0.0.1"
    (parsed,) = build(doc).pods
    assert parsed.id == "x/a" and dict(parsed.labels) == {"app": "web"}
    assert parsed.ips == ("10.0.0.1", "fd00::1")
    assert [(p.name, p.port, p.protocol) for p in parsed.ports] == [
        ("http", 80, "TCP"),
        ("dns", 53, "UDP"),
    ]
    assert parsed.host_network


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({}, ("Ingress",)),
        ({"egress": []}, ("Ingress",)),  # no egress rules: Egress is not defaulted
        ({"egress": [{}]}, ("Ingress", "Egress")),
        ({"policyTypes": []}, ("Ingress",)),  # empty = not given
        ({"policyTypes": ["Egress"]}, ("Egress",)),
        ({"policyTypes": ["Egress", "Ingress"]}, ("Ingress", "Egress")),
        ({"policyTypes": ["Egress"], "ingress": [{}]}, ("Egress",)),
    ],
)
def test_policy_types_defaulting(spec: Doc, types: tuple[str, ...]) -> None:
    (policy,) = build(netpol("x/p", spec)).policies
    assert policy.policy_types == types


def test_missing_and_empty_peers_and_ports_mean_all() -> None:
    spec = {"ingress": [{}, {"from": [], "ports": []}, {"from": None, "ports": None}]}
    (policy,) = build(netpol("x/p", spec)).policies
    assert all(rule.peers is None and rule.ports is None for rule in policy.ingress)


def test_manifest_is_kept_read_only_and_detached_from_the_caller() -> None:
    doc = netpol("x/p", {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]})
    cluster = build(doc)
    doc["spec"]["podSelector"]["matchLabels"]["app"] = "changed"
    manifest = cluster.policies[0].manifest
    assert manifest["spec"]["podSelector"]["matchLabels"]["app"] == "web"
    assert manifest["spec"]["ingress"] == [{}]
    with pytest.raises(TypeError):
        manifest["spec"]["podSelector"]["matchLabels"]["app"] = "x"  # type: ignore[index]
    assert cluster.policies[0].source == "test.yaml"


# --- validation: what the API server rejects -------------------------------------------------

BAD_POLICY_CASES = [
    (
        {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]},
        "spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.0/33' is not a valid IPv4 or IPv6 CIDR",
    ),
    (
        {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.1"}}]}]},
        "spec.egress[0].to[0].ipBlock.cidr: '10.0.0.1' is not a CIDR",
    ),
    (
        {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24"]}}]}]},
        "spec.egress[0].to[0].ipBlock.except[0]: '10.1.0.0/24' must be a strict subset",
    ),
    (
        {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.0.0/16"]}}]}]},
        "ipBlock.except[0]: '10.0.0.0/16' must be a strict subset of cidr 10.0.0.0/16",
    ),
    ({"egress": [{"to": [{"ipBlock": {}}]}]}, "spec.egress[0].to[0].ipBlock.cidr: is required"),
    (
        {"ingress": [{"ports": [{"protocol": "tcp", "port": 80}]}]},
        "spec.ingress[0].ports[0].protocol: 'tcp' is not supported: use TCP, UDP or SCTP",
    ),
    (
        {"ingress": [{"ports": [{"port": "http", "endPort": 90}]}]},
        "spec.ingress[0].ports[0].endPort: may not be specified when `port` is a name",
    ),
    (
        {"ingress": [{"ports": [{"port": 90, "endPort": 80}]}]},
        "spec.ingress[0].ports[0].endPort: 80 must be greater than or equal to `port` (90)",
    ),
    (
        {"ingress": [{"ports": [{"endPort": 80}]}]},
        "endPort: may not be specified when `port` is not specified",
    ),
    (
        {"ingress": [{"ports": [{"port": 80, "endPort": 70000}]}]},
        "endPort: 70000 must be a port number between 1 and 65535",
    ),
    ({"ingress": [{"ports": [{"port": 0}]}]}, "ports[0].port: 0 must be a port number"),
    ({"ingress": [{"ports": [{"port": "80"}]}]}, "'80' is a string: write a port number"),
    ({"ingress": [{"ports": [{"port": "Http_1"}]}]}, "'Http_1' must be a port name"),
    ({"ingress": [{"ports": [{"port": "a--b"}]}]}, "'a--b' must be a port name"),
    (
        {"ingress": [{"ports": [{"port": "abcdefghijklmnop"}]}]},
        "'abcdefghijklmnop' must be a port name",
    ),
    ({"ingress": [{"ports": [{"port": True}]}]}, "port: must be a port number or a port name"),
    (
        {
            "podSelector": {
                "matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]
            }
        },
        "spec.podSelector.matchExpressions[0].operator: 'Equals' is not supported",
    ),
    (
        {"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}},
        "matchExpressions[0].values: must be specified when `operator` is In",
    ),
    (
        {"podSelector": {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]}},
        "matchExpressions[0].values: must be specified when `operator` is NotIn",
    ),
    (
        {
            "podSelector": {
                "matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]
            }
        },
        "matchExpressions[0].values: may not be specified when `operator` is Exists",
    ),
    (
        {"podSelector": {"matchExpressions": [{"key": "-a", "operator": "Exists"}]}},
        "matchExpressions[0].key: '-a' must be a label key",
    ),
    (
        {"podSelector": {"matchLabels": {"db-access": True}}},
        "spec.podSelector.matchLabels[db-access]: must be a string, not the boolean true: quote it",
    ),
    ({"podSelector": {"matchLabels": {"app": "a b"}}}, "'a b' must be a label value"),
    ({"podSelector": {"matchLabels": {"bad/key/x": "v"}}}, "'bad/key/x' must be a label key"),
    ({"ingress": [{"from": [{}]}]}, "spec.ingress[0].from[0]: must specify a peer"),
    (
        {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]},
        "spec.ingress[0].from[0]: may not specify both ipBlock and another peer",
    ),
    ({"policyTypes": ["Ingress", "Egress", "Ingress"]}, "may not specify more than two"),
    ({"policyTypes": ["ingress"]}, "spec.policyTypes[0]: 'ingress' is not supported"),
    ({"podselector": {}}, "spec.podselector: unknown field"),
    ({"ingress": [{"from": [{"namespaceselector": {}}]}]}, "from[0].namespaceselector: unknown"),
    ({"ingress": {"from": []}}, "spec.ingress: must be a list, not a mapping"),
]


@pytest.mark.parametrize(("spec", "expected"), BAD_POLICY_CASES)
def test_invalid_policies_are_rejected_naming_file_object_and_field(spec: Doc, expected: str):
    found = problems_of(netpol("x/bad", spec))
    assert any(
        line.startswith("test.yaml: NetworkPolicy x/bad: ") and expected in line for line in found
    ), found


@pytest.mark.parametrize(
    "spec",
    [
        {"ingress": [{"ports": [{"port": 80, "endPort": 80}]}]},
        {"ingress": [{"ports": [{"port": "http-2"}, {"protocol": "SCTP"}]}]},
        {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.5/8", "except": ["10.1.0.0/16"]}}]}]},
        {"egress": [{"to": [{"ipBlock": {"cidr": "fd00::/8", "except": ["fd00::/16"]}}]}]},
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "", "k": "v.1_x"}}},
        {"policyTypes": ["Ingress", "Ingress"]},
        {"ingress": [{"from": [{"podSelector": None, "namespaceSelector": {}}]}]},
    ],
)
def test_valid_edge_cases_are_accepted(spec: Doc) -> None:
    build(netpol("x/ok", spec))


def test_wrong_api_version_and_bad_metadata() -> None:
    doc = netpol("x/p", {})
    doc["apiVersion"] = "extensions/v1beta1"
    found = problems_of(doc, pod("Bad_NS/a"), ns("UPPER"), {"kind": "Pod", "metadata": {}})
    assert any("NetworkPolicy x/p: apiVersion: the string 'extensions/v1beta1'" in p for p in found)
    assert any(
        "Pod Bad_NS/a: metadata.namespace: 'Bad_NS' must be a DNS-1123 label" in p for p in found
    )
    assert any(
        "Namespace UPPER: metadata.name: 'UPPER' must be a DNS-1123 label" in p for p in found
    )
    assert any("Pod default/(document 4, no name): metadata.name: is required" in p for p in found)


def test_pod_problems() -> None:
    doc = pod("x/a", ports=[{"containerPort": "80"}, cport(70000), cport(80, "HTTP"), cport(1)])
    doc["spec"]["containers"][0]["ports"][3]["protocol"] = "ICMP"
    doc["spec"]["hostNetwork"] = "yes"
    doc["status"] = {"podIP": "10.0.0.300"}
    found = problems_of(doc)
    expected = [
        "ports[0].containerPort: must be a port number, not the string '80'",
        "ports[1].containerPort: 70000 must be a port number",
        "ports[2].name: 'HTTP' must be a port name",
        "ports[3].protocol: 'ICMP' is not supported",
        "spec.hostNetwork: must be true or false",
        "status.podIP: '10.0.0.300' is not an IPv4 or IPv6 address",
    ]
    for text in expected:
        assert any(text in line for line in found), (text, found)


def test_problems_from_every_file_and_object_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        json.dumps(netpol("x/one", {"policyTypes": ["Sideways"]}))
        + "\n---\n"
        + json.dumps(netpol("x/two", {"ingress": [{"ports": [{"port": 0}]}]}))
    )
    (tmp_path / "b.yaml").write_text("kind: Pod\nmetadata:\n  name: a\n  labels: [x\n")
    (tmp_path / "c.json").write_text('{"kind": "Pod",\n "metadata": }')
    with pytest.raises(ManifestError) as caught:
        load([tmp_path, tmp_path / "missing.yaml"])
    lines = str(caught.value).splitlines()
    assert len(caught.value.problems) == len(lines) == 5
    assert any(line.startswith(f"{tmp_path}/a.yaml: NetworkPolicy x/one: ") for line in lines)
    assert any(line.startswith(f"{tmp_path}/a.yaml: NetworkPolicy x/two: ") for line in lines)
    assert any(
        line.startswith(f"{tmp_path}/b.yaml: line 5, column 1: is not valid YAML") for line in lines
    ), lines
    assert any(f"{tmp_path}/c.json: line 2, column 14: is not valid JSON" in x for x in lines)
    assert f"{tmp_path}/missing.yaml: no such file or folder" in lines


def test_problem_text() -> None:
    problem = Problem("f.yaml", "NetworkPolicy x/p", "spec.podSelector", "bad")
    assert str(problem) == "f.yaml: NetworkPolicy x/p: spec.podSelector: bad"
    assert str(Problem("f.yaml", "", "", "no such file or folder")) == (
        "f.yaml: no such file or folder"
    )


def test_duplicates_must_agree(tmp_path: Path) -> None:
    assert len(build(pod("x/a"), pod("x/a")).pods) == 1
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(json.dumps(netpol("x/p", {"ingress": [{}]})))
    (policy,) = load([tmp_path]).policies
    assert policy.source == f"{tmp_path}/a.yaml"
    found = problems_of(pod("x/a", {"v": "1"}), pod("x/a", {"v": "2"}))
    assert found == ["test.yaml: Pod x/a: defined differently in test.yaml: keep one definition"]


# --- endpoints -------------------------------------------------------------------------------


def test_endpoint_resolution() -> None:
    cluster = build(
        *XY,
        pod("x/h1", ip="192.168.0.1", host_network=True),
        pod("x/h2", ip="192.168.0.1", host_network=True),
    )
    assert cluster.endpoint("x/a").name == "a"
    assert cluster.endpoint("10.0.0.2").id == "x/b"  # a pod's IP is that pod
    assert cluster.endpoint("8.8.8.8") == ExternalIP("8.8.8.8")
    assert cluster.endpoint("2001:DB8::1") == ExternalIP("2001:db8::1")
    with pytest.raises(KeyError, match=r"unknown pod 'x/zz': pods in x are a, b, h1, h2"):
        cluster.endpoint("x/zz")
    with pytest.raises(KeyError, match="no pods in namespace 'nope'"):
        cluster.endpoint("nope/a")
    with pytest.raises(KeyError, match="write namespace/pod, namespace/kind/name or an IP address"):
        cluster.endpoint("just-a-name")
    with pytest.raises(KeyError, match="belongs to several pods"):
        cluster.endpoint("192.168.0.1")


def test_without_policy_and_selected_pods() -> None:
    cluster = build(*XY, netpol("x/deny", {"podSelector": {"matchLabels": {"pod": "a"}}}))
    assert [p.id for p in selected_pods(cluster, "x/deny")] == ["x/a"]
    assert not verdict(cluster, "y/a", "x/a")
    smaller = cluster.without_policy("x/deny")
    assert smaller.policies == () and smaller.pods == cluster.pods
    assert verdict(smaller, "y/a", "x/a")
    with pytest.raises(KeyError, match="unknown NetworkPolicy 'x/none'"):
        cluster.without_policy("x/none")


# --- semantics, one rule at a time -----------------------------------------------------------


def test_no_policy_allows_everything_and_says_not_isolated() -> None:
    result = allowed(build(*XY), "x/a", "y/b", 80)
    assert result.allowed
    assert result.egress.note == result.ingress.note == "not isolated"
    assert not result.egress.isolated and result.egress.allowed_by == ()
    assert result.reason == (
        "egress from x/a: not isolated (no NetworkPolicy selects it for egress)\n"
        "ingress to y/b: not isolated (no NetworkPolicy selects it for ingress)"
    )


def test_default_deny_ingress_isolates_the_selected_pods_only() -> None:
    cluster = build(*XY, netpol("x/deny", {"podSelector": {}}))
    assert not verdict(cluster, "y/a", "x/a")
    assert not verdict(cluster, "x/b", "x/a")
    assert verdict(cluster, "x/a", "y/a")  # egress is not isolated
    result = allowed(cluster, "y/a", "x/a", 80)
    assert result.ingress.isolated and result.ingress.isolated_by == ("x/deny",)
    assert result.ingress.allowed_by == ()
    assert result.reason.splitlines()[1] == (
        "ingress to x/a: denied: isolated by x/deny and no ingress rule admits 80/TCP from y/a"
    )


def test_empty_rule_allows_all_and_empty_rule_list_allows_none() -> None:
    assert verdict(build(*XY, netpol("x/p", {"podSelector": {}, "ingress": [{}]})), "y/a", "x/a")
    assert not verdict(build(*XY, netpol("x/p", {"podSelector": {}, "ingress": []})), "y/a", "x/a")
    assert verdict(
        build(*XY, netpol("x/p", {"ingress": [{"from": [], "ports": []}]})), "y/a", "x/a", 9999
    )


def test_pod_selector_peer_is_the_policys_namespace_only() -> None:
    spec = {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}
    cluster = build(*XY, netpol("x/same-ns", spec))
    assert verdict(cluster, "x/b", "x/a")
    assert not verdict(cluster, "y/b", "x/a")


def test_namespace_selector_alone_is_every_pod_of_matching_namespaces() -> None:
    spec = {"ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "red"}}}]}]}
    cluster = build(*XY, ns("z", team="red"), pod("z/c", {"any": "x"}), netpol("x/p", spec))
    assert verdict(cluster, "z/c", "x/a")
    assert not verdict(cluster, "y/a", "x/a")
    assert not verdict(cluster, "x/b", "x/a")  # x lacks the label


def test_both_selectors_in_one_peer_are_anded_separate_peers_are_ored() -> None:
    ns_y = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}
    pod_b = {"podSelector": {"matchLabels": {"pod": "b"}}}
    anded = build(*XY, netpol("x/p", {"ingress": [{"from": [{**ns_y, **pod_b}]}]}))
    ored = build(*XY, netpol("x/p", {"ingress": [{"from": [ns_y, pod_b]}]}))
    assert [verdict(anded, s, "x/a") for s in ("y/a", "y/b", "x/b")] == [False, True, False]
    assert [verdict(ored, s, "x/a") for s in ("y/a", "y/b", "x/b")] == [True, True, True]


def test_not_in_matches_pods_without_the_key() -> None:
    spec = {
        "podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]}
    }
    cluster = build(ns("x"), pod("x/plain"), pod("x/db", {"app": "db"}), netpol("x/deny", spec))
    assert [p.id for p in selected_pods(cluster, "x/deny")] == ["x/plain"]


def test_ip_block_with_except_matches_external_addresses() -> None:
    block = {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}
    spec = {"policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": block}]}]}
    cluster = build(*XY, netpol("x/internet", spec))
    assert verdict(cluster, "x/a", "8.8.8.8")
    assert not verdict(cluster, "x/a", "169.254.169.254")
    assert not verdict(cluster, "x/a", "10.9.9.9")
    assert not verdict(cluster, "x/a", "2001:db8::1")  # IPv6 is not in an IPv4 block
    assert not verdict(cluster, "x/a", "y/a")  # 10.0.1.1 is excepted


def test_ip_block_matches_pod_ips_unless_the_option_says_otherwise() -> None:
    spec = {
        "podSelector": {"matchLabels": {"pod": "a"}},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.1.0/24"}}]}],
    }
    conformant = build(*XY, netpol("x/p", spec))
    assert verdict(conformant, "y/a", "x/a")
    assert not verdict(conformant, "x/b", "x/a")
    assert verdict(conformant, "10.0.1.77", "x/a")
    excluding = build(*XY, netpol("x/p", spec), ipblock_matches_pods=False)
    assert not verdict(excluding, "y/a", "x/a")
    assert verdict(excluding, "10.0.1.77", "x/a")


def test_ipv6_blocks() -> None:
    spec = {
        "ingress": [{"from": [{"ipBlock": {"cidr": "fd00::/8", "except": ["fd00:1::/32"]}}]}],
    }
    cluster = build(
        ns("x"), pod("x/a", ip="fd00::5"), pod("x/v4", ip="10.0.0.9"), netpol("x/p", spec)
    )
    assert verdict(cluster, "fd00::1", "x/a")
    assert not verdict(cluster, "fd00:1::1", "x/a")
    assert not verdict(cluster, "10.0.0.1", "x/a")
    assert not verdict(cluster, "x/v4", "x/a")


def test_named_ports_resolve_on_each_destination_pod() -> None:
    docs = (
        ns("x"),
        pod("x/client"),
        pod("x/web80", {"app": "web"}, ports=[cport(80, "http")]),
        pod("x/web8080", {"app": "web"}, ports=[cport(8080, "http")]),
        pod("x/udp", {"app": "web"}, ports=[cport(80, "http", "UDP")]),
    )
    ingress = {
        "podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"ports": [{"port": "http"}]}],
    }
    cluster = build(*docs, netpol("x/p", ingress))
    assert verdict(cluster, "x/client", "x/web80", 80)
    assert not verdict(cluster, "x/client", "x/web80", 8080)
    assert verdict(cluster, "x/client", "x/web8080", 8080)
    assert not verdict(cluster, "x/client", "x/web8080", 80)
    assert not verdict(cluster, "x/client", "x/udp", 80, "UDP")  # the rule's protocol is TCP
    egress = {
        "podSelector": {"matchLabels": {"app": "client"}},
        "policyTypes": ["Egress"],
        "egress": [{"ports": [{"port": "http", "protocol": "UDP"}]}],
    }
    cluster = build(*docs[:1], pod("x/client", {"app": "client"}), *docs[2:], netpol("x/e", egress))
    assert verdict(cluster, "x/client", "x/udp", 80, "UDP")
    assert not verdict(cluster, "x/client", "x/web80", 80)
    assert not verdict(cluster, "x/client", "8.8.8.8", 80, "UDP")  # a name never matches an IP


def test_end_port_range_is_inclusive_and_protocol_defaults_to_tcp() -> None:
    spec = {"ingress": [{"ports": [{"port": 8000, "endPort": 8100}]}]}
    cluster = build(*XY, netpol("x/p", spec))
    assert [verdict(cluster, "y/a", "x/a", p) for p in (7999, 8000, 8050, 8100, 8101)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert not verdict(cluster, "y/a", "x/a", 8050, "UDP")


def test_sctp_is_not_tcp() -> None:
    spec = {"ingress": [{"ports": [{"port": 81, "protocol": "SCTP"}]}]}
    cluster = build(*XY, netpol("x/p", spec))
    assert verdict(cluster, "y/a", "x/a", 81, "SCTP")
    assert not verdict(cluster, "y/a", "x/a", 81, "TCP")
    spec = {"ingress": [{"ports": [{"protocol": "UDP"}]}]}  # every UDP port
    cluster = build(*XY, netpol("x/p", spec))
    assert verdict(cluster, "y/a", "x/a", 1, "UDP") and not verdict(cluster, "y/a", "x/a", 1)


def test_connection_needs_egress_and_ingress() -> None:
    egress = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}
    deny_in = {"podSelector": {}}
    cluster = build(*XY, netpol("x/out", egress), netpol("y/deny", deny_in))
    result = allowed(cluster, "x/a", "y/a", 80)
    assert result.egress.allowed and not result.ingress.allowed and not result.allowed
    assert result.egress.allowed_by[0].policy == "x/out"
    cluster = build(*XY, netpol("x/deny", DENY_ALL))
    result = allowed(cluster, "x/a", "y/a", 80)
    assert not result.egress.allowed and result.ingress.allowed and not result.allowed


def test_the_union_of_policies_and_every_admitting_rule_is_listed() -> None:
    a = {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}, {"ports": [{"port": 81}]}, {}]}
    b = {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"ports": [{"port": 81}]}]}
    result = allowed(build(*XY, netpol("x/a", a), netpol("x/b", b)), "y/a", "x/a", 81)
    assert [(r.policy, r.index) for r in result.ingress.allowed_by] == [
        ("x/a", 1),
        ("x/a", 2),
        ("x/b", 0),
    ]
    assert result.ingress.isolated_by == ("x/a", "x/b")
    assert result.reason.splitlines()[1] == (
        "ingress to x/a: allowed by x/a ingress[1], x/a ingress[2], x/b ingress[0]"
    )


def test_policy_types_decide_the_directions() -> None:
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "ingress": [], "egress": [{}]}
    cluster = build(*XY, netpol("x/p", spec))
    result = allowed(cluster, "y/a", "x/a", 80)
    assert result.allowed and not result.ingress.isolated


def test_external_endpoints_have_only_the_cluster_side() -> None:
    cluster = build(*XY, netpol("x/deny", DENY_ALL))
    incoming = allowed(cluster, "8.8.8.8", "y/a", 80)
    assert incoming.allowed and incoming.egress.note == "external endpoint"
    assert incoming.reason.startswith(
        "egress from 8.8.8.8: external endpoint, no NetworkPolicy applies outside the cluster"
    )
    assert not verdict(cluster, "8.8.8.8", "x/a")
    assert allowed(cluster, "8.8.8.8", "1.1.1.1", 80).allowed


def test_host_network_pods_are_not_isolated_and_are_seen_as_their_address() -> None:
    host = pod("x/node-agent", {"pod": "a"}, "192.168.5.5", host_network=True)
    same_ns = {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {}}]}],
        "egress": [{"to": [{"podSelector": {}}]}],
    }
    cluster = build(*XY, host, netpol("x/same", same_ns), ipblock_matches_pods=False)
    result = allowed(cluster, "y/a", "x/node-agent", 80)
    assert result.allowed and result.ingress.note == "host network"
    assert allowed(cluster, "x/node-agent", "y/a", 80).egress.note == "host network"
    assert not verdict(cluster, "x/node-agent", "x/a")  # selectors do not match it
    assert selected_pods(cluster, "x/same") == tuple(
        p for p in cluster.pods if p.namespace == "x" and not p.host_network
    )
    by_block = {"ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/16"}}]}]}
    cluster = build(*XY, host, netpol("x/nodes", by_block), ipblock_matches_pods=False)
    assert verdict(cluster, "x/node-agent", "x/a")  # ipBlocks see node addresses


def test_loopback_is_decided_by_the_policies_by_default() -> None:
    """Upstream's truth tables: a pod reaching itself is a pair like any other."""
    assert Options().loopback_allowed is False
    cluster = build(*XY, netpol("x/deny", DENY_ALL))
    result = allowed(cluster, "x/a", "x/a", 80)
    assert not result.allowed and not result.egress.allowed and not result.ingress.allowed
    assert result.egress.note == result.ingress.note == ""
    assert result.egress.isolated_by == result.ingress.isolated_by == ("x/deny",)
    assert "loopback" not in result.reason
    assert "egress from x/a: denied: isolated by x/deny" in result.reason
    assert "ingress to x/a: denied: isolated by x/deny" in result.reason
    assert verdict(cluster, "y/a", "y/a")  # not isolated: allowed
    same_ns = {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}
    assert verdict(build(*XY, netpol("x/same", same_ns)), "x/a", "x/a")  # admitted by a rule


def test_loopback_allowed_option_lets_a_pod_always_reach_itself() -> None:
    """Options(loopback_allowed=True): what most CNIs do (upstream's older AllowLoopback)."""
    cluster = build(*XY, netpol("x/deny", DENY_ALL), loopback_allowed=True)
    result = allowed(cluster, "x/a", "x/a", 80)
    assert result.allowed and result.egress.note == result.ingress.note == "loopback"
    assert result.egress.isolated_by == ("x/deny",)
    assert "loopback, a pod may always reach itself" in result.reason
    assert not verdict(cluster, "x/a", "x/b")  # only the pod itself


def test_bad_port_or_protocol_in_a_question() -> None:
    cluster = build(*XY)
    with pytest.raises(ValueError, match="between 1 and 65535"):
        allowed(cluster, "x/a", "x/b", 0)
    with pytest.raises(ValueError, match="use TCP, UDP or SCTP"):
        allowed(cluster, "x/a", "x/b", 80, "tcp")


def test_load_reports_a_folder_without_manifests(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        load([tmp_path])
    assert [p.file for p in caught.value.problems] == [str(tmp_path)]


def test_a_verdict_is_a_frozen_value_and_its_reason_the_same_whenever_read() -> None:
    """`Verdict.reason` is written when first read (evaluation.Verdict): a verdict still equals,
    hashes, prints, copies and pickles as a frozen dataclass of its four fields."""
    import copy
    import dataclasses
    import pickle

    from reachability import Verdict

    cluster = build(*XY, netpol("y/deny", DENY_ALL))
    first, again = allowed(cluster, "x/a", "y/a", 80), allowed(cluster, "x/a", "y/a", 80)
    assert first == again and hash(first) == hash(again)  # neither reason read yet
    written = Verdict(first.allowed, first.egress, first.ingress, first.reason)
    assert written == first == again and hash(written) == hash(again)
    assert (
        first.reason
        == again.reason
        == (
            "egress from x/a: not isolated (no NetworkPolicy selects it for egress)\n"
            "ingress to y/a: denied: isolated by y/deny and no ingress rule admits 80/TCP from x/a"
        )
    )
    assert repr(allowed(cluster, "x/a", "y/a", 80)) == (
        f"Verdict(allowed=False, egress={first.egress!r}, ingress={first.ingress!r}, "
        f"reason={first.reason!r})"
    )
    other = Verdict(first.allowed, first.egress, first.ingress, first.reason + ".")
    assert other != first and first != allowed(cluster, "x/a", "x/b", 80)
    for copied in (pickle.loads(pickle.dumps(again)), copy.copy(again), copy.deepcopy(again)):
        assert copied == first and copied.reason == first.reason
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.allowed = True  # type: ignore[misc]
    match allowed(cluster, "x/a", "y/a", 80):
        case Verdict(False, egress, ingress, reason):
            assert (egress, ingress, reason) == (first.egress, first.ingress, first.reason)
        case _:
            raise AssertionError("no match")
