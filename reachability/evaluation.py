"""Is one connection allowed, and why: the verdict of each side with the rules that decide it.

A connection from `src` to `dst` on (port, protocol) needs the source's egress AND the
destination's ingress. A side is decided by the pod alone when no policy selects it for that
direction (not isolated); otherwise by the union of the rules of every policy that isolates it:
allowed when at least one rule admits the peer (its `from`/`to`) and the port (its `ports`).
External addresses have no side of their own; host-network pods are never isolated. A pod
reaching itself is decided by the policies like any other pair (upstream's truth tables), unless
`Options.loopback_allowed` says a pod may always reach itself (what most CNIs do; note
"loopback"); never in a representative cluster, where `a -> a` stands for two pods with the same
labels.

ClusterNetworkPolicies (`_tiers.py`) come first and last: an Admin-tier rule that matches decides
the side before any NetworkPolicy (unless it passes), a Baseline-tier rule decides it only when
no NetworkPolicy isolates the pod. The verdict names the rule that decided (`decided_by`) and
any Admin rule that passed the connection on (`passed_by`). A pod connecting to its own IP is
not subject to cluster policies (network-policy-api site-src/api-overview.md, "hairpin", commit
2089511): only NetworkPolicies decide it (`hairpin`); a workload or a representative pod
reaching "itself" stands for two pods, to which they apply.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from enum import StrEnum

from kubefacts.api import PROTOCOLS, Direction
from kubefacts.cluster_network_policy import CLUSTER_NETWORK_POLICY_KIND, Action, Tier
from reachability._index import ClusterIndex, cluster_index
from reachability._ports import ports_admit
from reachability._tiers import first_match
from reachability.cluster import Cluster
from reachability.model import Endpoint, ExternalIP, Pod
from reachability.problems import InvalidQuery, UnknownEndpoint

_EGRESS, _INGRESS = Direction.EGRESS, Direction.INGRESS


class Reason(StrEnum):
    """What decided a side, when it was not the rules of the policies that isolate the pod: the
    closed set the explanations switch on (its values are the `note` of the JSON output)."""

    POLICIES = ""  # the rules of the isolating policies decide: allowed_by, isolated_by
    NOT_ISOLATED = "not isolated"
    EXTERNAL = "external endpoint"
    HOST_NETWORK = "host network"
    LOOPBACK = "loopback"
    ADMIN = "admin tier"  # an Admin ClusterNetworkPolicy rule decided: decided_by
    BASELINE = "baseline tier"  # a Baseline one did, no NetworkPolicy isolating: decided_by


@dataclass(frozen=True, slots=True)
class RuleRef:
    policy: str  # "namespace/name"
    index: int  # 0-based position in spec.ingress / spec.egress

    def describe(self, direction: Direction) -> str:
        return f"{self.policy} {direction}[{self.index}]"


@dataclass(frozen=True, slots=True)
class ClusterRuleRef:
    """A ClusterNetworkPolicy rule: the policy's name, its tier, the rule's 0-based position in
    spec.ingress / spec.egress, its name ("" when it has none), its action and the policy's kind
    (AdminNetworkPolicy and BaselineAdminNetworkPolicy, v1alpha1, are read into the same)."""

    policy: str
    tier: Tier
    index: int
    name: str
    action: Action
    kind: str = CLUSTER_NETWORK_POLICY_KIND

    def describe(self, direction: Direction) -> str:
        named = f" ({self.name})" if self.name else ""
        tier = f"{self.tier} " if self.kind == CLUSTER_NETWORK_POLICY_KIND else ""
        return f"{tier}{self.kind} {self.policy} {direction}[{self.index}]{named}"


@dataclass(frozen=True, slots=True)
class SideVerdict:
    direction: Direction  # egress: the source's side; ingress: the destination's side
    allowed: bool
    isolated: bool  # some NetworkPolicy selects the pod for this direction
    allowed_by: tuple[RuleRef, ...]  # every NetworkPolicy rule that admits the connection
    isolated_by: tuple[str, ...]  # ids of the NetworkPolicies isolating the pod in this direction
    note: Reason
    decided_by: ClusterRuleRef | None = None  # the ClusterNetworkPolicy rule that decided
    passed_by: ClusterRuleRef | None = None  # an Admin rule that passed it on to the next tier
    # The cluster policies consulted for it (their titles): every one whose subject it is, or
    # after a Pass, the Baseline ones; none of their rules matched when decided_by is None.
    governed_by: tuple[str, ...] = ()


def _per_direction(note: Reason) -> dict[Direction, SideVerdict]:
    """The sides that only their note decides, one value each (frozen: shared by verdicts)."""
    return {d: SideVerdict(d, True, False, (), (), note) for d in Direction}


_EXTERNAL = _per_direction(Reason.EXTERNAL)
_HOST_NETWORK = _per_direction(Reason.HOST_NETWORK)
_NOT_ISOLATED = _per_direction(Reason.NOT_ISOLATED)


class Verdict:
    """The verdict on one connection: `allowed` (both sides are), `egress` (the source's
    side), `ingress` (the destination's side) and `reason`, one line per side.

    A frozen value, compared, hashed and shown as a frozen dataclass of those four fields is.
    The engine's verdicts write `reason` when it is first read: most callers (the matrix's
    tests, diff, lint, the policy pack) only ask for the booleans and the sides, and the text
    was a quarter of the time of a verdict. It is written from values that never change (the
    sides, the endpoints' ids, the port), so whenever it is read it is the same text."""

    __slots__ = ("_reason", "_why", "allowed", "egress", "ingress")
    __match_args__ = ("allowed", "egress", "ingress", "reason")

    allowed: bool
    egress: SideVerdict
    ingress: SideVerdict
    _reason: str | None
    _why: tuple[str, str, str, str] | None  # source id, destination id, "port/protocol", note

    def __init__(self, allowed: bool, egress: SideVerdict, ingress: SideVerdict, reason: str):
        _set = object.__setattr__
        _set(self, "allowed", allowed)
        _set(self, "egress", egress)
        _set(self, "ingress", ingress)
        _set(self, "_reason", reason)
        _set(self, "_why", None)

    @classmethod
    def _explained_later(
        cls, egress: SideVerdict, ingress: SideVerdict, why: tuple[str, str, str, str]
    ) -> Verdict:
        verdict = cls.__new__(cls)
        _set = object.__setattr__
        _set(verdict, "allowed", egress.allowed and ingress.allowed)
        _set(verdict, "egress", egress)
        _set(verdict, "ingress", ingress)
        _set(verdict, "_reason", None)
        _set(verdict, "_why", why)
        return verdict

    @property
    def reason(self) -> str:
        found = self._reason
        if found is None:
            assert self._why is not None
            source, destination, where, skipped = self._why
            found = "\n".join(
                (
                    f"egress from {source}: {_explain(self.egress, destination, where)}{skipped}",
                    f"ingress to {destination}: {_explain(self.ingress, source, where)}{skipped}",
                )
            )
            object.__setattr__(self, "_reason", found)
            object.__setattr__(self, "_why", None)
        return found

    def _fields(self) -> tuple[bool, SideVerdict, SideVerdict, str]:
        return (self.allowed, self.egress, self.ingress, self.reason)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__qualname__}(allowed={self.allowed!r}, egress={self.egress!r}, "
            f"ingress={self.ingress!r}, reason={self.reason!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Verdict], tuple[bool, SideVerdict, SideVerdict, str]]:
        return (self.__class__, self._fields())


def allowed(
    cluster: Cluster,
    src: Endpoint | str,
    dst: Endpoint | str,
    port: int,
    protocol: str = "TCP",
) -> Verdict:
    """The verdict on src -> dst at port/protocol; strings are resolved by `cluster.endpoint`."""
    source = cluster.endpoint(src) if isinstance(src, str) else src
    destination = cluster.endpoint(dst) if isinstance(dst, str) else dst
    check_port(port, protocol)
    return verdict_in(cluster_index(cluster), source, destination, port, protocol)


def verdict_in(
    index: ClusterIndex, source: Endpoint, destination: Endpoint, port: int, protocol: str
) -> Verdict:
    """`allowed` on an index already built (one that also holds external addresses, as the
    side sets' does), so that explaining a few flows costs no second index."""
    cluster = index.cluster
    itself = (
        not cluster.representative
        and isinstance(source, Pod)
        and (source is destination or source == destination)
    )
    loopback = itself and cluster.options.loopback_allowed
    own_ip = itself and hairpin(source)
    at = (index.position_of(source), index.position_of(destination))
    egress = _side(
        index, _EGRESS, source, destination, destination, port, protocol, loopback, own_ip, at
    )
    ingress = _side(
        index,
        _INGRESS,
        destination,
        source,
        destination,
        port,
        protocol,
        loopback,
        own_ip,
        (at[1], at[0]),
    )
    skipped = ""
    if own_ip and any(index.cluster_selecting[d][index.position[source.id]] for d in Direction):
        skipped = " (its own IP: cluster policies do not apply)"
    ids = index.ids
    source_id = source.id if at[0] is None else ids[at[0]]
    destination_id = destination.id if at[1] is None else ids[at[1]]
    why = (source_id, destination_id, f"{port}/{protocol}", skipped)
    return Verdict._explained_later(egress, ingress, why)


def hairpin(pod: Pod) -> bool:
    """Whether a connection of `pod` to itself is to its own IP, which cluster policies leave
    to NetworkPolicies: a given Pod's is; a workload's stands for two replicas, a representative
    for two pods of its class, and a host-network pod is no subject of theirs anyway."""
    return not pod.is_workload and not pod.host_network and not pod.stand_in


def check_port(port: int, protocol: str) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidQuery(f"port {port!r} must be a number between 1 and 65535")
    if protocol not in PROTOCOLS:
        raise InvalidQuery(f"protocol {protocol!r} is not supported: use TCP, UDP or SCTP")


def _side(
    index: ClusterIndex,
    direction: Direction,
    subject: Endpoint,
    peer: Endpoint,
    target: Endpoint,
    port: int,
    protocol: str,
    loopback: bool,
    own_ip: bool,
    at: tuple[int | None, int | None],
) -> SideVerdict:
    """The verdict of `subject` (source for egress, destination for ingress) on `peer`;
    `own_ip`: a pod reaching its own IP, which cluster policies leave to NetworkPolicies; `at`:
    the positions of subject and peer in the index (`ClusterIndex.position_of`)."""
    if isinstance(subject, ExternalIP):
        return _EXTERNAL[direction]
    if subject.host_network:
        return _HOST_NETWORK[direction]
    position, peer_at = at
    if position is None:
        raise UnknownEndpoint(f"{subject.id} is not a pod of this cluster")
    selecting = index.policies_selecting[direction][position]
    tiers = () if own_ip else index.cluster_selecting[direction][position]
    passed = None
    governed: tuple[str, ...] = ()
    if tiers:
        governed = tuple(index.cluster.cluster_policies[k].title for k in tiers)
        isolated_by = index.policy_ids(selecting)
        found = _decided(index, direction, tiers, Tier.ADMIN, peer, target, port, protocol)
        if found is not None and found.action != Action.PASS:
            return _by_rule(direction, found, Reason.ADMIN, isolated_by, loopback, governed)
        passed = found
        if passed is not None:  # what is consulted after a Pass: the Baseline tier only
            policies = index.cluster.cluster_policies
            governed = tuple(p.title for k in tiers if (p := policies[k]).tier == Tier.BASELINE)
        if not selecting:
            found = _decided(index, direction, tiers, Tier.BASELINE, peer, target, port, protocol)
            if found is not None and found.action != Action.PASS:
                return _by_rule(direction, found, Reason.BASELINE, (), loopback, governed, passed)
    if not selecting:
        if passed is None and not governed:
            return _NOT_ISOLATED[direction]
        note = Reason.NOT_ISOLATED
        return SideVerdict(direction, True, False, (), (), note, None, passed, governed)
    policies = index.cluster.policies
    isolated_by = index.policy_ids(selecting)
    admitted: list[RuleRef] = []
    for k, policy_id in zip(selecting, isolated_by, strict=True):
        policy = policies[k]
        for r, rule in enumerate(policy.rules(direction)):
            if rule.ports is not None and not ports_admit(rule.ports, target, port, protocol):
                continue
            if rule.peers is None:
                admitted.append(RuleRef(policy_id, r))
            elif peer_at is not None:  # one of the index's endpoints: a bit of each peer's set
                if any(index.peer_admits_at(p, policy.namespace, peer_at) for p in rule.peers):
                    admitted.append(RuleRef(policy_id, r))
            elif any(index.peer_admits(p, policy.namespace, peer) for p in rule.peers):
                admitted.append(RuleRef(policy_id, r))
    note = Reason.LOOPBACK if loopback else Reason.POLICIES
    admits = bool(admitted) or loopback
    return SideVerdict(
        direction, admits, True, tuple(admitted), isolated_by, note, None, passed, governed
    )


def _decided(
    index: ClusterIndex,
    direction: Direction,
    tiers: tuple[int, ...],
    tier: Tier,
    peer: Endpoint,
    target: Endpoint,
    port: int,
    protocol: str,
) -> ClusterRuleRef | None:
    found = first_match(index, direction, tiers, tier, peer, target, port, protocol)
    if found is None:
        return None
    k, r, rule = found
    policy = index.cluster.cluster_policies[k]
    return ClusterRuleRef(policy.name, tier, r, rule.name, rule.action, policy.kind)


def _by_rule(
    direction: Direction,
    rule: ClusterRuleRef,
    reason: Reason,
    isolated_by: tuple[str, ...],
    loopback: bool,
    governed: tuple[str, ...],
    passed: ClusterRuleRef | None = None,
) -> SideVerdict:
    """A side a ClusterNetworkPolicy rule decided (loopback still lets a pod reach itself)."""
    accepted = rule.action == Action.ACCEPT
    note = Reason.LOOPBACK if loopback and not accepted else reason
    isolated = bool(isolated_by)
    return SideVerdict(
        direction, accepted or loopback, isolated, (), isolated_by, note, rule, passed, governed
    )


def _explain(side: SideVerdict, peer: str, where: str) -> str:
    """One side's line; `peer`: the other end's id."""
    passed = side.passed_by
    said = _explain_side(side, peer, where)
    return f"passed on by {passed.describe(side.direction)}, then {said}" if passed else said


def _explain_side(side: SideVerdict, peer: str, where: str) -> str:
    rules = ", ".join(ref.describe(side.direction) for ref in side.allowed_by)
    decided = side.decided_by
    if decided is not None and side.note in (Reason.ADMIN, Reason.BASELINE):
        verb = "accepted" if side.allowed else "denied"
        return f"{verb} by {decided.describe(side.direction)}"
    match side.note:
        case Reason.EXTERNAL:
            return "external endpoint, no NetworkPolicy applies outside the cluster"
        case Reason.HOST_NETWORK:
            return "host-network pod, NetworkPolicy does not isolate it"
        case Reason.NOT_ISOLATED:
            isolated = f"not isolated (no NetworkPolicy selects it for {side.direction})"
            if side.governed_by:
                return f"no rule of {', '.join(side.governed_by)} matches, {isolated}"
            return isolated
        case Reason.LOOPBACK:
            if decided is not None:
                over = f"{decided.action} of {decided.describe(side.direction)}"
                return f"loopback, a pod may always reach itself (over the {over})"
            return "loopback, a pod may always reach itself" + (f" (also {rules})" if rules else "")
    if side.allowed:
        return f"allowed by {rules}"
    towards = side.direction.peers_key
    return (
        f"denied: isolated by {', '.join(side.isolated_by)} and no {side.direction} rule "
        f"admits {where} {towards} {peer}"
    )
