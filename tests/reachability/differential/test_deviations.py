"""Where network-config-analyzer (nca 2.1.0) departs from Kubernetes, pinned one case each.

The differential test stays clear of these inputs; each test here runs nca on a minimal cluster,
shows what nca does, and shows that our engine follows the Kubernetes NetworkPolicy v1 API
instead. Should a future nca change its behaviour, the nca half of the test fails and the
corresponding exclusion in test_nca.py can be lifted.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from tests.support import nca_oracle
from tests.support.builders import (
    container_port,
    egress_rule,
    ingress_rule,
    namespace,
    netpol,
    np_port,
    peer,
    pod,
    selector,
)
from tests.support.nca_oracle import write_manifests

NCA = nca_oracle.find_nca()
pytestmark = pytest.mark.skipif(NCA is None, reason=nca_oracle.INSTALL_HINT)

A_IP, B_IP = "10.0.0.1", "10.0.0.2"


def two_pods(**b_kwargs: Any) -> list[dict[str, Any]]:
    """Namespace `ns` with pods `a` and `b` (b may get extra arguments, e.g. host_network)."""
    return [
        namespace("ns"),
        pod("ns", "a", {"app": "a"}, [A_IP], [container_port(80, "TCP", "http")]),
        pod("ns", "b", {"app": "b"}, [B_IP], [container_port(80, "TCP", "http")], **b_kwargs),
    ]


def ours(path: Path, src: str, dst: str, port: int = 80, **options: bool) -> bool:
    """Our engine's verdict on one connection (options go to reachability.Options)."""
    import reachability

    cluster = reachability.load([str(path)], options=reachability.Options(**options))
    return reachability.allowed(cluster, src, dst, port, "TCP").allowed


def nca_allows(path: Path, src: str, dst: str, port: int = 80) -> bool:
    """nca's verdict on one connection; nca runs once per file content, however many asked."""
    return _nca_map(path, path.read_bytes()).allows(src, dst, port, "TCP")


@functools.cache
def _nca_map(path: Path, content: bytes) -> nca_oracle.ConnectivityMap:
    return nca_oracle.connectivity([path], nca=NCA)


def test_nca_never_lets_an_ipblock_select_a_pod(tmp_path: Path) -> None:
    """b admits only 10.0.0.1/32, which is a's IP. Kubernetes' conformance tests (and our
    default) let the ipBlock match the pod; nca gives pods no address, so it denies."""
    only_a = netpol(
        "ns",
        "from-a-ip",
        selector({"app": "b"}),
        ingress=[ingress_rule([peer(cidr=f"{A_IP}/32")])],
    )
    path = write_manifests(tmp_path / "c.yaml", [*two_pods(), only_a])

    assert not nca_allows(path, "ns/a", "ns/b")
    assert nca_allows(path, A_IP, "ns/b")
    assert ours(path, "ns/a", "ns/b")
    assert not ours(path, "ns/a", "ns/b", ipblock_matches_pods=False)


def test_nca_rejects_policy_types_listed_egress_first(tmp_path: Path) -> None:
    """The API server accepts policyTypes in any order; nca accepts only [Ingress, Egress]."""
    deny = netpol("ns", "deny", selector({"app": "a"}), policy_types=["Egress", "Ingress"])
    path = write_manifests(tmp_path / "c.yaml", [*two_pods(), deny])

    with pytest.raises(nca_oracle.NcaError, match="policyTypes has invalid value"):
        nca_oracle.connectivity([path], nca=NCA)

    reordered = netpol("ns", "deny", selector({"app": "a"}), policy_types=["Ingress", "Egress"])
    same = write_manifests(tmp_path / "same.yaml", [*two_pods(), reordered])
    assert not ours(path, "ns/a", "ns/b") and not ours(path, "ns/b", "ns/a")
    assert ours(path, "ns/a", "ns/b") == ours(same, "ns/a", "ns/b")
    assert not nca_allows(same, "ns/a", "ns/b") and not nca_allows(same, "ns/b", "ns/a")


def test_nca_rejects_ingress_rules_that_policy_types_leave_out(tmp_path: Path) -> None:
    """Kubernetes accepts `ingress` rules with policyTypes [Egress] and ignores them (the pod
    is not isolated for ingress); nca refuses the whole input."""
    egress_only = netpol(
        "ns",
        "egress-only",
        selector({"app": "b"}),
        policy_types=["Egress"],
        ingress=[ingress_rule([peer(pods=selector({"app": "nobody"}))])],
    )
    path = write_manifests(tmp_path / "c.yaml", [*two_pods(), egress_only])

    with pytest.raises(nca_oracle.NcaError, match="ingress field but no"):
        nca_oracle.connectivity([path], nca=NCA)
    assert ours(path, "ns/a", "ns/b")  # b is not isolated for ingress
    assert not ours(path, "ns/b", "ns/a")  # b is isolated for egress, with no egress rule


