"""Each lint rule, on a small input that should trigger it and on a close one that should not."""

from __future__ import annotations

import random
from typing import Any

import pytest

from reachability.lint import IGNORE_ANNOTATION, Finding, LintOptions, lint_manifests
from tests.support.builders import workload

NS = "app"
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def policy(name: str, spec: dict[str, Any], namespace: str = NS, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, **meta},
        "spec": spec,
    }


def namespace(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    metadata = {"name": name, "labels": labels or {}}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def pod(name: str, namespace_: str = NS, ports: list[dict[str, Any]] | None = None, **labels: str):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace_, "labels": labels},
        "spec": {"containers": [{"name": "main", "ports": ports or []}]},
    }


DENY_ALL = policy("default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
ALLOW_DNS = policy(
    "allow-dns",
    {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [DNS_PEER], "ports": DNS_PORTS}],
    },
)
SAME_NAMESPACE = policy(
    "allow-same-namespace",
    {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {}}]}],
        "egress": [{"to": [{"podSelector": {}}]}],
    },
)
GOOD = [DENY_ALL, ALLOW_DNS, SAME_NAMESPACE]


def lint(*docs: dict[str, Any], options: LintOptions | None = None) -> tuple[Finding, ...]:
    return lint_manifests(list(docs), source="test.yaml", options=options or LintOptions())


def of(findings: tuple[Finding, ...], rule: str) -> list[Finding]:
    return [f for f in findings if f.id == rule]


def test_a_good_environment_has_no_findings() -> None:
    assert lint(*GOOD) == ()


# --- NP000 -----------------------------------------------------------------------------------


def test_np000_invalid_manifest_is_an_error_naming_the_field() -> None:
    bad = policy(
        "bad", {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.300/8"}}]}]}
    )
    (item,) = lint(bad)
    assert (item.id, item.severity, item.obj) == ("NP000", "error", "NetworkPolicy app/bad")
    assert item.field == "spec.egress[0].to[0].ipBlock.cidr"


# --- NP001 -----------------------------------------------------------------------------------


def or_dns(peers: list[dict[str, Any]]) -> dict[str, Any]:
    return policy("dns", {"podSelector": {}, "egress": [{"to": peers, "ports": DNS_PORTS}]})


def test_np001_namespace_peer_or_pod_peer() -> None:
    ns_peer = {"namespaceSelector": DNS_PEER["namespaceSelector"]}
    pod_peer = {"podSelector": DNS_PEER["podSelector"]}
    (item,) = of(lint(DENY_ALL, or_dns([ns_peer, pod_peer])), "NP001")
    assert item.severity == "error" and item.field == "spec.egress[0].to"
    assert "kube-dns" in item.fix and "kube-system" in item.fix


def test_np001_not_for_one_peer_with_both_or_for_separate_rules() -> None:
    assert of(lint(DENY_ALL, or_dns([DNS_PEER])), "NP001") == []
    split = policy(
        "split",
        {
            "podSelector": {},
            "ingress": [
                {"from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]},
                {"from": [{"podSelector": {"matchLabels": {"app": "b"}}}]},
            ],
        },
    )
    assert of(lint(split), "NP001") == []


# --- NP002 -----------------------------------------------------------------------------------


def by_name_label(value: str, key: str = "name") -> dict[str, Any]:
    return policy(
        "from-nginx",
        {
            "podSelector": {},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {key: value}}}]}],
        },
    )


def test_np002_name_label_is_an_error_when_no_namespace_carries_it() -> None:
    (item,) = of(lint(by_name_label("ingress-nginx")), "NP002")
    assert item.severity == "error"
    assert "kubernetes.io/metadata.name: ingress-nginx" in item.fix


def test_np002_is_a_warning_when_a_namespace_carries_it_by_hand() -> None:
    (item,) = of(
        lint(by_name_label("ingress-nginx"), namespace("ingress-nginx", {"name": "ingress-nginx"})),
        "NP002",
    )
    assert item.severity == "warning"


def test_np002_matches_expressions_and_not_the_automatic_label() -> None:
    expr = policy(
        "expr",
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchExpressions": [
                                    {"key": "name", "operator": "In", "values": ["x"]}
                                ]
                            }
                        }
                    ]
                }
            ],
        },
    )
    assert [f.field for f in of(lint(expr), "NP002")] == [
        "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0]"
    ]
    assert of(lint(by_name_label("ingress-nginx", "kubernetes.io/metadata.name")), "NP002") == []


