"""Does a rule's `ports` list admit a connection to a destination on (port, protocol)?

The destination decides named ports: a name resolves against the destination pod's container
ports with the same protocol (for ingress rules the destination is the selected pod itself; for
egress rules it is the peer). External addresses and host-network pods have no container ports a
CNI can see, so a name never matches them. A ClusterNetworkPolicy's `destinationNamedPort`
resolves the same way, on a container port of the connection's protocol.
"""

from __future__ import annotations

from reachability.cluster_policy import ClusterPort
from reachability.model import ContainerPort, Endpoint, Pod, PolicyPort


def named_port_matches(container: ContainerPort, name: str, port: int, protocol: str) -> bool:
    return container.name == name and container.port == port and container.protocol == protocol


def resolves_names(target: Endpoint | None) -> bool:
    """Whether named ports can resolve on `target` at all."""
    return isinstance(target, Pod) and not target.host_network


def spec_admits(spec: PolicyPort, target: Endpoint | None, port: int, protocol: str) -> bool:
    """One `ports` entry; `target` None asks about numeric entries only."""
    if spec.protocol != protocol:
        return False
    if spec.port is None:
        return True
    if isinstance(spec.port, int):
        last = spec.end_port if spec.end_port is not None else spec.port
        return spec.port <= port <= last
    return named_on(target, spec.port, port, protocol)


def named_on(target: Endpoint | None, name: str, port: int, protocol: str) -> bool:
    """Whether `name` resolves on `target` to a container port that is (port, protocol)."""
    if not resolves_names(target):
        return False
    assert isinstance(target, Pod)
    return any(named_port_matches(c, name, port, protocol) for c in target.ports)


def ports_admit(
    ports: tuple[PolicyPort, ...] | None, target: Endpoint | None, port: int, protocol: str
) -> bool:
    """A rule's whole `ports` list: None (missing or empty) admits every port and protocol."""
    return ports is None or any(spec_admits(spec, target, port, protocol) for spec in ports)


def admits_every_target(ports: tuple[PolicyPort, ...] | None, port: int, protocol: str) -> bool:
    """True when the list admits (port, protocol) whatever the destination (no name needed)."""
    return ports_admit(ports, None, port, protocol)


def cluster_port_admits(
    spec: ClusterPort, target: Endpoint | None, port: int, protocol: str
) -> bool:
    """One ClusterNetworkPolicy `protocols` entry; `target` None: numbered entries only."""
    if spec.name is None:
        return spec.protocol == protocol and spec.start <= port <= spec.end
    return named_on(target, spec.name, port, protocol)


def cluster_ports_admit(
    ports: tuple[ClusterPort, ...] | None, target: Endpoint | None, port: int, protocol: str
) -> bool:
    """A rule's whole `protocols` list: None (not given) matches every port and protocol."""
    return ports is None or any(cluster_port_admits(s, target, port, protocol) for s in ports)
