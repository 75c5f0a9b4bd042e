"""Unit tests of the matrix (bulk answers) and of representative pods."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kubefacts.api import NAMESPACE_NAME_LABEL as NAME
from reachability import Options, allowed, from_manifests, matrix
from reachability._representatives import pod_name
from reachability.model import Labels
from tests.support.ref_builders import DENY_ALL, XY, build, cport, netpol, ns, pod

Doc = dict[str, Any]

# --- the matrix agrees with allowed() --------------------------------------------------------

LABELS = [{"app": "web"}, {"app": "db"}, {"app": "web", "tier": "x"}, {}, {"role": "dns"}]
SELECTORS: list[Doc] = [
    {},
    {"matchLabels": {"app": "web"}},
    {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]},
    {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
    {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]},
]
NS_SELECTORS: list[Doc] = [
    {},
    {"matchLabels": {"team": "red"}},
    {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["b"]}
        ]
    },
]
PORTS: list[Doc] = [
    {"port": 80},
    {"port": "http"},
    {"port": "dns", "protocol": "UDP"},
    {"port": 50, "endPort": 60, "protocol": "UDP"},
    {"protocol": "SCTP"},
]
BLOCKS: list[Doc] = [
    {"cidr": "10.0.0.0/16", "except": ["10.0.1.0/24"]},
    {"cidr": "0.0.0.0/0"},
    {"cidr": "192.168.0.0/16"},
    {"cidr": "fd00::/8"},
]
EXTERNALS = ["8.8.8.8", "10.0.9.9", "192.168.1.1", "fd00::9"]
QUESTIONS = [(80, "TCP"), (8080, "TCP"), (53, "UDP"), (55, "UDP"), (7, "SCTP")]


def random_docs(seed: int) -> list[Doc]:
    rng = random.Random(seed)
    docs: list[Doc] = [ns("a", team="red"), ns("b"), ns("c", team="red")]
    for i in range(rng.randint(3, 8)):
        namespace = rng.choice("abc")
        ports = [cport(80, "http")] if rng.random() < 0.5 else [cport(8080, "http")]
        if rng.random() < 0.4:
            ports.append(cport(53, "dns", "UDP"))
        ip = rng.choice([f"10.0.{i % 2}.{i + 1}", f"fd00::{i + 1}", f"192.168.0.{i + 1}"])
        host = rng.random() < 0.1
        docs.append(pod(f"{namespace}/p{i}", rng.choice(LABELS), ip, ports, host_network=host))
    for i in range(rng.randint(1, 5)):
        spec: Doc = {"podSelector": rng.choice(SELECTORS)}
        kind = rng.choice(["in", "out", "both", None])
        if kind:
            spec["policyTypes"] = {
                "in": ["Ingress"],
                "out": ["Egress"],
                "both": ["Ingress", "Egress"],
            }[kind]
        for key, peers in (("ingress", "from"), ("egress", "to")):
            if rng.random() < 0.6:
                spec[key] = [_rule(rng, peers) for _ in range(rng.randint(0, 2))]
        docs.append(netpol(f"{rng.choice('abc')}/np{i}", spec))
    return docs


def _rule(rng: random.Random, peers_key: str) -> Doc:
    rule: Doc = {}
    if rng.random() < 0.7:
        peers = []
        for _ in range(rng.randint(1, 2)):
            roll = rng.random()
            if roll < 0.25:
                peers.append({"ipBlock": rng.choice(BLOCKS)})
            elif roll < 0.5:
                peers.append({"podSelector": rng.choice(SELECTORS)})
            elif roll < 0.75:
                peers.append({"namespaceSelector": rng.choice(NS_SELECTORS)})
            else:
                peers.append(
                    {
                        "podSelector": rng.choice(SELECTORS),
                        "namespaceSelector": rng.choice(NS_SELECTORS),
                    }
                )
        rule[peers_key] = peers
    if rng.random() < 0.6:
        rule["ports"] = rng.sample(PORTS, rng.randint(1, 2))
    return rule


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize(
    "options", [Options(), Options(ipblock_matches_pods=False, loopback_allowed=True)]
)
def test_matrix_agrees_with_allowed_on_random_clusters(seed: int, options: Options) -> None:
    cluster = from_manifests(random_docs(seed), options=options)
    result = matrix(cluster, QUESTIONS, EXTERNALS)
    assert result.endpoints == (*(p.id for p in cluster.pods), *EXTERNALS)
    for src in result.endpoints:
        for dst in result.endpoints:
            for port, protocol in QUESTIONS:
                expected = allowed(cluster, src, dst, port, protocol).allowed
                assert result.is_allowed(src, dst, port, protocol) is expected, (src, dst, port)


def test_allowed_flows_are_sorted_and_complete() -> None:
    cluster = build(*XY, netpol("x/deny", DENY_ALL))
    result = matrix(cluster, [(443, "TCP"), (80, "TCP"), (80, "TCP")], ["1.1.1.1"])
    assert result.ports == ((443, "TCP"), (80, "TCP"))
    flows = result.allowed_flows()
    assert flows == sorted(flows)
    assert ("x/a", "x/a", 80, "TCP") not in flows  # by default the policies decide a self-pair
    assert ("y/a", "y/a", 80, "TCP") in flows  # y/a is not isolated
    assert ("x/a", "x/b", 80, "TCP") not in flows
    assert ("1.1.1.1", "y/a", 443, "TCP") in flows
    every = [
        (s, d, p, proto)
        for s in result.endpoints
        for d in result.endpoints
        for p, proto in result.ports
        if allowed(cluster, s, d, p, proto).allowed
    ]
    assert flows == sorted(every)
    assert result.allowed_to("x/a", 80) == []


def test_matrix_with_loopback_allowed_adds_exactly_every_pod_to_itself() -> None:
    deny = netpol("x/deny", DENY_ALL)
    ports, externals = [(80, "TCP"), (53, "UDP")], ["1.1.1.1"]
    default = matrix(build(*XY, deny), ports, externals)
    looped = matrix(build(*XY, deny, loopback_allowed=True), ports, externals)
    pods = [e for e in looped.endpoints if e not in externals]
    selves = {(p, p, port, protocol) for p in pods for port, protocol in ports}
    assert ("x/a", "x/a", 80, "TCP") not in default.allowed_flows()
    assert set(looped.allowed_flows()) == set(default.allowed_flows()) | selves
    assert looped.allowed_to("x/a", 80) == ["x/a"]


def test_matrix_errors() -> None:
    cluster = build(*XY)
    result = matrix(cluster, [(80, "TCP")])
    with pytest.raises(KeyError, match="81/TCP is not in the matrix"):
        result.is_allowed("x/a", "x/b", 81)
    with pytest.raises(KeyError, match="unknown endpoint 'x/zz'"):
        result.is_allowed("x/zz", "x/b", 80)
    with pytest.raises(ValueError, match="is the IP of pod x/a"):
        matrix(cluster, [(80, "TCP")], ["10.0.0.1"])
    with pytest.raises(ValueError, match="not an IP address"):
        matrix(cluster, [(80, "TCP")], ["example.com"])
    with pytest.raises(ValueError, match="use TCP, UDP or SCTP"):
        matrix(cluster, [(80, "ICMP")])


def test_matrix_scales_with_allowed_flows() -> None:
    """2000 pods in 400 isolated namespaces: answered without pods x pods work."""
    docs: list[Doc] = []
    for n in range(400):
        docs.append(ns(f"e{n}"))
        docs.append(netpol(f"e{n}/deny", DENY_ALL))
        same = {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        }
        docs.append(netpol(f"e{n}/same", same))
        docs += [
            pod(f"e{n}/p{i}", {"i": str(i)}, f"10.{n // 200}.{n % 200}.{i + 1}") for i in range(5)
        ]
    cluster = from_manifests(docs)
    result = matrix(cluster, [(80, "TCP"), (53, "UDP")])
    assert len(result.allowed_flows()) == 400 * 25 * 2


# --- representatives -------------------------------------------------------------------------

NOT_DB = {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["postgres"]}]}
ENVIRONMENT = [
    ns("pr-1", **{"catalyst.dev/environment": "pr-1"}),
    netpol("pr-1/default-deny-all", DENY_ALL),
    netpol(
        "pr-1/allow-ingress-controller",
        {
            "podSelector": NOT_DB,
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                            }
                        }
                    ]
                }
            ],
        },
    ),
    netpol(
        "pr-1/allow-same-namespace",
        {
            "podSelector": NOT_DB,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": NOT_DB}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        },
    ),
    netpol(
        "pr-1/allow-dns",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    ),
    netpol(
        "pr-1/allow-egress-registry",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "ipBlock": {
                                "cidr": "0.0.0.0/0",
                                "except": [
                                    "10.0.0.0/8",
                                    "172.16.0.0/12",
                                    "192.168.0.0/16",
                                    "169.254.169.254/32",
                                ],
                            }
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": 443}],
                }
            ],
        },
    ),
    netpol(
        "pr-1/allow-database-postgres-main",
        {
            "podSelector": {"matchLabels": {"app": "postgres"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"db-access": "true"}}}],
                    "ports": [{"port": 5432}],
                }
            ],
        },
    ),
]


def test_representatives_for_what_the_environments_program_renders() -> None:
    cluster = from_manifests(ENVIRONMENT)
    assert cluster.representative
    assert [n.name for n in cluster.namespaces] == [
        "ingress-nginx",
        "kube-system",
        "other-namespace",
        "pr-1",
    ]
    assert [p.id for p in cluster.pods] == [
        "ingress-nginx/pod",
        "kube-system/pod",
        "kube-system/k8s-app-kube-dns",
        "other-namespace/pod",
        "pr-1/pod",
        "pr-1/app-postgres",
        "pr-1/db-access-true",
        # a database pod that is also a client of it: a class of its own (issue 9)
        "pr-1/app-postgres.db-access-true",
    ]
    assert all(not p.ips and not p.ports for p in cluster.pods)
    cases = {
        ("ingress-nginx/pod", "pr-1/pod", 80, "TCP"): True,
        ("ingress-nginx/pod", "pr-1/app-postgres", 5432, "TCP"): False,
        ("other-namespace/pod", "pr-1/pod", 80, "TCP"): False,
        ("pr-1/pod", "pr-1/db-access-true", 8080, "TCP"): True,
        ("pr-1/pod", "pr-1/app-postgres", 5432, "TCP"): False,
        ("pr-1/db-access-true", "pr-1/app-postgres", 5432, "TCP"): True,
        ("pr-1/db-access-true", "pr-1/app-postgres", 5433, "TCP"): False,
        # postgres pods are outside allow-same-namespace: no egress, even when clients
        ("pr-1/app-postgres.db-access-true", "pr-1/app-postgres", 5432, "TCP"): False,
        ("pr-1/db-access-true", "pr-1/app-postgres.db-access-true", 5432, "TCP"): True,
        ("pr-1/pod", "pr-1/app-postgres.db-access-true", 5432, "TCP"): False,
        ("pr-1/pod", "kube-system/k8s-app-kube-dns", 53, "UDP"): True,
        ("pr-1/pod", "kube-system/k8s-app-kube-dns", 53, "TCP"): True,
        ("pr-1/pod", "kube-system/pod", 53, "UDP"): False,
        ("pr-1/pod", "140.82.112.3", 443, "TCP"): True,
        ("pr-1/pod", "169.254.169.254", 443, "TCP"): False,
        ("pr-1/pod", "10.1.2.3", 443, "TCP"): False,
        ("pr-1/pod", "other-namespace/pod", 80, "TCP"): False,
        # a representative stands for every pod with its labels: no loopback shortcut
        ("pr-1/app-postgres", "pr-1/app-postgres", 5432, "TCP"): False,
        ("pr-1/pod", "pr-1/pod", 80, "TCP"): True,
    }
    for (src, dst, port, protocol), expected in cases.items():
        assert allowed(cluster, src, dst, port, protocol).allowed is expected, (src, dst, port)
    flows = matrix(cluster, [(5432, "TCP")]).allowed_flows()
    assert ("pr-1/app-postgres", "pr-1/app-postgres", 5432, "TCP") not in flows
    # not even with loopback_allowed: a representative is not one pod
    looped = from_manifests(ENVIRONMENT, options=Options(loopback_allowed=True))
    assert looped.representative
    assert not allowed(looped, "pr-1/app-postgres", "pr-1/app-postgres", 5432).allowed
    flows = matrix(looped, [(5432, "TCP")]).allowed_flows()
    assert ("pr-1/app-postgres", "pr-1/app-postgres", 5432, "TCP") not in flows


def test_representatives_tell_apart_only_what_selectors_tell_apart() -> None:
    in_web_api = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}
    docs = [
        netpol("x/a", {"podSelector": {"matchLabels": {"app": "web"}}}),
        netpol("x/b", {"podSelector": in_web_api}),
        netpol(
            "x/c", {"podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}
        ),
        netpol("x/d", {"podSelector": {"matchLabels": {"app": "web", "tier": "front"}}}),
    ]
    names = [p.name for p in from_manifests(docs).pods if p.namespace == "x"]
    # app: web, api or other; tier: front, other or absent; nine choices, seven classes
    # (`tier: front` tells apart only app=web pods)
    assert names == [
        "pod",
        "app-api",
        "app-web",
        "tier-any",
        "app-api.tier-any",
        "app-web.tier-any",
        "app-web.tier-front",
    ]


def test_representative_options() -> None:
    docs = [*XY, netpol("x/p", {"podSelector": {"matchLabels": {"pod": "a"}}})]
    forced = from_manifests(docs, options=Options(representatives=True))
    assert forced.representative
    assert [p.id for p in forced.pods if p.namespace == "x"] == ["x/pod", "x/pod-a"]
    never = from_manifests(docs[:2], options=Options(representatives=False))
    assert not never.representative and never.pods == ()


def test_namespaces_named_by_a_hand_made_label_are_not_invented() -> None:
    spec = {
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "ingress-nginx"}}}]}]
    }
    cluster = from_manifests([netpol("x/p", spec)])
    # no namespace `ingress-nginx`: only the class of other namespaces that carry the label
    assert [(n.name, dict(n.labels)) for n in cluster.namespaces] == [
        ("other-namespace", {NAME: "other-namespace"}),
        (
            "other-namespace-name-ingress-nginx",
            {NAME: "other-namespace-name-ingress-nginx", "name": "ingress-nginx"},
        ),
        ("x", {NAME: "x"}),
    ]


@pytest.mark.parametrize(
    ("labels", "name"),
    [
        ({}, "pod"),
        ({"app": "postgres"}, "app-postgres"),
        ({"k8s-app": "kube-dns"}, "k8s-app-kube-dns"),
        ({"app.kubernetes.io/name": "Ingress_Nginx"}, "app-kubernetes-io-name-ingress-nginx"),
        ({"tier": "", "app": "web"}, "app-web.tier"),
    ],
)
def test_pod_names(labels: dict[str, str], name: str) -> None:
    assert pod_name(Labels(labels)) == name
