"""The probe plan: every connection the e2e workflow tries, as {from, to, port, protocol}.

Sources are the probe pods (the only pods ``kubectl exec`` can run agnhost in). Targets are every
pod of the manifests on each port it serves (probing a port nobody listens on would read as
"denied" whatever the policy says), plus chosen external endpoints. Pods are named, not addressed:
rendered manifests and probe pods carry no IP, so ``measure`` resolves addresses at run time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from e2e.errors import InputError
from e2e.manifests import (
    Manifest,
    annotations_of,
    container_ports,
    kind_of,
    labels_of,
    pod_id,
)
from e2e.probes import PROBE_LABEL, PROBE_METHOD
from kubefacts.api import MAX_PORT, MIN_PORT, PROTOCOLS

_EXTERNAL = re.compile(
    r"^\[?(?P<ip>[0-9A-Fa-f:.]+?)\]?:(?P<port>\d+)(?:/(?P<protocol>[A-Za-z]+))?$"
)


class PlanError(InputError):
    """A plan or endpoint that cannot be used, with what is allowed."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One connection attempt; ``method`` is ``connect`` (agnhost) or ``dns`` (a real query)."""

    source: str
    target: str
    port: int
    protocol: str = "TCP"
    method: str = "connect"

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.source, self.target, self.port, self.protocol)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "port": self.port,
            "protocol": self.protocol,
            "method": self.method,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], where: str = "plan") -> Probe:
        try:
            probe = cls(
                source=str(raw["from"]),
                target=str(raw["to"]),
                port=int(raw["port"]),
                protocol=str(raw.get("protocol", "TCP")).upper(),
                method=str(raw.get("method", "connect")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PlanError(
                f"{where}: each probe needs from, to, port (and optional protocol, method): {raw!r}"
            ) from error
        if probe.protocol not in PROTOCOLS or not MIN_PORT <= probe.port <= MAX_PORT:
            raise PlanError(f"{where}: bad port or protocol in {raw!r} (1-65535, TCP/UDP/SCTP)")
        if probe.method not in ("connect", "dns"):
            raise PlanError(f"{where}: method must be connect or dns, not {probe.method!r}")
        return probe


@dataclass(frozen=True, slots=True)
class External:
    """An endpoint outside the cluster, probed from every source pod."""

    ip: str
    port: int
    protocol: str = "TCP"


def parse_external(text: str) -> External:
    """``IP:PORT[/PROTOCOL]`` (IPv6 in brackets), e.g. ``1.1.1.1:443/TCP``."""
    match = _EXTERNAL.match(text.strip())
    if match is None:
        raise PlanError(
            f"external endpoint {text!r}: expected IP:PORT[/PROTOCOL], e.g. 1.1.1.1:443"
        )
    try:
        ip = str(ipaddress.ip_address(match["ip"]))
    except ValueError as error:
        raise PlanError(f"external endpoint {text!r}: {match['ip']!r} is not an IP") from error
    port = int(match["port"])
    protocol = (match["protocol"] or "TCP").upper()
    if not MIN_PORT <= port <= MAX_PORT or protocol not in PROTOCOLS:
        raise PlanError(f"external endpoint {text!r}: port 1-65535 and protocol TCP, UDP or SCTP")
    return External(ip, port, protocol)


def is_source(doc: Manifest) -> bool:
    return kind_of(doc) == "Pod" and labels_of(doc).get(PROBE_LABEL) == "true"


def probe_plan(manifests: Sequence[Manifest], externals: Sequence[External] = ()) -> list[Probe]:
    """Every probe pod to every other pod's served ports and to each external, sorted."""
    pods = sorted((doc for doc in manifests if kind_of(doc) == "Pod"), key=pod_id)
    sources = [pod for pod in pods if is_source(pod)]
    if not sources:
        raise PlanError(f"no probe pods (label {PROBE_LABEL}=true) among the manifests")
    probes: set[Probe] = set()
    for source in sources:
        for target in pods:
            if pod_id(target) == pod_id(source):
                continue  # never a pod to itself: CNIs differ on loopback (upstream ignores it)
            method = "dns" if annotations_of(target).get(PROBE_METHOD) == "dns" else "connect"
            for port, protocol in container_ports(target):
                probes.add(Probe(pod_id(source), pod_id(target), port, protocol, method))
        for external in externals:
            probes.add(Probe(pod_id(source), external.ip, external.port, external.protocol))
    return sorted(probes, key=lambda p: (p.source, p.target, p.protocol, p.port))


def plan_to_json(plan: Sequence[Probe]) -> list[dict[str, Any]]:
    return [probe.to_json() for probe in plan]


def plan_from_json(raw: object, where: str = "plan") -> list[Probe]:
    if not isinstance(raw, list):
        raise PlanError(f"{where}: expected a list of probes")
    return [Probe.from_json(item, f"{where}[{i}]") for i, item in enumerate(raw)]