def test_nca_lets_an_empty_egress_list_isolate_egress(tmp_path: Path) -> None:
    """policyTypes omitted defaults to Ingress, plus Egress only when egress rules exist
    (`len(spec.egress) != 0` in the API's defaulting). nca adds Egress for any `egress` key,
    so `egress: []` cuts a's outgoing traffic in nca but not in Kubernetes."""
    policy = netpol("ns", "ingress-deny", selector({"app": "a"}), egress=[])
    path = write_manifests(tmp_path / "c.yaml", [*two_pods(), policy])

    assert not nca_allows(path, "ns/a", "ns/b")
    assert ours(path, "ns/a", "ns/b")
    assert not ours(path, "ns/b", "ns/a") and not nca_allows(path, "ns/b", "ns/a")


def test_nca_isolates_host_network_pods(tmp_path: Path) -> None:
    """NetworkPolicy does not apply to hostNetwork pods; nca ignores hostNetwork, so a
    deny-all ingress policy that selects the host-network pod b cuts a -> b in nca only."""
    deny = netpol("ns", "deny-ingress", selector(), policy_types=["Ingress"])
    path = write_manifests(tmp_path / "c.yaml", [*two_pods(host_network=True), deny])

    assert not nca_allows(path, "ns/a", "ns/b")
    assert ours(path, "ns/a", "ns/b")
    assert not ours(path, "ns/b", "ns/a") and not nca_allows(path, "ns/b", "ns/a")


def test_nca_prints_no_loopback_so_it_is_not_compared(tmp_path: Path) -> None:
    """A pod reaching itself: nca never prints a pod -> itself line, even with no policy at all,
    while our engine decides it by the policies as upstream's truth tables do (allowed with no
    policy, denied under deny-all), or always allows it with loopback_allowed=True."""
    deny = netpol("ns", "deny-all", selector(), policy_types=["Ingress", "Egress"])
    open_path = write_manifests(tmp_path / "open.yaml", two_pods())
    deny_path = write_manifests(tmp_path / "deny.yaml", [*two_pods(), deny])

    assert nca_allows(open_path, "ns/a", "ns/b")
    assert not nca_allows(open_path, "ns/a", "ns/a")
    assert ours(open_path, "ns/a", "ns/a")
    assert not ours(deny_path, "ns/a", "ns/a")
    assert ours(deny_path, "ns/a", "ns/a", loopback_allowed=True)
    assert not ours(deny_path, "ns/a", "ns/b")
    assert not ours(deny_path, "ns/a", "ns/b", loopback_allowed=True)


def test_nca_reads_a_missing_namespace_label_as_an_empty_value(tmp_path: Path) -> None:
    """Label selectors never match a missing key with `key=""` (In) and always match it with
    NotIn. nca's namespace selectors look labels up with an empty-string default, so a namespace
    without `team` is selected by `team: ""` and not by `team NotIn [""]`; its pod selectors are
    right."""
    docs = [
        namespace("ns", {"team": ""}),
        namespace("other"),
        pod("ns", "b", {"app": "b"}, [B_IP]),
        pod("other", "c", {}, ["10.0.1.3"]),
        netpol(
            "ns",
            "from-empty-team",
            selector({"app": "b"}),
            ingress=[
                ingress_rule([peer(namespaces=selector({"team": ""}))], [np_port(80)]),
                ingress_rule(
                    [peer(namespaces=selector(expressions=[("team", "NotIn", [""])]))],
                    [np_port(81)],
                ),
            ],
        ),
    ]
    path = write_manifests(tmp_path / "c.yaml", docs)

    assert nca_allows(path, "other/c", "ns/b", 80)
    assert not nca_allows(path, "other/c", "ns/b", 81)
    assert not ours(path, "other/c", "ns/b", 80)
    assert ours(path, "other/c", "ns/b", 81)


def test_nca_applies_exists_and_does_not_exist_to_the_policy_namespace_only(
    tmp_path: Path,
) -> None:
    """A peer `{namespaceSelector: {}, podSelector: tier DoesNotExist}` means pods without
    `tier` in every namespace. nca evaluates Exists/DoesNotExist over the policy's own namespace
    only (In/NotIn and matchLabels it evaluates everywhere), so the pod of `other` is missed."""
    docs = [
        namespace("ns"),
        namespace("other"),
        pod("ns", "a", {"app": "a"}, [A_IP]),
        pod("ns", "b", {"app": "b"}, [B_IP]),
        pod("other", "c", {"app": "c"}, ["10.0.1.3"]),
        netpol(
            "ns",
            "to-untiered",
            selector({"app": "a"}),
            policy_types=["Egress"],
            egress=[
                egress_rule(
                    [
                        peer(
                            pods=selector(expressions=[("tier", "DoesNotExist", ())]),
                            namespaces=selector(),
                        )
                    ],
                    [np_port(80)],
                ),
                egress_rule(
                    [
                        peer(
                            pods=selector(expressions=[("app", "NotIn", ["x"])]),
                            namespaces=selector(),
                        )
                    ],
                    [np_port(81)],
                ),
            ],
        ),
    ]
    path = write_manifests(tmp_path / "c.yaml", docs)

    assert nca_allows(path, "ns/a", "ns/b", 80)  # same namespace: right
    assert not nca_allows(path, "ns/a", "other/c", 80)  # other namespace: missed
    assert nca_allows(path, "ns/a", "other/c", 81)  # NotIn is evaluated everywhere
    assert ours(path, "ns/a", "ns/b", 80)
    assert ours(path, "ns/a", "other/c", 80)
    assert ours(path, "ns/a", "other/c", 81)