# --- NP003 / NP005 ---------------------------------------------------------------------------


def dns_only(protocols: list[str]) -> dict[str, Any]:
    ports = [{"protocol": p, "port": 53} for p in protocols]
    return policy(
        "allow-dns",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [DNS_PEER], "ports": ports}],
        },
    )


@pytest.mark.parametrize(("works", "fails"), [("UDP", "TCP"), ("TCP", "UDP")])
def test_np003_dns_on_one_protocol_only(works: str, fails: str) -> None:
    (item,) = of(lint(DENY_ALL, dns_only([works]), SAME_NAMESPACE), "NP003")
    assert item.severity == "error"
    assert item.obj == "NetworkPolicy app/allow-dns" and item.field == "spec.egress[0].ports"
    assert f"53 on {works} but not on {fails}" in item.message
    assert f"protocol: {fails}" in item.fix
    assert of(lint(DENY_ALL, dns_only(["UDP", "TCP"]), SAME_NAMESPACE), "NP003") == []


def test_np003_towards_a_resolver_lint_cannot_see() -> None:
    resolver = policy(
        "allow-resolver",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": "8.8.8.8/32"}}],
                    "ports": [{"protocol": "UDP", "port": 53}],
                }
            ],
        },
    )
    (item,) = of(lint(DENY_ALL, ALLOW_DNS, SAME_NAMESPACE, resolver), "NP003")
    assert item.obj == "NetworkPolicy app/allow-resolver"
    both = {"protocol": "TCP", "port": 53}
    resolver["spec"]["egress"].append({"to": resolver["spec"]["egress"][0]["to"], "ports": [both]})
    assert of(lint(DENY_ALL, ALLOW_DNS, SAME_NAMESPACE, resolver), "NP003") == []


def test_np003_when_the_dns_pods_admit_one_protocol_only() -> None:
    """Our side opens both protocols; the DNS pods' own policy admits UDP only."""
    kube_dns = policy(
        "dns-udp-only",
        {
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"protocol": "UDP", "port": 53}]}],
        },
        namespace="kube-system",
    )
    (item,) = of(lint(*GOOD, kube_dns), "NP003")
    assert item.obj == "NetworkPolicy app/allow-dns"
    assert "on UDP 53 but not on TCP 53" in item.message and "ingress denied" in item.message


def test_np005_egress_isolated_pods_without_dns() -> None:
    (item,) = of(lint(DENY_ALL, SAME_NAMESPACE), "NP005")
    assert item.severity == "error" and "name resolution fails" in item.message
    assert "namespaceSelector" in item.fix and "UDP" in item.fix and "TCP" in item.fix
    assert of(lint(DENY_ALL, ALLOW_DNS, SAME_NAMESPACE), "NP005") == []


def test_np005_not_for_pods_that_are_not_egress_isolated() -> None:
    deny_ingress = policy("deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]})
    assert of(lint(deny_ingress), "NP005") == []


def test_np005_dns_to_the_wrong_pods_is_unreachable() -> None:
    wrong = policy(
        "allow-dns",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{**DNS_PEER, "podSelector": {"matchLabels": {"k8s-app": "coredns"}}}],
                    "ports": DNS_PORTS,
                }
            ],
        },
    )
    assert len(of(lint(DENY_ALL, wrong), "NP005")) == 1


def test_dns_namespace_and_labels_are_options() -> None:
    custom = policy(
        "allow-dns",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "dns"}
                            },
                            "podSelector": {"matchLabels": {"app": "coredns"}},
                        }
                    ],
                    "ports": DNS_PORTS,
                }
            ],
        },
    )
    assert len(of(lint(DENY_ALL, custom, SAME_NAMESPACE), "NP005")) == 1
    options = LintOptions(dns_namespace="dns", dns_labels=(("app", "coredns"),))
    assert of(lint(DENY_ALL, custom, SAME_NAMESPACE, options=options), "NP005") == []


# --- NP004 / NP011 ---------------------------------------------------------------------------


def internet(cidr: str, excepts: list[str] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"cidr": cidr}
    if excepts:
        block["except"] = excepts
    return policy(
        "allow-internet",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": block}], "ports": [{"port": 443}]}],
        },
    )


PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


@pytest.mark.parametrize(
    ("cidr", "excepts", "metadata", "private"),
    [
        ("0.0.0.0/0", None, True, True),
        ("0.0.0.0/0", ["169.254.169.254/32"], False, True),
        ("0.0.0.0/0", ["169.254.0.0/16", *PRIVATE], False, False),
        ("128.0.0.0/1", None, True, True),
        ("10.0.0.0/8", None, False, False),
        ("93.184.216.0/24", None, False, False),
        ("::/0", None, True, True),
        ("::/0", ["fd00:ec2::254/128", "fc00::/7"], False, False),
    ],
)
def test_np004_metadata_and_np011_private_ranges(
    cidr: str, excepts: list[str] | None, metadata: bool, private: bool
) -> None:
    findings = lint(DENY_ALL, ALLOW_DNS, SAME_NAMESPACE, internet(cidr, excepts))
    assert bool(of(findings, "NP004")) is metadata
    assert bool(of(findings, "NP011")) is private
    for item in of(findings, "NP004"):
        assert item.severity == "error" and item.field == "spec.egress[0].to[0].ipBlock"


def test_np004_only_for_egress() -> None:
    ingress = policy(
        "from-anywhere",
        {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]},
    )
    assert of(lint(ingress), "NP004") == []


# --- NP006 -----------------------------------------------------------------------------------


def test_np006_default_deny_without_intra_namespace_rule() -> None:
    (item,) = of(lint(DENY_ALL, ALLOW_DNS), "NP006")
    assert item.severity == "warning" and item.obj == "NetworkPolicy app/default-deny-all"
    assert of(lint(*GOOD), "NP006") == []


def test_np006_names_the_missing_side() -> None:
    ingress_only = policy(
        "allow-same-namespace",
        {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
        },
    )
    (item,) = of(lint(DENY_ALL, ALLOW_DNS, ingress_only), "NP006")
    assert "egress side is what is missing" in item.fix


def test_np006_counts_the_replicas_of_a_workload_as_a_pair() -> None:
    # Two replicas of one Deployment are two pods the default deny keeps apart (not loopback);
    # a single Pod reaching itself is loopback, which CNIs decide, so lint leaves it out.
    web = workload("Deployment", NS, "web", {"app": "web"})
    (item,) = of(lint(DENY_ALL, ALLOW_DNS, web), "NP006")
    assert "1 of 1 pod pairs" in item.message
    assert "deployment/web -> deployment/web" in item.message
    assert of(lint(DENY_ALL, ALLOW_DNS, pod("web", app="web")), "NP006") == []


def test_np006_not_without_a_default_deny() -> None:
    database = policy(
        "db",
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"client": "x"}}}]}],
        },
    )
    assert of(lint(database), "NP006") == []


# --- NP007 -----------------------------------------------------------------------------------


DATABASE = policy(
    "database-only-from-clients",
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
)


def test_np007_database_policy_made_moot_by_allow_all_in_namespace() -> None:
    (item,) = of(lint(*GOOD, DATABASE), "NP007")
    assert item.obj == "NetworkPolicy app/database-only-from-clients"
    assert item.severity == "warning" and "app/allow-same-namespace" in item.message


DATABASE_CLIENTS = policy(
    "database-clients-egress",
    {
        "podSelector": {"matchLabels": {"db-access": "true"}},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [{"podSelector": {"matchLabels": {"app": "postgres"}}}],
                "ports": [{"port": 5432}],
            }
        ],
    },
)


def test_np007_not_when_the_policy_decides_something() -> None:
    assert of(lint(DENY_ALL, ALLOW_DNS, DATABASE, DATABASE_CLIENTS), "NP007") == []


def test_np007_an_allowance_the_other_side_denies_is_moot() -> None:
    """The database policy written on the ingress side only: clients' egress is still denied."""
    (item,) = of(lint(DENY_ALL, ALLOW_DNS, DATABASE), "NP007")
    assert "still denied by the other side" in item.message and "egress denied" in item.message


