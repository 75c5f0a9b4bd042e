"""Which pods a policy selects (its spec.podSelector within its namespace)."""

from __future__ import annotations

from reachability._bits import positions
from reachability._index import cluster_index
from reachability.cluster import Cluster
from reachability.model import Pod


def selected_pods(cluster: Cluster, policy_id: str) -> tuple[Pod, ...]:
    """The pods `policy_id` selects; host-network pods are never selected."""
    cluster.policy(policy_id)  # UnknownPolicy when it is not there
    position = cluster._policy_position(policy_id)
    assert position is not None
    bits = cluster_index(cluster).selected(position)
    return tuple(cluster.pods[i] for i in positions(bits))
