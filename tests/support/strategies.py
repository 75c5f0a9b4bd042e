"""Hypothesis strategies for small random clusters (lists of manifest dicts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.support.builders import (
    OMIT,
    Doc,
    cnp,
    cnp_egress,
    cnp_ingress,
    cnp_named_port,
    cnp_namespaces,
    cnp_networks,
    cnp_nodes,
    cnp_pods,
    cnp_port,
    container_port,
    egress_rule,
    ingress_rule,
    namespace,
    netpol,
    np_port,
    pod,
)
from tests.support.menus import (
    branches_st,
    labels_st,
    omitted_or_list_st,
    peer_st,
    selector_st,
    sequence_st,
    sequences_menu,
)

EXPRESSION_VALUES = ["web", "db", "api", "front", "back", "red", "dev"]


def _selector_st(
    values: Mapping[str, list[str]], expression_values: list[str] = EXPRESSION_VALUES
) -> Any:
    """A LabelSelector dict: empty, one matchLabels pair, one expression, or labels plus up to
    two expressions (every operator), on the keys of `values` and a key no label carries."""
    return selector_st(values, expression_values)


def cluster_strategy(
    *,
    max_pods: int = 6,
    max_policies: int = 4,
    allow_host_network: bool = True,
    pod_ip_blocks: bool = False,
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

    cidrs = [
        ("10.1.0.0/24", ()),
        ("10.1.0.0/24", ("10.1.0.0/28",)),
        ("10.1.0.16/28", ()),
        ("0.0.0.0/0", ("10.0.0.0/8",)),
        ("0.0.0.0/0", ()),
        ("93.184.216.0/24", ()),
        ("fd00::/8", ()),
        *(
            [("10.1.0.10/32", ()), ("10.1.0.13/32", ()), ("10.1.0.9/8", ()), ("10.1.0.0/8", ())]
            if pod_ip_blocks
            else []
        ),
    ]
    # Each piece is drawn from a menu of its values (tests/support/menus.py says why), the
    # strategies built once and drawn from for every example.
    peers = peer_st(_selector_st(label_values), _selector_st(ns_label_values), cidrs)
    protocols = [None, "TCP", "UDP", "SCTP"]
    port_st = branches_st(
        [(n, proto) for n in (80, 53, 8080, 9090) for proto in protocols],
        [(n, proto) for n in ("http", "dns", "dns-tcp", "metrics", "sctp") for proto in protocols],
        [(80, "TCP", end) for end in (80, 81, 9090)],
        [(None, "TCP"), (None, "UDP")],
    ).map(lambda args: np_port(*args))
    maybe_peers = omitted_or_list_st(peers, max_size=2)
    maybe_ports = omitted_or_list_st(port_st, max_size=2)
    rule_st = st.tuples(maybe_peers, maybe_ports)
    maybe_rules = omitted_or_list_st(rule_st, max_size=2)
    namespace_count = st.integers(2, 3)
    namespace_of = {n: st.sampled_from(ns_names[:n]) for n in (2, 3)}
    namespace_labels = labels_st(ns_label_values)
    pod_count = st.integers(1, max_pods)
    pod_ports = sequence_st(port_menu, 3, key=lambda p: p[0])
    one_in_ten = st.integers(0, 9)
    pod_labels = labels_st(label_values)
    policy_count = st.integers(0, max_policies)
    policy_types = st.sampled_from([OMIT, ["Ingress"], ["Egress"], ["Ingress", "Egress"]])
    pod_selector = _selector_st(label_values)

    @st.composite
    def build(draw: Any) -> list[Doc]:
        n_ns = draw(namespace_count)
        names = ns_names[:n_ns]
        docs: list[Doc] = [namespace(n, draw(namespace_labels)) for n in names]
        n_pods = draw(pod_count)
        for i in range(n_pods):
            ns = draw(namespace_of[n_ns])
            chosen = draw(pod_ports)
            ports = [container_port(num, proto, pname) for pname, num, proto in chosen]
            host = allow_host_network and draw(one_in_ten) == 0
            docs.append(
                pod(
                    ns,
                    f"p{i}",
                    draw(pod_labels),
                    [f"10.1.0.{10 + 3 * i}"],
                    ports,
                    host_network=host,
                )
            )
        n_pol = draw(policy_count)
        for i in range(n_pol):
            ns = draw(namespace_of[n_ns])
            types = draw(policy_types)
            ing = draw(maybe_rules)
            egr = draw(maybe_rules)
            docs.append(
                netpol(
                    ns,
                    f"pol{i}",
                    draw(pod_selector),
                    ingress=OMIT if ing is OMIT else [ingress_rule(a, b) for a, b in ing],
                    egress=OMIT if egr is OMIT else [egress_rule(a, b) for a, b in egr],
                    policy_types=types,
                )
            )
        return docs

    return build()


POD_SELECTOR_VALUES = {"app": ["web", "db", "api"], "tier": ["front", "back"]}
NAMESPACE_SELECTOR_VALUES = {
    "team": ["red", "blue"],
    "env": ["dev", "prod"],
    "kubernetes.io/metadata.name": ["alpha", "beta", "kube-system", "audit"],
}
POLICY_NAMESPACES = ["alpha", "beta", "gamma"]


def policy_set_strategy(*, max_policies: int = 5) -> Any:
    """Namespaces and policies only (what `components render` writes): 1-3 labelled namespaces,
    1..max_policies policies whose pod and namespace selectors use matchLabels and every
    operator (namespaceSelectors also on kubernetes.io/metadata.name, In and NotIn included),
    peers of every shape, a few ports. Selector values overlap the labels, so classes mix."""
    from hypothesis import strategies as st

    pod_selector = _selector_st(POD_SELECTOR_VALUES, ["web", "db", "api", "front", "back"])
    namespace_selector = _selector_st(
        NAMESPACE_SELECTOR_VALUES, ["red", "blue", "dev", "alpha", "kube-system", "audit"]
    )
    # Built once, from menus (see cluster_strategy).
    peers = peer_st(pod_selector, namespace_selector, [("0.0.0.0/0", ("10.0.0.0/8",))])
    ports = st.sampled_from([(80,), (53, "UDP"), ("http",), (443,)]).map(lambda a: np_port(*a))
    rule_st = st.tuples(
        omitted_or_list_st(peers, min_size=1, max_size=3),
        omitted_or_list_st(ports, min_size=1, max_size=2),
    )
    rules_st = omitted_or_list_st(rule_st, max_size=2)
    namespace_count = st.integers(1, 3)
    namespace_of = {n: st.sampled_from(POLICY_NAMESPACES[:n]) for n in (1, 2, 3)}
    labels = labels_st({"team": ["red", "blue"], "env": ["dev", "prod"]})
    policy_count = st.integers(1, max_policies)
    policy_types = st.sampled_from([OMIT, ["Ingress"], ["Egress"], ["Ingress", "Egress"]])

    @st.composite
    def build(draw: Any) -> list[Doc]:
        n_ns = draw(namespace_count)
        names = POLICY_NAMESPACES[:n_ns]
        docs: list[Doc] = [namespace(n, draw(labels)) for n in names]
        for i in range(draw(policy_count)):
            ingress, egress = draw(rules_st), draw(rules_st)
            docs.append(
                netpol(
                    draw(namespace_of[n_ns]),
                    f"pol{i}",
                    draw(pod_selector),
                    ingress=OMIT if ingress is OMIT else [ingress_rule(*r) for r in ingress],
                    egress=OMIT if egress is OMIT else [egress_rule(*r) for r in egress],
                    policy_types=draw(policy_types),
                )
            )
        return docs

    return build()


def concrete_pods_strategy(*, max_pods: int = 6) -> Any:
    """(namespace, namespace labels, pod labels) triples: namespaces of the policy sets, named
    ones, and others; labels on the selectors' keys and values, on other keys and values."""
    from hypothesis import strategies as st

    values = ["web", "db", "api", "front", "back", "zzz"]
    pod_labels = labels_st({key: values for key in ("app", "tier", "missing", "extra")})
    ns_values = ["red", "blue", "dev", "prod", "zzz"]
    ns_labels = labels_st({key: ns_values for key in ("team", "env", "extra")})
    names = [*POLICY_NAMESPACES, "kube-system", "audit", "zeta", "omega"]
    return st.lists(
        st.tuples(st.sampled_from(names), ns_labels, pod_labels), min_size=1, max_size=max_pods
    )


