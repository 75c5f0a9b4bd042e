"""Representative pods (docs/reachability-api.md, "Representative pods"): manifests with
namespaces and policies but no pods - what the environments program renders - are analysed
through one synthesized pod per distinct label combination the selectors tell apart, plus
``pod`` (no labels), in each namespace, and synthesized ``ingress-nginx``/``kube-system``
(named through kubernetes.io/metadata.name) and ``other-namespace``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from reachability import Options, RuleRef, allowed, from_manifests
from reachability.cli import main
from tests.support.builders import (
    dump_yaml,
    egress_rule,
    ingress_rule,
    namespace,
    netpol,
    np_port,
    peer,
    selector,
)
from tests.support.processes import run_in_process
from tests.support.verdicts import check

ENV = "myteam-myproject-pr-123"
NAME = "kubernetes.io/metadata.name"
PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"]


def environment(ns: str, *, same_namespace: bool = True, database: bool = False) -> list[Any]:
    """A Namespace and a policy set shaped like the environments program's (issue 2)."""
    everyone: dict[str, Any] = {}
    if database:  # the ingress controller must not reach the database pods
        everyone = selector(expressions=[("app", "NotIn", ["postgres"])])
    docs: list[Any] = [
        namespace(ns, {"catalyst.dev/team": "myteam", "catalyst.dev/project": "myproject"}),
        netpol(ns, "default-deny-all", {}, policy_types=["Ingress", "Egress"]),
        netpol(
            ns,
            "allow-ingress-controller",
            everyone,
            policy_types=["Ingress"],
            ingress=[ingress_rule([peer(namespaces=selector({NAME: "ingress-nginx"}))])],
        ),
        netpol(
            ns,
            "allow-dns",
            {},
            policy_types=["Egress"],
            egress=[
                egress_rule(
                    [
                        peer(
                            pods=selector({"k8s-app": "kube-dns"}),
                            namespaces=selector({NAME: "kube-system"}),
                        )
                    ],
                    [np_port(53, "UDP"), np_port(53, "TCP")],
                )
            ],
        ),
        netpol(
            ns,
            "allow-egress-registry",
            {},
            policy_types=["Egress"],
            egress=[egress_rule([peer(cidr="0.0.0.0/0", except_=PRIVATE)], [np_port(443, "TCP")])],
        ),
    ]
    if same_namespace:
        docs.append(
            netpol(
                ns,
                "allow-same-namespace",
                {},
                policy_types=["Ingress", "Egress"],
                ingress=[ingress_rule([peer(pods={})])],
                egress=[egress_rule([peer(pods={})])],
            )
        )
    if database:
        db, clients = selector({"app": "postgres"}), selector({"db-access": "true"})
        docs += [
            netpol(
                ns,
                "allow-database-postgres",
                db,
                policy_types=["Ingress"],
                ingress=[ingress_rule([peer(pods=clients)], [np_port(5432, "TCP")])],
            ),
            netpol(
                ns,
                "allow-database-postgres-clients",
                clients,
                policy_types=["Egress"],
                egress=[egress_rule([peer(pods=db)], [np_port(5432, "TCP")])],
            ),
        ]
    return docs


def test_rendered_input_gets_representative_pods_and_namespaces() -> None:
    c = from_manifests(environment(ENV))
    assert c.representative
    assert {n.name for n in c.namespaces} >= {
        ENV,
        "ingress-nginx",
        "kube-system",
        "other-namespace",
    }
    ids = {p.id for p in c.pods}
    assert {
        f"{ENV}/pod",
        "kube-system/k8s-app-kube-dns",
        "kube-system/pod",
        "ingress-nginx/pod",
        "other-namespace/pod",
    } <= ids
    for p in c.pods:
        assert tuple(p.ips) == ()
    (dns,) = [p for p in c.pods if p.id == "kube-system/k8s-app-kube-dns"]
    assert dict(dns.labels) == {"k8s-app": "kube-dns"}
    (plain,) = [p for p in c.pods if p.id == f"{ENV}/pod"]
    assert dict(plain.labels) == {}
    labels = {n.name: dict(n.labels) for n in c.namespaces}
    assert labels["kube-system"][NAME] == "kube-system"
    assert labels["ingress-nginx"][NAME] == "ingress-nginx"
    assert labels["other-namespace"] == {NAME: "other-namespace"}