def test_np007_skips_pure_deny_policies() -> None:
    second_deny = policy("deny-again", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    assert of(lint(*GOOD, second_deny), "NP007") == []


# --- NP008 / NP009 ---------------------------------------------------------------------------


def test_np008_policy_selecting_no_given_pod() -> None:
    typo = policy("web", {"podSelector": {"matchLabels": {"app": "wbe"}}, "ingress": [{}]})
    findings = lint(*GOOD, typo, pod("web", app="web"))
    assert [f.obj for f in of(findings, "NP008")] == ["NetworkPolicy app/web"]
    assert of(lint(*GOOD, typo, pod("web", app="wbe")), "NP008") == []


def test_np008_and_np009_need_real_pods() -> None:
    typo = policy(
        "web",
        {"podSelector": {"matchLabels": {"app": "wbe"}}, "ingress": [{"ports": [{"port": "htp"}]}]},
    )
    findings = lint(*GOOD, typo)
    assert of(findings, "NP008") == [] and of(findings, "NP009") == []


def test_np009_named_port_no_pod_defines() -> None:
    http = [{"containerPort": 8080, "name": "http"}]
    web = policy(
        "web",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"ports": [{"port": "htpp"}]}],
        },
    )
    (item,) = of(lint(*GOOD, web, pod("web", ports=http, app="web")), "NP009")
    assert item.field == "spec.ingress[0].ports[0].port" and "'htpp'" in item.message
    fixed = policy(
        "web",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"ports": [{"port": "http"}]}],
        },
    )
    assert of(lint(*GOOD, fixed, pod("web", ports=http, app="web")), "NP009") == []


def test_np009_protocol_matters() -> None:
    udp = policy(
        "web", {"podSelector": {}, "ingress": [{"ports": [{"port": "http", "protocol": "UDP"}]}]}
    )
    http = [{"containerPort": 8080, "name": "http"}]
    assert len(of(lint(*GOOD, udp, pod("web", ports=http, app="web")), "NP009")) == 1


# --- NP010 / NP012 / NP013 -------------------------------------------------------------------


def test_np010_policy_types_omitting_a_direction_with_rules() -> None:
    ignored = policy(
        "egress-ignored",
        {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{}],
            "egress": [{"to": [DNS_PEER]}],
        },
    )
    (item,) = of(lint(ignored), "NP010")
    assert item.severity == "error" and item.field == "spec.policyTypes"
    assert "Ingress, Egress" in item.fix
    defaulted = policy("defaulted", {"podSelector": {}, "egress": [{"to": [DNS_PEER]}]})
    assert of(lint(defaulted), "NP010") == []


def test_np012_namespace_selector_open_to_every_namespace() -> None:
    open_ = policy("open", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]})
    (item,) = of(lint(open_), "NP012")
    assert item.field == "spec.ingress[0].from[0].namespaceSelector"
    narrowed = policy(
        "monitoring",
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {},
                            "podSelector": {"matchLabels": {"app": "prometheus"}},
                        }
                    ]
                }
            ],
        },
    )
    assert of(lint(narrowed), "NP012") == []


def test_np013_created_namespace_without_default_deny() -> None:
    (item,) = of(lint(namespace(NS), ALLOW_DNS), "NP013")
    assert item.severity == "info" and item.obj == f"Namespace {NS}"
    assert "Ingress and Egress" in item.message
    assert of(lint(namespace(NS), *GOOD), "NP013") == []


def test_np013_ignores_namespaces_the_input_only_implies() -> None:
    # ALLOW_DNS lives in NS and names kube-system, but neither Namespace object is given.
    assert of(lint(ALLOW_DNS), "NP013") == []


# --- suppression and determinism -------------------------------------------------------------


def test_a_rule_is_suppressed_by_annotation_or_option() -> None:
    annotated = policy(
        "default-deny-all",
        {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        annotations={IGNORE_ANNOTATION: "NP006, np005"},
    )
    assert lint(annotated) == ()
    assert of(lint(DENY_ALL), "NP006")
    assert of(lint(DENY_ALL, options=LintOptions(ignore=frozenset({"NP006"}))), "NP006") == []


def test_findings_are_deterministic_and_independent_of_input_order() -> None:
    docs = [
        *GOOD,
        DATABASE,
        internet("0.0.0.0/0"),
        or_dns([{"namespaceSelector": {}}, {"podSelector": {}}]),
    ]
    first = lint(*docs)
    shuffled = docs[:]
    random.Random(4).shuffle(shuffled)
    assert lint(*shuffled) == first
    assert [f.to_json() for f in lint(*docs)] == [f.to_json() for f in first]
