"""Differential test: our engine against network-config-analyzer (nca) on the same manifests.

Two independent implementations of NetworkPolicy semantics rarely share a bug, so every
pod-to-pod and pod-to-external verdict, per port and protocol, must agree on randomly generated
(seeded, deterministic) clusters and on a few hand-written ones. Where nca departs from
Kubernetes the generator stays clear of it and the departure is pinned in
test_deviations.py:
- nca gives pods no IP, so an ipBlock never matches a pod: we compare with
  Options(ipblock_matches_pods=False), and with the default too when no ipBlock covers a pod;
- nca never prints a pod's connections to itself: loopback pairs are not compared;
- nca rejects `policyTypes: [Egress, Ingress]` and rule lists a policy's policyTypes exclude,
  and lets a bare `egress: []` isolate egress, so the generator writes none of these;
- nca ignores hostNetwork, so generated pods never use it;
- nca applies a podSelector's Exists/DoesNotExist to the policy's own namespace only, even
  next to a namespaceSelector, so such peers use In/NotIn/matchLabels;
- nca's namespace selectors read a missing label as "", so no namespace selector compares a
  label with the empty value.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import nca_oracle
from tests.support.builders import (
    container_port,
    egress_rule,
    namespace,
    netpol,
    np_port,
    peer,
    pod,
    selector,
)
from tests.support.nca_oracle import write_manifests
from tests.support.paths import DATA, REPO_ROOT

NCA = nca_oracle.find_nca()
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads ~10x faster
needs_nca = pytest.mark.skipif(NCA is None, reason=nca_oracle.INSTALL_HINT)

Manifest = dict[str, Any]

# Every (port, protocol) a generated policy can tell apart, and a few no policy names.
PORTS: tuple[tuple[int, str], ...] = (
    (80, "TCP"),
    (80, "UDP"),
    (443, "TCP"),
    (5432, "TCP"),
    (53, "UDP"),
    (53, "TCP"),
    (8080, "TCP"),
    (8080, "UDP"),
    (8050, "TCP"),
    (9090, "TCP"),
    (9000, "SCTP"),
    (1234, "UDP"),
)
# No pod has these addresses; the last two sit in the pods' private range, which ipBlocks cut.
EXTERNALS: tuple[str, ...] = (
    "8.8.8.8",
    "192.168.1.7",
    "192.168.200.1",
    "172.16.5.5",
    "2001:db8::7",
    "2001:db8:1::9",
    "10.0.250.1",
    "10.1.0.1",
)
NAMESPACES = ("alpha", "beta", "gamma")
# name -> the (number, protocol) choices, so one name resolves differently on different pods.
NAMED_PORTS: dict[str, tuple[tuple[int, str], ...]] = {
    "http": ((80, "TCP"), (8080, "TCP"), (8080, "UDP")),
    "pg": ((5432, "TCP"),),
    "dns": ((53, "UDP"), (53, "TCP")),
    "metrics": ((9090, "TCP"), (9000, "SCTP")),
}
IP_BLOCKS: tuple[Manifest, ...] = (
    {"cidr": "0.0.0.0/0"},
    {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]},
    {"cidr": "192.168.0.0/16", "except": ["192.168.1.0/24"]},
    {"cidr": "10.0.0.0/16", "except": ["10.0.250.0/24"]},
    {"cidr": "172.16.0.0/12"},
    {"cidr": "10.0.0.0/8"},
    {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]},
    {"cidr": "::/0"},
)


# --- random clusters -------------------------------------------------------------------------


def random_cluster(seed: int) -> list[Manifest]:
    """A small valid cluster: 2-3 namespaces, 4-8 pods, 2-5 policies, all drawn from `seed`."""
    rng = random.Random(seed)
    namespaces = NAMESPACES[: rng.randint(2, 3)]
    docs: list[Manifest] = [_namespace(rng, name) for name in namespaces]
    docs += [_pod(rng, i, rng.choice(namespaces)) for i in range(rng.randint(4, 8))]
    docs += [_policy(rng, i, rng.choice(namespaces)) for i in range(rng.randint(2, 5))]
    return docs


def _namespace(rng: random.Random, name: str) -> Manifest:
    labels = {}
    if rng.random() < 0.6:
        labels["team"] = rng.choice(["red", "blue"])
    if rng.random() < 0.6:
        labels["env"] = rng.choice(["dev", "prod"])
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _pod(rng: random.Random, index: int, namespace: str) -> Manifest:
    labels = {"app": rng.choice(["web", "db", "api", "cache"])}
    if rng.random() < 0.5:
        labels["tier"] = rng.choice(["front", "back"])
    if rng.random() < 0.3:
        labels["db-access"] = "true"
    if rng.random() < 0.2:
        labels["flag"] = ""  # an empty value is a value: `flag: ""` must not match a missing key
    if rng.random() < 0.1:
        labels = {}  # a pod without labels: only empty selectors and NotIn/DoesNotExist match
    ports: list[Manifest] = []
    for name in sorted(rng.sample(sorted(NAMED_PORTS), rng.randint(0, 3))):
        number, protocol = rng.choice(NAMED_PORTS[name])
        ports.append({"name": name, "containerPort": number, "protocol": protocol})
    if rng.random() < 0.3:
        ports.append({"containerPort": 443})  # unnamed, protocol defaulted
    containers: list[Manifest] = [{"name": "main", "image": "busybox", "ports": ports}]
    if len(ports) > 1 and rng.random() < 0.4:  # named ports of a pod span its containers
        containers = [
            {"name": "main", "image": "busybox", "ports": ports[:1]},
            {"name": "sidecar", "image": "busybox", "ports": ports[1:]},
        ]
    ip = f"10.0.{NAMESPACES.index(namespace)}.{10 + index}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod{index}", "namespace": namespace, "labels": labels},
        "spec": {"containers": containers},
        "status": {"podIP": ip, "podIPs": [{"ip": ip}]},
    }


def _policy(rng: random.Random, index: int, namespace: str) -> Manifest:
    spec: Manifest = {"podSelector": _pod_selector(rng)}
    types = rng.choice([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]])
    if types is not None:
        spec["policyTypes"] = types
    if types is None or "Ingress" in types:
        rules = _rules(rng, "from", allow_empty=True)
        if rules is not None:
            spec["ingress"] = rules
    if types is None:
        if rng.random() < 0.5:  # an empty `egress: []` here is a pinned nca deviation
            spec["egress"] = [_rule(rng, "to") for _ in range(rng.randint(1, 2))]
    elif "Egress" in types:
        rules = _rules(rng, "to", allow_empty=True)
        if rules is not None:
            spec["egress"] = rules
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"np{index}", "namespace": namespace},
        "spec": spec,
    }


def _rules(rng: random.Random, peers_key: str, *, allow_empty: bool) -> list[Manifest] | None:
    """None (field absent), [] (no rule: deny) or 1-2 rules."""
    roll = rng.random()
    if roll < 0.2:
        return None
    if roll < 0.35 and allow_empty:
        return []
    return [_rule(rng, peers_key) for _ in range(rng.randint(1, 2))]


def _rule(rng: random.Random, peers_key: str) -> Manifest:
    rule: Manifest = {}
    roll = rng.random()
    if roll < 0.15:
        pass  # missing: every peer
    elif roll < 0.25:
        rule[peers_key] = []  # empty: every peer as well
    else:
        rule[peers_key] = [_peer(rng) for _ in range(rng.randint(1, 2))]
    roll = rng.random()
    if roll < 0.3:
        pass
    elif roll < 0.4:
        rule["ports"] = []
    else:
        rule["ports"] = [_port(rng) for _ in range(rng.randint(1, 2))]
    return rule


def _peer(rng: random.Random) -> Manifest:
    kind = rng.choice(["pod", "namespace", "both", "both", "ipBlock"])
    if kind == "ipBlock":
        return {"ipBlock": dict(rng.choice(IP_BLOCKS))}
    peer: Manifest = {}
    if kind in ("namespace", "both"):
        peer["namespaceSelector"] = _namespace_selector(rng)
    if kind in ("pod", "both"):
        # With a namespaceSelector, nca applies Exists/DoesNotExist to the policy's own
        # namespace only (a pinned deviation), so such a peer uses In/NotIn/matchLabels.
        peer["podSelector"] = _pod_selector(rng, key_operators=kind == "pod")
    return peer


def _pod_selector(rng: random.Random, *, key_operators: bool = True) -> Manifest:
    if not key_operators:
        selector = _pod_selector(rng)
        while any(
            e["operator"] in ("Exists", "DoesNotExist")
            for e in selector.get("matchExpressions", [])
        ):
            selector = _pod_selector(rng)
        return selector
    choices: list[Manifest] = [
        {},
        {"matchLabels": {"app": rng.choice(["web", "db", "api", "cache"])}},
        {"matchLabels": {"db-access": "true"}},
        {"matchLabels": {"app": "web", "tier": rng.choice(["front", "back"])}},
        {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db", "cache"]}]},
        {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]},
        {"matchExpressions": [{"key": "db-access", "operator": "Exists"}]},
        {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
        {"matchLabels": {"flag": ""}},
        {"matchExpressions": [{"key": "flag", "operator": "NotIn", "values": ["", "x"]}]},
        {
            "matchLabels": {"app": rng.choice(["web", "api"])},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}],
        },
    ]
    return rng.choice(choices)


def _namespace_selector(rng: random.Random) -> Manifest:
    choices: list[Manifest] = [
        {},
        {"matchLabels": {"team": rng.choice(["red", "blue"])}},
        {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(NAMESPACES)}},
        {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]},
        {"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]},
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev", "prod"]}]},
    ]
    return rng.choice(choices)


def _port(rng: random.Random) -> Manifest:
    choices: list[Manifest] = [
        {"port": rng.choice([80, 443, 5432, 8080, 9090])},
        {"protocol": "TCP", "port": rng.choice([53, 80])},
        {"protocol": "UDP", "port": rng.choice([53, 80, 8080])},
        {"port": rng.choice(sorted(NAMED_PORTS))},
        {"protocol": rng.choice(["TCP", "UDP", "SCTP"]), "port": rng.choice(sorted(NAMED_PORTS))},
        {"port": 8000, "endPort": 8100},
        {"protocol": "UDP", "port": 1000, "endPort": 2000},
        {"protocol": "SCTP"},
        {"protocol": "UDP"},
        {"protocol": "SCTP", "port": 9000},
    ]
    return rng.choice(choices)


# --- comparison ------------------------------------------------------------------------------


def load_docs(paths: Sequence[Path]) -> list[Manifest]:
    """The documents of the files (folders: their *.yaml/*.yml, sorted), lists unwrapped."""
    files = []
    for path in paths:
        files += (
            sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            if (path.is_dir())
            else [path]
        )
    docs: list[Manifest] = []
    for file in files:
        for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER):
            if isinstance(doc, dict):
                docs += doc.get("items") or [] if doc.get("kind", "").endswith("List") else [doc]
    return docs


def ipblocks_miss_pods(docs: Sequence[Manifest]) -> bool:
    """No ipBlock of any policy covers a pod IP: then both ipBlock options must agree with nca."""
    pod_ips = [
        ipaddress.ip_address(entry["ip"])
        for doc in docs
        if doc.get("kind") == "Pod"
        for entry in (doc.get("status") or {}).get("podIPs") or []
    ]
    for doc in docs:
        if doc.get("kind") != "NetworkPolicy":
            continue
        spec = doc.get("spec") or {}
        rules = [*(spec.get("ingress") or []), *(spec.get("egress") or [])]
        for rule in rules:
            for entry in [*(rule.get("from") or []), *(rule.get("to") or [])]:
                block = entry.get("ipBlock")
                if block is None:
                    continue
                cidr = ipaddress.ip_network(block["cidr"], strict=False)
                excepted = [ipaddress.ip_network(e, strict=False) for e in block.get("except", [])]
                if any(ip in cidr and not any(ip in e for e in excepted) for ip in pod_ips):
                    return False
    return True


def disagreements(
    paths: Sequence[Path],
    theirs: nca_oracle.ConnectivityMap,
    *,
    ports: Sequence[tuple[int, str]],
    externals: Sequence[str],
    ipblock_matches_pods: bool,
) -> list[str]:
    """Every verdict on which our engine and nca differ, explained by our engine's reason."""
    import reachability

    options = reachability.Options(ipblock_matches_pods=ipblock_matches_pods)
    cluster = reachability.load([str(p) for p in paths], options=options)
    pods = [pod.id for pod in cluster.pods]
    pod_ips = {ip for pod in cluster.pods for ip in pod.ips}
    externals = [ip for ip in externals if ip not in pod_ips]  # an address names one endpoint
    ours = reachability.matrix(cluster, list(ports), externals)
    endpoints = [*pods, *externals]
    found = []
    for src in endpoints:
        for dst in endpoints:
            if src == dst or (src not in pods and dst not in pods):
                continue  # nca prints no loopback and no external-to-external flow
            for port, protocol in ports:
                mine = ours.is_allowed(src, dst, port, protocol)
                if mine != theirs.allows(src, dst, port, protocol):
                    reason = reachability.allowed(cluster, src, dst, port, protocol).reason
                    found.append(
                        f"{src} -> {dst} {port}/{protocol}: ours={mine} nca={not mine} "
                        f"(ipblock_matches_pods={ipblock_matches_pods})\n"
                        f"    ours because: {reason}"
                    )
    return found


def assert_agree(
    paths: Sequence[Path],
    *,
    ports: Sequence[tuple[int, str]] = PORTS,
    externals: Sequence[str] = EXTERNALS,
) -> nca_oracle.ConnectivityMap:
    """Run nca once and fail with every disagreement (capped); return nca's map.

    Compared with ipBlocks not matching pods (nca's model) and, when no ipBlock covers a pod IP
    so that the option cannot matter, with the conformant default as well.
    """
    theirs = nca_oracle.connectivity(paths, nca=NCA)
    modes = [False, True] if ipblocks_miss_pods(load_docs(paths)) else [False]
    found = [
        line
        for mode in modes
        for line in disagreements(
            paths, theirs, ports=ports, externals=externals, ipblock_matches_pods=mode
        )
    ]
    shown = "\n".join(found[:20])
    more = f"\n... and {len(found) - 20} more" if len(found) > 20 else ""
    where = ", ".join(str(p) for p in paths)
    assert not found, f"{len(found)} disagreement(s) with nca on {where}:\n{shown}{more}"
    return theirs


# --- generated clusters ----------------------------------------------------------------------

SEEDS = range(40)


def test_generator_is_deterministic() -> None:
    assert random_cluster(7) == random_cluster(7)
    assert random_cluster(7) != random_cluster(8)


def test_generated_clusters_exercise_the_features_compared() -> None:
    """Guard against a generator that silently stopped producing the interesting cases."""
    text = yaml.dump_all(
        [doc for seed in SEEDS for doc in random_cluster(seed)], Dumper=nca_oracle.SAFE_DUMPER
    )
    for feature in (
        "ipBlock",
        "except",
        "namespaceSelector",
        "NotIn",
        "DoesNotExist",
        "Exists",
        "endPort",
        "SCTP",
        "port: http",
        "policyTypes",
        "2001:db8",
        "from: []",
        "ports: []",
        "sidecar",
        "labels: {}",
        "flag: ''",
    ):
        assert feature in text, feature


@needs_nca
@pytest.mark.parametrize("seed", SEEDS)
def test_random_cluster_agrees_with_nca(seed: int, tmp_path: Path) -> None:
    assert_agree([write_manifests(tmp_path / f"cluster-{seed}.yaml", random_cluster(seed))])


def test_some_generated_clusters_are_also_compared_with_the_conformant_default() -> None:
    """Clusters whose ipBlocks miss every pod IP check the default option against nca too."""
    both = [seed for seed in SEEDS if ipblocks_miss_pods(random_cluster(seed))]
    assert 5 <= len(both) < len(SEEDS), both


# --- hand-written clusters -------------------------------------------------------------------

SEED = DATA / "seed"
K8S_DOCS = DATA / "k8s_docs"


@needs_nca
def test_seed_examples_agree_with_nca_and_both_show_its_two_bugs() -> None:
    """The seed's policies, namespaces and pods together, as tests/data/seed holds them."""
    if not SEED.is_dir():
        pytest.skip(f"{SEED} is missing")
    import reachability

    theirs = assert_agree([SEED])
    cluster = reachability.load([str(SEED)])

    def both(src: str, dst: str, port: int, protocol: str) -> bool:
        mine = reachability.allowed(cluster, src, dst, port, protocol).allowed
        assert mine == theirs.allows(src, dst, port, protocol), (src, dst, port, protocol)
        return mine

    # The OR-ed DNS peers: every pod of kube-system is open on 53, not only kube-dns.
    assert both("dev-pr-123/web", "kube-system/coredns", 53, "UDP")
    assert both("dev-pr-123/web", "kube-system/metrics-server", 53, "UDP")
    # No intra-namespace egress allowance: web cannot reach postgres in its own namespace.
    assert not both("dev-pr-123/web", "dev-pr-123/postgres", 5432, "TCP")


@needs_nca
def test_seed_dns_rule_fixed_with_one_peer_agrees_with_nca(tmp_path: Path) -> None:
    """The fix of the DNS bug (namespace AND pod selector in one peer) closes metrics-server."""
    docs = [
        namespace("dev"),
        namespace("kube-system"),
        pod("dev", "web", {"app": "web"}, ["10.244.1.10"], [container_port(8080, name="http")]),
        pod(
            "kube-system",
            "coredns",
            {"k8s-app": "kube-dns"},
            ["10.244.0.20"],
            [container_port(53, "UDP", "dns"), container_port(53, "TCP", "dns-tcp")],
        ),
        pod("kube-system", "metrics-server", {"k8s-app": "metrics-server"}, ["10.244.0.21"]),
        netpol(
            "dev",
            "allow-dns",
            selector(),
            policy_types=["Egress"],
            egress=[
                egress_rule(
                    [
                        peer(
                            pods=selector({"k8s-app": "kube-dns"}),
                            namespaces=selector({"kubernetes.io/metadata.name": "kube-system"}),
                        )
                    ],
                    [np_port(53, "UDP"), np_port("dns-tcp", "TCP")],
                )
            ],
        ),
    ]
    theirs = assert_agree([write_manifests(tmp_path / "dns.yaml", docs)])
    assert theirs.allows("dev/web", "kube-system/coredns", 53, "UDP")
    assert theirs.allows("dev/web", "kube-system/coredns", 53, "TCP")
    assert not theirs.allows("dev/web", "kube-system/metrics-server", 53, "UDP")


def _docs_policies() -> list[str]:
    if not K8S_DOCS.is_dir():
        return []
    return sorted(p.name for p in K8S_DOCS.glob("*.yaml") if p.name != "cluster.yaml")


@needs_nca
@pytest.mark.parametrize("policy", _docs_policies())
def test_kubernetes_documentation_example_agrees_with_nca(policy: str) -> None:
    """Each example policy of the Kubernetes documentation over the same small cluster."""
    externals = ("172.17.0.9", "172.17.1.9", "10.0.0.9", "10.0.1.9", "192.0.2.1")
    assert_agree([K8S_DOCS / "cluster.yaml", K8S_DOCS / policy], externals=externals)


def _generate_environments() -> Any:
    """benchmarks/generate_environments.py, imported by path (benchmarks/ is no package)."""
    import importlib.util

    path = REPO_ROOT / "benchmarks" / "generate_environments.py"
    spec = importlib.util.spec_from_file_location("generate_environments", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_nca
def test_environments_program_agrees_with_nca(tmp_path: Path) -> None:
    """What the environments program deploys (components' manifests, three environments with
    two databases each, plus ingress-nginx and kube-system pods): the same verdicts in both."""
    pytest.importorskip("components.manifests")
    generator = _generate_environments()
    generator.write(3, tmp_path / "envs")
    ports = (
        (80, "TCP"),
        (443, "TCP"),
        (53, "UDP"),
        (53, "TCP"),
        (5432, "TCP"),
        (6379, "TCP"),
        (8080, "TCP"),
        (9090, "TCP"),
    )
    externals = ("8.8.8.8", "169.254.169.254", "10.200.0.1", "192.168.1.1", "2001:db8::1")
    theirs = assert_agree([tmp_path / "envs"], ports=ports, externals=externals)

    env, other = "acme-shop-pr-1", "acme-shop-pr-2"
    assert theirs.allows(f"{env}/web", f"{env}/postgres", 5432, "TCP")
    assert theirs.allows(f"{env}/job", f"{env}/postgres", 5432, "TCP")
    assert not theirs.allows(f"{env}/cache", f"{env}/postgres", 5432, "TCP")
    assert not theirs.allows(f"{env}/worker", f"{env}/cache", 6379, "TCP")
    assert not theirs.allows(f"{env}/web", f"{other}/postgres", 5432, "TCP")
    assert theirs.allows("ingress-nginx/ingress-nginx-controller", f"{env}/web", 8080, "TCP")
    assert not theirs.allows(
        "ingress-nginx/ingress-nginx-controller", f"{env}/postgres", 5432, "TCP"
    )
    assert theirs.allows(f"{env}/web", "kube-system/coredns-a", 53, "UDP")
    assert not theirs.allows(f"{env}/web", "kube-system/metrics-server", 53, "UDP")
    assert theirs.allows(f"{env}/web", "8.8.8.8", 443, "TCP")
    assert not theirs.allows(f"{env}/web", "169.254.169.254", 443, "TCP")


def test_benchmark_generator_is_deterministic(tmp_path: Path) -> None:
    """Benchmarks compare runs over time, so the same K must give byte-identical manifests."""
    pytest.importorskip("components.manifests")
    generator = _generate_environments()
    assert generator.write(4, tmp_path / "a") == (24, 36)
    generator.write(4, tmp_path / "b")
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == [
        "cluster.yaml",
        "env-0001.yaml",
        "env-0002.yaml",
        "env-0003.yaml",
        "env-0004.yaml",
    ]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
