"""Decoded documents -> Namespaces, Pods, workloads, NetworkPolicies and ClusterNetworkPolicies,
every problem reported at once.

The checks mirror pkg/apis/networking/validation and apimachinery's label-selector validation,
plus the decoding errors a typed client would raise (a label value that YAML turned into a boolean,
a port written as "80"). Unknown fields of a NetworkPolicy are errors too, as with kubectl's default
strict field validation: a misspelled `namespaceSelector` must not silently widen a peer.
Every problem is collected, each naming its file, object and field; parsing never stops early.

Defaults applied here, as the API server applies them: policyTypes (Ingress, plus Egress when
`spec.egress` has rules), protocol TCP, namespace `default` for namespaced objects without one,
and the automatic `kubernetes.io/metadata.name` label on every namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubefacts.cluster_network_policy import CLUSTER_POLICY_KINDS, NETWORK_POLICY_API_GROUP
from reachability._parse.cluster_policy import cluster_policy
from reachability._parse.memo import ParseMemo
from reachability._parse.metadata import (
    CLUSTER_SCOPED_KINDS,
    namespace,
    namespace_of,
    object_name,
)
from reachability._parse.pod import pod
from reachability._parse.policy import SpecMemo, policy
from reachability._parse.problems import Context
from reachability._parse.workload import (
    Controlled,
    controller,
    fold_controlled,
    is_workload,
    workload,
)
from reachability.cluster_policy import ClusterNetworkPolicy
from reachability.model import Namespace, NetworkPolicy, Pod
from reachability.problems import ManifestError, Problem


@dataclass(frozen=True, slots=True)
class Document:
    """One decoded YAML/JSON document and where it came from."""

    source: str
    position: str  # "document 3" or "document 3, item 7": names objects that have no name
    body: Any


@dataclass(frozen=True, slots=True)
class Parsed:
    namespaces: tuple[Namespace, ...]
    pods: tuple[Pod, ...]  # and workloads
    policies: tuple[NetworkPolicy, ...]
    notes: tuple[Problem, ...] = ()  # accepted, but worth saying (a name derived from generateName)
    cluster_policies: tuple[ClusterNetworkPolicy, ...] = ()


def parse_documents(
    documents: Iterable[Document],
    within: frozenset[str] | None = None,
    memo: ParseMemo | None = None,
) -> Parsed:
    """Parse every Namespace, Pod, workload, NetworkPolicy and ClusterNetworkPolicy; raise
    ManifestError with every problem. Workloads are endpoints beside the Pods; a Pod they
    control is folded into them.

    `within`: only the Pods, workloads and NetworkPolicies of these namespaces (every Namespace
    and ClusterNetworkPolicy still), for questions that cannot involve the others.
    `memo`: objects parsed from the same decoded bodies before, reused (see ParseMemo)."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    seen: dict[tuple[str, str], tuple[Any, str]] = {}
    namespaces: list[Namespace] = []
    endpoints: list[Controlled] = []
    policies: list[NetworkPolicy] = []
    cluster_policies: list[ClusterNetworkPolicy] = []
    specs: SpecMemo = {}
    for document in expand_lists(documents):
        body = document.body
        kind = body.get("kind")
        if kind not in _KINDS and not is_workload(body):
            continue  # other kinds play no part in reachability
        if (
            within is not None
            and kind not in CLUSTER_SCOPED_KINDS
            and namespace_of(body) not in within
        ):
            continue
        ctx = Context(document.source, object_name(body, kind, document.position), problems, notes)
        if kind in CLUSTER_POLICY_KINDS and not _network_policy_api(body):
            ctx.note(
                "apiVersion",
                f"{body.get('apiVersion')}: not analysed, only {NETWORK_POLICY_API_GROUP}'s "
                f"{kind} is read; verdicts leave this object out",
            )
            continue
        before, noted = len(problems), len(notes)
        remembered = memo.get(document) if memo is not None else None
        if remembered is not None:
            value: Any = remembered
        elif kind == "Namespace":
            value = namespace(ctx, body)
        elif kind == "Pod":
            value = Controlled(pod(ctx, body), controller(ctx, body))
        elif kind == "NetworkPolicy":
            value = policy(ctx, body, document.source, specs)
        elif kind in CLUSTER_POLICY_KINDS:
            value = cluster_policy(ctx, body, document.source)
        else:
            value = Controlled(workload(ctx, body), controller(ctx, body))
        if value is None or len(problems) > before:
            continue
        if memo is not None and remembered is None and len(notes) == noted:
            memo.keep(document, value)
        key = (kind, ctx.obj)
        if key in seen:
            previous, previous_source = seen[key]
            if previous != value:
                ctx.add("", f"defined differently in {previous_source}: keep one definition")
            continue
        seen[key] = (value, document.source)
        if kind == "Namespace":
            namespaces.append(value)
        elif kind == "NetworkPolicy":
            policies.append(value)
        elif kind in CLUSTER_POLICY_KINDS:
            cluster_policies.append(value)
        else:
            endpoints.append(value)
    if problems:
        raise ManifestError(problems)
    return Parsed(
        tuple(namespaces),
        tuple(fold_controlled(endpoints)),
        tuple(policies),
        tuple(notes),
        tuple(cluster_policies),
    )


_KINDS = ("Pod", "NetworkPolicy", *CLUSTER_SCOPED_KINDS)


def _network_policy_api(body: Mapping[str, Any]) -> bool:
    """Whether a cluster policy kind is the network-policy-api's (another group, such as
    Antrea's crd.antrea.io, has its own ClusterNetworkPolicy). A missing or odd apiVersion is
    the parser's to report."""
    version = body.get("apiVersion")
    return not isinstance(version, str) or version.partition("/")[0] in (
        NETWORK_POLICY_API_GROUP,
        version,
    )


def expand_lists(documents: Iterable[Document]) -> Iterator[Document]:
    """Objects with a string `kind`, with `List`/`*List` kinds flattened into their items.

    Items of a typed list (e.g. `PodList` from the REST API) may omit `kind`/`apiVersion`; they
    inherit them from the list. Documents that are not objects (empty documents, a YAML list such
    as a `check` expectations file sharing the folder) are not manifests and are skipped.
    """
    for top in documents:  # one at a time, as they come: a load decoding ahead streams them
        pending = [top]  # a stack, not recursion: Lists may nest thousands deep
        while pending:
            document = pending.pop()
            body = document.body
            if not isinstance(body, Mapping) or not isinstance(body.get("kind"), str):
                continue
            kind: str = body["kind"]
            items = body.get("items")
            if kind.endswith("List") and isinstance(items, list):
                item_kind = kind[: -len("List")] or None
                expanded = []
                for i, item in enumerate(items):
                    if isinstance(item, Mapping):
                        defaults = {"kind": item_kind, "apiVersion": body.get("apiVersion")}
                        missing = {k: v for k, v in defaults.items() if v and k not in item}
                        item = {**missing, **item} if missing else item
                    position = f"{document.position}, item {i + 1}"
                    expanded.append(Document(document.source, position, item))
                pending.extend(reversed(expanded))
                continue
            yield document