def test_environment_verdicts_on_representatives() -> None:
    c = from_manifests(environment(ENV))
    me = f"{ENV}/pod"
    v = check(c, "ingress-nginx/pod", me, 80, "TCP", True)
    assert RuleRef(f"{ENV}/allow-ingress-controller", 0) in v.ingress.allowed_by
    check(c, "ingress-nginx/pod", me, 8443, "TCP", True)
    check(c, "other-namespace/pod", me, 80, "TCP", False)
    check(c, "kube-system/pod", me, 80, "TCP", False)
    check(c, me, "other-namespace/pod", 80, "TCP", False)
    for proto in ("UDP", "TCP"):
        v = check(c, me, "kube-system/k8s-app-kube-dns", 53, proto, True)
        assert v.egress.allowed_by == (RuleRef(f"{ENV}/allow-dns", 0),)
        check(c, me, "kube-system/pod", 53, proto, False)
    check(c, me, "kube-system/k8s-app-kube-dns", 5353, "UDP", False)
    v = check(c, me, "93.184.216.34", 443, "TCP", True)
    assert v.egress.allowed_by == (RuleRef(f"{ENV}/allow-egress-registry", 0),)
    check(c, me, "93.184.216.34", 80, "TCP", False)
    for ip in ("169.254.169.254", "10.1.2.3", "192.168.1.10", "172.20.0.1"):
        check(c, me, ip, 443, "TCP", False)


def test_two_environments_cannot_reach_each_other() -> None:
    other = "myteam-myproject-pr-456"
    c = from_manifests([*environment(ENV), *environment(other)])
    check(c, f"{ENV}/pod", f"{other}/pod", 80, "TCP", False)
    check(c, f"{other}/pod", f"{ENV}/pod", 80, "TCP", False)
    check(c, "ingress-nginx/pod", f"{other}/pod", 80, "TCP", True)


def test_database_representatives_and_verdicts() -> None:
    prod = "myteam-myproject-production"
    c = from_manifests(environment(prod, same_namespace=False, database=True))
    ids = {p.id for p in c.pods}
    db, client, plain = f"{prod}/app-postgres", f"{prod}/db-access-true", f"{prod}/pod"
    assert {db, client, plain} <= ids
    v = check(c, client, db, 5432, "TCP", True)
    assert v.ingress.allowed_by == (RuleRef(f"{prod}/allow-database-postgres", 0),)
    assert v.egress.allowed_by == (RuleRef(f"{prod}/allow-database-postgres-clients", 0),)
    check(c, plain, db, 5432, "TCP", False)
    check(c, client, db, 8080, "TCP", False)
    check(c, "ingress-nginx/pod", db, 5432, "TCP", False)
    check(c, "ingress-nginx/pod", db, 80, "TCP", False)
    check(c, "ingress-nginx/pod", plain, 80, "TCP", True)
    check(c, "ingress-nginx/pod", client, 80, "TCP", True)
    check(c, plain, client, 80, "TCP", False)  # production: no same-namespace allowance
    check(c, "other-namespace/pod", db, 5432, "TCP", False)


def test_representatives_option_off_gives_no_pods() -> None:
    c = from_manifests(environment(ENV), options=Options(representatives=False))
    assert not c.representative
    assert c.pods == ()
    with pytest.raises(KeyError):
        allowed(c, "ingress-nginx/pod", f"{ENV}/pod", 80, "TCP")


def test_representatives_are_not_added_when_pods_are_given() -> None:
    real = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": ENV, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "main", "image": "example/app:1"}]},
        "status": {"podIP": "10.244.1.10", "podIPs": [{"ip": "10.244.1.10"}]},
    }
    c = from_manifests([*environment(ENV), real])
    assert not c.representative
    assert {p.id for p in c.pods} == {f"{ENV}/web"}


# --------------------------------------------------------------------------- the CLI on them


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI's main in-process (`python -m reachability` itself: cli/test_commands.py)."""
    return run_in_process(main, *args)


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    docs = environment(ENV)
    (tmp_path / "namespace.yaml").write_text(dump_yaml(docs[:1]))
    (tmp_path / "policies.yaml").write_text(dump_yaml(docs[1:]))
    return tmp_path


