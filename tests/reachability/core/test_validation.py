"""What the API server accepts and what the engine must therefore accept or reject: CIDR and
IP syntax, IPv4-mapped IPv6 addresses, NetworkPolicy metadata. Each test names its source of truth.

Addresses and CIDRs follow k8s.io/utils/net ParseIPSloppy/ParseCIDRSloppy, the parsers behind
apimachinery's IsValidIP/IsValidCIDR (legacy validation, the default): a fork of Go 1.16's
net.ParseIP/ParseCIDR.
"""

from __future__ import annotations

from typing import Any

import pytest

from reachability import ExternalIP, ManifestError, allowed, from_manifests
from tests.support.builders import egress_rule, namespace, netpol, peer, pod, selector


def _problems(docs: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        from_manifests(docs)
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def _egress_to(cidr: str, excepts: tuple[str, ...] = ()) -> dict[str, Any]:
    return netpol(
        "x",
        "p",
        selector({"app": "client"}),
        egress=[egress_rule([peer(cidr=cidr, except_=excepts)])],
    )


def _cluster_docs(*policies: dict[str, Any], server_ip: str = "10.1.2.3") -> list[dict[str, Any]]:
    return [
        namespace("x"),
        pod("x", "client", {"app": "client"}, ["10.9.0.1"]),
        pod("x", "server", {"app": "server"}, [server_ip]),
        *policies,
    ]


# --------------------------------------------------------------------------- CIDR syntax


@pytest.mark.parametrize(
    "cidr",
    [
        "10.0.0.0/255.0.0.0",  # netmask notation: Go's ParseCIDR reads the prefix with dtoi
        "10.0.0.0/0.255.255.255",  # host-mask notation, same
        "fe80::%eth0/64",  # a zone: ParseCIDR never accepts one
    ],
)
def test_cidr_forms_the_api_rejects_are_errors(cidr: str) -> None:
    # Source: pkg/apis/networking/validation ValidateIPBlock -> IsValidCIDR -> ParseCIDRSloppy
    # (decimal prefix length after '/', no IPv6 zone). Python's ip_network accepts all three.
    problems = _problems(_cluster_docs(_egress_to(cidr)))
    assert len(problems) == 1
    assert problems[0].startswith("spec.egress[0].to[0].ipBlock.cidr: ")


def test_cidr_except_in_netmask_form_is_an_error_too() -> None:
    problems = _problems(_cluster_docs(_egress_to("10.0.0.0/8", ("10.1.0.0/255.255.0.0",))))
    assert [p.split(":")[0] for p in problems] == ["spec.egress[0].to[0].ipBlock.except[0]"]


def test_legacy_leading_zeros_in_a_cidr_are_accepted_as_decimal() -> None:
    # Source: apimachinery util/validation/ip.go GetWarningsForCIDR: "leading 0s (if
    # ParseCIDRSloppy() accepted it but ParsePrefix() doesn't)": the API accepts (and only warns
    # about) "010.001.0.0/16", which means 10.1.0.0/16.
    cluster = from_manifests(_cluster_docs(_egress_to("010.001.0.0/16")))
    assert allowed(cluster, "x/client", "x/server", 80).allowed
    assert not allowed(cluster, "x/client", "10.2.0.1", 80).allowed


def test_pod_ip_with_a_zone_is_an_error() -> None:
    # Source: pod status IPs are validated with IsValidIP -> ParseIPSloppy, which has no zones.
    problems = _problems([pod("x", "a", ips=["fe80::1%eth0"])])  # status.podIP and .podIPs
    assert sorted(p.split(":")[0] for p in problems) == ["status.podIP", "status.podIPs[0].ip"]


# --------------------------------------------------------------------------- IPv4-mapped IPv6


def test_an_ipv4_mapped_ipv6_address_is_the_ipv4_address() -> None:
    # Source: k8s.io/utils/net IsIPv4 (net.IP.To4() != nil) classifies "::ffff:10.1.2.3" as IPv4,
    # and net.IPNet.Contains compares it as 10.1.2.3; GetWarningsForIP tells users to write
    # the plain IPv4 form. A pod reporting the mapped form is that IPv4 pod.
    docs = _cluster_docs(_egress_to("10.1.0.0/16"), server_ip="::ffff:10.1.2.3")
    cluster = from_manifests(docs)
    assert cluster.pod("x/server").ips == ("10.1.2.3",)
    assert allowed(cluster, "x/client", "x/server", 80).allowed
    assert cluster.endpoint("::ffff:10.1.2.3") == cluster.pod("x/server")
    assert cluster.endpoint("::ffff:10.7.7.7") == ExternalIP("10.7.7.7")
    assert allowed(cluster, "x/client", "::ffff:10.1.9.9", 80).allowed


def test_an_ipv4_mapped_cidr_is_the_ipv4_cidr() -> None:
    # Source: apimachinery IsValidInterfaceAddress: "::ffff:192.168.0.1/120" -> "192.168.0.1/24";
    # ValidateIPBlock accepts an IPv4-mapped except inside an IPv4 cidr (net.IPNet.Contains
    # compares the mapped address as IPv4 and 8 < 112 makes it a strict subset).
    policy = _egress_to("::ffff:10.0.0.0/104", ("::ffff:10.1.0.0/112",))
    cluster = from_manifests(_cluster_docs(policy, server_ip="10.2.0.1"))
    block = cluster.policies[0].egress[0].peers[0].ip_block  # type: ignore[index]
    assert block is not None and str(block) == "10.0.0.0/8 except 10.1.0.0/16"
    assert allowed(cluster, "x/client", "x/server", 80).allowed
    assert not allowed(cluster, "x/client", "10.1.0.9", 80).allowed


# --------------------------------------------------------------------------- NetworkPolicy metadata


def _policy_with_metadata(**extra: Any) -> dict[str, Any]:
    policy = netpol("x", "p")
    policy["metadata"].update(extra)
    return policy


def test_unknown_metadata_field_of_a_network_policy_is_an_error() -> None:
    # Source: kubectl's default strict field validation rejects unknown fields anywhere in the
    # object, ObjectMeta included; docs/reachability-api.md promises "unknown fields anywhere in
    # a NetworkPolicy".
    problems = _problems([_policy_with_metadata(lables={"app": "web"})])
    assert len(problems) == 1 and problems[0].startswith("metadata.lables: unknown field")


def test_network_policy_labels_and_annotations_are_validated() -> None:
    # Source: ValidateNetworkPolicy -> ValidateObjectMeta -> ValidateLabels (keys and values) and
    # ValidateAnnotations (qualified-name keys); a non-string value does not decode
    # (map[string]string).
    problems = _problems(
        [
            _policy_with_metadata(
                labels={"bad key!": "x", "ok": "not valid!"},
                annotations={"note": 5, "Example.COM/Ok": "fine", "-bad": "x"},
            )
        ]
    )
    fields = sorted(p.split(":")[0] for p in problems)
    assert fields == [
        "metadata.annotations[-bad]",
        "metadata.annotations[note]",
        "metadata.labels[bad key!]",
        "metadata.labels[ok]",
    ]


def test_valid_network_policy_metadata_is_accepted() -> None:
    policy = _policy_with_metadata(
        labels={"app.kubernetes.io/part-of": "env"},
        annotations={"Kubectl.Kubernetes.IO/last-applied-configuration": "{}", "note": ""},
        uid="0d7a",
        resourceVersion="12",
        generation=1,
        creationTimestamp=None,
        managedFields=[],
        finalizers=[],
        ownerReferences=[],
    )
    assert from_manifests([policy]).policies[0].id == "x/p"
