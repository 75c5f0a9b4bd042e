"""The pure builders: exact policy set, names, selectors, and what the policies let through.

The reachability checks use a deliberately small NetworkPolicy evaluator written here from the
Kubernetes semantics (selectors, AND within a peer, OR across peers and rules, both sides must
allow), so the builders are checked against behaviour rather than against their own code.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.manifests import environment_manifests
from components.policies import network_policies, non_database_selectors
from components.settings import Database, settings_from_config

POSTGRES = {
    "name": "postgres",
    "podLabels": {"app": "postgres"},
    "port": 5432,
    "clientLabels": {"db-access": "true"},
}


# --- a small, independent evaluator ------------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def peer_matches(peer: dict[str, Any], policy_namespace: str, other: Pod | str) -> bool:
    if "ipBlock" in peer:
        if not isinstance(other, str):
            return False
        address = ipaddress.ip_address(other)
        block = peer["ipBlock"]
        inside = address in ipaddress.ip_network(block["cidr"])
        return inside and not any(
            address in ipaddress.ip_network(item) for item in block.get("except", [])
        )
    if isinstance(other, str):
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": other.namespace}
        if not selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif other.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], other.labels)


def port_matches(ports: list[dict[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    return any(
        item.get("protocol", "TCP") == protocol
        and item["port"] <= port <= item.get("endPort", item["port"])
        for item in ports
    )


def side_allows(
    policies: list[dict[str, Any]], pod: Pod, other: Pod | str, port: int, protocol: str, kind: str
) -> bool:
    peers_key = "from" if kind == "Ingress" else "to"
    selecting = [
        policy
        for policy in policies
        if policy["metadata"]["namespace"] == pod.namespace
        and kind in policy["spec"]["policyTypes"]
        and selects(policy["spec"]["podSelector"], pod.labels)
    ]
    if not selecting:
        return True
    return any(
        (
            rule.get(peers_key) is None
            or any(peer_matches(peer, pod.namespace, other) for peer in rule[peers_key])
        )
        and port_matches(rule.get("ports"), port, protocol)
        for policy in selecting
        for rule in policy["spec"].get(kind.lower(), [])
    )


def allowed(
    policies: list[dict[str, Any]], src: Pod, dst: Pod | str, port: int, protocol: str = "TCP"
) -> bool:
    egress = side_allows(policies, src, dst, port, protocol, "Egress")
    ingress = isinstance(dst, str) or side_allows(policies, dst, src, port, protocol, "Ingress")
    return egress and ingress


# --- fixtures ----------------------------------------------------------------------------------


def policies_of(*stacks: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        policy
        for stack, config in stacks
        for policy in network_policies(settings_from_config(stack, config))
    ]


PR = "myteam-myproject-pr-123"
OTHER_PR = "myteam-myproject-pr-456"
PROD = "myteam-myproject-production"
CLUSTER = policies_of(("pr-123", {}), ("pr-456", {}), ("production", {"databases": [POSTGRES]}))
NGINX = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
KUBE_DNS = Pod("kube-system", {"k8s-app": "kube-dns"})
METRICS = Pod("kube-system", {"k8s-app": "metrics-server"})
WEB = Pod(PR, {"app": "web"})
WORKER = Pod(PR, {"app": "worker"})
OTHER_WEB = Pod(OTHER_PR, {"app": "web"})
PROD_WEB = Pod(PROD, {"app": "web", "db-access": "true"})
PROD_WORKER = Pod(PROD, {"app": "worker"})
PROD_POSTGRES = Pod(PROD, {"app": "postgres"})


# --- the policy set ----------------------------------------------------------------------------


def test_development_policy_set_has_exactly_the_named_policies() -> None:
    names = [p["metadata"]["name"] for p in network_policies(settings_from_config("pr-1", {}))]
    assert names == [
        "allow-dns",
        "allow-egress-registry",
        "allow-ingress-controller",
        "allow-same-namespace",
        "default-deny-all",
    ]


def test_production_policy_set_has_no_same_namespace_and_both_database_sides() -> None:
    settings = settings_from_config("production", {"databases": [POSTGRES]})
    names = [policy["metadata"]["name"] for policy in network_policies(settings)]
    assert names == [
        "allow-database-postgres-egress",
        "allow-database-postgres-ingress",
        "allow-dns",
        "allow-egress-registry",
        "allow-ingress-controller",
        "default-deny-all",
    ]


def test_default_deny_all_selects_every_pod_in_both_directions_with_no_rules() -> None:
    policy = _by_name(network_policies(settings_from_config("pr-1", {})), "default-deny-all")
    assert policy["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_is_one_peer_with_namespace_and_pod_selector_on_udp_and_tcp_53() -> None:
    settings = settings_from_config(
        "pr-1", {"dnsNamespace": "dns", "dnsPodLabels": {"k8s-app": "coredns"}}
    )
    policy = _by_name(network_policies(settings), "allow-dns")
    assert policy["spec"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "dns"}
                        },
                        "podSelector": {"matchLabels": {"k8s-app": "coredns"}},
                    }
                ],
                "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
            }
        ],
    }


def test_ingress_controller_is_selected_by_the_automatic_namespace_label() -> None:
    settings = settings_from_config("pr-1", {"ingressNamespace": "traefik"})
    policy = _by_name(network_policies(settings), "allow-ingress-controller")
    assert policy["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "traefik"}
                        }
                    }
                ]
            }
        ],
    }


def test_same_namespace_allows_ingress_and_egress() -> None:
    policy = _by_name(network_policies(settings_from_config("pr-1", {})), "allow-same-namespace")
    assert policy["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {}}]}],
        "egress": [{"to": [{"podSelector": {}}]}],
    }


def test_default_registry_egress_excludes_private_ranges_and_metadata() -> None:
    policy = _by_name(network_policies(settings_from_config("pr-1", {})), "allow-egress-registry")
    assert policy["spec"] == {
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
                                "169.254.169.254/32",
                                "172.16.0.0/12",
                                "192.168.0.0/16",
                            ],
                        }
                    }
                ],
                "ports": [{"port": 443, "protocol": "TCP"}],
            }
        ],
    }


def test_egress_entry_with_port_range_and_no_exceptions() -> None:
    settings = settings_from_config(
        "pr-1",
        {
            "egress": [
                {
                    "name": "ntp",
                    "cidr": "2001:db8::/32",
                    "ports": [{"port": 123, "protocol": "UDP", "endPort": 124}],
                },
                {"name": "anything", "cidr": "198.51.100.0/24"},
            ]
        },
    )
    policies = network_policies(settings)
    assert _by_name(policies, "allow-egress-ntp")["spec"]["egress"] == [
        {
            "to": [{"ipBlock": {"cidr": "2001:db8::/32"}}],
            "ports": [{"port": 123, "protocol": "UDP", "endPort": 124}],
        }
    ]
    assert _by_name(policies, "allow-egress-anything")["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}]}
    ]


def test_database_policies_are_written_on_both_sides() -> None:
    policies = network_policies(settings_from_config("production", {"databases": [POSTGRES]}))
    ports = [{"port": 5432, "protocol": "TCP"}]
    assert _by_name(policies, "allow-database-postgres-ingress")["spec"] == {
        "podSelector": {"matchLabels": {"app": "postgres"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"podSelector": {"matchLabels": {"db-access": "true"}}}], "ports": ports}
        ],
    }
    assert _by_name(policies, "allow-database-postgres-egress")["spec"] == {
        "podSelector": {"matchLabels": {"db-access": "true"}},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "postgres"}}}], "ports": ports}],
    }
    controller = _by_name(policies, "allow-ingress-controller")
    assert controller["spec"]["podSelector"] == {
        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["postgres"]}]
    }


def test_a_database_with_two_labels_splits_the_open_policies_one_per_label() -> None:
    database = {**POSTGRES, "podLabels": {"app": "postgres", "tier": "db"}}
    policies = network_policies(settings_from_config("pr-1", {"databases": [database]}))
    names = [policy["metadata"]["name"] for policy in policies]
    assert [n for n in names if n.startswith(("allow-same", "allow-ingress"))] == [
        "allow-ingress-controller-1",
        "allow-ingress-controller-2",
        "allow-same-namespace-1",
        "allow-same-namespace-2",
    ]
    assert _by_name(policies, "allow-same-namespace-2")["spec"]["podSelector"] == {
        "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]
    }


def test_every_object_carries_the_environment_labels_and_namespace() -> None:
    settings = settings_from_config(
        "pr-5", {"team": "web", "quota": {"pods": "10"}, "limitRange": {"max": {"cpu": "2"}}}
    )
    for manifest in environment_manifests(settings):
        labels = manifest["metadata"]["labels"]
        assert labels["catalyst.dev/team"] == "web"
        assert labels["catalyst.dev/project"] == "myproject"
        assert labels["catalyst.dev/environment"] == "pr-5"
        assert labels["catalyst.dev/tier"] == "development"
        assert labels["app.kubernetes.io/managed-by"] == "pulumi"
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == "web-myproject-pr-5"


def test_manifests_share_no_objects_so_callers_may_change_them() -> None:
    settings = settings_from_config("pr-1", {})
    first = network_policies(settings)
    _by_name(first, "allow-same-namespace")["spec"]["ingress"][0]["from"].append({"x": 1})
    again = _by_name(network_policies(settings), "allow-same-namespace")
    assert again["spec"]["egress"] == [{"to": [{"podSelector": {}}]}]
    assert _by_name(first, "allow-same-namespace")["spec"]["egress"] == [
        {"to": [{"podSelector": {}}]}
    ]


def test_builders_are_deterministic() -> None:
    config = {"databases": [POSTGRES, {**POSTGRES, "name": "redis", "podLabels": {"app": "redis"}}]}
    first = environment_manifests(settings_from_config("production", config))
    second = environment_manifests(settings_from_config("production", config))
    assert first == second
    assert repr(first) == repr(second)


# --- what the policies let through -------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "dst", "port", "protocol", "expected"),
    [
        (NGINX, WEB, 80, "TCP", True),
        (NGINX, PROD_WEB, 8080, "TCP", True),
        (WEB, WORKER, 80, "TCP", True),
        (WORKER, WEB, 31337, "TCP", True),
        (WEB, WORKER, 53, "UDP", True),
        (WEB, OTHER_WEB, 80, "TCP", False),
        (OTHER_WEB, WEB, 80, "TCP", False),
        (WEB, PROD_WEB, 80, "TCP", False),
        (PROD_WEB, WEB, 80, "TCP", False),
        (WEB, KUBE_DNS, 53, "UDP", True),
        (WEB, KUBE_DNS, 53, "TCP", True),
        (PROD_POSTGRES, KUBE_DNS, 53, "UDP", True),
        (WEB, KUBE_DNS, 80, "TCP", False),
        (WEB, METRICS, 53, "UDP", False),
        (WEB, METRICS, 53, "TCP", False),
        (WEB, "93.184.216.34", 443, "TCP", True),
        (WEB, "93.184.216.34", 80, "TCP", False),
        (WEB, "93.184.216.34", 443, "UDP", False),
        (WEB, "169.254.169.254", 443, "TCP", False),
        (WEB, "10.1.2.3", 443, "TCP", False),
        (WEB, "192.168.1.10", 443, "TCP", False),
        (WEB, "172.20.0.1", 443, "TCP", False),
        (PROD_WEB, PROD_POSTGRES, 5432, "TCP", True),
        (PROD_WORKER, PROD_POSTGRES, 5432, "TCP", False),
        (PROD_WEB, PROD_POSTGRES, 8080, "TCP", False),
        (NGINX, PROD_POSTGRES, 5432, "TCP", False),
        (PROD_WEB, PROD_WORKER, 80, "TCP", False),
        (PROD_WORKER, PROD_WEB, 80, "TCP", False),
        (WEB, PROD_POSTGRES, 5432, "TCP", False),
    ],
)
def test_reachability(src: Pod, dst: Pod | str, port: int, protocol: str, expected: bool) -> None:
    assert allowed(CLUSTER, src, dst, port, protocol) is expected


def test_same_namespace_in_a_namespace_with_a_database_keeps_the_database_closed() -> None:
    database = {**POSTGRES, "podLabels": {"app": "postgres", "tier": "db"}}
    policies = network_policies(settings_from_config("pr-123", {"databases": [database]}))
    db = Pod(PR, {"app": "postgres", "tier": "db"})
    client = Pod(PR, {"app": "web", "db-access": "true"})
    half = Pod(PR, {"app": "postgres"})
    assert allowed(policies, client, db, 5432)
    assert not allowed(policies, client, db, 5433)
    assert not allowed(policies, WEB, db, 5432)
    assert not allowed(policies, NGINX, db, 5432)
    assert allowed(policies, WEB, half, 5432)
    assert allowed(policies, NGINX, half, 80)
    assert allowed(policies, half, WEB, 80)


def test_the_same_namespace_egress_side_is_needed_when_egress_is_denied() -> None:
    """The seed's db-migrate bug: with only the ingress half, pods could not reach each other."""
    policies = network_policies(settings_from_config("pr-123", {}))
    ingress_only = [
        {**p, "spec": {**p["spec"], "policyTypes": ["Ingress"], "egress": []}}
        if p["metadata"]["name"] == "allow-same-namespace"
        else p
        for p in policies
    ]
    assert allowed(policies, WEB, WORKER, 5432)
    assert not allowed(ingress_only, WEB, WORKER, 5432)