# --------------------------------------------------------------------------- ClusterNetworkPolicy

CNP_POD_LABELS = {"app": ["web", "db", "api"], "tier": ["front", "back"]}
CNP_NAMESPACE_LABELS = {
    "team": ["red", "blue"],
    "env": ["dev", "prod"],
    "kubernetes.io/metadata.name": ["alpha", "beta", "gamma"],
}
# cluster_strategy's pods are 10.1.0.10, .13, .16, ...; host-network ones are node addresses.
CNP_NETWORKS = [
    "0.0.0.0/0",
    "::/0",
    "10.1.0.0/24",
    "10.1.0.10/32",
    "10.1.0.12/30",
    "10.1.0.16/28",
    "93.184.216.0/24",
    "fd00::/8",
]
CNP_PORT_NAMES = ["http", "dns", "dns-tcp", "metrics", "sctp", "nope"]


def cnp_strategy(
    *, min_policies: int = 0, max_policies: int = 3, max_rules: int = 3, first_priority: int = 1
) -> Any:
    """A list of min_policies..max_policies ClusterNetworkPolicies (cnp0, cnp1, ...) over the
    labels of cluster_strategy: Admin or Baseline, distinct priorities from ``first_priority``
    (so that no two overlap ambiguously, and a test can put a policy before or after all of
    them), a namespaces or pods subject (namespaceSelector omitted or not), 0..max_rules rules
    per direction with every action; ingress peers namespaces/pods, egress peers also networks
    (CIDRs around the pods' and external addresses) and nodes: {}; protocols omitted or
    tcp/udp/sctp numbers and ranges or named ports (never named ports with networks/nodes
    peers, which the API refuses)."""
    from hypothesis import strategies as st

    pod_sel = _selector_st(CNP_POD_LABELS)
    ns_sel = _selector_st(CNP_NAMESPACE_LABELS, [*EXPRESSION_VALUES, "alpha", "gamma"])
    networks = branches_st(*sequences_menu(CNP_NETWORKS, 2)[1:])
    # Peer shapes: 0 namespaces, 1 pods (every namespace), 2 pods (namespaceSelector), 3
    # networks, 4 nodes. Subjects and ingress peers: namespaces or pods, half of the time each;
    # egress peers: namespaces, pods, networks or nodes, a quarter each (as one_of drew them).
    subject_shape = st.sampled_from([0, 0, 1, 2])
    egress_shape = st.sampled_from([0, 0, 1, 2, 3, 3, 4, 4])

    def cnp_peer(draw: Any, shape: int) -> Doc:
        if shape == 0:
            return cnp_namespaces(draw(ns_sel))
        if shape < 3:
            return cnp_pods(draw(pod_sel), draw(ns_sel) if shape == 2 else OMIT)
        if shape == 3:
            return cnp_networks(*draw(networks))
        return cnp_nodes()

    @st.composite
    def subject_st(draw: Any) -> Doc:
        return cnp_peer(draw, draw(subject_shape))

    protocol_names = ["TCP", "UDP", "SCTP"]
    numbers = [(proto, n) for proto in protocol_names for n in (53, 80, 8080, 9090)]
    ranges = [
        (proto, *r)
        for proto in protocol_names
        for r in [(50, 90), (53, 9090), (8080, 8081), (1, 65535)]
    ]
    names = [(name,) for name in CNP_PORT_NAMES]
    numeric = branches_st(numbers, ranges).map(_cnp_protocol)
    any_protocols = omitted_or_list_st(
        branches_st(numbers, ranges, names).map(_cnp_protocol), min_size=1, max_size=2
    )
    numeric_protocols = omitted_or_list_st(numeric, min_size=1, max_size=2)
    action_and_name = st.sampled_from(
        [(action, name) for name in (None, "r") for action in ("Accept", "Deny", "Pass")]
    )
    peer_count = st.integers(1, 2)

    # Built once, drawn from for every example (see cluster_strategy).
    policy_count = st.integers(min_policies, max_policies)
    priorities_of = {
        n: st.lists(
            st.integers(first_priority, first_priority + 20), min_size=n, max_size=n, unique=True
        )
        for n in range(min_policies, max_policies + 1)
    }

    @st.composite
    def ingress_rule_st(draw: Any) -> Doc:
        peers = [cnp_peer(draw, draw(subject_shape)) for _ in range(draw(peer_count))]
        action, name = draw(action_and_name)
        return cnp_ingress(action, peers, draw(any_protocols), name=name)

    @st.composite
    def egress_rule_st(draw: Any) -> Doc:
        peers = [cnp_peer(draw, draw(egress_shape)) for _ in range(draw(peer_count))]
        addresses = any("networks" in p or "nodes" in p for p in peers)
        protocols = draw(numeric_protocols if addresses else any_protocols)
        action, name = draw(action_and_name)
        return cnp_egress(action, peers, protocols, name=name)

    maybe_ingress = omitted_or_list_st(ingress_rule_st(), max_size=max_rules)
    maybe_egress = omitted_or_list_st(egress_rule_st(), max_size=max_rules)
    subject = subject_st()
    tier = st.sampled_from(["Admin", "Baseline"])

    @st.composite
    def build(draw: Any) -> list[Doc]:
        priorities = draw(priorities_of[draw(policy_count)])
        return [
            cnp(
                f"cnp{i}",
                draw(tier),
                priority,
                draw(subject),
                ingress=draw(maybe_ingress),
                egress=draw(maybe_egress),
            )
            for i, priority in enumerate(priorities)
        ]

    return build()


def _cnp_protocol(item: tuple[Any, ...]) -> Doc:
    """A ``protocols`` item from its menu entry: (name,), (protocol, port) or (protocol,
    start, end)."""
    if len(item) == 1:
        return cnp_named_port(item[0])
    return cnp_port(*item)


def cluster_with_cnps_strategy(
    *, max_pods: int = 5, max_policies: int = 3, max_cnps: int = 3
) -> Any:
    """cluster_strategy's namespaces, pods and NetworkPolicies (ipBlocks around pod IPs
    included), plus cnp_strategy's ClusterNetworkPolicies."""
    from hypothesis import strategies as st

    return st.builds(
        lambda docs, cnps: [*docs, *cnps],
        cluster_strategy(max_pods=max_pods, max_policies=max_policies, pod_ip_blocks=True),
        cnp_strategy(max_policies=max_cnps),
    )
