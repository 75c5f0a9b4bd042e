"""Workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController)
as endpoints, and Pods that a workload of the input controls folded into it.

A workload is one endpoint standing for the pods of its template: the template's labels, its
containers' ports and hostNetwork, read and validated as a Pod's are, with problems naming the
real field (`spec.template.spec.containers[0].ports[1].name`; a CronJob's template is
`spec.jobTemplate.spec.template`). Fields beyond those are not read, so not validated: the API
server has many, and strictness applies to what reachability reads.

A Pod (or a ReplicaSet, or a Job) whose controller (`metadata.ownerReferences` with
`controller: true`) is a workload of the input, directly or through a chain of them (Pod ->
ReplicaSet -> Deployment, Pod -> Job -> CronJob), is shown as the top workload, never twice; its
IPs become the workload's. Without the ReplicaSet in the input, a Pod of ReplicaSet `web-5d8f`
carrying `pod-template-hash: 5d8f` belongs to Deployment `web`, as the Deployment controller
names its ReplicaSets. An owner that is not in the input leaves the Pod as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kubefacts.api import POD_KIND, WORKLOAD_KINDS
from reachability._parse.metadata import labels as read_labels
from reachability._parse.metadata import metadata
from reachability._parse.pod import pod_spec
from reachability._parse.problems import Context, as_list, describe, mapping, string
from reachability.model import Labels, Pod

POD_TEMPLATE_HASH_LABEL = "pod-template-hash"  # set by the Deployment controller


@dataclass(frozen=True, slots=True)
class Controlled:
    """An endpoint and the controller its ownerReferences name, (kind, name), if any."""

    endpoint: Pod
    controller: tuple[str, str] | None = None


def is_workload(body: Mapping[str, Any]) -> bool:
    """A built-in workload kind served by its own API group (not a custom resource's namesake)."""
    workload = WORKLOAD_KINDS.get(body.get("kind"))  # type: ignore[arg-type]
    return workload is not None and workload.serves(body.get("apiVersion"))


def workload(ctx: Context, body: Mapping[str, Any]) -> Pod:
    kind = WORKLOAD_KINDS[body["kind"]]
    namespace, name, _ = metadata(ctx, body, namespaced=True)
    value: Any = body
    path = ""
    for step in kind.template:
        path = f"{path}.{step}" if path else step
        value = mapping(ctx, value.get(step), path) or {}
    template_meta = mapping(ctx, value.get("metadata"), f"{path}.metadata") or {}
    found = read_labels(ctx, template_meta.get("labels"), f"{path}.metadata.labels")
    ports, host_network = pod_spec(ctx, value.get("spec"), f"{path}.spec")
    return Pod(namespace, name, Labels(found), (), ports, host_network, kind.kind)


def controller(ctx: Context, body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, name) of the ownerReference with `controller: true`, read and type-checked."""
    meta = body.get("metadata")
    if not isinstance(meta, Mapping):
        return None  # reported by metadata()
    found = None
    path = "metadata.ownerReferences"
    for i, entry in enumerate(as_list(ctx, meta.get("ownerReferences"), path)):
        where = f"{path}[{i}]"
        entry = mapping(ctx, entry, where) or {}
        # A reference without kind or name names no controller we could find: not a problem
        # of ours (what reachability reads is only the controller to fold a pod into).
        kind = string(ctx, entry.get("kind"), f"{where}.kind", required=False)
        name = string(ctx, entry.get("name"), f"{where}.name", required=False)
        is_controller = entry.get("controller", False)
        if not isinstance(is_controller, bool | None):
            ctx.add(f"{where}.controller", f"must be true or false, not {describe(is_controller)}")
            continue
        if is_controller and kind and name and found is None:
            found = (kind, name)
    return found


def fold_controlled(items: Iterable[Controlled]) -> list[Pod]:
    """Every endpoint that no workload of the input controls; the workloads that control pods
    carry those pods' IPs."""
    items = list(items)
    workloads = {
        (item.endpoint.namespace, item.endpoint.kind, item.endpoint.name): item
        for item in items
        if item.endpoint.kind != POD_KIND
    }
    absorbed: dict[Pod, list[str]] = {}
    kept: list[Pod] = []
    for item in items:
        top = _top(item, workloads)
        if top is item.endpoint:
            kept.append(top)
        else:
            absorbed.setdefault(top, []).extend(item.endpoint.ips)
    return [
        replace(p, ips=tuple(dict.fromkeys((*p.ips, *absorbed[p])))) if absorbed.get(p) else p
        for p in kept
    ]


def _top(item: Controlled, workloads: Mapping[tuple[str, str, str], Controlled]) -> Pod:
    seen = {id(item)}
    current = item
    while current.controller is not None:
        namespace = current.endpoint.namespace
        kind, name = current.controller
        owner = workloads.get((namespace, kind, name)) or _deployment_of(current, workloads)
        if owner is None or id(owner) in seen:
            break
        seen.add(id(owner))
        current = owner
    return current.endpoint


def _deployment_of(
    item: Controlled, workloads: Mapping[tuple[str, str, str], Controlled]
) -> Controlled | None:
    """The Deployment of an absent ReplicaSet `<deployment>-<pod-template-hash>`."""
    assert item.controller is not None
    kind, name = item.controller
    template_hash = item.endpoint.labels.get(POD_TEMPLATE_HASH_LABEL)
    if kind != "ReplicaSet" or not template_hash or not name.endswith(f"-{template_hash}"):
        return None
    deployment = name[: -len(template_hash) - 1]
    return workloads.get((item.endpoint.namespace, "Deployment", deployment))
