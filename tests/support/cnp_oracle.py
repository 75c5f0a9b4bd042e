"""A deliberately naive reference evaluator for ClusterNetworkPolicy (policy.networking.k8s.io
v1alpha2, network-policy-api v0.2.0) together with NetworkPolicy v1, read straight from the API
text, one connection at a time, no bitsets, no memo. It imports nothing from `reachability`; the
NetworkPolicy tier is tests/support/oracle.py's restatement.

Sources, kubernetes-sigs/network-policy-api at commit 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159:
apis/v1alpha2/clusternetworkpolicy_types.go (the types and their doc comments),
config/crd/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml (validation), and
site-src/api-overview.md (tiers, actions, hairpin traffic).

The semantics, with the API's words:

- A connection src -> dst on (port, protocol) needs the source's egress side AND the destination's
  ingress side to allow it ("Accept ... No further egress ClusterNetworkPolicy or NetworkPolicy
  rules will be processed but any ingress rules at the destination do apply").
- One side of a pod: "Policy tiers are evaluated in the following order: Admin tier,
  NetworkPolicy tier, Baseline tier". In a tier, the CNPs whose `subject` selects the pod, by
  `priority` ("lower priority values have higher precedence"), then by name (the API leaves
  same-priority overlaps to the implementation: "the implementation can apply any of the
  matching policies"; the engine, and so this oracle, orders them by name); in a CNP, its rules
  of that direction "determined by the order in which the rule is written". The first rule whose
  peers match the other end and whose `protocols` match decides: Accept allows, Deny denies
  (both final), Pass "Skips all further ClusterNetworkPolicy rules in the current tier ... and
  passes evaluation to the next tier".
- NetworkPolicy tier: "v1.NetworkPolicy always makes a final decision for selected pods. Further
  evaluation only happens for Pods not selected by a v1.NetworkPolicy." Read per direction: a pod
  NetworkPolicies isolate for this direction is decided by them (allowed iff some rule of an
  isolating policy admits); otherwise on to the Baseline tier.
- "If a given connection wasn't allowed or denied by any of the tiers, the default kubernetes
  policy is applied, which says that all pods can communicate with each other."
- Hairpin (site-src/api-overview.md): "A Pod connecting to its own Pod IP is not subject to CNP."
  A pod -> itself is decided by NetworkPolicies alone (as the engine decides self-pairs).
- No implicit isolation: "CNPs with no ingress rules do not affect ingress traffic", and "there
  will not be any implicit isolation effects for the Pods selected by the ClusterNetworkPolicy".
- subject: exactly one of `namespaces` (a LabelSelector over namespaces) and `pods`
  (`namespaceSelector` AND `podSelector`; "if empty, it selects all Namespaces"); "host-networked
  pods are not included in subject selection".
- Peers: exactly one field each. `namespaces` and `pods` as the subject ("host-networked pods are
  not included in this type of peer"); egress only: `networks` (CIDRs; "cluster-internal traffic
  will be checked against the rule as well", so pod IPs and host-network pods' node IPs match),
  `nodes` ("if present but empty, it selects all Nodes": the node addresses, which this model
  knows only as host-network pods' IPs). `nodes` with a non-empty selector and `domainNames`
  need Node objects and DNS, which manifests do not hold: refused (`Unsupported`).
- protocols: omitted = every port and protocol ("If unspecified, protocol-specific attributes
  will not be used to match traffic"); each item exactly one of `tcp`/`udp`/`sctp` (with
  `destinationPort` `number` or inclusive `range` {start, end}; omitted: every port of that
  protocol, api-overview.md) or `destinationNamedPort` (a container port name of the
  destination pod; matches when that container port is the connection's number and protocol).
- External addresses have no side of their own (allowed); host-network pods are never subjects
  and NetworkPolicy never isolates them (the engine's default host-network convention), so their
  side is always allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.oracle import (
    OracleEndpoint,
    endpoints_of,
    external,
    ip_in,
    named_port_matches,
    namespace_labels,
    np_isolates,
    np_side,
    selector_matches,
)

CNP_KIND = "ClusterNetworkPolicy"
TIERS = ("Admin", "Baseline")
ACTIONS = ("Accept", "Deny", "Pass")
PROTOCOL_KEYS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}

# Who decided a side: a closed set.
ADMIN = "admin"
NETWORK_POLICY = "networkpolicy"
BASELINE = "baseline"
DEFAULT = "default"  # no tier decided: the default, allowed
EXTERNAL = "external"  # an address outside the cluster has no side
HOST_NETWORK = "host-network"  # never a CNP subject, never isolated by NetworkPolicy


class Unsupported(ValueError):
    """A CNP this oracle (like the engine) cannot evaluate from manifests alone."""


@dataclass(frozen=True)
class CnpRule:
    """One rule of a CNP: ``index`` is its 0-based position in spec.ingress / spec.egress."""

    policy: str
    tier: str
    index: int
    name: str
    action: str


@dataclass(frozen=True)
class Side:
    direction: str  # "egress" (the source's side) or "ingress" (the destination's side)
    allowed: bool
    decided: str  # ADMIN, NETWORK_POLICY, BASELINE, DEFAULT, EXTERNAL or HOST_NETWORK
    rule: CnpRule | None = None  # the Accept/Deny rule when a CNP tier decided
    passed: tuple[CnpRule, ...] = ()  # Pass rules met on the way (at most one per tier)
    np_isolated: bool = False  # NetworkPolicies isolate the pod for this direction
    np_admitted: tuple[tuple[str, int], ...] = ()  # (policy id, rule index) that admit


@dataclass(frozen=True)
class Connection:
    allowed: bool
    egress: Side
    ingress: Side
    hairpin: bool  # a pod to itself: not subject to CNP


@dataclass(frozen=True)
class _Cnp:
    name: str
    tier: str
    priority: int
    doc: Mapping[str, Any] = field(compare=False)


def _cnps(docs: Iterable[Mapping[str, Any]]) -> list[_Cnp]:
    out = []
    for d in docs:
        if d.get("kind") != CNP_KIND:
            continue
        spec, name = d.get("spec") or {}, d["metadata"]["name"]
        tier, priority = spec.get("tier"), spec.get("priority")
        if tier not in TIERS:
            raise Unsupported(f"{name}: tier {tier!r} is not Admin or Baseline")
        if not isinstance(priority, int) or not 0 <= priority <= 1000:
            raise Unsupported(f"{name}: priority {priority!r} is not 0..1000")
        subject = spec.get("subject") or {}
        if len(subject) != 1 or next(iter(subject)) not in ("namespaces", "pods"):
            raise Unsupported(f"{name}: subject must set exactly one of namespaces, pods")
        for direction in ("ingress", "egress"):
            for i, rule in enumerate(spec.get(direction) or []):
                _check_rule(name, direction, i, rule)
        out.append(_Cnp(name, tier, priority, d))
    return out


def _check_rule(name: str, direction: str, i: int, rule: Mapping[str, Any]) -> None:
    where = f"{name} {direction}[{i}]"
    if rule.get("action") not in ACTIONS:
        raise Unsupported(f"{where}: action {rule.get('action')!r}")
    peers = rule.get("from" if direction == "ingress" else "to")
    if not peers:
        raise Unsupported(f"{where}: needs at least one peer")
    allowed_keys = {"namespaces", "pods"} | (
        {"networks", "nodes", "domainNames"} if direction == "egress" else set()
    )
    for peer in peers:
        if len(peer) != 1 or next(iter(peer)) not in allowed_keys:
            raise Unsupported(f"{where}: a peer sets exactly one of {sorted(allowed_keys)}")
        if "domainNames" in peer:
            raise Unsupported(f"{where}: domainNames peers need DNS")
        if "nodes" in peer and (peer["nodes"] or {}) not in ({}, {"matchLabels": {}}):
            raise Unsupported(f"{where}: nodes peers with a selector need Node objects")
    protocols = rule.get("protocols")
    if protocols is not None:
        if not protocols:
            raise Unsupported(f"{where}: protocols, when set, has at least one item")
        for item in protocols:
            if len(item) != 1 or next(iter(item)) not in (*PROTOCOL_KEYS, "destinationNamedPort"):
                raise Unsupported(f"{where}: a protocols item sets exactly one field")


class CnpOracle:
    """``CnpOracle(docs).allowed(src, dst, port, protocol)``: the verdict on one connection.

    ``src``/``dst`` are ``namespace/pod`` ids, ``namespace/kind/name`` workload ids, or IP
    addresses (outside the cluster)."""

    def __init__(self, docs: Iterable[Mapping[str, Any]]) -> None:
        docs = list(docs)
        self.ns_labels = namespace_labels(docs)
        self.endpoints = endpoints_of(docs)
        self.network_policies = [d for d in docs if d.get("kind") == "NetworkPolicy"]
        self.cnps = _cnps(docs)
        self.by_tier = {
            tier: sorted(
                (c for c in self.cnps if c.tier == tier), key=lambda c: (c.priority, c.name)
            )
            for tier in TIERS
        }
        # Which policies select or isolate an endpoint never depends on the connection: kept
        # per endpoint id, each list in the order the full scan would give (see `_kept`).
        self._kept_lists: dict[tuple[str, str, str], list[Any]] = {}

    # ------------------------------------------------------------------ endpoints

    def endpoint(self, ref: str) -> OracleEndpoint:
        found = self.endpoints.get(ref)
        return found if found is not None else external(ref)

    def pod_ids(self) -> list[str]:
        return list(self.endpoints)

    # ------------------------------------------------------------------ matching

    def subject_selects(self, cnp: _Cnp, ep: OracleEndpoint) -> bool:
        if not ep.ordinary_pod:
            return False
        assert ep.namespace is not None
        subject = cnp.doc["spec"]["subject"]
        ns_labels = self.ns_labels.get(ep.namespace, {})
        if "namespaces" in subject:
            return selector_matches(subject["namespaces"] or {}, ns_labels)
        pods = subject["pods"] or {}
        return selector_matches(pods.get("namespaceSelector") or {}, ns_labels) and (
            selector_matches(pods.get("podSelector") or {}, ep.labels)
        )

    def peer_matches(self, peer: Mapping[str, Any], other: OracleEndpoint) -> bool:
        if "namespaces" in peer:
            if not other.ordinary_pod:
                return False
            assert other.namespace is not None
            return selector_matches(peer["namespaces"] or {}, self.ns_labels[other.namespace])
        if "pods" in peer:
            if not other.ordinary_pod:
                return False
            assert other.namespace is not None
            pods = peer["pods"] or {}
            return selector_matches(
                pods.get("namespaceSelector") or {}, self.ns_labels[other.namespace]
            ) and selector_matches(pods.get("podSelector") or {}, other.labels)
        if "networks" in peer:
            return any(ip_in(ip, cidr) for ip in other.ips for cidr in peer["networks"])
        if "nodes" in peer:  # {} only (checked on load): every node, i.e. node addresses
            return other.is_pod and other.host_network
        raise AssertionError(peer)  # refused on load

    @staticmethod
    def protocols_match(
        protocols: Sequence[Mapping[str, Any]] | None, dst: OracleEndpoint, port: int, proto: str
    ) -> bool:
        if protocols is None:
            return True
        for item in protocols:
            if "destinationNamedPort" in item:
                if named_port_matches(dst, item["destinationNamedPort"], port, proto):
                    return True
                continue
            ((key, spec),) = item.items()
            if PROTOCOL_KEYS[key] != proto:
                continue
            where = (spec or {}).get("destinationPort")
            if where is None:
                return True
            if "number" in where and where["number"] == port:
                return True
            if "range" in where and where["range"]["start"] <= port <= where["range"]["end"]:
                return True
        return False

    def first_rule(
        self,
        tier: str,
        direction: str,
        subject: OracleEndpoint,
        other: OracleEndpoint,
        dst: OracleEndpoint,
        port: int,
        proto: str,
    ) -> CnpRule | None:
        """The first matching rule of ``tier`` for ``subject``'s ``direction`` side."""
        peers_key = "from" if direction == "ingress" else "to"
        for cnp in self._tier_selecting(tier, subject):
            for i, rule in enumerate(cnp.doc["spec"].get(direction) or []):
                if any(self.peer_matches(p, other) for p in rule[peers_key]) and (
                    self.protocols_match(rule.get("protocols"), dst, port, proto)
                ):
                    return CnpRule(cnp.name, tier, i, rule.get("name") or "", rule["action"])
        return None

    def _tier_selecting(self, tier: str, subject: OracleEndpoint) -> list[_Cnp]:
        """The CNPs of ``tier`` whose subject selects ``subject``, in priority order."""
        return self._kept(
            ("cnp", tier, subject.id),
            lambda: [c for c in self.by_tier[tier] if self.subject_selects(c, subject)],
        )

    def _np_isolating(self, subject: OracleEndpoint, direction: str) -> list[Mapping[str, Any]]:
        """The NetworkPolicies isolating ``subject`` for ``direction`` ("Ingress"/"Egress")."""
        return self._kept(
            ("np", direction, subject.id),
            lambda: [p for p in self.network_policies if np_isolates(p, subject, direction)],
        )

    def _kept(self, key: tuple[str, str, str], make: Callable[[], list[Any]]) -> list[Any]:
        found = self._kept_lists.get(key)
        if found is None:
            found = self._kept_lists[key] = make()
        return found

    # ------------------------------------------------------------------ verdicts

    def side(
        self,
        direction: str,
        subject: OracleEndpoint,
        other: OracleEndpoint,
        dst: OracleEndpoint,
        port: int,
        proto: str,
        hairpin: bool = False,
    ) -> Side:
        if not subject.is_pod:
            return Side(direction, True, EXTERNAL)
        if subject.host_network:
            return Side(direction, True, HOST_NETWORK)
        passed: list[CnpRule] = []
        if not hairpin:
            rule = self.first_rule("Admin", direction, subject, other, dst, port, proto)
            if rule is not None and rule.action != "Pass":
                return Side(direction, rule.action == "Accept", ADMIN, rule)
            if rule is not None:
                passed.append(rule)
        isolated, admitted = np_side(
            self._np_isolating(subject, direction.capitalize()),
            subject,
            other,
            dst,
            port,
            proto,
            direction.capitalize(),
            self.ns_labels,
        )
        if isolated:
            return Side(
                direction, bool(admitted), NETWORK_POLICY, None, tuple(passed), True, admitted
            )
        if not hairpin:
            rule = self.first_rule("Baseline", direction, subject, other, dst, port, proto)
            if rule is not None and rule.action != "Pass":
                return Side(direction, rule.action == "Accept", BASELINE, rule, tuple(passed))
            if rule is not None:
                passed.append(rule)
        return Side(direction, True, DEFAULT, None, tuple(passed))

    def allowed(self, src: str, dst: str, port: int, protocol: str = "TCP") -> Connection:
        source, destination = self.endpoint(src), self.endpoint(dst)
        # Hairpin is a Pod reaching its own IP; a workload to itself stands for its pods reaching
        # each other, which CNPs do govern.
        hairpin = source.is_pod and source.id == destination.id and source.id.count("/") == 1
        egress = self.side("egress", source, destination, destination, port, protocol, hairpin)
        ingress = self.side("ingress", destination, source, destination, port, protocol, hairpin)
        return Connection(egress.allowed and ingress.allowed, egress, ingress, hairpin)


def rule_fields(rule: Any) -> tuple[str, str, int, str, str] | None:
    """(policy, tier, index, name, action) of a deciding rule, the oracle's (CnpRule) or the
    engine's (ClusterRuleRef) alike; None for none."""
    if rule is None:
        return None
    return (rule.policy, rule.tier, rule.index, rule.name, rule.action)
