"""The port entries of tiered cluster policies, as their CRDs check them: v1alpha2's `protocols`
(tcp/udp/sctp with a `destinationPort` number or range, or a `destinationNamedPort`) and
v1alpha1's `ports` (`portNumber`, `portRange`, `namedPort`)."""

from __future__ import annotations

from typing import Any

from kubefacts.api import MAX_PORT, MIN_PORT
from reachability._parse.problems import (
    Context,
    describe,
    is_int,
    known_fields,
    mapping,
    member,
    protocol,
    string,
)
from reachability.cluster_policy import ClusterPort

PROTOCOL_FIELDS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}


def protocols_entry(ctx: Context, value: Any, path: str) -> ClusterPort | None:
    """One v1alpha2 `protocols` entry: tcp/udp/sctp {destinationPort} or a named port."""
    found = member(ctx, value, path, (*PROTOCOL_FIELDS, "destinationNamedPort"))
    if found is None:
        return None
    chosen, written = found
    where = f"{path}.{chosen}"
    if chosen == "destinationNamedPort":
        return _named(ctx, written, where, path)
    attributes = mapping(ctx, written, where)
    if attributes is None:
        return None
    known_fields(ctx, attributes, ("destinationPort",), where)
    if "destinationPort" not in attributes:
        ctx.add(f"{where}.destinationPort", "is required")
        return None
    bounds = _destination_port(ctx, attributes["destinationPort"], f"{where}.destinationPort")
    if bounds is None:
        return None
    return ClusterPort(PROTOCOL_FIELDS[chosen], bounds[0], bounds[1], path=path)


def _named(ctx: Context, value: Any, where: str, path: str) -> ClusterPort | None:
    """Any non-empty string, as the CRDs take it (a name no container port can have, unlike a
    NetworkPolicy's, is accepted and matches nothing); an empty one would set no member at all."""
    name = string(ctx, value, where)
    if name is None:
        return None
    if not name:
        ctx.add(where, "must name a container port, not be empty")
        return None
    return ClusterPort(name=name, path=path)


def _destination_port(ctx: Context, value: Any, path: str) -> tuple[int, int] | None:
    found = member(ctx, value, path, ("number", "range"))
    if found is None:
        return None
    chosen, written = found
    if chosen == "number":
        number = _port_number(ctx, written, f"{path}.number")
        return None if number is None else (number, number)
    return _range(ctx, written, f"{path}.range", ("start", "end"), strict=True)


def _range(
    ctx: Context, value: Any, path: str, fields: tuple[str, ...], *, strict: bool
) -> tuple[int, int] | None:
    """start..end inclusive; `strict`: v1alpha2's CEL rule start < end. v1alpha1's CRD has no
    such rule, so a range written backwards is accepted there and matches no port."""
    bounds = mapping(ctx, value, path)
    if bounds is None:
        return None
    known_fields(ctx, bounds, fields, path)
    start = _port_number(ctx, bounds.get("start"), f"{path}.start")
    end = _port_number(ctx, bounds.get("end"), f"{path}.end")
    if start is None or end is None:
        return None
    if strict and start >= end:
        ctx.add(path, f"start ({start}) must be less than end ({end})")
        return None
    return start, end


def ports_entry(ctx: Context, value: Any, path: str) -> ClusterPort | None:
    """One v1alpha1 `ports` entry: portNumber {protocol, port}, namedPort or portRange
    {protocol, start, end}; protocol defaults to TCP, as the CRD defaults it."""
    found = member(ctx, value, path, ("portNumber", "namedPort", "portRange"))
    if found is None:
        return None
    chosen, value = found
    where = f"{path}.{chosen}"
    if chosen == "namedPort":
        return _named(ctx, value, where, path)
    written = mapping(ctx, value, where)
    if written is None:
        return None
    proto = protocol(ctx, written.get("protocol"), f"{where}.protocol")
    if chosen == "portNumber":
        known_fields(ctx, written, ("protocol", "port"), where)
        number = _port_number(ctx, written.get("port"), f"{where}.port")
        return None if number is None else ClusterPort(proto, number, number, path=path)
    others = {k: v for k, v in written.items() if k != "protocol"}
    bounds = _range(ctx, others, where, ("start", "end"), strict=False)
    return None if bounds is None else ClusterPort(proto, bounds[0], bounds[1], path=path)


def _port_number(ctx: Context, value: Any, path: str) -> int | None:
    if value is None:
        ctx.add(path, "is required")
        return None
    if not is_int(value) or not MIN_PORT <= int(value) <= MAX_PORT:
        written = int(value) if is_int(value) else describe(value)
        ctx.add(path, f"{written} must be a port number from {MIN_PORT} to {MAX_PORT}")
        return None
    return int(value)
