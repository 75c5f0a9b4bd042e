"""Which pods a policy selects (its spec.podSelector within its namespace)."""

from __future__ import annotations

from reachability._bits import positions
from reachability._index import cluster_index
from reachability.cluster import Cluster
from reachability.model import Pod


def selected_pods(cluster: Cluster, policy_id: str) -> tuple[Pod, ...]:
    """The pods `policy_id` selects; host-network pods are never selected."""
    policy = cluster.policy(policy_id)
    index = cluster_index(cluster)
    position = next(k for k, p in enumerate(cluster.policies) if p.id == policy.id)
    bits = index.selected[position]
    return tuple(cluster.pods[i] for i in positions(bits))
