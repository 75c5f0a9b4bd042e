"""Edge cases of the NetworkPolicy v1 semantics, each stated against the API reference
(https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/), the
concepts page (https://kubernetes.io/docs/concepts/services-networking/network-policies/) or
upstream's e2e tests (kubernetes/kubernetes test/e2e/network/netpol).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reachability import (
    ContainerPort,
    ExternalIP,
    Options,
    Pod,
    RuleRef,
    allowed,
    from_manifests,
    load,
    matrix,
    selected_pods,
)
from tests.support.builders import (
    OMIT,
    container_port,
    dump_yaml,
    egress_rule,
    ingress_rule,
    items_list,
    namespace,
    netpol,
    np_port,
    peer,
    pod,
    selector,
)
from tests.support.verdicts import Flow, check, check_flows


def cluster(*docs: dict[str, Any], options: Options | None = None) -> Any:
    return (
        from_manifests(list(docs))
        if options is None
        else from_manifests(list(docs), options=options)
    )


NS = [namespace("app", {"team": "a"}), namespace("other", {"team": "b"}), namespace("bare")]


def server(
    name: str = "server",
    labels: dict[str, str] | None = None,
    ip: str = "10.9.0.1",
    ports: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return pod("app", name, labels or {"role": "server"}, [ip], ports or [])


# --------------------------------------------------------------------------- label selectors


# Each row: the manifests of one small cluster, then the flows it must allow or deny, checked in
# order on that one cluster (src, dst, port, protocol, allowed).
SELECTOR_CLUSTERS = [
    # matchExpressions NotIn: a pod without the key matches (labels.Selector semantics).
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "not-db",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule([peer(selector(expressions=[("tier", "NotIn", ["db"])]))])],
            ),
            pod("app", "no-tier", {"x": "1"}, ["10.9.0.2"]),
            pod("app", "tier-db", {"tier": "db"}, ["10.9.0.3"]),
            pod("app", "tier-web", {"tier": "web"}, ["10.9.0.4"]),
            pod("app", "no-labels", None, ["10.9.0.5"]),
        ],
        [
            ("app/no-tier", "app/server", 80, "TCP", True),
            ("app/no-labels", "app/server", 80, "TCP", True),
            ("app/tier-web", "app/server", 80, "TCP", True),
            ("app/tier-db", "app/server", 80, "TCP", False),
        ],
        id="not-in-matches-pods-that-lack-the-key",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "not-team-b",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[
                    ingress_rule(
                        [peer(namespaces=selector(expressions=[("team", "NotIn", ["b"])]))]
                    )
                ],
            ),
            pod("other", "c1", None, ["10.9.1.1"]),
            pod("bare", "c2", None, ["10.9.2.1"]),
            pod("app", "c3", None, ["10.9.0.9"]),
        ],
        [
            ("bare/c2", "app/server", 80, "TCP", True),
            ("app/c3", "app/server", 80, "TCP", True),
            ("other/c1", "app/server", 80, "TCP", False),
        ],
        id="not-in-on-namespace-labels-matches-namespaces-that-lack-the-key",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "every-ns",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule([peer(namespaces={})])],
            ),
            pod("other", "o", None, ["10.9.1.2"]),
            pod("bare", "b", None, ["10.9.2.2"]),
            pod("app", "a", None, ["10.9.0.2"]),
        ],
        [
            *((src, "app/server", 80, "TCP", True) for src in ("other/o", "bare/b", "app/a")),
            ("198.51.100.1", "app/server", 80, "TCP", False),  # not a pod: no selector matches
        ],
        id="namespace-selector-empty-matches-every-namespace",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "own-ns",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule([peer(pods={})])],
            ),
            pod("other", "o", None, ["10.9.1.2"]),
            pod("app", "a", None, ["10.9.0.2"]),
        ],
        [
            ("app/a", "app/server", 80, "TCP", True),
            ("other/o", "app/server", 80, "TCP", False),
        ],
        id="pod-selector-alone-matches-only-its-own-namespace",
    ),
]


@pytest.mark.parametrize(("docs", "flows"), SELECTOR_CLUSTERS)
def test_label_selector_flows(docs: list[dict[str, Any]], flows: list[Flow]) -> None:
    check_flows(cluster(*docs), flows)


@pytest.mark.parametrize(
    ("op", "values", "matching"),
    [
        ("DoesNotExist", [], {"no-tier", "no-labels"}),
        ("Exists", [], {"tier-db", "tier-web"}),
        ("In", ["db", "web"], {"tier-db", "tier-web"}),
        ("In", ["db"], {"tier-db"}),
        ("NotIn", ["db", "web"], {"no-tier", "no-labels"}),
    ],
)
def test_match_expression_operators(op: str, values: list[str], matching: set[str]) -> None:
    pol = netpol(
        "app",
        "expr",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[ingress_rule([peer(selector(expressions=[("tier", op, values)]))])],
    )
    clients = {
        "no-tier": {"x": "1"},
        "tier-db": {"tier": "db"},
        "tier-web": {"tier": "web"},
        "no-labels": None,
    }
    c = cluster(
        *NS,
        server(),
        pol,
        *(pod("app", n, lab, [f"10.9.0.{10 + i}"]) for i, (n, lab) in enumerate(clients.items())),
    )
    for name in clients:
        check(c, f"app/{name}", "app/server", 80, "TCP", name in matching)


def test_match_labels_and_expressions_are_anded_and_the_empty_selector_matches_all() -> None:
    sel = selector({"tier": "web"}, [("canary", "DoesNotExist", [])])
    pol = netpol(
        "app",
        "p",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[ingress_rule([peer(sel)])],
    )
    c = cluster(
        *NS,
        server(),
        pol,
        pod("app", "web", {"tier": "web"}, ["10.9.0.2"]),
        pod("app", "web-canary", {"tier": "web", "canary": "yes"}, ["10.9.0.3"]),
        pod("app", "db", {"tier": "db"}, ["10.9.0.4"]),
    )
    check(c, "app/web", "app/server", 80, "TCP", True)
    check(c, "app/web-canary", "app/server", 80, "TCP", False)
    check(c, "app/db", "app/server", 80, "TCP", False)
    assert {p.id for p in selected_pods(c, "app/p")} == {"app/server"}
    everything = netpol("app", "all", {}, policy_types=["Ingress"], ingress=[])
    c = cluster(
        *NS,
        server(),
        everything,
        pod("app", "web", {"tier": "web"}, ["10.9.0.2"]),
        pod("other", "o", None, ["10.9.1.2"]),
    )
    assert {p.id for p in selected_pods(c, "app/all")} == {"app/server", "app/web"}


# --------------------------------------------------------------------------- ports


PORT_CLUSTERS = [
    # A named port means the destination pod's container port of that name and protocol.
    pytest.param(
        [
            *NS,
            netpol(
                "app",
                "http-only",
                {},
                policy_types=["Ingress"],
                ingress=[ingress_rule(ports=[np_port("http")])],
            ),
            pod("app", "p8080", None, ["10.9.0.1"], [container_port(8080, "TCP", "http")]),
            pod("app", "p9090", None, ["10.9.0.2"], [container_port(9090, "TCP", "http")]),
            pod("app", "nohttp", None, ["10.9.0.3"], [container_port(8080, "TCP", "web")]),
            pod("other", "client", None, ["10.9.1.1"]),
        ],
        [
            ("other/client", "app/p8080", 8080, "TCP", True),
            ("other/client", "app/p8080", 9090, "TCP", False),
            ("other/client", "app/p9090", 9090, "TCP", True),
            ("other/client", "app/p9090", 8080, "TCP", False),
            ("other/client", "app/nohttp", 8080, "TCP", False),
            ("other/client", "app/p8080", 8080, "UDP", False),
        ],
        id="named-port-resolves-per-destination-pod",
    ),
    # ``port: dns`` defaults to TCP; a UDP container port named dns does not match it.
    pytest.param(
        [
            *NS,
            netpol(
                "app",
                "dns-tcp-default",
                selector({"role": "dns"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule(ports=[np_port("dns")])],
            ),
            pod("app", "dns", {"role": "dns"}, ["10.9.0.53"], [container_port(53, "UDP", "dns")]),
            pod("other", "client", None, ["10.9.1.1"]),
        ],
        [
            ("other/client", "app/dns", 53, "UDP", False),
            ("other/client", "app/dns", 53, "TCP", False),
        ],
        id="named-port-protocol-defaults-to-tcp-and-must-match-the-container-port",
    ),
    pytest.param(
        [
            *NS,
            netpol(
                "app",
                "dns-udp",
                selector({"role": "dns"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule(ports=[np_port("dns", "UDP")])],
            ),
            pod("app", "dns", {"role": "dns"}, ["10.9.0.53"], [container_port(53, "UDP", "dns")]),
            pod("other", "client", None, ["10.9.1.1"]),
        ],
        [
            ("other/client", "app/dns", 53, "UDP", True),
            ("other/client", "app/dns", 53, "TCP", False),
        ],
        id="named-port-with-the-container-ports-protocol-matches-it",
    ),
    pytest.param(
        [
            *NS,
            netpol(
                "other",
                "egress-http",
                {},
                policy_types=["Egress"],
                egress=[egress_rule(ports=[np_port("http")])],
            ),
            pod("app", "p8080", None, ["10.9.0.1"], [container_port(8080, "TCP", "http")]),
            pod("app", "p9090", None, ["10.9.0.2"], [container_port(9090, "TCP", "http")]),
            pod("other", "client", None, ["10.9.1.1"]),
        ],
        [
            ("other/client", "app/p8080", 8080, "TCP", True),
            ("other/client", "app/p9090", 9090, "TCP", True),
            ("other/client", "app/p9090", 8080, "TCP", False),
            # an IP outside the cluster has no container ports: a named port cannot match it
            ("other/client", "93.184.216.34", 8080, "TCP", False),
        ],
        id="named-port-in-egress-resolves-against-each-destination",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "one",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule(ports=[np_port(443, "TCP", 443)])],
            ),
            pod("other", "client", None, ["10.9.1.1"]),
        ],
        [
            ("other/client", "app/server", 443, "TCP", True),
            ("other/client", "app/server", 444, "TCP", False),
        ],
        id="end-port-equal-to-port-is-a-single-port",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "sctp",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule(ports=[np_port(9000, "SCTP"), np_port(9001)])],
            ),
            pod("other", "client", None, ["10.9.1.1"]),
        ],
        [
            ("other/client", "app/server", 9000, "SCTP", True),
            ("other/client", "app/server", 9000, "TCP", False),
            ("other/client", "app/server", 9000, "UDP", False),
            ("other/client", "app/server", 9001, "TCP", True),
            ("other/client", "app/server", 9001, "SCTP", False),
        ],
        id="sctp-is-its-own-protocol-and-tcp-is-the-default",
    ),
]


@pytest.mark.parametrize(("docs", "flows"), PORT_CLUSTERS)
def test_port_flows(docs: list[dict[str, Any]], flows: list[Flow]) -> None:
    check_flows(cluster(*docs), flows)


def test_a_rule_matches_its_peers_and_its_ports_together() -> None:
    """Within a rule, peers AND ports; across rules, OR (no cross product)."""
    pol = netpol(
        "app",
        "two-rules",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[
            ingress_rule([peer(selector({"c": "b"}))], [np_port(80)]),
            ingress_rule([peer(selector({"c": "c"}))], [np_port(81), np_port(82, "UDP")]),
        ],
    )
    c = cluster(
        *NS,
        server(),
        pol,
        pod("app", "b", {"c": "b"}, ["10.9.0.2"]),
        pod("app", "cc", {"c": "c"}, ["10.9.0.3"]),
    )
    v = check(c, "app/b", "app/server", 80, "TCP", True)
    assert v.ingress.allowed_by == (RuleRef("app/two-rules", 0),)
    check(c, "app/b", "app/server", 81, "TCP", False)
    v = check(c, "app/cc", "app/server", 81, "TCP", True)
    assert v.ingress.allowed_by == (RuleRef("app/two-rules", 1),)
    check(c, "app/cc", "app/server", 82, "UDP", True)
    check(c, "app/cc", "app/server", 82, "TCP", False)
    check(c, "app/cc", "app/server", 80, "TCP", False)


@pytest.mark.parametrize(
    ("port", "proto", "expected"),
    [
        (7999, "TCP", False),
        (8000, "TCP", True),
        (8005, "TCP", True),
        (8010, "TCP", True),
        (8011, "TCP", False),
        (8005, "UDP", False),
        (8005, "SCTP", True),
    ],
)
def test_end_port_range_is_inclusive_and_per_protocol(
    port: int, proto: str, expected: bool
) -> None:
    pol = netpol(
        "app",
        "range",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[ingress_rule(ports=[np_port(8000, "TCP", 8010), np_port(8000, "SCTP", 8010)])],
    )
    c = cluster(*NS, server(), pol, pod("other", "client", None, ["10.9.1.1"]))
    check(c, "other/client", "app/server", port, proto, expected)


# --------------------------------------------------------------------------- ipBlock


IP_BLOCK_CLUSTERS = [
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "v6",
                selector({"role": "server"}),
                policy_types=["Egress"],
                egress=[egress_rule([peer(cidr="2001:db8::/32", except_=["2001:db8:1::/48"])])],
            ),
        ],
        [
            ("app/server", "2001:db8::1", 443, "TCP", True),
            ("app/server", "2001:db8:2::1", 443, "TCP", True),
            ("app/server", "2001:db8:1::5", 443, "TCP", False),
            ("app/server", "2001:db9::1", 443, "TCP", False),
            ("app/server", "93.184.216.34", 443, "TCP", False),
        ],
        id="ipv6-ip-block-with-except",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "v4-all",
                selector({"role": "server"}),
                policy_types=["Egress"],
                egress=[egress_rule([peer(cidr="0.0.0.0/0")])],
            ),
            pod("other", "v6", None, ["fd00::10"]),
            pod("other", "v4", None, ["10.9.1.1"]),
        ],
        [
            ("app/server", "2001:db8::1", 443, "TCP", False),
            ("app/server", "other/v6", 443, "TCP", False),
            ("app/server", "other/v4", 443, "TCP", True),
            ("app/server", "93.184.216.34", 443, "TCP", True),
        ],
        id="ipv4-cidr-never-matches-ipv6",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "v6-all",
                selector({"role": "server"}),
                policy_types=["Egress"],
                egress=[egress_rule([peer(cidr="::/0")])],
            ),
            pod("other", "v6", None, ["fd00::10"]),
            pod("other", "v4", None, ["10.9.1.1"]),
        ],
        [
            ("app/server", "93.184.216.34", 443, "TCP", False),
            ("app/server", "other/v4", 443, "TCP", False),
            ("app/server", "other/v6", 443, "TCP", True),
            ("app/server", "2001:db8::1", 443, "TCP", True),
        ],
        id="ipv6-cidr-never-matches-ipv4",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "from-v6",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule([peer(cidr="fd00::/8", except_=["fd00:bad::/32"])])],
            ),
            pod("other", "v6", None, ["fd00::10"]),
            pod("other", "v4", None, ["10.9.1.1"]),
        ],
        [
            ("other/v6", "app/server", 80, "TCP", True),
            ("fd00::99", "app/server", 80, "TCP", True),
            ("fd00:bad::1", "app/server", 80, "TCP", False),
            ("other/v4", "app/server", 80, "TCP", False),
        ],
        id="ipv6-ingress-from-ip-block",
    ),
    pytest.param(
        [
            *NS,
            server(),
            netpol(
                "app",
                "p",
                selector({"role": "server"}),
                policy_types=["Ingress"],
                ingress=[ingress_rule([peer(pods=selector({"c": "1"})), peer(cidr="0.0.0.0/0")])],
            ),
            pod("app", "sel", {"c": "1"}),
            pod("app", "unsel", {"c": "2"}),
        ],
        [
            ("app/sel", "app/server", 80, "TCP", True),
            ("app/unsel", "app/server", 80, "TCP", False),
        ],
        id="pod-without-ip-is-matched-by-selectors-never-by-ip-blocks",
    ),
]


@pytest.mark.parametrize(("docs", "flows"), IP_BLOCK_CLUSTERS)
def test_ip_block_flows(docs: list[dict[str, Any]], flows: list[Flow]) -> None:
    check_flows(cluster(*docs), flows)


def test_an_excepted_ip_allowed_by_another_policy_is_allowed() -> None:
    """Policies are a union: an IP in one ipBlock's except but in another's cidr is allowed
    (upstream 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed')."""
    wide = netpol(
        "app",
        "wide",
        selector({"role": "server"}),
        policy_types=["Egress"],
        egress=[egress_rule([peer(cidr="10.0.0.0/8", except_=["10.1.0.0/16"])])],
    )
    narrow = netpol(
        "app",
        "narrow",
        selector({"role": "server"}),
        policy_types=["Egress"],
        egress=[egress_rule([peer(cidr="10.1.2.3/32")])],
    )
    c = cluster(*NS, server(), wide, narrow)
    v = check(c, "app/server", "10.1.2.3", 80, "TCP", True)
    assert v.egress.allowed_by == (RuleRef("app/narrow", 0),)
    check(c, "app/server", "10.1.2.4", 80, "TCP", False)
    v = check(c, "app/server", "10.2.0.1", 80, "TCP", True)
    assert v.egress.allowed_by == (RuleRef("app/wide", 0),)


def test_ip_block_matches_pod_ips_unless_the_option_says_otherwise() -> None:
    """Upstream conformance: ipBlock matches pod IPs ('should allow egress access to server in CIDR
    block'); Options(ipblock_matches_pods=False) is the documented alternative."""
    pol = netpol(
        "app",
        "to-pod-ip",
        selector({"role": "server"}),
        policy_types=["Egress"],
        egress=[egress_rule([peer(cidr="10.9.1.1/32")])],
    )
    ing = netpol(
        "other",
        "from-server-ip",
        {},
        policy_types=["Ingress"],
        ingress=[ingress_rule([peer(cidr="10.9.0.0/24")])],
    )
    docs = [*NS, server(), pol, ing, pod("other", "target", None, ["10.9.1.1"])]
    check(cluster(*docs), "app/server", "other/target", 80, "TCP", True)
    off = cluster(*docs, options=Options(ipblock_matches_pods=False))
    v = check(off, "app/server", "other/target", 80, "TCP", False)
    assert not v.egress.allowed and not v.ingress.allowed


# --------------------------------------------------------------------------- empty vs missing


@pytest.mark.parametrize(
    ("ingress", "from_other", "from_outside"),
    [
        pytest.param(OMIT, False, False, id="no-ingress-field"),
        pytest.param([], False, False, id="ingress-empty-list"),
        pytest.param([{}], True, True, id="ingress-one-empty-rule"),
        pytest.param([ingress_rule()], True, True, id="rule-without-from"),
        pytest.param([ingress_rule([])], True, True, id="from-empty-list"),
        pytest.param([ingress_rule(ports=[])], True, True, id="ports-empty-list"),
        pytest.param([ingress_rule([], [])], True, True, id="from-and-ports-empty"),
        pytest.param([ingress_rule([peer(pods={})])], False, False, id="from-pod-selector-empty"),
        pytest.param(
            [ingress_rule([peer(namespaces={})])], True, False, id="from-ns-selector-empty"
        ),
    ],
)
def test_empty_versus_missing_ingress_fields(
    ingress: Any, from_other: bool, from_outside: bool
) -> None:
    pol = netpol(
        "app", "p", selector({"role": "server"}), policy_types=["Ingress"], ingress=ingress
    )
    c = cluster(*NS, server(), pol, pod("other", "client", None, ["10.9.1.1"]))
    v = check(c, "other/client", "app/server", 80, "TCP", from_other)
    assert v.ingress.isolated
    check(c, "198.51.100.7", "app/server", 80, "TCP", from_outside)
    check(c, "other/client", "app/server", 5432, "UDP", from_other)


@pytest.mark.parametrize(
    ("egress", "to_pod", "to_outside"),
    [
        pytest.param([], False, False, id="egress-empty-list"),
        pytest.param([{}], True, True, id="egress-one-empty-rule"),
        pytest.param([egress_rule([])], True, True, id="to-empty-list"),
        pytest.param([egress_rule(ports=[])], True, True, id="ports-empty-list"),
        pytest.param([egress_rule([peer(namespaces={})])], True, False, id="to-all-namespaces"),
    ],
)
def test_empty_versus_missing_egress_fields(egress: Any, to_pod: bool, to_outside: bool) -> None:
    pol = netpol("app", "p", selector({"role": "server"}), policy_types=["Egress"], egress=egress)
    c = cluster(*NS, server(), pol, pod("other", "target", None, ["10.9.1.1"]))
    v = check(c, "app/server", "other/target", 80, "TCP", to_pod)
    assert v.egress.isolated
    check(c, "app/server", "93.184.216.34", 443, "TCP", to_outside)


# --------------------------------------------------------------------------- policyTypes


def test_policy_types_egress_only_ignores_ingress_rules() -> None:
    pol = netpol(
        "app",
        "egress-only",
        selector({"role": "server"}),
        policy_types=["Egress"],
        ingress=[ingress_rule([peer(pods=selector({"c": "1"}))])],
        egress=[egress_rule(ports=[np_port(53, "UDP")])],
    )
    c = cluster(*NS, server(), pol, pod("other", "client", None, ["10.9.1.1"]))
    v = check(c, "other/client", "app/server", 80, "TCP", True)
    assert not v.ingress.isolated and v.ingress.allowed_by == ()
    check(c, "app/server", "other/client", 80, "TCP", False)
    check(c, "app/server", "other/client", 53, "UDP", True)


def test_policy_types_ingress_only_ignores_egress_rules() -> None:
    pol = netpol(
        "app",
        "ingress-only",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[ingress_rule(ports=[np_port(80)])],
        egress=[egress_rule(ports=[np_port(53, "UDP")])],
    )
    c = cluster(*NS, server(), pol, pod("other", "client", None, ["10.9.1.1"]))
    v = check(c, "app/server", "other/client", 443, "TCP", True)
    assert not v.egress.isolated
    check(c, "other/client", "app/server", 80, "TCP", True)
    check(c, "other/client", "app/server", 81, "TCP", False)


def test_policy_types_omitted_with_egress_rules_means_ingress_and_egress() -> None:
    """Defaulting: Ingress always; Egress because egress rules exist. With no ingress rules the
    selected pods are then closed to ALL ingress - a classic surprise."""
    pol = netpol(
        "app",
        "egress-rules-only",
        selector({"role": "server"}),
        egress=[egress_rule(ports=[np_port(53, "UDP")])],
    )
    c = cluster(*NS, server(), pol, pod("other", "client", None, ["10.9.1.1"]))
    v = check(c, "other/client", "app/server", 80, "TCP", False)
    assert v.ingress.isolated and v.ingress.isolated_by == ("app/egress-rules-only",)
    check(c, "app/server", "other/client", 53, "UDP", True)
    check(c, "app/server", "other/client", 80, "TCP", False)


@pytest.mark.parametrize("egress", [OMIT, []], ids=["no-egress-field", "egress-empty-list"])
def test_policy_types_omitted_without_egress_rules_means_ingress_only(egress: Any) -> None:
    pol = netpol(
        "app",
        "p",
        selector({"role": "server"}),
        egress=egress,
        ingress=[ingress_rule(ports=[np_port(80)])],
    )
    c = cluster(*NS, server(), pol, pod("other", "client", None, ["10.9.1.1"]))
    v = check(c, "app/server", "other/client", 443, "TCP", True)
    assert not v.egress.isolated
    check(c, "other/client", "app/server", 80, "TCP", True)
    check(c, "other/client", "app/server", 443, "TCP", False)


# --------------------------------------------------------------------------- special endpoints


def test_host_network_pods_are_not_isolated() -> None:
    deny = netpol("app", "deny-all", {}, policy_types=["Ingress", "Egress"])
    c = cluster(
        *NS,
        deny,
        pod("app", "host", {"role": "server"}, ["192.168.0.5"], host_network=True),
        pod("app", "normal", {"role": "server"}, ["10.9.0.2"]),
        pod("other", "client", None, ["10.9.1.1"]),
    )
    (host,) = [p for p in c.pods if p.id == "app/host"]
    assert host.host_network
    v = check(c, "other/client", "app/host", 80, "TCP", True)
    assert "host network" in v.ingress.note.lower()
    v = check(c, "app/host", "other/client", 80, "TCP", True)
    assert "host network" in v.egress.note.lower()
    check(c, "app/host", "93.184.216.34", 443, "TCP", True)
    check(c, "other/client", "app/normal", 80, "TCP", False)


def test_host_network_pods_as_ordinary_pods_under_the_pod_convention() -> None:
    """`host_network="pod"` (other analyzers' convention): selected, isolated and addressed by
    its pod IP like any pod; the default ("node") leaves it open and addressed as its node."""
    allow_web = netpol(
        "app",
        "db-from-web",
        {"matchLabels": {"role": "db"}},
        ingress=[{"from": [{"podSelector": {"matchLabels": {"role": "web"}}}]}],
    )
    outside = netpol(
        "other",
        "to-host-block",
        {},
        egress=[{"to": [{"ipBlock": {"cidr": "192.168.0.0/24"}}]}],
        policy_types=["Egress"],
    )
    docs = [
        *NS,
        allow_web,
        outside,
        pod("app", "db", {"role": "db"}, ["192.168.0.5"], host_network=True),
        pod("app", "web", {"role": "web"}, ["10.9.0.2"], host_network=True),
        pod("app", "cache", {"role": "cache"}, ["192.168.0.6"], host_network=True),
        pod("other", "client", None, ["10.9.1.1"]),
    ]
    node = cluster(*docs)
    check(node, "other/client", "app/db", 5432, "TCP", True)  # never isolated
    check(node, "app/web", "app/db", 5432, "TCP", True)
    check(node, "other/client", "app/web", 80, "TCP", False)  # its address is not in the block
    check(node, "other/client", "app/cache", 80, "TCP", True)

    as_pods = cluster(*docs, options=Options(host_network="pod"))
    assert all(not p.host_network for p in as_pods.pods)
    v = check(as_pods, "other/client", "app/db", 5432, "TCP", False)  # isolated like any pod
    assert v.ingress.isolated_by == ("app/db-from-web",)
    check(as_pods, "app/web", "app/db", 5432, "TCP", True)  # and matched by its labels
    check(as_pods, "other/client", "app/db", 80, "TCP", False)
    check(as_pods, "other/client", "app/cache", 80, "TCP", True)  # ipBlocks match pod IPs
    excluded = cluster(*docs, options=Options(host_network="pod", ipblock_matches_pods=False))
    check(excluded, "other/client", "app/cache", 80, "TCP", False)  # a pod's IP, not a node's
    assert (
        cluster(*docs, options=Options(ipblock_matches_pods=False)).options.host_network == "node"
    )
    check(
        cluster(*docs, options=Options(ipblock_matches_pods=False)),
        "other/client",
        "app/cache",
        80,
        "TCP",
        True,
    )
    with pytest.raises(ValueError, match="host_network"):
        Options(host_network="bridge")


def test_external_ip_source_and_destination() -> None:
    pol = netpol(
        "app",
        "p",
        selector({"role": "server"}),
        policy_types=["Ingress", "Egress"],
        ingress=[ingress_rule([peer(cidr="203.0.113.0/24")])],
        egress=[egress_rule([peer(cidr="198.51.100.0/24")], [np_port(443)])],
    )
    c = cluster(*NS, server(), pol)
    v = check(c, "203.0.113.9", "app/server", 8080, "TCP", True)
    assert v.egress.allowed and not v.egress.isolated and v.egress.note
    check(c, "192.0.2.1", "app/server", 8080, "TCP", False)
    v = check(c, "app/server", "198.51.100.20", 443, "TCP", True)
    assert v.ingress.allowed and not v.ingress.isolated and v.ingress.note
    check(c, "app/server", "198.51.100.20", 80, "TCP", False)
    check(c, "app/server", "192.0.2.1", 443, "TCP", False)
    assert isinstance(c.endpoint("198.51.100.20"), ExternalIP)
    assert c.endpoint("198.51.100.20").id == "198.51.100.20"
    assert isinstance(c.endpoint("app/server"), Pod)


def test_unknown_endpoint_is_a_key_error() -> None:
    c = cluster(*NS, server())
    with pytest.raises(KeyError):
        c.endpoint("app/nope")
    with pytest.raises(KeyError):
        allowed(c, "app/server", "nowhere/nope", 80, "TCP")


def test_pod_model_reads_ips_ports_and_host_network() -> None:
    p = pod(
        "app",
        "multi",
        {"a": "1"},
        ["10.9.0.7", "fd00::7"],
        [container_port(80, "TCP", "http"), container_port(53, "UDP")],
    )
    c = cluster(*NS, p)
    (got,) = c.pods
    assert got.id == "app/multi" and got.namespace == "app" and got.name == "multi"
    assert dict(got.labels) == {"a": "1"}
    assert tuple(got.ips) == ("10.9.0.7", "fd00::7")
    assert set(got.ports) == {ContainerPort("http", 80, "TCP"), ContainerPort(None, 53, "UDP")}
    assert got.host_network is False


# --------------------------------------------------------------------------- verdicts explain


def test_verdict_names_every_admitting_rule_and_the_isolating_policies() -> None:
    first = netpol(
        "app",
        "first",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[
            ingress_rule([peer(selector({"c": "9"}))]),
            ingress_rule([peer(selector({"c": "1"}))], [np_port(80)]),
        ],
    )
    second = netpol(
        "app", "second", {}, policy_types=["Ingress"], ingress=[ingress_rule(ports=[np_port(80)])]
    )
    deny = netpol("app", "deny", {}, policy_types=["Ingress"])
    c = cluster(
        *NS,
        server(),
        first,
        second,
        deny,
        pod("app", "c1", {"c": "1"}, ["10.9.0.2"]),
        pod("other", "o", None, ["10.9.1.1"]),
    )
    v = check(c, "app/c1", "app/server", 80, "TCP", True)
    assert set(v.ingress.allowed_by) == {RuleRef("app/first", 1), RuleRef("app/second", 0)}
    assert set(v.ingress.isolated_by) == {"app/first", "app/second", "app/deny"}
    assert v.ingress.direction == "ingress" and v.egress.direction == "egress"
    assert v.allowed == (v.egress.allowed and v.ingress.allowed)
    v = check(c, "other/o", "app/server", 81, "TCP", False)
    assert v.ingress.allowed_by == ()
    assert set(v.ingress.isolated_by) == {"app/first", "app/second", "app/deny"}
    for name in ("first", "second", "deny"):
        assert name in v.reason
    v = check(c, "app/server", "other/o", 80, "TCP", True)
    assert not v.egress.isolated and v.egress.isolated_by == () and v.egress.allowed_by == ()
    assert "not isolated" in (v.egress.note + v.reason).lower()


# --------------------------------------------------------------------------- model loading


def test_namespace_gets_the_automatic_name_label() -> None:
    c = cluster(
        namespace("plain"),
        namespace("team", {"team": "a"}),
        options=Options(representatives=False),
    )
    labels = {ns.name: dict(ns.labels) for ns in c.namespaces}
    assert labels == {
        "plain": {"kubernetes.io/metadata.name": "plain"},
        "team": {"kubernetes.io/metadata.name": "team", "team": "a"},
    }


def test_lists_json_folders_and_other_kinds(tmp_path: Path) -> None:
    pol = netpol("app", "deny", selector({"role": "server"}), policy_types=["Ingress"])
    client = pod("other", "client", None, ["10.9.1.1"])
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": "app"},
        "spec": {"selector": {"role": "server"}, "ports": [{"port": 80}]},
    }
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "app"},
        "spec": {},
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "ns.yml").write_text(dump_yaml(NS))
    (tmp_path / "a" / "b" / "pods.json").write_text(
        json.dumps(items_list([server(), client], "PodList"))
    )
    (tmp_path / "a" / "b" / "rest.yaml").write_text(dump_yaml([service, items_list([pol, deploy])]))
    (tmp_path / "a" / "notes.txt").write_text("not a manifest")
    from_disk = load([tmp_path / "a"])
    in_memory = from_manifests(
        [*NS, items_list([server(), client], "PodList"), service, items_list([pol, deploy])]
    )
    for c in (from_disk, in_memory):
        # A Deployment is an endpoint of its own (an empty template: no labels, no ports).
        assert {p.id for p in c.pods} == {"app/server", "other/client", "app/deployment/d"}
        assert {p.id for p in c.policies} == {"app/deny"}
        assert {n.name for n in c.namespaces} >= {"app", "other", "bare"}
        check(c, "other/client", "app/server", 80, "TCP", False)
    (pol_loaded,) = from_disk.policies
    assert "rest.yaml" in str(pol_loaded.source)


