"""Which endpoints each selector, peer and rule matches, as memoized bitsets over positions.

Position i is `endpoints[i]`: the cluster's pods in order, then any external IPs asked about.
Everything is computed once per distinct selector: a podSelector is evaluated once per distinct
label set of a namespace, a namespaceSelector once per namespace, an ipBlock once per address.

Peer semantics (networking.k8s.io/v1):
- podSelector alone: pods of the policy's namespace; namespaceSelector alone: every pod of the
  matching namespaces; both in one peer: pods matching both (AND);
- ipBlock: external addresses in the block, and pod IPs too when `Options.ipblock_matches_pods`
  (the upstream conformance behaviour);
- host-network pods are their node's address: selectors never match them, ipBlocks do (whatever
  the option), and no policy isolates them;
- a rule without peers (`from`/`to` missing or empty) matches every endpoint.

ClusterNetworkPolicy subjects and peers are `tiers` (`_tier_sets.py`), on the same sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubefacts.api import DIRECTIONS, Direction
from reachability._addresses import address_value
from reachability._bits import positions, relative
from reachability._ports import spec_admits
from reachability._tier_sets import TierSets
from reachability.cluster import Cluster
from reachability.model import (
    Endpoint,
    ExternalIP,
    IPAddress,
    IPBlock,
    Labels,
    Peer,
    PolicyPort,
    Rule,
)
from reachability.problems import UnknownEndpoint
from reachability.selectors import LabelSelector


@dataclass(frozen=True, slots=True)
class SideClasses:
    """Endpoints grouped by what decides one side of their flows: the policies isolating them in
    that direction, the ClusterNetworkPolicies whose subject they are and, on the ingress side
    when one of those rules names a port, their container ports. Endpoints no policy of either
    kind governs in the direction (external, host network, selected by none) are `open`, in no
    class. Classes are numbered by their first member."""

    selecting: tuple[tuple[int, ...], ...]  # per class: the isolating policies' positions
    tiers: tuple[tuple[int, ...], ...]  # per class: cluster policies, in evaluation order
    members: tuple[tuple[int, ...], ...]  # per class: its positions, ascending
    class_of: tuple[int, ...]  # per endpoint: its class, -1 when open
    open: tuple[int, ...]


class ClusterIndex:
    """Memo tables for one cluster (and one tuple of external IPs); internal to the package."""

    def __init__(self, cluster: Cluster, externals: tuple[ExternalIP, ...] = ()) -> None:
        self.cluster = cluster
        self.endpoints: tuple[Endpoint, ...] = (*cluster.pods, *externals)
        self.ids: tuple[str, ...] = tuple(e.id for e in self.endpoints)
        self.position: dict[str, int] = {ref: i for i, ref in enumerate(self.ids)}
        # The endpoint objects themselves (kept alive by `endpoints`), each at the position its
        # id has, so that `position_of` needs neither the id nor a comparison for them.
        self._object_position: dict[int, int] = {
            id(e): i for i, e in enumerate(self.endpoints) if self.position[self.ids[i]] == i
        }
        self.all = (1 << len(self.endpoints)) - 1
        self.pod_count = len(cluster.pods)
        self.namespace_labels: dict[str, Labels] = {ns.name: ns.labels for ns in cluster.namespaces}

        # Sets within one namespace (most of them) are kept relative to the namespace's first
        # position, so that their size follows the namespace, not where it is in the cluster.
        self._base: dict[str, int] = {}
        self._groups: dict[str, dict[Labels, int]] = {}
        self._namespace_bits: dict[str, int] = {}  # relative to _base
        self.host_network_bits = 0
        addresses: list[tuple[int, IPAddress]] = []
        matches_pods = cluster.options.ipblock_matches_pods
        for i, endpoint in enumerate(self.endpoints):
            if isinstance(endpoint, ExternalIP):
                addresses.append((i, address_value(endpoint.ip)))
                continue
            if endpoint.host_network:
                self.host_network_bits |= 1 << i
            else:
                ns = endpoint.namespace
                bit = 1 << (i - self._base.setdefault(ns, i))
                self._namespace_bits[ns] = self._namespace_bits.get(ns, 0) | bit
                groups = self._groups.setdefault(ns, {})
                groups[endpoint.labels] = groups.get(endpoint.labels, 0) | bit
            if endpoint.host_network or matches_pods:
                addresses.extend((i, address_value(ip)) for ip in endpoint.ips)
        self._addresses = addresses
        # Namespaces holding the same label sets at the same relative positions (environments
        # stamped from one template) answer every podSelector alike: one memo entry for all.
        shapes: dict[tuple[tuple[Labels, int], ...], int] = {}
        self._shape: dict[str, int] = {
            ns: shapes.setdefault(tuple(groups.items()), len(shapes))
            for ns, groups in self._groups.items()
        }

        self._pod_selector_memo: dict[tuple[LabelSelector, int], int] = {}
        self._namespace_memo: dict[LabelSelector, tuple[str, ...]] = {}
        self._namespace_peer_memo: dict[tuple[LabelSelector, LabelSelector | None], int] = {}
        self._ip_block_memo: dict[IPBlock, int] = {}
        self._peer_memo: dict[tuple[int, str], int | tuple[int, int]] = {}
        self._rule_memo: dict[tuple[int, str, int], tuple[int, int]] = {}
        self._peers: list[Peer] = []
        self._named: dict[tuple[str, int, str], int] | None = None
        self._side_classes: dict[Direction, SideClasses] = {}
        self._ids_memo: dict[tuple[int, ...], tuple[str, ...]] = {}
        self.tiers = TierSets(self)

        # Which policies select each endpoint, per direction (policy positions, ascending).
        self._selected: list[tuple[int, int]] = []
        selecting = {direction: [[] for _ in self.endpoints] for direction in DIRECTIONS}
        local: dict[int, list[int]] = {}  # namespace-relative sets recur from one to the next
        for k, policy in enumerate(cluster.policies):
            base, bits = self.pod_selector_local(policy.pod_selector, policy.namespace)
            self._selected.append((base, bits))
            found = local.get(bits)
            if found is None:
                found = local[bits] = positions(bits)
            for direction in DIRECTIONS:
                if policy.affects(direction):
                    lists = selecting[direction]
                    for i in found:
                        lists[base + i].append(k)
        self.policies_selecting: dict[str, tuple[tuple[int, ...], ...]] = {
            d: tuple(tuple(found) for found in selecting[d]) for d in DIRECTIONS
        }

        # Which ClusterNetworkPolicies take each endpoint as subject, per direction in which
        # they have rules (positions in cluster.cluster_policies: evaluation order).
        subjects = {direction: [[] for _ in self.endpoints] for direction in DIRECTIONS}
        for k, cluster_policy in enumerate(cluster.cluster_policies):
            bits = self.tiers.subjects(k)
            for direction in DIRECTIONS:
                if cluster_policy.rules(direction):
                    lists = subjects[direction]
                    for i in positions(bits):
                        lists[i].append(k)
        empty: tuple[int, ...] = ()
        self.cluster_selecting: dict[str, tuple[tuple[int, ...], ...]] = {
            d: tuple(tuple(found) if found else empty for found in subjects[d]) for d in DIRECTIONS
        }

    def policy_ids(self, chosen: tuple[int, ...]) -> tuple[str, ...]:
        """The ids of the NetworkPolicies at positions `chosen` (a side's isolating ones)."""
        found = self._ids_memo.get(chosen)
        if found is None:
            policies = self.cluster.policies
            found = self._ids_memo[chosen] = tuple(policies[k].id for k in chosen)
        return found

    def selected(self, policy_position: int) -> int:
        """The pods the policy's spec.podSelector selects."""
        base, bits = self._selected[policy_position]
        return bits << base

    def side_classes(self, direction: Direction) -> SideClasses:
        """The endpoints' classes for `direction` (the matrix's and lint's unit of work)."""
        found = self._side_classes.get(direction)
        if found is None:
            found = self._side_classes[direction] = self._group(direction)
        return found

    def _group(self, direction: Direction) -> SideClasses:
        policies = self.cluster.policies
        cluster_policies = self.cluster.cluster_policies
        ingress = direction == Direction.INGRESS
        keys: dict[object, int] = {}
        selecting: list[tuple[int, ...]] = []
        tiers: list[tuple[int, ...]] = []
        members: list[list[int]] = []
        class_of: list[int] = []
        open_: list[int] = []
        governing = self.cluster_selecting[direction]
        named: dict[tuple[tuple[int, ...], tuple[int, ...]], bool] = {}
        for i, chosen in enumerate(self.policies_selecting[direction]):
            endpoint = self.endpoints[i]
            tiered = governing[i]
            if (
                (not chosen and not tiered)
                or isinstance(endpoint, ExternalIP)
                or endpoint.host_network
            ):
                open_.append(i)
                class_of.append(-1)
                continue
            key: object = (chosen, tiered) if tiered else chosen
            if ingress:
                by_name = named.get((chosen, tiered))
                if by_name is None:
                    by_name = named[(chosen, tiered)] = any(
                        rule.has_named_ports for k in chosen for rule in policies[k].ingress
                    ) or any(
                        rule.has_named_ports for k in tiered for rule in cluster_policies[k].ingress
                    )
                if by_name:
                    key = (key, endpoint.ports)  # a named port resolves per pod
            c = keys.get(key)
            if c is None:
                c = keys[key] = len(selecting)
                selecting.append(chosen)
                tiers.append(tiered)
                members.append([])
            members[c].append(i)
            class_of.append(c)
        return SideClasses(
            tuple(selecting),
            tuple(tiers),
            tuple(map(tuple, members)),
            tuple(class_of),
            tuple(open_),
        )

    def pod_selector_bits(self, selector: LabelSelector, namespace: str) -> int:
        """Pods of `namespace` (never host-network ones) whose labels `selector` matches."""
        base, bits = self.pod_selector_local(selector, namespace)
        return bits << base

    def pod_selector_local(self, selector: LabelSelector, namespace: str) -> tuple[int, int]:
        """The same as (the namespace's first position, the set relative to it)."""
        key = (selector, self._shape.get(namespace, -1))
        found = self._pod_selector_memo.get(key)
        if found is None:
            if selector.is_empty:
                found = self._namespace_bits.get(namespace, 0)
            else:
                found = 0
                for labels, bits in self._groups.get(namespace, {}).items():
                    if selector.matches(labels):
                        found |= bits
            self._pod_selector_memo[key] = found
        return self._base.get(namespace, 0), found

    def namespaces_matching(self, selector: LabelSelector) -> tuple[str, ...]:
        found = self._namespace_memo.get(selector)
        if found is None:
            found = tuple(
                name for name, labels in self.namespace_labels.items() if selector.matches(labels)
            )
            self._namespace_memo[selector] = found
        return found

    def selector_pair_bits(
        self, namespace_selector: LabelSelector, pod_selector: LabelSelector | None
    ) -> int:
        """Pods (never host-network ones) of the namespaces `namespace_selector` matches, those
        `pod_selector` matches when given: a NetworkPolicy peer with a namespaceSelector, a
        ClusterNetworkPolicy subject or `namespaces`/`pods` peer."""
        key = (namespace_selector, pod_selector)
        found = self._namespace_peer_memo.get(key)
        if found is None:
            found = 0
            for namespace in self.namespaces_matching(namespace_selector):
                if pod_selector is None:
                    found |= self._namespace_bits.get(namespace, 0) << self._base.get(namespace, 0)
                else:
                    found |= self.pod_selector_bits(pod_selector, namespace)
            self._namespace_peer_memo[key] = found
        return found

    def ip_block_bits(self, block: IPBlock) -> int:
        found = self._ip_block_memo.get(block)
        if found is None:
            found = 0
            for i, address in self._addresses:
                if block.contains(address):
                    found |= 1 << i
            self._ip_block_memo[block] = found
        return found

    def peer_bits(self, peer: Peer, policy_namespace: str) -> int:
        found = self._peer(peer, policy_namespace)
        return found[1] << found[0] if found.__class__ is tuple else found  # type: ignore[index,return-value]

    def _peer(self, peer: Peer, policy_namespace: str) -> int | tuple[int, int]:
        """A peer's set, by the peer itself: hashing its selectors or block again for every
        rule of every class was a third of the matrix. One namespace's pods stay relative."""
        key = (id(peer), policy_namespace)
        found = self._peer_memo.get(key)
        if found is None:
            if peer.ip_block is not None:
                found = self.ip_block_bits(peer.ip_block)
            elif peer.namespace_selector is None:
                assert peer.pod_selector is not None
                found = self.pod_selector_local(peer.pod_selector, policy_namespace)
            else:
                found = self._namespace_peer_bits(peer)
            self._peer_memo[key] = found
            self._peers.append(peer)  # alive while the index is, so its id names it alone
        return found

    def _namespace_peer_bits(self, peer: Peer) -> int:
        assert peer.namespace_selector is not None
        return self.selector_pair_bits(peer.namespace_selector, peer.pod_selector)

    def rule_peer_bits(self, policy_position: int, direction: Direction, rule_position: int) -> int:
        """Every endpoint the rule's `from`/`to` admits (all of them when it has no peers)."""
        low, bits = self.rule_peer_local(policy_position, direction, rule_position)
        return bits << low if low else bits

    def rule_peer_local(
        self, policy_position: int, direction: Direction, rule_position: int
    ) -> tuple[int, int]:
        """The same as (its lowest position, the set relative to it), (0, `all`) itself when
        the rule has no peers: a rule's peers are mostly one namespace's pods, and shifted to
        their positions each would be as long as the highest of them."""
        key = (policy_position, direction, rule_position)
        found = self._rule_memo.get(key)
        if found is None:
            policy = self.cluster.policies[policy_position]
            rule: Rule = policy.rules(direction)[rule_position]
            if rule.peers is None:
                return 0, self.all
            bits = 0
            for peer in rule.peers:
                bits |= self.peer_bits(peer, policy.namespace)
            found = self._rule_memo[key] = relative(bits)
        return found

    def named_port_bits(self, name: str, port: int, protocol: str) -> int:
        """Pods (not host-network) with a container port `name` that is `port`/`protocol`."""
        if self._named is None:
            named: dict[tuple[str, int, str], int] = {}
            for i in range(self.pod_count):
                pod = self.endpoints[i]
                if isinstance(pod, ExternalIP) or pod.host_network:
                    continue
                for container in pod.ports:
                    if container.name is not None:
                        key = (container.name, container.port, container.protocol)
                        named[key] = named.get(key, 0) | 1 << i
            self._named = named
        return self._named.get((name, port, protocol), 0)

    def destination_port_bits(
        self, ports: tuple[PolicyPort, ...] | None, port: int, protocol: str
    ) -> int:
        """Destinations for which an egress rule's `ports` admit (port, protocol)."""
        if ports is None:
            return self.all
        found = 0
        for spec in ports:
            if isinstance(spec.port, str):
                if spec.protocol == protocol:
                    found |= self.named_port_bits(spec.port, port, protocol)
            elif spec_admits(spec, None, port, protocol):
                return self.all
        return found

    def position_of(self, endpoint: Endpoint) -> int | None:
        """The endpoint's position, None when it is none of `endpoints` (an unknown pod, or an
        address the index was not built with)."""
        i = self._object_position.get(id(endpoint))
        if i is not None and self.endpoints[i] is endpoint:
            return i
        i = self.position.get(endpoint.id)
        if i is None:
            return None
        known = self.endpoints[i]
        return i if known is endpoint or known == endpoint else None

    def peer_admits_at(self, peer: Peer, policy_namespace: str, i: int) -> bool:
        """Whether one peer matches the endpoint at position `i`."""
        found = self._peer(peer, policy_namespace)
        if found.__class__ is tuple:
            base, bits = found  # type: ignore[misc]
            return i >= base and bool(bits >> (i - base) & 1)
        return bool(found >> i & 1)  # type: ignore[operator]

    def peer_admits(self, peer: Peer, policy_namespace: str, endpoint: Endpoint) -> bool:
        """Whether one peer matches `endpoint`, which may be an address outside the index."""
        i = self.position_of(endpoint)
        if i is not None:
            return self.peer_admits_at(peer, policy_namespace, i)
        if not isinstance(endpoint, ExternalIP):
            raise UnknownEndpoint(f"{endpoint.id} is not a pod of this cluster")
        return peer.ip_block is not None and peer.ip_block.contains(address_value(endpoint.ip))


def cluster_index(cluster: Cluster) -> ClusterIndex:
    """The cluster's index over its pods, built once and kept in `cluster.cache`."""
    found = cluster.cache.get("index")
    if found is None:
        found = cluster.cache["index"] = ClusterIndex(cluster)
    return found
