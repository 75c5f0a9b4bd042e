"""Cluster-wide tiered policies, checked as their CRDs' schema and CEL rules check them: required
fields, enums, bounds, exactly one member where a CRD says minProperties = maxProperties = 1, and
unknown fields refused (kubectl's strict validation).

Three kinds, one model (`ClusterNetworkPolicy` with its tier):
- ClusterNetworkPolicy, policy.networking.k8s.io/v1alpha2 (network-policy-api v0.2.0): `tier`,
  `priority`, actions Accept/Deny/Pass, `protocols`; the standard CRD at commit 0eec1b0e5fa9;
- AdminNetworkPolicy, v1alpha1 (v0.1.8's standard CRD): the Admin tier, `priority`, actions
  Allow/Deny/Pass (Allow read as Accept), `ports`;
- BaselineAdminNetworkPolicy, v1alpha1: the Baseline tier, one object named `default`, actions
  Allow/Deny.

Two experimental-channel egress peers are read but not all of them can be analysed: `nodes`
with an empty selector is every node (so every host-network pod, seen as its node's address);
`nodes` with a non-empty selector and `domainNames` are refused, since the analyzer has no Node
objects and no DNS, and a verdict that ignored them could be wrong in either direction.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubefacts.cluster_network_policy import (
    ADMIN_NETWORK_POLICY_API_VERSION,
    ADMIN_NETWORK_POLICY_KIND,
    ADMIN_NETWORK_POLICY_MAX_ITEMS,
    BASELINE_ADMIN_NETWORK_POLICY_KIND,
    BASELINE_ADMIN_NETWORK_POLICY_NAME,
    CLUSTER_NETWORK_POLICY_API_VERSION,
    CLUSTER_NETWORK_POLICY_KIND,
    MAX_CIDR_LENGTH,
    MAX_NETWORKS,
    MAX_PRIORITY,
    MAX_RULE_NAME_LENGTH,
    MAX_RULES,
    Action,
    Tier,
)
from kubefacts.validation import shown
from reachability._addresses import parse_cidr
from reachability._frozen import frozen
from reachability._parse.cluster_ports import ports_entry, protocols_entry
from reachability._parse.metadata import metadata
from reachability._parse.problems import (
    Context,
    as_list,
    describe,
    is_int,
    known_fields,
    mapping,
    member,
    string,
)
from reachability._parse.selector import selector
from reachability.cluster_policy import ClusterNetworkPolicy, ClusterPeer, ClusterPort, ClusterRule
from reachability.model import IPNetwork
from reachability.selectors import LabelSelector

SUBJECTS = ("namespaces", "pods")
EGRESS_PEERS = ("namespaces", "pods", "networks", "nodes", "domainNames")
_PREFIX = re.compile(r"0|[1-9][0-9]{0,2}")


@dataclass(frozen=True, slots=True)
class _Dialect:
    """What one kind writes differently."""

    kind: str
    api_version: str
    tier: Tier | None  # None: read from spec.tier
    has_priority: bool
    actions: dict[str, Action]  # as written -> the model's
    ports_key: str  # "protocols" (v1alpha2) or "ports" (v1alpha1)
    max_items: int  # rules per direction, peers per rule, ports per rule
    pods_need_namespaces: bool  # v1alpha1 requires pods.namespaceSelector


_V1ALPHA1_ACTIONS = {"Allow": Action.ACCEPT, "Deny": Action.DENY, "Pass": Action.PASS}
DIALECTS = {
    CLUSTER_NETWORK_POLICY_KIND: _Dialect(
        CLUSTER_NETWORK_POLICY_KIND,
        CLUSTER_NETWORK_POLICY_API_VERSION,
        None,
        True,
        {a.value: a for a in Action},
        "protocols",
        MAX_RULES,
        False,
    ),
    ADMIN_NETWORK_POLICY_KIND: _Dialect(
        ADMIN_NETWORK_POLICY_KIND,
        ADMIN_NETWORK_POLICY_API_VERSION,
        Tier.ADMIN,
        True,
        _V1ALPHA1_ACTIONS,
        "ports",
        ADMIN_NETWORK_POLICY_MAX_ITEMS,
        True,
    ),
    BASELINE_ADMIN_NETWORK_POLICY_KIND: _Dialect(
        BASELINE_ADMIN_NETWORK_POLICY_KIND,
        ADMIN_NETWORK_POLICY_API_VERSION,
        Tier.BASELINE,
        False,
        {k: v for k, v in _V1ALPHA1_ACTIONS.items() if k != "Pass"},
        "ports",
        ADMIN_NETWORK_POLICY_MAX_ITEMS,
        True,
    ),
}


def cluster_policy(
    ctx: Context, body: Mapping[str, Any], source: str
) -> ClusterNetworkPolicy | None:
    return _Reader(ctx, DIALECTS[body["kind"]]).policy(body, source)


class _Reader:
    """Reads one object of one dialect, reporting into its context."""

    def __init__(self, ctx: Context, dialect: _Dialect) -> None:
        self.ctx = ctx
        self.dialect = dialect

    def policy(self, body: Mapping[str, Any], source: str) -> ClusterNetworkPolicy | None:
        ctx, dialect = self.ctx, self.dialect
        if body.get("apiVersion") != dialect.api_version:
            ctx.add(
                "apiVersion",
                f"{describe(body.get('apiVersion'))} is not served: {dialect.kind} is "
                f"{dialect.api_version}",
            )
        known_fields(ctx, body, ("apiVersion", "kind", "metadata", "spec", "status"), "")
        _, name, _ = metadata(ctx, body, namespaced=False, subdomain=True)
        if dialect.kind == BASELINE_ADMIN_NETWORK_POLICY_KIND and name not in ("", "default"):
            ctx.add(
                "metadata.name",
                f"{shown(name)}: there is one BaselineAdminNetworkPolicy, named "
                f"{BASELINE_ADMIN_NETWORK_POLICY_NAME!r}",
            )
        if body.get("spec") is None:
            ctx.add("spec", "is required")
        spec = mapping(ctx, body.get("spec"), "spec") or {}
        fields = ["subject", "ingress", "egress"]
        if dialect.has_priority:
            fields.insert(0, "priority")
        if dialect.tier is None:
            fields.insert(0, "tier")
        known_fields(ctx, spec, tuple(fields), "spec")
        tier = dialect.tier or self._tier(spec.get("tier"))
        priority = self._priority(spec.get("priority")) if dialect.has_priority else 0
        namespaces, pods = self._subject(spec.get("subject"))
        ingress = self._rules(spec.get("ingress"), "spec.ingress", "from", SUBJECTS)
        egress = self._rules(spec.get("egress"), "spec.egress", "to", EGRESS_PEERS)
        if tier is None or priority is None or namespaces is None:
            return None
        return ClusterNetworkPolicy(
            name=name,
            tier=tier,
            priority=priority,
            namespace_selector=namespaces,
            pod_selector=pods,
            ingress=ingress,
            egress=egress,
            kind=dialect.kind,
            source=source,
            manifest=frozen(body),
        )

    def _tier(self, value: Any) -> Tier | None:
        return self._enum(value, "spec.tier", {t.value: t for t in Tier})

    def _enum(self, value: Any, path: str, values: Mapping[str, Any]) -> Any:
        allowed = ", ".join(values)
        if value is None:
            self.ctx.add(path, f"is required: use {allowed}")
            return None
        if isinstance(value, str) and value in values:
            return values[value]
        written = shown(value) if isinstance(value, str) else describe(value)
        self.ctx.add(path, f"{written} is not supported: use {allowed}")
        return None

    def _priority(self, value: Any) -> int | None:
        path, top = "spec.priority", MAX_PRIORITY
        if value is None:
            self.ctx.add(path, f"is required: a number from 0 to {top}")
        elif not is_int(value):
            self.ctx.add(path, f"must be a number from 0 to {top}, not {describe(value)}")
        elif not 0 <= int(value) <= top:
            self.ctx.add(path, f"{int(value)} must be from 0 to {top}")
        else:
            return int(value)
        return None

    def _subject(self, value: Any) -> tuple[LabelSelector | None, LabelSelector | None]:
        path = "spec.subject"
        if value is None:
            self.ctx.add(path, "is required: namespaces or pods")
            return None, None
        found = member(self.ctx, value, path, SUBJECTS)
        if found is None:
            return None, None
        chosen, written = found
        if chosen == "namespaces":
            return self._selector(written, f"{path}.namespaces"), None
        return self._namespaced_pod(written, f"{path}.pods")

    def _selector(self, value: Any, path: str) -> LabelSelector | None:
        """A required LabelSelector (`{}` selects everything; null is no selector at all)."""
        if value is None:
            self.ctx.add(path, "must be a label selector ({} selects everything), not null")
            return None
        return selector(self.ctx, value, path)

    def _namespaced_pod(
        self, value: Any, path: str
    ) -> tuple[LabelSelector | None, LabelSelector | None]:
        ctx = self.ctx
        entry = mapping(ctx, value, path)
        if entry is None:
            return None, None
        known_fields(ctx, entry, ("namespaceSelector", "podSelector"), path)
        required = ("namespaceSelector", "podSelector")[not self.dialect.pods_need_namespaces :]
        missing = [key for key in required if key not in entry]
        for key in missing:
            ctx.add(f"{path}.{key}", "is required ({} selects everything)")
        if missing:
            return None, None
        pods = self._selector(entry["podSelector"], f"{path}.podSelector")
        raw = entry.get("namespaceSelector")
        if raw is None and not self.dialect.pods_need_namespaces:
            namespaces: LabelSelector | None = LabelSelector()  # omitted: every namespace
        else:
            namespaces = self._selector(raw, f"{path}.namespaceSelector")
        if pods is None or namespaces is None:
            return None, None
        return namespaces, pods

    def _bounded(self, value: Any, path: str, most: int) -> list[Any]:
        """A list the CRD bounds: at least one item, at most `most`."""
        items = as_list(self.ctx, value, path)
        if not items:
            self.ctx.add(path, "is required" if value is None else "must have at least one item")
        if len(items) > most:
            self.ctx.add(path, f"has {len(items)} items: at most {most} are allowed")
        return items

    def _rules(
        self, value: Any, path: str, peers_key: str, peer_fields: tuple[str, ...]
    ) -> tuple[ClusterRule, ...]:
        raw = as_list(self.ctx, value, path)
        most = self.dialect.max_items
        if len(raw) > most:
            self.ctx.add(path, f"has {len(raw)} rules: at most {most} are allowed")
        found = (
            self._rule(item, f"{path}[{i}]", peers_key, peer_fields) for i, item in enumerate(raw)
        )
        return tuple(rule for rule in found if rule is not None)

    def _rule(
        self, value: Any, path: str, peers_key: str, peer_fields: tuple[str, ...]
    ) -> ClusterRule | None:
        ctx, dialect = self.ctx, self.dialect
        entry = mapping(ctx, value, path)
        if entry is None:
            return None
        ports_key = dialect.ports_key
        known_fields(ctx, entry, ("name", "action", peers_key, ports_key), path)
        name = string(ctx, entry.get("name"), f"{path}.name", required=False) or ""
        if len(name) > MAX_RULE_NAME_LENGTH:
            top = MAX_RULE_NAME_LENGTH
            ctx.add(f"{path}.name", f"is {len(name)} characters: at most {top} are allowed")
        action = self._enum(entry.get("action"), f"{path}.action", dialect.actions)
        where = f"{path}.{peers_key}"
        raw_peers = self._bounded(entry.get(peers_key), where, dialect.max_items)
        peers = [self._peer(item, f"{where}[{i}]", peer_fields) for i, item in enumerate(raw_peers)]
        ports: tuple[ClusterPort, ...] | None = None
        if entry.get(ports_key) is not None:
            listed = f"{path}.{ports_key}"
            raw_ports = self._bounded(entry[ports_key], listed, dialect.max_items)
            read = protocols_entry if ports_key == "protocols" else ports_entry
            found = [read(ctx, item, f"{listed}[{i}]") for i, item in enumerate(raw_ports)]
            ports = tuple(p for p in found if p is not None)
        if action is None or not raw_peers or any(p is None for p in peers):
            return None
        return ClusterRule(
            action=action,
            peers=tuple(p for p in peers if p is not None),
            ports=ports,
            name=name,
            path=path,
            _entry=entry,
        )

    def _peer(self, value: Any, path: str, fields: tuple[str, ...]) -> ClusterPeer | None:
        ctx = self.ctx
        found = member(ctx, value, path, fields)
        if found is None:
            return None
        chosen, written = found
        where = f"{path}.{chosen}"
        if chosen == "namespaces":
            namespaces = self._selector(written, where)
            return None if namespaces is None else ClusterPeer(namespaces, path=path)
        if chosen == "pods":
            namespaces, pods = self._namespaced_pod(written, where)
            return None if pods is None else ClusterPeer(namespaces, pods, path=path)
        if chosen == "networks":
            networks = self._networks(written, where)
            return None if networks is None else ClusterPeer(networks=networks, path=path)
        if chosen == "nodes":
            nodes = self._selector(written, where)
            if nodes is not None and not nodes.is_empty:
                ctx.add(
                    where,
                    "a nodes peer with a selector is not supported by the analyzer (it has no "
                    "Node objects to match): use nodes: {} (every node) or networks with the "
                    "nodes' CIDRs",
                )
                return None
            return None if nodes is None else ClusterPeer(nodes=True, path=path)
        if chosen == "domainNames":
            ctx.add(
                where,
                "domainNames peers are not supported by the analyzer (it does not resolve DNS): "
                "use networks with the addresses",
            )
        return None

    def _networks(self, value: Any, path: str) -> tuple[IPNetwork, ...] | None:
        items = self._bounded(value, path, MAX_NETWORKS)
        found: list[IPNetwork] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            text = string(self.ctx, item, where)
            if text is None:
                continue
            if text in seen:
                self.ctx.add(where, f"{shown(text)} is listed twice (networks is a set)")
                continue
            seen.add(text)
            network = self._cidr(text, where)
            if network is not None:
                found.append(network)
        return tuple(found) if len(found) == len(items) else None

    def _cidr(self, text: str, path: str) -> IPNetwork | None:
        """CEL's isCIDR (k8s.io/apiserver/pkg/cel/library/cidr.go): Go's netip.ParsePrefix,
        ADDRESS/LENGTH with a decimal length, no IPv4 leading zeros, no IPv6 zone, and no
        IPv4-mapped IPv6 address; host bits may be set (they are masked off)."""
        if len(text) > MAX_CIDR_LENGTH:
            top = MAX_CIDR_LENGTH
            self.ctx.add(path, f"is {len(text)} characters: at most {top} are allowed")
            return None
        address, slash, length = text.partition("/")
        try:
            if not slash or not _PREFIX.fullmatch(length) or "%" in address:
                raise ValueError(text)
            parsed = ipaddress.ip_address(address)
            if int(length) > parsed.max_prefixlen:
                raise ValueError(text)
            if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
                raise ValueError(text)
            return parse_cidr(text)
        except ValueError:
            self.ctx.add(
                path, f"{shown(text)} is not a valid CIDR: write e.g. 10.0.0.0/8 or fd00::/8"
            )
            return None
