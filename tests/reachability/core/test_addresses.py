"""`_addresses.address_text`: an address as the API's String() writes it, through a shortcut for
text that is already canonical IPv4; it must say what `str(parse_ip(text))` says, or refuse
what parse_ip refuses, for every text."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reachability._addresses import address_text, address_value, parse_ip

OCTET = st.one_of(
    st.integers(0, 255).map(str),
    st.integers(0, 999).map(str),
    st.integers(0, 255).map(lambda n: f"0{n}"),
    st.sampled_from(["", "00", "-1", "1e2", "٣", " 1", "0x1", "256"]),
)
QUAD = st.tuples(OCTET, OCTET, OCTET, OCTET).map(".".join)
DOTTED = st.lists(OCTET, min_size=3, max_size=5).map(".".join)
OTHER = st.one_of(
    st.sampled_from(["::1", "::ffff:10.1.2.3", "fe80::1%eth0", "2001:db8::", "10.0.0.1/8", ""]),
    st.text(alphabet="0123456789abcdef:.%", max_size=20),
)


def said(text: str) -> str | type[ValueError]:
    try:
        return str(parse_ip(text))
    except ValueError:
        return ValueError


def shortcut(text: str) -> str | type[ValueError]:
    try:
        return address_text(text)
    except ValueError:
        return ValueError


@given(st.one_of(QUAD, DOTTED, OTHER))
def test_the_text_is_what_parse_ip_writes(text: str) -> None:
    assert shortcut(text) == said(text)


@pytest.mark.parametrize(
    ("text", "written"),
    [("10.1.2.3", "10.1.2.3"), ("010.001.0.0", "10.1.0.0"), ("::ffff:10.1.2.3", "10.1.2.3")],
)
def test_examples(text: str, written: str) -> None:
    assert address_text(text) == written


@given(st.one_of(QUAD, DOTTED, OTHER))
def test_the_value_of_a_written_address_is_ipaddress_value(text: str) -> None:
    """`address_value` reads what `address_text` writes, through its own shortcut for IPv4."""
    try:
        written = address_text(text)
    except ValueError:
        return
    assert address_value(written) == ipaddress.ip_address(written)
    assert type(address_value(written)) is type(ipaddress.ip_address(written))
