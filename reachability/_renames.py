"""Namespaces renamed in a cluster's values: the Namespace objects, the objects in them and the
`kubernetes.io/metadata.name` selectors that name them (`Cluster.renamed_namespaces`), so that
two environments' policies compare as if they governed one namespace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from kubefacts.api import NAMESPACE_NAME_LABEL
from reachability.cluster_policy import ClusterNetworkPolicy, ClusterPeer
from reachability.model import Labels, Namespace, NetworkPolicy, Peer, Pod, Rule
from reachability.selectors import LabelSelector


def renamed_policy(policy: NetworkPolicy, mapping: Mapping[str, str]) -> NetworkPolicy:
    """`policy` moved to its namespace's new name, its namespaceSelectors naming new names."""

    def peer(value: Peer) -> Peer:
        if value.namespace_selector is None:
            return value
        selector = renamed_selector(value.namespace_selector, mapping)
        return dataclasses.replace(value, namespace_selector=selector)

    def rules(values: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(
            rule
            if rule.peers is None
            else dataclasses.replace(rule, peers=tuple(peer(p) for p in rule.peers))
            for rule in values
        )

    return dataclasses.replace(
        policy,
        namespace=mapping.get(policy.namespace, policy.namespace),
        ingress=rules(policy.ingress),
        egress=rules(policy.egress),
    )


def renamed_cluster_policy(
    policy: ClusterNetworkPolicy, mapping: Mapping[str, str]
) -> ClusterNetworkPolicy:
    """`policy` with the `kubernetes.io/metadata.name` values of its namespace selectors renamed."""

    def peer(value: ClusterPeer) -> ClusterPeer:
        if value.namespace_selector is None:
            return value
        selector = renamed_selector(value.namespace_selector, mapping)
        return dataclasses.replace(value, namespace_selector=selector)

    return dataclasses.replace(
        policy,
        namespace_selector=renamed_selector(policy.namespace_selector, mapping),
        ingress=tuple(
            dataclasses.replace(r, peers=tuple(map(peer, r.peers))) for r in policy.ingress
        ),
        egress=tuple(
            dataclasses.replace(r, peers=tuple(map(peer, r.peers))) for r in policy.egress
        ),
    )


def renamed_selector(selector: LabelSelector, mapping: Mapping[str, str]) -> LabelSelector:
    """A namespaceSelector whose `kubernetes.io/metadata.name` values are renamed."""
    labels = tuple(
        (key, mapping.get(value, value) if key == NAMESPACE_NAME_LABEL else value)
        for key, value in selector.match_labels
    )
    expressions = tuple(
        dataclasses.replace(
            requirement,
            values=tuple(sorted({mapping.get(v, v) for v in requirement.values})),
        )
        if requirement.key == NAMESPACE_NAME_LABEL
        else requirement
        for requirement in selector.match_expressions
    )
    return LabelSelector(labels, expressions)


def renamed_namespace(namespace: Namespace, mapping: Mapping[str, str]) -> Namespace:
    name = mapping.get(namespace.name, namespace.name)
    labels = dict(namespace.labels)
    if labels.get(NAMESPACE_NAME_LABEL) == namespace.name:
        labels[NAMESPACE_NAME_LABEL] = name
    return dataclasses.replace(namespace, name=name, labels=Labels(labels))


def renamed_pod(pod: Pod, mapping: Mapping[str, str]) -> Pod:
    return dataclasses.replace(pod, namespace=mapping.get(pod.namespace, pod.namespace))
