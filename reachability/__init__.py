"""Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics, offline: load manifests, then ask
whether a connection is allowed and why, or for the whole connectivity matrix.

The contract of this package is docs/reachability-api.md.
"""

from reachability.cluster import Cluster
from reachability.evaluation import RuleRef, SideVerdict, Verdict, allowed
from reachability.load import from_manifests, load
from reachability.matrix import Matrix, matrix
from reachability.model import (
    ContainerPort,
    ExternalIP,
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
from reachability.problems import ManifestError, Problem
from reachability.selected import selected_pods
from reachability.selectors import LabelSelector, Requirement

__all__ = [
    "Cluster",
    "ContainerPort",
    "ExternalIP",
    "IPBlock",
    "LabelSelector",
    "Labels",
    "ManifestError",
    "Matrix",
    "Namespace",
    "NetworkPolicy",
    "Options",
    "Peer",
    "Pod",
    "PolicyPort",
    "Problem",
    "Requirement",
    "Rule",
    "RuleRef",
    "SideVerdict",
    "Verdict",
    "allowed",
    "from_manifests",
    "load",
    "matrix",
    "selected_pods",
]