@pytest.mark.parametrize(
    ("src", "dst", "port", "proto", "code"),
    [
        ("ingress-nginx/pod", f"{ENV}/pod", "80", "TCP", 0),
        ("other-namespace/pod", f"{ENV}/pod", "80", "TCP", 1),
        (f"{ENV}/pod", "kube-system/k8s-app-kube-dns", "53", "UDP", 0),
        (f"{ENV}/pod", "kube-system/pod", "53", "UDP", 1),
        (f"{ENV}/pod", "93.184.216.34", "443", "TCP", 0),
        (f"{ENV}/pod", "169.254.169.254", "443", "TCP", 1),
    ],
)
def test_cli_query_on_rendered_manifests(
    rendered: Path, src: str, dst: str, port: str, proto: str, code: int
) -> None:
    res = run_cli(
        "query", "-f", rendered, "--from", src, "--to", dst, "--port", port, "--protocol", proto
    )
    assert res.returncode == code, res.stdout + res.stderr
    assert res.stdout.strip()
    if code == 1 and src == "other-namespace/pod":
        assert "default-deny-all" in res.stdout


def test_cli_query_unknown_endpoint_is_one_line_exit_2(rendered: Path) -> None:
    res = run_cli(
        "query", "-f", rendered, "--from", "nowhere/x", "--to", f"{ENV}/pod", "--port", "80"
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- complete by design


def test_every_pod_class_the_selectors_tell_apart_has_a_representative() -> None:
    """Issue 9: `{app: web, tier: ...}` is ingress-isolated but egress-open; no other class is."""
    docs = [
        namespace("shop"),
        netpol(
            "shop",
            "no-tier-egress",
            selector(expressions=[("tier", "DoesNotExist", [])]),
            policy_types=["Egress"],
        ),
        netpol("shop", "web-ingress", selector({"app": "web"}), policy_types=["Ingress"]),
    ]
    c = from_manifests(docs)
    shop = sorted((p.name, dict(p.labels)) for p in c.pods if p.namespace == "shop")
    assert shop == [
        ("app-web", {"app": "web"}),
        ("app-web.tier-any", {"app": "web", "tier": "any"}),
        ("pod", {}),
        ("tier-any", {"tier": "any"}),
    ]
    check(c, "shop/app-web.tier-any", "other-namespace/pod", 80, "TCP", True)
    check(c, "other-namespace/pod", "shop/app-web.tier-any", 80, "TCP", False)
    check(c, "shop/app-web", "other-namespace/pod", 80, "TCP", False)


def test_every_namespace_class_the_selectors_tell_apart_has_a_stand_in() -> None:
    """Other namespaces labelled team=red, or named `audit` (excluded by NotIn), are classes."""
    team_red = selector({"team": "red"})
    not_audit = selector(expressions=[(NAME, "NotIn", ["audit"])])
    docs = [
        namespace("shop"),
        netpol(
            "shop",
            "from-red-or-not-audit",
            {},
            policy_types=["Ingress"],
            ingress=[
                ingress_rule([peer(namespaces=team_red)], [np_port(80)]),
                ingress_rule([peer(namespaces=not_audit)], [np_port(443)]),
            ],
        ),
    ]
    c = from_manifests(docs)
    labels = {n.name: dict(n.labels) for n in c.namespaces}
    assert labels == {
        "audit": {NAME: "audit"},
        "other-namespace": {NAME: "other-namespace"},
        "other-namespace-team-red": {NAME: "other-namespace-team-red", "team": "red"},
        "shop": {NAME: "shop"},
    }
    check(c, "other-namespace-team-red/pod", "shop/pod", 80, "TCP", True)
    check(c, "other-namespace/pod", "shop/pod", 80, "TCP", False)
    check(c, "other-namespace/pod", "shop/pod", 443, "TCP", True)
    check(c, "audit/pod", "shop/pod", 443, "TCP", False)


def test_representatives_are_stable_when_synthesized_again() -> None:
    """diff and lint synthesize again from a cluster that already holds the stand-ins."""
    docs = [
        namespace("shop"),
        netpol(
            "shop",
            "from-red",
            {},
            policy_types=["Ingress"],
            ingress=[ingress_rule([peer(namespaces=selector({"team": "red"}))])],
        ),
    ]
    c = from_manifests(docs)
    again = c.with_representatives()
    assert again.namespaces == c.namespaces
    assert again.pods == c.pods
