"""Builders for Kubernetes manifests (plain dicts) used by the reachability test corpus.

Nothing here knows the engine: these helpers only write the objects a user would write
(Namespaces, Pods, NetworkPolicies), the upstream e2e ``x/y/z`` x ``a/b/c`` model, an
independent truth table in the style of upstream's ``Reachability``, a small independent label
selector matcher, and hypothesis strategies for small random clusters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

Doc = dict[str, Any]

OMIT: Any = object()
"""Sentinel: leave the field out of the manifest (distinct from an empty list)."""


# --------------------------------------------------------------------------- objects


def namespace(name: str, labels: Mapping[str, str] | None = None) -> Doc:
    """A v1 Namespace; ``labels`` as written (no automatic label added here)."""
    meta: Doc = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def container_port(port: int, protocol: str = "TCP", name: str | None = None) -> Doc:
    """One entry of ``spec.containers[].ports``."""
    out: Doc = {"containerPort": port, "protocol": protocol}
    if name is not None:
        out["name"] = name
    return out


def pod(
    ns: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ips: Sequence[str] = (),
    ports: Sequence[Doc] = (),
    *,
    host_network: bool = False,
    one_container_per_port: bool = False,
) -> Doc:
    """A v1 Pod with IPs in ``status.podIP``/``status.podIPs`` and the given container ports."""
    if one_container_per_port:
        containers = [
            {
                "name": f"cont-{p['containerPort']}-{p.get('protocol', 'TCP').lower()}",
                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                "ports": [p],
            }
            for p in ports
        ]
    else:
        containers = [{"name": "main", "image": "example/app:1"}]
        if ports:
            containers[0]["ports"] = list(ports)
    spec: Doc = {"containers": containers}
    if host_network:
        spec["hostNetwork"] = True
    meta: Doc = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = dict(labels)
    doc: Doc = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    if ips:
        doc["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
    return doc


def selector(
    match_labels: Mapping[str, str] | None = None,
    expressions: Sequence[tuple[str, str, Sequence[str]]] = (),
) -> Doc:
    """A LabelSelector; ``expressions`` are ``(key, operator, values)``."""
    out: Doc = {}
    if match_labels:
        out["matchLabels"] = dict(match_labels)
    if expressions:
        exprs = []
        for key, op, values in expressions:
            e: Doc = {"key": key, "operator": op}
            if op in ("In", "NotIn"):
                e["values"] = list(values)
            exprs.append(e)
        out["matchExpressions"] = exprs
    return out


def peer(
    pods: Doc | None = None,
    namespaces: Doc | None = None,
    cidr: str | None = None,
    except_: Sequence[str] = (),
) -> Doc:
    """A NetworkPolicyPeer: pod and/or namespace selector (AND), or an ipBlock."""
    out: Doc = {}
    if pods is not None:
        out["podSelector"] = pods
    if namespaces is not None:
        out["namespaceSelector"] = namespaces
    if cidr is not None:
        block: Doc = {"cidr": cidr}
        if except_:
            block["except"] = list(except_)
        out["ipBlock"] = block
    return out


def np_port(
    port: int | str | None = None, protocol: str | None = None, end_port: int | None = None
) -> Doc:
    """A NetworkPolicyPort; ``None`` fields are left out (protocol then defaults to TCP)."""
    out: Doc = {}
    if protocol is not None:
        out["protocol"] = protocol
    if port is not None:
        out["port"] = port
    if end_port is not None:
        out["endPort"] = end_port
    return out


def rule(peers: Any = OMIT, ports: Any = OMIT, *, direction: str = "ingress") -> Doc:
    """An ingress (``from``) or egress (``to``) rule; OMIT leaves a field out."""
    out: Doc = {}
    if peers is not OMIT:
        out["from" if direction == "ingress" else "to"] = list(peers)
    if ports is not OMIT:
        out["ports"] = list(ports)
    return out


def ingress_rule(peers: Any = OMIT, ports: Any = OMIT) -> Doc:
    """An ingress rule (``from`` + ``ports``)."""
    return rule(peers, ports, direction="ingress")


def egress_rule(peers: Any = OMIT, ports: Any = OMIT) -> Doc:
    """An egress rule (``to`` + ``ports``)."""
    return rule(peers, ports, direction="egress")


def netpol(
    ns: str,
    name: str,
    pod_selector: Doc | None = None,
    *,
    ingress: Any = OMIT,
    egress: Any = OMIT,
    policy_types: Any = OMIT,
) -> Doc:
    """A networking.k8s.io/v1 NetworkPolicy; OMIT leaves ingress/egress/policyTypes out."""
    spec: Doc = {"podSelector": {} if pod_selector is None else pod_selector}
    if policy_types is not OMIT:
        spec["policyTypes"] = list(policy_types)
    if ingress is not OMIT:
        spec["ingress"] = list(ingress)
    if egress is not OMIT:
        spec["egress"] = list(egress)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def upstream_policy(
    ns: str,
    name: str,
    pod_selector: Doc | None = None,
    ingress: Sequence[Doc] | None = None,
    egress: Sequence[Doc] | None = None,
) -> Doc:
    """A policy the way upstream's generators build it.

    Upstream's ``SetSpecIngressRules(rules...)`` sets ``spec.ingress`` (possibly empty) AND appends
    ``Ingress`` to policyTypes; ``SetSpecEgressRules`` likewise for Egress. ``None`` means the
    setter was not called.
    """
    types: list[str] = []
    if ingress is not None:
        types.append("Ingress")
    if egress is not None:
        types.append("Egress")
    return netpol(
        ns,
        name,
        pod_selector,
        ingress=OMIT if ingress is None else list(ingress),
        egress=OMIT if egress is None else list(egress),
        policy_types=types,
    )


def items_list(docs: Iterable[Doc], kind: str = "List") -> Doc:
    """Wrap documents in a ``List`` (or ``PodList``, ...) object."""
    return {"apiVersion": "v1", "kind": kind, "items": list(docs)}


def dump_yaml(docs: Iterable[Doc]) -> str:
    """Documents as one multi-document YAML text."""
    return yaml.safe_dump_all(list(docs), sort_keys=False)


# --------------------------------------------------------------------------- upstream model

XYZ_NAMESPACES = ("x", "y", "z")
ABC_PODS = ("a", "b", "c")
XYZ_PORTS = (80, 81)
XYZ_PROTOCOLS = ("TCP", "UDP", "SCTP")


def xyz_ip(ns: str, pod_name: str) -> str:
    """The IPv4 address the model gives pod ``ns/pod_name`` (all inside 10.0.0.0/16)."""
    return f"10.0.{XYZ_NAMESPACES.index(ns) + 1}.{ABC_PODS.index(pod_name) + 10}"


def xyz_pod_ids() -> list[str]:
    """``x/a, x/b, ..., z/c`` in model order."""
    return [f"{ns}/{p}" for ns in XYZ_NAMESPACES for p in ABC_PODS]


def xyz_model(
    *,
    ns_labels: Mapping[str, Mapping[str, str]] | None = None,
    pod_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Doc]:
    """Upstream's e2e model: namespaces x, y, z labelled ``ns: <name>``; pods a, b, c labelled
    ``pod: <name>``, one container per port (80, 81) and protocol (TCP, UDP, SCTP), each port
    named ``serve-<port>-<protocol>``. Extra labels per namespace / ``ns/pod`` may be merged in.
    The automatic ``kubernetes.io/metadata.name`` label is NOT written (the engine adds it)."""
    docs: list[Doc] = []
    for ns in XYZ_NAMESPACES:
        labels = {"ns": ns, **(ns_labels or {}).get(ns, {})}
        docs.append(namespace(ns, labels))
    for ns in XYZ_NAMESPACES:
        for p in ABC_PODS:
            labels = {"pod": p, **(pod_labels or {}).get(f"{ns}/{p}", {})}
            ports = [
                container_port(port, proto, f"serve-{port}-{proto.lower()}")
                for port in XYZ_PORTS
                for proto in XYZ_PROTOCOLS
            ]
            docs.append(pod(ns, p, labels, [xyz_ip(ns, p)], ports, one_container_per_port=True))
    return docs


class TruthTable:
    """Expected connectivity between pods, restating upstream's ``Reachability`` helpers.

    Starts with every ordered pair at ``default``, pod -> itself included: a self-pair keeps the
    value upstream's ``Expect*`` calls give it, as in upstream's truth tables (the engine's
    default). ``allow_loopback`` sets every pod -> itself to allowed: the "a pod may always reach
    itself" convention (upstream's older ``AllowLoopback``; ``Options(loopback_allowed=True)``).
    """

    def __init__(self, pods: Sequence[str], default: bool = True) -> None:
        self.pods = list(pods)
        self.values: dict[tuple[str, str], bool] = {
            (a, b): default for a in self.pods for b in self.pods
        }

    @staticmethod
    def _matches(pod_id: str, ns: str | None, name: str | None) -> bool:
        pns, pname = pod_id.split("/")
        return (ns is None or ns == pns) and (name is None or name == pname)

    def expect(self, src: str, dst: str, connected: bool) -> TruthTable:
        """One pair."""
        self.values[(src, dst)] = connected
        return self

    def expect_peer(
        self,
        connected: bool,
        *,
        from_ns: str | None = None,
        from_pod: str | None = None,
        to_ns: str | None = None,
        to_pod: str | None = None,
    ) -> TruthTable:
        """Every pair whose source and destination match (None matches anything)."""
        for a in self.pods:
            if not self._matches(a, from_ns, from_pod):
                continue
            for b in self.pods:
                if self._matches(b, to_ns, to_pod):
                    self.values[(a, b)] = connected
        return self

    def expect_all_ingress(self, dst: str, connected: bool) -> TruthTable:
        """Everything into ``dst``."""
        for a in self.pods:
            self.values[(a, dst)] = connected
        return self

    def expect_all_egress(self, src: str, connected: bool) -> TruthTable:
        """Everything out of ``src``."""
        for b in self.pods:
            self.values[(src, b)] = connected
        return self

    def allow_loopback(self) -> TruthTable:
        """Every pod reaches itself."""
        for a in self.pods:
            self.values[(a, a)] = True
        return self

    def items(self) -> list[tuple[str, str, bool]]:
        """``(src, dst, expected)`` in a stable order."""
        return [(a, b, self.values[(a, b)]) for a in self.pods for b in self.pods]

    def render(self) -> str:
        """A grid like upstream's pretty print (``.`` allowed, ``X`` denied)."""
        head = "\t" + "\t".join(self.pods)
        rows = [
            a + "\t" + "\t".join("." if self.values[(a, b)] else "X" for b in self.pods)
            for a in self.pods
        ]
        return "\n".join([head, *rows])


