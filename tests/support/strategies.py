"""Hypothesis strategies for small random clusters (lists of manifest dicts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.support.builders import (
    OMIT,
    Doc,
    container_port,
    egress_rule,
    ingress_rule,
    namespace,
    netpol,
    np_port,
    peer,
    pod,
    selector,
)


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
            *(
                [("10.1.0.10/32", ()), ("10.1.0.13/32", ()), ("10.1.0.9/8", ()), ("10.1.0.0/8", ())]
                if pod_ip_blocks
                else []
            ),
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
