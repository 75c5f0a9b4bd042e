"""Pods: what policies see of them (labels, IPs, named container ports, hostNetwork); the PodSpec
reader is shared with the workloads' pod templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubefacts.validation import port_name_problem, port_number_problem, shown
from reachability._addresses import address_text
from reachability._parse.metadata import metadata
from reachability._parse.problems import (
    Context,
    as_list,
    describe,
    is_int,
    mapping,
    protocol,
    string,
)
from reachability.model import ContainerPort, Labels, Pod


def pod(ctx: Context, body: Mapping[str, Any]) -> Pod | None:
    namespace, name, labels = metadata(ctx, body, namespaced=True)
    ports, host_network = pod_spec(ctx, body.get("spec"), "spec")
    return Pod(
        namespace=namespace,
        name=name,
        labels=Labels(labels),
        ips=pod_ips(ctx, body.get("status")),
        ports=ports,
        host_network=host_network,
    )


def pod_spec(ctx: Context, value: Any, path: str) -> tuple[tuple[ContainerPort, ...], bool]:
    """(container ports, hostNetwork) of a PodSpec at `path` (a Pod's `spec`, a workload's
    `spec.template.spec`). Named ports resolve against `containers` only, as CNIs resolve them
    (and netpol-analyzer): init containers run before the pod serves, so their ports are not read.
    """
    spec = mapping(ctx, value, path) or {}
    host_network = spec.get("hostNetwork", False)
    if host_network is None:
        host_network = False
    if not isinstance(host_network, bool):
        ctx.add(f"{path}.hostNetwork", f"must be true or false, not {describe(host_network)}")
        host_network = False
    ports: list[ContainerPort] = []
    containers = as_list(ctx, spec.get("containers"), f"{path}.containers")
    for c, container in enumerate(containers):
        container_path = f"{path}.containers[{c}]"
        container = mapping(ctx, container, container_path) or {}
        for p, port in enumerate(as_list(ctx, container.get("ports"), f"{container_path}.ports")):
            parsed = container_port(ctx, port, f"{container_path}.ports[{p}]")
            if parsed is not None:
                ports.append(parsed)
    return tuple(ports), host_network


def container_port(ctx: Context, value: Any, path: str) -> ContainerPort | None:
    port = mapping(ctx, value, path)
    if port is None:
        return None
    number = port.get("containerPort")
    if number is None:
        # Declares no port (the API server requires the field; Go decoders that match field
        # names in any case read `containerport` as it): nothing a policy could name.
        return None
    if not is_int(number):
        ctx.add(f"{path}.containerPort", f"must be a port number, not {describe(number)}")
        return None
    number = int(number)
    ctx.check(f"{path}.containerPort", number, port_number_problem)
    proto = protocol(ctx, port.get("protocol"), f"{path}.protocol")
    name = string(ctx, port.get("name"), f"{path}.name", required=False)
    if name is not None:
        ctx.check(f"{path}.name", name, port_name_problem)
    return ContainerPort(name or None, number, proto)


def pod_ips(ctx: Context, status: Any) -> tuple[str, ...]:
    """status.podIPs and status.podIP, normalised and without duplicates (podIP repeats one)."""
    status = mapping(ctx, status, "status") or {}
    raw: list[tuple[str, Any]] = []
    for i, entry in enumerate(as_list(ctx, status.get("podIPs"), "status.podIPs")):
        entry = mapping(ctx, entry, f"status.podIPs[{i}]") or {}
        raw.append((f"status.podIPs[{i}].ip", entry.get("ip")))
    if status.get("podIP") is not None:
        raw.append(("status.podIP", status.get("podIP")))
    ips: list[str] = []
    for path, value in raw:
        text = string(ctx, value, path)
        if text is None:
            continue
        try:
            ip = address_text(text)
        except ValueError:
            ctx.add(path, f"{shown(text)} is not an IPv4 or IPv6 address")
            continue
        if ip not in ips:
            ips.append(ip)
    return tuple(ips)
