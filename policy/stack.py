"""What the pack analyses: the stack's Kubernetes objects as a reachability cluster, with probe
namespaces that stand for the rest of the cluster.

A stack only shows its own namespaces, but the mandatory rules are about everyone else: "no other
namespace reaches ours", "we reach no other environment". So the cluster is completed with
namespaces that could exist: environments like ours but another (a development and a production
one, labelled the catalyst.dev way). Every other namespace the policies' namespaceSelectors can
tell apart (a selector on `team: x` meets `other-namespace-team-x`) is the engine's own stand-in,
as are the pods: the engine's representatives, always (a Pulumi program declares Deployments far
more often than Pods).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy.resources import StackObject, urns_by_ref
from reachability import Cluster, Matrix, Options, Pod, from_manifests, matrix, probe_ports

TEAM = "catalyst.dev/team"
PROJECT = "catalyst.dev/project"
ENVIRONMENT = "catalyst.dev/environment"
TIER = "catalyst.dev/tier"
FRESH = "probe"
SOURCE = "<pulumi stack>"

Flow = tuple[str, str, int, str]
"""An allowed (src, dst, port, protocol), src and dst by endpoint id."""


@dataclass(frozen=True, slots=True)
class StackCluster:
    """The stack's objects, the completed cluster, and which namespaces the stack creates."""

    objects: tuple[StackObject, ...]
    cluster: Cluster
    created: tuple[str, ...]
    probes: tuple[str, ...]
    ports: tuple[tuple[int, str], ...]
    flows: frozenset[Flow]
    """Every allowed (src, dst, port, protocol) on `ports`, from the engine's matrix."""
    urns: Mapping[str, str]
    """ "Kind namespace/name" -> the URN of the first object so named."""
    from_namespace: Mapping[str, tuple[Flow, ...]]
    """The flows whose source is a pod of the namespace: each namespace's question is asked of
    its own flows, not of the whole matrix again."""
    into_namespace: Mapping[str, tuple[Flow, ...]]
    """The flows whose destination is a pod of the namespace."""
    pods_by_id: Mapping[str, Pod]

    def urn_of(self, ref: str) -> str | None:
        """The resource behind "Kind namespace/name" (as lint and the engine name objects)."""
        return self.urns.get(ref)

    def pod(self, pod_id: str) -> Pod | None:
        return self.pods_by_id.get(pod_id)

    def flows_from(self, namespace: str) -> tuple[Flow, ...]:
        return self.from_namespace.get(namespace, ())

    def flows_into(self, namespace: str) -> tuple[Flow, ...]:
        return self.into_namespace.get(namespace, ())

    def environment_of(self, namespace: str) -> str | None:
        for ns in self.cluster.namespaces:
            if ns.name == namespace:
                return ns.labels.get(ENVIRONMENT)
        return None


def stack_cluster(
    objects: Sequence[StackObject], options: Options, parsed: Cluster | None = None
) -> StackCluster:
    """The completed cluster of the stack's objects and what the policies ask of it.

    `parsed`: the objects as `from_manifests` made them into a cluster with their own pods
    (`representatives` None or False), e.g. lint's: the stack is then not parsed again."""
    created = tuple(o.name for o in objects if o.kind == "Namespace")
    taken = {o.name for o in objects if o.kind == "Namespace"}
    probes = [
        *environment_probes([o.manifest for o in objects if o.kind == "Namespace"], taken),
    ]
    if parsed is None:
        parsed = from_manifests([o.manifest for o in objects], source=SOURCE)
    cluster = completed(parsed, probes, options)
    ports = probe_ports((*cluster.policies, *cluster.cluster_policies), cluster.pods)
    pods_by_id = {pod.id: pod for pod in cluster.pods}
    flows, from_namespace, into_namespace = _grouped(matrix(cluster, ports), pods_by_id)
    return StackCluster(
        tuple(objects),
        cluster,
        created,
        tuple(p["metadata"]["name"] for p in probes),
        ports,
        frozenset(flows),
        urns_by_ref(objects),
        {namespace: tuple(found) for namespace, found in from_namespace.items()},
        {namespace: tuple(found) for namespace, found in into_namespace.items()},
        pods_by_id,
    )


def _grouped(
    found: Matrix, pods_by_id: Mapping[str, Pod]
) -> tuple[list[Flow], dict[str, list[Flow]], dict[str, list[Flow]]]:
    """The matrix's allowed flows, and those from and into each namespace, read off its rows
    (the lists in no particular order: each question sorts what it keeps)."""
    names = found.endpoints
    namespace_at = [pods_by_id[n].namespace if n in pods_by_id else None for n in names]
    flows: list[Flow] = []
    from_namespace: dict[str, list[Flow]] = {}
    into_namespace: dict[str, list[Flow]] = {}
    for (port, protocol), rows in zip(found.ports, found.rows, strict=True):
        for i, row in enumerate(rows):
            if not row:
                continue
            src = names[i]
            out = [(src, names[j], port, protocol) for j in row]
            flows += out
            namespace = namespace_at[i]
            if namespace is not None:
                from_namespace.setdefault(namespace, []).extend(out)
            for j, flow in zip(row, out, strict=True):
                namespace = namespace_at[j]
                if namespace is not None:
                    into_namespace.setdefault(namespace, []).append(flow)
    return flows, from_namespace, into_namespace


def completed(parsed: Cluster, probes: Sequence[Mapping[str, Any]], options: Options) -> Cluster:
    """`parsed` with the probe Namespaces, and representative pods throughout: the cluster
    `from_manifests([*docs, *probes], representatives=True)` builds, without parsing the docs
    again (parsing does not depend on the options; assembling does, and is done anew)."""
    if parsed.representative and parsed.options.representatives:
        raise ValueError("the stack's cluster must hold its own pods (representatives None/False)")
    added = from_manifests(
        probes, source=SOURCE, options=Options(representatives=False), copy=False
    ).namespaces
    names = {ns.name for ns in added}
    # Given pods: every namespace is the input's or one its objects live in. Synthesized pods
    # (the stack has none): the input's are those with a source; the rest are stand-ins.
    namespaces = [
        ns
        for ns in parsed.namespaces
        if ns.name not in names and (not parsed.representative or ns.source is not None)
    ]
    cluster = Cluster.build(
        (*namespaces, *added),
        () if parsed.representative else parsed.pods,
        parsed.policies,
        # Representatives: a pod talking to "itself" stands for two of its kind; policies decide.
        Options(ipblock_matches_pods=options.ipblock_matches_pods, representatives=True),
        parsed.cluster_policies,
    )
    return dataclasses.replace(cluster, notes=parsed.notes) if parsed.notes else cluster


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