# --- non-database selectors: exactly the complement --------------------------------------------

KEYS = st.sampled_from(["app", "tier", "role"])
VALUES = st.sampled_from(["a", "b", "c"])
LABELS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=3)


@given(
    databases=st.lists(LABELS, min_size=0, max_size=3),
    pod=st.dictionaries(KEYS, VALUES, max_size=3),
)
def test_non_database_selectors_select_exactly_the_pods_of_no_database(
    databases: list[dict[str, str]], pod: dict[str, str]
) -> None:
    values = [
        Database(
            name=f"db{i}",
            pod_labels=tuple(sorted(labels.items())),
            port=1,
            client_labels=(("c", "1"),),
        )
        for i, labels in enumerate(databases)
    ]
    is_database_pod = any(all(pod.get(k) == v for k, v in labels.items()) for labels in databases)
    selected = any(selects(selector, pod) for selector in non_database_selectors(values))
    assert selected is not is_database_pod


def test_non_database_selectors_drop_redundant_combinations() -> None:
    one = Database("a", (("app", "a"),), 1, (("c", "1"),))
    two = Database("b", (("app", "a"), ("tier", "t")), 1, (("c", "1"),))
    assert non_database_selectors([one, two]) == [
        {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]}
    ]


def _by_name(policies: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (policy,) = [policy for policy in policies if policy["metadata"]["name"] == name]
    return policy
