"""The seed's NetworkPolicy examples (../shared/seed/network-policies.md) and its two bugs.

Each policy lives in tests/data/seed/ exactly as the seed wrote it; namespaces and pods are test
fixtures next to them. Semantics per the Kubernetes NetworkPolicy v1 API
(https://kubernetes.io/docs/concepts/services-networking/network-policies/).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from reachability import Options, RuleRef, from_manifests, load
from tests.support.builders import egress_rule, netpol, peer
from tests.support.paths import DATA
from tests.support.verdicts import check

SEED = DATA / "seed"
BASE = [SEED / "namespaces.yaml", SEED / "pods.yaml"]
SEED_POLICIES = {
    "default-deny-ingress": "myteam-myproject-pr-123",
    "default-deny-egress": "dev-pr-123",
    "default-deny-all": "dev-pr-123",
    "dev-environment-policy": "dev-pr-123",
    "allow-same-namespace": "dev-pr-123",
    "database-access": "project-production",
}
DEV = "dev-pr-123"
DEV_PODS = [f"{DEV}/web", f"{DEV}/postgres", f"{DEV}/worker"]
DEV_PORTS = [(8080, "TCP"), (5432, "TCP"), (9000, "TCP"), (53, "UDP")]


def seed(*names: str, options: Options | None = None) -> Any:
    """Load the fixtures plus the named seed policies from disk."""
    paths = [*BASE, *(SEED / f"{n}.yaml" for n in names)]
    return load(paths) if options is None else load(paths, options=options)


def docs_of(*files: str) -> list[dict[str, Any]]:
    """The documents of seed files, List kinds flattened (for edited variants)."""
    out: list[dict[str, Any]] = []
    for f in files:
        for d in yaml.safe_load_all((SEED / f).read_text()):
            if d is None:
                continue
            out.extend(d["items"] if d["kind"].endswith("List") else [d])
    return out


def base_docs() -> list[dict[str, Any]]:
    return docs_of("namespaces.yaml", "pods.yaml")


def plain(value: Any) -> Any:
    """Mappings as dicts and sequences as lists, recursively (the engine may freeze them)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def and_version(policy: dict[str, Any]) -> dict[str, Any]:
    """The seed's dev-environment-policy with its DNS peers merged into ONE peer (AND)."""
    fixed = copy.deepcopy(policy)
    two = fixed["spec"]["egress"][0]["to"]
    assert len(two) == 2, "the seed's DNS rule has two peers"
    fixed["spec"]["egress"][0]["to"] = [{**two[0], **two[1]}]
    return fixed


# --------------------------------------------------------------------------- the files themselves


def test_every_seed_example_loads_from_the_folder() -> None:
    cluster = load([SEED])
    ids = {p.id for p in cluster.policies}
    assert ids >= {f"{ns}/{name}" for name, ns in SEED_POLICIES.items()}
    assert not cluster.representative
    assert {p.id for p in cluster.pods} >= set(DEV_PODS)


@pytest.mark.parametrize("name", sorted(SEED_POLICIES))
def test_seed_example_is_kept_as_the_seed_wrote_it(name: str) -> None:
    cluster = seed(name)
    (pol,) = [p for p in cluster.policies if p.name == name]
    assert pol.namespace == SEED_POLICIES[name]
    (doc,) = docs_of(f"{name}.yaml")
    assert plain(pol.manifest)["spec"] == doc["spec"]


# --------------------------------------------------------------------------- default deny


def test_default_deny_ingress_isolates_only_ingress_of_its_namespace() -> None:
    c = seed("default-deny-ingress")
    ns = "myteam-myproject-pr-123"
    v = check(c, "other-team/client", f"{ns}/web", 8080, "TCP", False)
    assert v.egress.allowed and not v.egress.isolated
    assert not v.ingress.allowed and v.ingress.isolated
    assert v.ingress.isolated_by == (f"{ns}/default-deny-ingress",)
    assert v.ingress.allowed_by == ()
    check(c, f"{ns}/api", f"{ns}/web", 8080, "TCP", False)
    check(c, "93.184.216.34", f"{ns}/web", 443, "TCP", False)
    # egress is untouched, and other namespaces are not affected
    check(c, f"{ns}/web", "other-team/client", 80, "TCP", True)
    check(c, f"{ns}/web", "93.184.216.34", 443, "TCP", True)
    check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", True)


