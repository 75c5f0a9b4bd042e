"""ClusterNetworkPolicy subjects and peers as sets over a cluster index's positions.

A `namespaces` subject or peer is every pod of the matching namespaces, `pods` the pods matching
both selectors, never host-network ones (the index's selector sets); `networks` matches every
address in its CIDRs, pod addresses included whatever `Options.ipblock_matches_pods` says (the API
checks cluster-internal traffic against them too); `nodes: {}` is every node, so every
host-network pod. Memoized per index, like the NetworkPolicy sets beside them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubefacts.api import Direction
from reachability._addresses import address_value
from reachability._ports import cluster_ports_admit
from reachability.cluster_policy import ClusterPeer
from reachability.model import Endpoint, ExternalIP, IPAddress, Pod
from reachability.problems import UnknownEndpoint

if TYPE_CHECKING:
    from reachability._index import ClusterIndex


class TierSets:
    """The sets of one index's ClusterNetworkPolicies (`index.tiers`)."""

    def __init__(self, index: ClusterIndex) -> None:
        self.index = index
        self._rule_memo: dict[tuple[int, Direction, int], int] = {}
        self._every_address: list[tuple[int, IPAddress]] | None = None
        # Host-network pods, whatever Options.host_network makes of them for NetworkPolicies.
        nodes = index.host_network_bits
        for i, endpoint in enumerate(index.endpoints):
            if isinstance(endpoint, Pod) and endpoint.on_node:
                nodes |= 1 << i
        self._nodes = nodes

    def subjects(self, policy_position: int) -> int:
        """The pods a ClusterNetworkPolicy's subject selects (never host-network ones)."""
        policy = self.index.cluster.cluster_policies[policy_position]
        found = self.index.selector_pair_bits(policy.namespace_selector, policy.pod_selector)
        return found & ~self._nodes

    def rule_bits(self, policy_position: int, direction: Direction, rule_position: int) -> int:
        """Every endpoint a ClusterNetworkPolicy rule's `from`/`to` matches."""
        key = (policy_position, direction, rule_position)
        found = self._rule_memo.get(key)
        if found is None:
            rule = self.index.cluster.cluster_policies[policy_position].rules(direction)[
                rule_position
            ]
            found = 0
            for peer in rule.peers:
                found |= self.peer_bits(peer)
            self._rule_memo[key] = found
        return found

    def peer_bits(self, peer: ClusterPeer) -> int:
        if peer.nodes:
            return self._nodes
        if peer.networks:
            found = 0
            for i, address in self._addresses_of_all():
                if any(
                    address.version == network.version and address in network
                    for network in peer.networks
                ):
                    found |= 1 << i
            return found
        assert peer.namespace_selector is not None
        found = self.index.selector_pair_bits(peer.namespace_selector, peer.pod_selector)
        return found & ~self._nodes

    def rule_admits(
        self, policy_position: int, direction: Direction, rule_position: int, endpoint: Endpoint
    ) -> bool:
        """Whether a ClusterNetworkPolicy rule's peers hold `endpoint`, which may be an address
        outside the index."""
        i = self.index.position.get(endpoint.id)
        if i is not None and self.index.endpoints[i] == endpoint:
            return bool(self.rule_bits(policy_position, direction, rule_position) >> i & 1)
        if not isinstance(endpoint, ExternalIP):
            raise UnknownEndpoint(f"{endpoint.id} is not a pod of this cluster")
        address = address_value(endpoint.ip)
        rule = self.index.cluster.cluster_policies[policy_position].rules(direction)[rule_position]
        return any(
            address.version == network.version and address in network
            for peer in rule.peers
            for network in peer.networks
        )

    def _addresses_of_all(self) -> list[tuple[int, IPAddress]]:
        """Every endpoint's addresses: the external ones, pods' and host-network pods'."""
        if self._every_address is None:
            found: list[tuple[int, IPAddress]] = []
            for i, endpoint in enumerate(self.index.endpoints):
                texts = (endpoint.ip,) if isinstance(endpoint, ExternalIP) else endpoint.ips
                found.extend((i, address_value(ip)) for ip in texts)
            self._every_address = found
        return self._every_address

    def destination_port_bits(
        self,
        policy_position: int,
        direction: Direction,
        rule_position: int,
        port: int,
        protocol: str,
    ) -> int:
        """Destinations for which a ClusterNetworkPolicy egress rule's `protocols` match."""
        rule = self.index.cluster.cluster_policies[policy_position].rules(direction)[rule_position]
        if rule.ports is None or cluster_ports_admit(rule.ports, None, port, protocol):
            return self.index.all
        found = 0
        for spec in rule.ports:
            if spec.name is not None:
                found |= self.index.named_port_bits(spec.name, port, protocol)
        return found
