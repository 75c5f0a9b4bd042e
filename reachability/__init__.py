"""Kubernetes NetworkPolicy (networking.k8s.io/v1) and ClusterNetworkPolicy (v1alpha2) semantics,
offline: load manifests, then ask whether a connection is allowed and why, or for the whole
connectivity matrix.

These names are the whole public surface: lint/, diff/, the policy pack, the end-to-end tests and
the components import nothing else of this package (modules whose names start with `_` are its
internals). The contract is docs/reachability-api.md.
"""

from kubefacts.api import Direction
from reachability._ahead import Ahead
from reachability._ahead import available as ahead_available
from reachability._frozen import plain_copy
from reachability._parse import Document, expand_lists
from reachability._selected import selected_pods
from reachability._sets_beside import compute_beside as compute_sets_beside
from reachability.cluster import Cluster
from reachability.cluster_policy import ClusterNetworkPolicy, ClusterPeer, ClusterPort, ClusterRule
from reachability.evaluation import (
    ClusterRuleRef,
    Reason,
    RuleRef,
    SideVerdict,
    Verdict,
    allowed,
)
from reachability.explain import endpoints_note, pod_list, side_reason
from reachability.load import from_manifests, load, load_each, read_documents
from reachability.located import Lines, Located, line_in, located_documents, objects_of
from reachability.matrix import Matrix, matrix
from reachability.model import (
    HOST_NETWORK_CONVENTIONS,
    ContainerPort,
    Endpoint,
    ExternalIP,
    HostNetwork,
    IPBlock,
    Labels,
    Namespace,
    NetworkPolicy,
    Options,
    Peer,
    Pod,
    PolicyPort,
    Rule,
)
from reachability.probes import DEFAULT_PORTS, Port, probe_externals, probe_ports
from reachability.problems import (
    InvalidQuery,
    ManifestError,
    NotInMatrix,
    Problem,
    UnknownEndpoint,
    UnknownPolicy,
    UserError,
)
from reachability.selectors import LabelSelector, Requirement
from reachability.sides import SideSets, opposite, side_sets

__all__ = [
    "DEFAULT_PORTS",
    "HOST_NETWORK_CONVENTIONS",
    "Ahead",
    "Cluster",
    "ClusterNetworkPolicy",
    "ClusterPeer",
    "ClusterPort",
    "ClusterRule",
    "ClusterRuleRef",
    "ContainerPort",
    "Direction",
    "Document",
    "Endpoint",
    "ExternalIP",
    "HostNetwork",
    "IPBlock",
    "InvalidQuery",
    "LabelSelector",
    "Labels",
    "Lines",
    "Located",
    "ManifestError",
    "Matrix",
    "Namespace",
    "NetworkPolicy",
    "NotInMatrix",
    "Options",
    "Peer",
    "Pod",
    "PolicyPort",
    "Port",
    "Problem",
    "Reason",
    "Requirement",
    "Rule",
    "RuleRef",
    "SideSets",
    "SideVerdict",
    "UnknownEndpoint",
    "UnknownPolicy",
    "UserError",
    "Verdict",
    "ahead_available",
    "allowed",
    "compute_sets_beside",
    "endpoints_note",
    "expand_lists",
    "from_manifests",
    "line_in",
    "load",
    "load_each",
    "located_documents",
    "matrix",
    "objects_of",
    "opposite",
    "plain_copy",
    "pod_list",
    "probe_externals",
    "probe_ports",
    "read_documents",
    "selected_pods",
    "side_reason",
    "side_sets",
]