# --------------------------------------------------------------------------- selector semantics


def selector_matches(sel: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector semantics, independently restated (empty selector matches all)."""
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def policy_directions(policy: Mapping[str, Any]) -> set[str]:
    """The directions a policy isolates: its policyTypes, or the API defaults when omitted."""
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return set(types)
    return {"Ingress", "Egress"} if spec.get("egress") else {"Ingress"}


def selects(policy: Mapping[str, Any], pod_doc: Mapping[str, Any]) -> bool:
    """Whether ``policy`` selects ``pod_doc`` (same namespace and podSelector matches)."""
    pm = pod_doc["metadata"]
    if policy["metadata"]["namespace"] != pm["namespace"]:
        return False
    return selector_matches((policy.get("spec") or {}).get("podSelector"), pm.get("labels") or {})


# --------------------------------------------------------------------------- hypothesis


def cluster_strategy(
    *,
    max_pods: int = 6,
    max_policies: int = 4,
    allow_host_network: bool = True,
) -> Any:
    """A hypothesis strategy of small clusters as a list of manifest dicts.

    2-3 namespaces, 1..max_pods pods (IPv4s 10.1.0.10, .13, .16, ...; random labels and named
    container ports), 0..max_policies policies with random selectors (matchLabels and every
    matchExpressions operator), policyTypes (including omitted), rules (missing / empty / listed
    peers and ports), ipBlocks with except, named ports and endPort ranges.
    """
    from hypothesis import strategies as st

    ns_names = ["alpha", "beta", "gamma"]
    label_values = {"app": ["web", "db", "api"], "tier": ["front", "back"]}
    ns_label_values = {"team": ["red", "blue"], "env": ["dev", "prod"]}
    port_menu = [
        ("http", 80, "TCP"),
        ("http", 8080, "TCP"),
        ("dns", 53, "UDP"),
        ("dns-tcp", 53, "TCP"),
        ("metrics", 9090, "TCP"),
        ("sctp", 9090, "SCTP"),
    ]

    def labels_st(values: Mapping[str, list[str]]) -> Any:
        return st.fixed_dictionaries(
            {}, optional={k: st.sampled_from(v) for k, v in sorted(values.items())}
        )

    def selector_st(values: Mapping[str, list[str]]) -> Any:
        keys = [*sorted(values), "missing"]
        expr = st.one_of(
            st.tuples(
                st.sampled_from(keys),
                st.sampled_from(["In", "NotIn"]),
                st.lists(
                    st.sampled_from(["web", "db", "api", "front", "back", "red", "dev"]),
                    min_size=1,
                    max_size=2,
                    unique=True,
                ),
            ),
            st.tuples(
                st.sampled_from(keys), st.sampled_from(["Exists", "DoesNotExist"]), st.just(())
            ),
        )
        one_label = st.sampled_from(sorted(values)).flatmap(
            lambda k: st.sampled_from(values[k]).map(lambda v: {k: v})
        )
        return st.one_of(
            st.just({}),
            st.builds(selector, one_label),
            st.builds(selector, st.just(None), st.lists(expr, min_size=1, max_size=1)),
            st.builds(selector, labels_st(values), st.lists(expr, max_size=2)),
        )

    cidrs = st.sampled_from(
        [
            ("10.1.0.0/24", ()),
            ("10.1.0.0/24", ("10.1.0.0/28",)),
            ("10.1.0.16/28", ()),
            ("0.0.0.0/0", ("10.0.0.0/8",)),
            ("0.0.0.0/0", ()),
            ("93.184.216.0/24", ()),
            ("fd00::/8", ()),
        ]
    )
    peer_st = st.one_of(
        st.builds(lambda s: peer(pods=s), selector_st(label_values)),
        st.builds(lambda s: peer(namespaces=s), selector_st(ns_label_values)),
        st.builds(
            lambda a, b: peer(pods=a, namespaces=b),
            selector_st(label_values),
            selector_st(ns_label_values),
        ),
        st.builds(lambda c: peer(cidr=c[0], except_=c[1]), cidrs),
    )
    port_st = st.one_of(
        st.builds(
            np_port,
            st.sampled_from([80, 53, 8080, 9090]),
            st.sampled_from([None, "TCP", "UDP", "SCTP"]),
        ),
        st.builds(
            np_port,
            st.sampled_from(["http", "dns", "dns-tcp", "metrics", "sctp"]),
            st.sampled_from([None, "TCP", "UDP", "SCTP"]),
        ),
        st.builds(lambda p: np_port(80, "TCP", p), st.sampled_from([80, 81, 9090])),
        st.builds(lambda proto: np_port(None, proto), st.sampled_from(["TCP", "UDP"])),
    )
    maybe_peers = st.one_of(st.just(OMIT), st.lists(peer_st, max_size=2))
    maybe_ports = st.one_of(st.just(OMIT), st.lists(port_st, max_size=2))
    rule_st = st.tuples(maybe_peers, maybe_ports)
    maybe_rules = st.one_of(st.just(OMIT), st.lists(rule_st, max_size=2))

    @st.composite
    def build(draw: Any) -> list[Doc]:
        n_ns = draw(st.integers(2, 3))
        names = ns_names[:n_ns]
        docs: list[Doc] = [namespace(n, draw(labels_st(ns_label_values))) for n in names]
        n_pods = draw(st.integers(1, max_pods))
        for i in range(n_pods):
            ns = draw(st.sampled_from(names))
            chosen = draw(
                st.lists(st.sampled_from(port_menu), max_size=3, unique_by=lambda p: p[0])
            )
            ports = [container_port(num, proto, pname) for pname, num, proto in chosen]
            host = allow_host_network and draw(st.integers(0, 9)) == 0
            docs.append(
                pod(
                    ns,
                    f"p{i}",
                    draw(labels_st(label_values)),
                    [f"10.1.0.{10 + 3 * i}"],
                    ports,
                    host_network=host,
                )
            )
        n_pol = draw(st.integers(0, max_policies))
        for i in range(n_pol):
            ns = draw(st.sampled_from(names))
            types = draw(st.sampled_from([OMIT, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
            ing = draw(maybe_rules)
            egr = draw(maybe_rules)
            docs.append(
                netpol(
                    ns,
                    f"pol{i}",
                    draw(selector_st(label_values)),
                    ingress=OMIT if ing is OMIT else [ingress_rule(a, b) for a, b in ing],
                    egress=OMIT if egr is OMIT else [egress_rule(a, b) for a, b in egr],
                    policy_types=types,
                )
            )
        return docs

    return build()