def test_default_deny_egress_isolates_only_egress() -> None:
    c = seed("default-deny-egress")
    v = check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", False)
    assert not v.egress.allowed and v.egress.isolated
    assert v.egress.isolated_by == (f"{DEV}/default-deny-egress",)
    assert v.ingress.allowed and not v.ingress.isolated
    # no DNS either: every egress is denied
    check(c, f"{DEV}/web", "kube-system/coredns", 53, "UDP", False)
    check(c, f"{DEV}/web", "93.184.216.34", 443, "TCP", False)
    # ingress into the namespace is still open
    check(c, "other-team/client", f"{DEV}/web", 8080, "TCP", True)
    check(c, "203.0.113.7", f"{DEV}/web", 8080, "TCP", True)


def test_default_deny_all_isolates_both_directions() -> None:
    c = seed("default-deny-all")
    v = check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", False)
    assert not v.egress.allowed and not v.ingress.allowed
    assert v.egress.isolated_by == (f"{DEV}/default-deny-all",)
    assert v.ingress.isolated_by == (f"{DEV}/default-deny-all",)
    check(c, "other-team/client", f"{DEV}/web", 8080, "TCP", False)
    check(c, f"{DEV}/web", "other-team/client", 80, "TCP", False)
    check(c, f"{DEV}/web", "kube-system/coredns", 53, "UDP", False)
    check(c, "203.0.113.7", f"{DEV}/web", 8080, "TCP", False)
    check(c, "other-team/client", "kube-system/coredns", 53, "UDP", True)


# --------------------------------------------------------------------------- the DNS OR-peer bug


def test_seed_dns_rule_with_two_peers_opens_every_kube_system_pod() -> None:
    """The seed's bug: two list items are OR-ed, so `namespaceSelector: name=kube-system` alone
    admits EVERY kube-system pod on 53 (docs: "Behavior of to and from selectors")."""
    c = seed("dev-environment-policy")
    pol = f"{DEV}/dev-environment-policy"
    for proto in ("UDP", "TCP"):
        v = check(c, f"{DEV}/web", "kube-system/coredns", 53, proto, True)
        assert RuleRef(pol, 0) in v.egress.allowed_by
        # the bug: metrics-server is no DNS server, yet it is reachable on 53
        v = check(c, f"{DEV}/web", "kube-system/metrics-server", 53, proto, True)
        assert RuleRef(pol, 0) in v.egress.allowed_by
    check(c, f"{DEV}/web", "kube-system/coredns", 54, "UDP", False)
    check(c, f"{DEV}/web", "kube-system/metrics-server", 10250, "TCP", False)
    check(c, f"{DEV}/worker", "kube-system/metrics-server", 53, "UDP", True)


def test_dns_rule_with_one_peer_opens_only_kube_dns() -> None:
    """One peer with namespaceSelector AND podSelector: only kube-dns pods of kube-system."""
    docs = [*base_docs(), and_version(docs_of("dev-environment-policy.yaml")[0])]
    c = from_manifests(docs)
    pol = f"{DEV}/dev-environment-policy"
    for proto in ("UDP", "TCP"):
        v = check(c, f"{DEV}/web", "kube-system/coredns", 53, proto, True)
        assert v.egress.allowed_by == (RuleRef(pol, 0),)
        v = check(c, f"{DEV}/web", "kube-system/metrics-server", 53, proto, False)
        assert not v.egress.allowed and v.egress.isolated_by == (pol,)
    check(c, f"{DEV}/web", "kube-system/coredns", 53, "SCTP", False)


