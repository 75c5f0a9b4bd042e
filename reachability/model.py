"""The immutable values the analyzer reasons about: namespaces, pods, external IPs and policies.

Everything here is a frozen value, built once by `_parse` from manifests. A NetworkPolicy holds its
spec with the API server's defaults applied (policyTypes, protocol TCP) and with "missing" and
"empty" folded where the API gives them one meaning (`from`/`to`/`ports`: both mean "all").

Each parsed rule, peer and port also keeps where it came from: `path`, the field it was written at
("spec.egress[0].to[1]"), and `written`, the entry as written (a read-only view; None for a `null`
entry), so that tools such as lint can point at fields and quote them without walking the
manifest again. Neither takes part in equality or hashing: the engine memoizes on these values.
Policies of one load whose specs are written alike share their parsed rules (a spec is parsed
once): `written` is then an entry equal to the policy's own, perhaps another policy's.
The decoded entry itself is kept (`_entry`) and wrapped only when read: a view made for every
entry up front would be one more object per entry for the garbage collector to traverse.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kubefacts.api import POD_KIND, Direction
from reachability._frozen import frozen
from reachability.selectors import LabelSelector

INGRESS = Direction.INGRESS.policy_type
EGRESS = Direction.EGRESS.policy_type
_INGRESS = Direction.INGRESS  # a module constant: an enum member's class lookup costs in hot loops

HostNetwork = Literal["node", "pod"]
HOST_NETWORK_CONVENTIONS: tuple[HostNetwork, ...] = ("node", "pod")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Labels(Mapping[str, str]):
    """An immutable, hashable label map (sorted by key), usable as a memoization key."""

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[str, str] = dict(sorted(pairs))
        self._hash: int | None = None

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._items.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Labels({self._items!r})"

    def __str__(self) -> str:
        return ",".join(f"{key}={value}" for key, value in self._items.items())


def _written(entry: Any) -> Mapping[str, Any] | None:
    """A parsed entry as written: a read-only view of the decoded mapping, None for `null`."""
    return None if entry is None else frozen(entry)


@dataclass(frozen=True, slots=True)
class Options:
    """Choices where implementations differ; the defaults follow the upstream conformance tests."""

    ipblock_matches_pods: bool = True  # upstream: an ipBlock also matches pod IPs
    # False: a pod reaching itself is decided by the policies like any other pair, as upstream's
    # truth tables expect; True: always allowed (most CNIs; upstream's older AllowLoopback).
    loopback_allowed: bool = False
    representatives: bool | None = None  # None: synthesize pods only when the input has none
    # Kubernetes leaves NetworkPolicy undefined for host-network pods. "node": never isolated,
    # seen as their node's address (the docs' "most common implementation"); "pod": ordinary
    # pods, selected, isolated and matched by their pod IP (other analyzers' convention).
    host_network: HostNetwork = "node"

    def __post_init__(self) -> None:
        if self.host_network not in HOST_NETWORK_CONVENTIONS:
            raise ValueError(
                f"host_network {self.host_network!r}: use one of "
                f"{', '.join(HOST_NETWORK_CONVENTIONS)}"
            )


DEFAULT_OPTIONS = Options()


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Labels  # always holds kubernetes.io/metadata.name, as the API server guarantees
    # The file that defines it; None when only inferred (objects live in it, selectors name it).
    source: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ContainerPort:
    name: str | None
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True, slots=True)
class Pod:
    """An endpoint the policies select: a Pod, or a workload (Deployment, StatefulSet, ...) that
    stands for the pods of its template. `kind` is part of the identity: a Deployment and a Pod
    may share a name. A workload's `ips` are those of its pods in the input (none without)."""

    namespace: str
    name: str
    labels: Labels = field(default_factory=Labels)
    ips: tuple[str, ...] = ()
    ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False
    kind: str = POD_KIND
    # spec.hostNetwork as written, when `Options(host_network="pod")` made the pod an ordinary
    # one for NetworkPolicies: cluster policies still never select it (the API says so).
    on_node: bool = False
    # Synthesized (`_representatives.py`): it stands for every pod of its class, so reaching
    # "itself" is two pods, also once transforms mix it with given pods (diff, lint).
    stand_in: bool = False

    @property
    def id(self) -> str:
        """`namespace/name` for a Pod, `namespace/kind/name` (kind lower case, as kubectl writes
        `TYPE/NAME`) for a workload: `shop/deployment/web`."""
        return f"{self.namespace}/{self.local_id}"

    @property
    def local_id(self) -> str:
        """The id without the namespace: `web` for a Pod, `deployment/web` for a workload."""
        return self.name if self.kind == POD_KIND else f"{self.kind.lower()}/{self.name}"

    @property
    def is_workload(self) -> bool:
        return self.kind != POD_KIND

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class ExternalIP:
    """An address outside the cluster: only ipBlocks (and "all peers" rules) can name it."""

    ip: str

    @property
    def id(self) -> str:
        return self.ip

    def __str__(self) -> str:
        return self.ip