def test_matrix_lists_pods_then_externals_and_every_allowed_flow() -> None:
    pol = netpol(
        "app",
        "p",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[ingress_rule([peer(namespaces=selector({"team": "b"}))], [np_port(80)])],
    )
    c = cluster(
        *NS,
        server(),
        pol,
        pod("other", "client", None, ["10.9.1.1"]),
        pod("app", "peer", None, ["10.9.0.2"]),
    )
    m = matrix(c, [(80, "TCP"), (53, "UDP")], externals=["203.0.113.1"])
    assert set(m.endpoints[:3]) == {"app/server", "other/client", "app/peer"}
    assert m.endpoints[3:] == ("203.0.113.1",)
    assert set(m.ports) == {(80, "TCP"), (53, "UDP")}
    assert m.is_allowed("other/client", "app/server", 80, "TCP")
    assert not m.is_allowed("app/peer", "app/server", 80, "TCP")
    assert not m.is_allowed("other/client", "app/server", 53, "UDP")
    assert not m.is_allowed("203.0.113.1", "app/server", 80, "TCP")
    assert m.is_allowed("app/server", "203.0.113.1", 53, "UDP")
    flows = m.allowed_flows()
    assert flows == sorted(flows)
    assert ("other/client", "app/server", 80, "TCP") in flows
    assert ("app/peer", "app/server", 80, "TCP") not in flows


def test_pods_of_an_undeclared_namespace_are_matched_by_its_automatic_name_label() -> None:
    """Manifests often omit Namespace objects; in a cluster the namespace exists and carries
    kubernetes.io/metadata.name, so selectors on that label (or ``{}``) still match its pods."""
    by_name = netpol(
        "app",
        "from-tools",
        selector({"role": "server"}),
        policy_types=["Ingress"],
        ingress=[
            ingress_rule([peer(namespaces=selector({"kubernetes.io/metadata.name": "tools"}))])
        ],
    )
    c = cluster(
        namespace("app"),
        server(),
        by_name,
        pod("tools", "t", None, ["10.9.5.1"]),  # no Namespace object for "tools"
        pod("misc", "m", None, ["10.9.6.1"]),
    )
    check(c, "tools/t", "app/server", 80, "TCP", True)
    check(c, "misc/m", "app/server", 80, "TCP", False)
    assert "tools" in {n.name for n in c.namespaces}