def test_seed_dns_and_ingress_rules_depend_on_a_hand_made_name_label() -> None:
    """Without the hand-made `name` label the seed's selectors match no namespace at all."""
    docs = base_docs()
    for d in docs:
        if d["kind"] == "Namespace":
            d["metadata"].pop("labels", None)
    c = from_manifests([*docs, *docs_of("dev-environment-policy.yaml")])
    check(c, "ingress-nginx/controller", f"{DEV}/web", 8080, "TCP", False)
    check(c, f"{DEV}/web", "kube-system/metrics-server", 53, "UDP", False)
    check(c, f"{DEV}/web", "kube-system/coredns", 53, "UDP", False)
    # the automatic kubernetes.io/metadata.name label does the job
    fixed = and_version(docs_of("dev-environment-policy.yaml")[0])
    auto = "kubernetes.io/metadata.name"
    fixed["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] = {
        auto: "ingress-nginx"
    }
    fixed["spec"]["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"] = {auto: "kube-system"}
    c = from_manifests([*docs, fixed])
    check(c, "ingress-nginx/controller", f"{DEV}/web", 8080, "TCP", True)
    check(c, f"{DEV}/web", "kube-system/coredns", 53, "UDP", True)
    check(c, f"{DEV}/web", "kube-system/coredns", 53, "TCP", True)
    check(c, f"{DEV}/web", "kube-system/metrics-server", 53, "UDP", False)


def test_dev_environment_policy_ingress_and_registry_egress() -> None:
    c = seed("dev-environment-policy")
    pol = f"{DEV}/dev-environment-policy"
    v = check(c, "ingress-nginx/controller", f"{DEV}/web", 8080, "TCP", True)
    assert v.ingress.allowed_by == (RuleRef(pol, 0),)
    check(c, "other-team/client", f"{DEV}/web", 8080, "TCP", False)
    check(c, "203.0.113.7", f"{DEV}/web", 8080, "TCP", False)
    v = check(c, f"{DEV}/web", "93.184.216.34", 443, "TCP", True)
    assert v.egress.allowed_by == (RuleRef(pol, 1),)
    assert v.ingress.note  # an external endpoint says so
    check(c, f"{DEV}/web", "93.184.216.34", 80, "TCP", False)
    check(c, f"{DEV}/web", "93.184.216.34", 443, "UDP", False)
    check(c, f"{DEV}/web", "2001:db8::1", 443, "TCP", False)  # 0.0.0.0/0 is IPv4 only


def test_registry_rule_also_opens_443_on_every_pod_when_ipblock_matches_pods() -> None:
    """Upstream conformance: an ipBlock matches pod IPs too (netpol e2e 'should allow egress
    access to server in CIDR block' uses a pod's IP as the CIDR). 0.0.0.0/0 then covers every
    un-isolated pod of the cluster on 443; the documented alternative option does not."""
    c = seed("dev-environment-policy")
    check(c, f"{DEV}/web", "other-team/client", 443, "TCP", True)
    check(c, f"{DEV}/web", "other-team/client", 80, "TCP", False)
    c = seed("dev-environment-policy", options=Options(ipblock_matches_pods=False))
    check(c, f"{DEV}/web", "other-team/client", 443, "TCP", False)
    check(c, f"{DEV}/web", "93.184.216.34", 443, "TCP", True)


# --------------------------------------------------------------------------- the db-migrate bug


def _intra_namespace(c: Any, expected: bool) -> None:
    for src in DEV_PODS:
        for dst in DEV_PODS:
            if src == dst:
                continue
            for port, proto in DEV_PORTS:
                check(c, src, dst, port, proto, expected)


def test_db_migrate_bug_deny_all_plus_ingress_nginx_only_blocks_intra_namespace() -> None:
    c = seed("default-deny-all", "dev-environment-policy")
    _intra_namespace(c, False)
    v = check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", False)
    assert set(v.ingress.isolated_by) == {
        f"{DEV}/default-deny-all",
        f"{DEV}/dev-environment-policy",
    }
    assert set(v.egress.isolated_by) == {f"{DEV}/default-deny-all", f"{DEV}/dev-environment-policy"}
    check(c, "ingress-nginx/controller", f"{DEV}/web", 8080, "TCP", True)


def test_db_migrate_ingress_only_fix_is_not_enough_when_egress_is_denied() -> None:
    c = seed("default-deny-all", "dev-environment-policy", "allow-same-namespace")
    _intra_namespace(c, False)
    v = check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", False)
    assert v.ingress.allowed
    assert v.ingress.allowed_by == (RuleRef(f"{DEV}/allow-same-namespace", 0),)
    assert not v.egress.allowed and v.egress.allowed_by == ()
    assert set(v.egress.isolated_by) == {f"{DEV}/default-deny-all", f"{DEV}/dev-environment-policy"}
    assert "default-deny-all" in v.reason