Endpoint = Pod | ExternalIP


@dataclass(frozen=True, slots=True)
class IPBlock:
    """`cidr` minus every `except` range; an address of the other IP family never matches."""

    cidr: IPNetwork
    except_: tuple[IPNetwork, ...] = ()

    def contains(self, ip: IPAddress) -> bool:
        if ip.version != self.cidr.version or ip not in self.cidr:
            return False
        return not any(ip in excluded for excluded in self.except_)

    def __str__(self) -> str:
        if not self.except_:
            return str(self.cidr)
        return f"{self.cidr} except {', '.join(str(e) for e in self.except_)}"


@dataclass(frozen=True, slots=True)
class Peer:
    """One `from`/`to` entry: its selectors are ANDed; separate entries are ORed by the rule."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None
    path: str = field(default="", compare=False)
    _entry: Any = field(default=None, compare=False, repr=False)

    @property
    def written(self) -> Mapping[str, Any] | None:
        return _written(self._entry)

    def __str__(self) -> str:
        if self.ip_block is not None:
            return f"ipBlock {self.ip_block}"
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector}")
        return " and ".join(parts)


@dataclass(frozen=True, slots=True)
class PolicyPort:
    """One `ports` entry: a number (with an optional `end_port`), a name, or None for every port."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None
    path: str = field(default="", compare=False)
    _entry: Any = field(default=None, compare=False, repr=False)

    @property
    def written(self) -> Mapping[str, Any] | None:
        return _written(self._entry)

    def __str__(self) -> str:
        if self.port is None:
            return f"any/{self.protocol}"
        if self.end_port is not None:
            return f"{self.port}-{self.end_port}/{self.protocol}"
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True, slots=True)
class Rule:
    """An ingress or egress rule. `peers`/`ports` None: the field was missing or empty = all."""

    peers: tuple[Peer, ...] | None = None
    ports: tuple[PolicyPort, ...] | None = None
    path: str = field(default="", compare=False)
    _entry: Any = field(default=None, compare=False, repr=False)

    @property
    def written(self) -> Mapping[str, Any] | None:
        return _written(self._entry)

    @property
    def has_named_ports(self) -> bool:
        return self.ports is not None and any(isinstance(p.port, str) for p in self.ports)


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """A networking.k8s.io/v1 NetworkPolicy with the API server's defaults applied.

    `policy_types` is the effective list: as written, or defaulted to Ingress plus Egress when
    `spec.egress` has rules; `written_policy_types` is the list as written (order and repeats
    kept), None when omitted. `manifest` is the original object (a read-only view) so that tools
    such as lint can point at fields; neither these nor `source` take part in equality.
    """

    namespace: str
    name: str
    pod_selector: LabelSelector = field(default_factory=LabelSelector)
    policy_types: tuple[str, ...] = (INGRESS,)
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    source: str = field(default="<memory>", compare=False)
    manifest: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    written_policy_types: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def affects_ingress(self) -> bool:
        return INGRESS in self.policy_types

    @property
    def affects_egress(self) -> bool:
        return EGRESS in self.policy_types

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """The rules of `direction` that take effect."""
        if direction == _INGRESS:
            return self.ingress if self.affects_ingress else ()
        return self.egress if self.affects_egress else ()

    def affects(self, direction: Direction) -> bool:
        return self.affects_ingress if direction == _INGRESS else self.affects_egress

    def denies_all(self, direction: Direction) -> bool:
        """A default deny for `direction`: every pod of the namespace, isolated, no rule."""
        return self.pod_selector.is_empty and self.affects(direction) and not self.rules(direction)
