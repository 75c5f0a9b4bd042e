"""IP addresses and CIDRs as the Kubernetes API reads them, not as Python's `ipaddress` does.

The API validates pod IPs and ipBlock CIDRs with k8s.io/utils/net ParseIPSloppy/ParseCIDRSloppy
(apimachinery IsValidIP/IsValidCIDR, the legacy validation in force by default): Go 1.16's
net.ParseIP/ParseCIDR. They differ from `ipaddress` in four ways:

- IPv4 octets may have leading zeros, read as decimal ("010.1.0.0" is 10.1.0.0);
- a CIDR's prefix is a decimal length, never a netmask ("10.0.0.0/255.0.0.0" is invalid);
- IPv6 zones ("fe80::1%eth0") are invalid;
- an IPv4-mapped IPv6 address ("::ffff:10.1.2.3") is that IPv4 address (net.IP.To4), and a
  mapped CIDR with a prefix of at least 96 is the IPv4 CIDR it maps ("::ffff:10.0.0.0/104" is
  10.0.0.0/8), which is how net.IPNet.Contains compares them.

Both functions return `ipaddress` values (normalized as above) or raise ValueError.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import lru_cache

from reachability.model import IPAddress, IPNetwork

_DOTTED = re.compile(r"(?P<head>[0-9A-Fa-f:]*?)(?P<quad>[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)")
_PREFIX = re.compile(r"[0-9]+")
_MAPPED_BITS = 96  # ::ffff:0:0/96
MAX_ADDRESS_TEXT = 64
"""Longer than any address the API accepts (the longest IPv6 text, 45 characters, with room for
IPv4 leading zeros): refused before any parsing, so hostile text costs nothing."""


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
"""Dotted-quad text as net.IP's String() writes it: no leading zeros, ASCII digits only."""


def address_text(text: str) -> str:
    """`str(parse_ip(text))`, without parsing text that is already canonical IPv4 (nearly every
    pod IP: parsing them one by one was a tenth of a large load)."""
    if _CANONICAL_IPV4.fullmatch(text):
        return text
    return str(parse_ip(text))


def address_value(text: str) -> IPAddress:
    """`ipaddress.ip_address` of an address as `address_text` writes it, canonical IPv4 read
    without `ipaddress`'s octet-by-octet parsing (the engine reads every pod IP back)."""
    if _CANONICAL_IPV4.fullmatch(text):
        return ipaddress.IPv4Address(int.from_bytes(socket.inet_aton(text), "big"))
    return ipaddress.ip_address(text)


@lru_cache(maxsize=4096)
def parse_ip(text: str) -> IPAddress:
    """An address in ParseIPSloppy's syntax; an IPv4-mapped IPv6 address becomes IPv4."""
    _check_length(text)
    address = ipaddress.ip_address(_decimal_octets(text))
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            raise ValueError(f"{text!r}: an IPv6 zone is not allowed")
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address


@lru_cache(maxsize=4096)
def parse_cidr(text: str) -> IPNetwork:
    """A CIDR in ParseCIDRSloppy's syntax: ADDRESS/LENGTH, host bits allowed (masked off)."""
    address_text, slash, length = text.partition("/")
    _check_length(address_text)
    if not slash or not _PREFIX.fullmatch(length):
        raise ValueError(f"{text!r}: write an address, '/' and a prefix length")
    address = ipaddress.ip_address(_decimal_octets(address_text))
    prefix = int(length)
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            raise ValueError(f"{text!r}: an IPv6 zone is not allowed")
        if address.ipv4_mapped is not None and _MAPPED_BITS <= prefix <= 128:
            address, prefix = address.ipv4_mapped, prefix - _MAPPED_BITS
    return ipaddress.ip_network((address, prefix), strict=False)


def written_prefix(text: str) -> int:
    """The prefix length as written ("::ffff:10.0.0.0/104" -> 104): the API compares these."""
    return int(text.partition("/")[2])


def _check_length(text: str) -> None:
    if len(text) > MAX_ADDRESS_TEXT:
        raise ValueError(f"{len(text)} characters is longer than any IP address")


def _decimal_octets(text: str) -> str:
    """The text with a trailing dotted quad's leading zeros dropped ("010.0.0.1" -> "10.0.0.1")."""
    found = _DOTTED.fullmatch(text)
    if found is None:
        return text
    octets = [str(int(octet)) for octet in found["quad"].split(".")]
    return found["head"] + ".".join(octets)