def test_db_migrate_fix_with_the_egress_side_lets_pods_reach_each_other() -> None:
    egress_fix = netpol(
        DEV,
        "allow-same-namespace-egress",
        {},
        policy_types=["Egress"],
        egress=[egress_rule([peer(pods={})])],
    )
    docs = [
        *base_docs(),
        *docs_of("default-deny-all.yaml", "dev-environment-policy.yaml"),
        *docs_of("allow-same-namespace.yaml"),
        egress_fix,
    ]
    c = from_manifests(docs)
    _intra_namespace(c, True)
    v = check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", True)
    assert RuleRef(f"{DEV}/allow-same-namespace-egress", 0) in v.egress.allowed_by
    assert RuleRef(f"{DEV}/allow-same-namespace", 0) in v.ingress.allowed_by
    # it opens nothing across namespaces
    check(c, f"{DEV}/web", "other-team/client", 80, "TCP", False)
    check(c, "other-team/client", f"{DEV}/web", 8080, "TCP", False)
    check(c, f"{DEV}/web", "kube-system/metrics-server", 10250, "TCP", False)


def test_db_migrate_egress_side_alone_is_not_enough_either() -> None:
    egress_fix = netpol(
        DEV,
        "allow-same-namespace-egress",
        {},
        policy_types=["Egress"],
        egress=[egress_rule([peer(pods={})])],
    )
    docs = [*base_docs(), *docs_of("default-deny-all.yaml", "dev-environment-policy.yaml")]
    c = from_manifests([*docs, egress_fix])
    v = check(c, f"{DEV}/web", f"{DEV}/postgres", 5432, "TCP", False)
    assert v.egress.allowed and not v.ingress.allowed


# --------------------------------------------------------------------------- database access


def test_database_access_only_clients_on_5432() -> None:
    c = seed("database-access")
    prod = "project-production"
    pol = f"{prod}/database-access"
    v = check(c, f"{prod}/api", f"{prod}/postgres", 5432, "TCP", True)
    assert v.ingress.allowed_by == (RuleRef(pol, 0),)
    v = check(c, f"{prod}/web", f"{prod}/postgres", 5432, "TCP", False)
    assert v.ingress.isolated_by == (pol,)
    check(c, f"{prod}/api", f"{prod}/postgres", 5433, "TCP", False)
    check(c, f"{prod}/api", f"{prod}/postgres", 5432, "UDP", False)
    check(c, "other-team/client", f"{prod}/postgres", 5432, "TCP", False)
    check(c, "203.0.113.7", f"{prod}/postgres", 5432, "TCP", False)
    # only postgres is isolated
    check(c, f"{prod}/web", f"{prod}/api", 8080, "TCP", True)
    check(c, "other-team/client", f"{prod}/web", 8080, "TCP", True)
    check(c, f"{prod}/postgres", f"{prod}/web", 8080, "TCP", True)


def test_database_access_pod_selector_alone_means_same_namespace_only() -> None:
    extra = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "db-client",
                "namespace": "other-team",
                "labels": {"db-access": "true"},
            },
            "spec": {"containers": [{"name": "main", "image": "example/app:1"}]},
            "status": {"podIP": "10.244.4.11", "podIPs": [{"ip": "10.244.4.11"}]},
        }
    ]
    c = from_manifests([*base_docs(), *docs_of("database-access.yaml"), *extra])
    check(c, "other-team/db-client", "project-production/postgres", 5432, "TCP", False)
    check(c, "project-production/api", "project-production/postgres", 5432, "TCP", True)


def test_policies_only_add_an_allow_all_in_namespace_makes_database_access_moot() -> None:
    same_ns = docs_of("allow-same-namespace.yaml")[0]
    same_ns["metadata"]["namespace"] = "project-production"
    c = from_manifests([*base_docs(), *docs_of("database-access.yaml"), same_ns])
    check(c, "project-production/web", "project-production/postgres", 5432, "TCP", True)
    check(c, "project-production/web", "project-production/postgres", 8080, "TCP", True)
    check(c, "other-team/client", "project-production/postgres", 5432, "TCP", False)
