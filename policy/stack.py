"""What the pack analyses: the stack's Kubernetes objects as a reachability cluster, with probe
namespaces that stand for the rest of the cluster.

A stack only shows its own namespaces, but the mandatory rules are about everyone else: "no other
namespace reaches ours", "we reach no other environment". So the cluster is completed with
namespaces that could exist: one that satisfies each namespaceSelector the policies use (so a
selector on `team: x` meets a namespace labelled `team: x`), and environments like ours but
another (a development and a production one, labelled the catalyst.dev way). Pods are the engine's
representatives, always: a Pulumi program declares Deployments far more often than Pods.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubefacts.api import NAMESPACE_NAME_LABEL
from kubefacts.validation import label_key_problem, label_value_problem
from policy.resources import StackObject
from reachability import Cluster, Options, from_manifests, matrix, probe_ports

TEAM = "catalyst.dev/team"
PROJECT = "catalyst.dev/project"
ENVIRONMENT = "catalyst.dev/environment"
TIER = "catalyst.dev/tier"
FRESH = "probe"


@dataclass(frozen=True, slots=True)
class StackCluster:
    """The stack's objects, the completed cluster, and which namespaces the stack creates."""

    objects: tuple[StackObject, ...]
    cluster: Cluster
    created: tuple[str, ...]
    probes: tuple[str, ...]
    ports: tuple[tuple[int, str], ...]
    flows: frozenset[tuple[str, str, int, str]]
    """Every allowed (src, dst, port, protocol) on `ports`, from the engine's matrix."""

    def urn_of(self, ref: str) -> str | None:
        """The resource behind "Kind namespace/name" (as lint and the engine name objects)."""
        return next((o.urn for o in self.objects if o.ref == ref), None)

    def environment_of(self, namespace: str) -> str | None:
        for ns in self.cluster.namespaces:
            if ns.name == namespace:
                return ns.labels.get(ENVIRONMENT)
        return None


def stack_cluster(objects: Sequence[StackObject], options: Options) -> StackCluster:
    docs = [o.manifest for o in objects]
    created = tuple(o.name for o in objects if o.kind == "Namespace")
    taken = {o.name for o in objects if o.kind == "Namespace"}
    probes = [
        *environment_probes([o.manifest for o in objects if o.kind == "Namespace"], taken),
    ]
    taken |= {p["metadata"]["name"] for p in probes}
    probes += selector_probes(docs, taken)
    cluster = from_manifests(
        [*docs, *probes],
        source="<pulumi stack>",
        # Representatives: a pod talking to "itself" stands for two of its kind; policies decide.
        options=Options(ipblock_matches_pods=options.ipblock_matches_pods, representatives=True),
    )
    ports = probe_ports(cluster.policies, cluster.pods)
    return StackCluster(
        tuple(objects),
        cluster,
        created,
        tuple(p["metadata"]["name"] for p in probes),
        ports,
        frozenset(matrix(cluster, ports).allowed_flows()),
    )


def environment_probes(
    namespaces: Iterable[Mapping[str, Any]], taken: set[str]
) -> list[dict[str, Any]]:
    """Per (team, project) of the stack's namespaces: another development environment and a
    production one, labelled as the environments program labels them."""
    owners = sorted(
        {(_labels(ns).get(TEAM, FRESH), _labels(ns).get(PROJECT, FRESH)) for ns in namespaces}
    ) or [(FRESH, FRESH)]
    probes = []
    for team, project in owners:
        for tier, environment in (("development", "probe-pr"), ("production", "probe-prod")):
            name = _free(f"{team}-{project}-{environment}"[:63].strip("-"), taken)
            taken.add(name)
            probes.append(
                _namespace(
                    name,
                    {TEAM: team, PROJECT: project, ENVIRONMENT: environment, TIER: tier},
                )
            )
    return probes


def selector_probes(docs: Iterable[Mapping[str, Any]], taken: set[str]) -> list[dict[str, Any]]:
    """One namespace per namespaceSelector, labelled to satisfy it (unless it names a namespace
    by kubernetes.io/metadata.name, which the engine synthesizes itself)."""
    probes = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for selector in _namespace_selectors(docs):
        labels = _satisfying(selector)
        if labels is None or NAMESPACE_NAME_LABEL in labels or not labels:
            continue
        key = tuple(sorted(labels.items()))
        if key in seen:
            continue
        seen.add(key)
        name = _free(f"probe-namespace-{len(seen)}", taken)
        taken.add(name)
        probes.append(_namespace(name, labels))
    return probes


def _satisfying(selector: Mapping[str, Any]) -> dict[str, str] | None:
    """The smallest labels a selector matches (None when it can match nothing we can write)."""
    labels: dict[str, str] = {}
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, Mapping):
        labels.update({str(k): str(v) for k, v in match_labels.items()})
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, Sequence) else ():
        if not isinstance(expression, Mapping):
            continue
        key, operator = str(expression.get("key")), expression.get("operator")
        values = [str(v) for v in expression.get("values") or ()]
        if operator == "In" and values and key not in labels:
            labels[key] = values[0]
        elif operator == "Exists" and key not in labels:
            labels[key] = FRESH
    if any(label_key_problem(k) or label_value_problem(v) for k, v in labels.items()):
        return None
    return labels


def _namespace_selectors(docs: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for doc in docs:
        if doc.get("kind") != "NetworkPolicy":
            continue
        spec = doc.get("spec")
        if not isinstance(spec, Mapping):
            continue
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(direction) or ():
                for peer in (rule.get(key) or ()) if isinstance(rule, Mapping) else ():
                    selector = peer.get("namespaceSelector") if isinstance(peer, Mapping) else None
                    if isinstance(selector, Mapping):
                        yield selector


def _labels(namespace: Mapping[str, Any]) -> Mapping[str, str]:
    metadata = namespace.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def _namespace(name: str, labels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": dict(labels)},
    }


def _free(name: str, taken: set[str]) -> str:
    candidate, suffix = name, 2
    while candidate in taken:
        candidate, suffix = f"{name[:59]}-{suffix}", suffix + 1
    return candidate
