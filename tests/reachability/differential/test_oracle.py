"""The nca output reader: a wrong parser would make the differential test prove nothing.

These run without nca, on output lines in the exact shapes nca 2.1.0 prints.
"""

from __future__ import annotations

import pytest

from tests.support.nca_oracle import ConnectivityMap, parse_connections, parse_txt_no_fw_rules

SAMPLE = """\
global: cluster has 3 unique endpoints, 2 namespaces
192.168.2.0-192.168.255.255 => ns1/a[Pod] : {protocols:TCP,dst_ports:80,8000-8100}
192.168.2.0-192.168.255.255 => ns1/a[Pod] : {protocols:UDP,dst_ports:53}
2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff => ns1/a[Pod] : {protocols:SCTP}
ns1/a[Pod] => 0.0.0.0-9.255.255.255 : {protocols:TCP,dst_ports:443}
ns1/a[Pod] => kube-system/coredns[Pod] : {protocols:TCP, UDP,dst_ports:53}
ns1/b[Pod] => ns2/c[Pod] : All connections
ns2/c[Pod] => ns1/b[Pod] : All but {protocols:TCP,dst_ports:1-79,81-65535}
Total run time:   0.02 seconds
"""


@pytest.fixture(scope="module")
def sample() -> ConnectivityMap:
    return parse_txt_no_fw_rules(SAMPLE)


def test_lines_with_several_entries_for_a_pair_add_up(sample: ConnectivityMap) -> None:
    assert sample.allows("192.168.3.4", "ns1/a", 8050, "TCP")
    assert sample.allows("192.168.3.4", "ns1/a", 53, "UDP")
    assert not sample.allows("192.168.3.4", "ns1/a", 53, "TCP")
    assert not sample.allows("192.168.3.4", "ns1/a", 8101, "TCP")


def test_address_ranges_are_inclusive_and_version_aware(sample: ConnectivityMap) -> None:
    allows = sample.allows
    assert allows("192.168.2.0", "ns1/a", 80, "TCP")
    assert allows("192.168.255.255", "ns1/a", 80, "TCP")
    assert not allows("192.168.1.255", "ns1/a", 80, "TCP")
    assert allows("2001:db8:5::1", "ns1/a", 9000, "SCTP")
    assert not allows("2001:db9::1", "ns1/a", 9000, "SCTP")
    assert allows("ns1/a", "9.255.255.255", 443, "TCP")
    assert not allows("ns1/a", "10.0.0.1", 443, "TCP")


def test_protocol_lists_with_spaces_and_complements(sample: ConnectivityMap) -> None:
    allows = sample.allows
    assert allows("ns1/a", "kube-system/coredns", 53, "UDP")
    assert allows("ns1/a", "kube-system/coredns", 53, "TCP")
    assert not allows("ns1/a", "kube-system/coredns", 53, "SCTP")
    assert allows("ns1/b", "ns2/c", 12345, "SCTP")
    assert allows("ns2/c", "ns1/b", 80, "TCP")
    assert not allows("ns2/c", "ns1/b", 81, "TCP")
    assert allows("ns2/c", "ns1/b", 81, "UDP")


def test_pairs_nca_does_not_print_are_denied(sample: ConnectivityMap) -> None:
    assert not sample.allows("ns1/b", "ns1/a", 80, "TCP")
    assert not sample.allows("ns1/a", "ns1/a", 80, "TCP")
    assert sample.pods() == {"ns1/a", "ns1/b", "ns2/c", "kube-system/coredns"}


def test_unknown_connection_shapes_fail_loudly() -> None:
    with pytest.raises(ValueError, match="unexpected dimension"):
        parse_connections("{protocols:TCP,methods:GET}")
    with pytest.raises(ValueError, match="unrecognised"):
        parse_connections("protocols TCP")
    assert not parse_connections("No connections").allows(80, "TCP")
    assert parse_connections("{protocols:all but TCP}").allows(80, "UDP")
    assert not parse_connections("{protocols:all but TCP}").allows(80, "TCP")
