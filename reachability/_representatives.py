"""Representative pods: what to analyse when the input has namespaces and policies but no pods.

The environments program renders only a Namespace and its NetworkPolicies, yet we want to ask
"can the web pod reach postgres?". We synthesize one pod per class of pods that the input's
selectors tell apart, and one namespace per class of namespaces they tell apart, each labelled
with the smallest label set of its class (`_label_classes.py`: complete by construction, one
witness per satisfiable signature).

Namespaces:
- the input's, and those its policies live in;
- every namespace a namespaceSelector names through `kubernetes.io/metadata.name` (matchLabels,
  In or NotIn) that the input lacks, labelled with that name only (declare it in the input to give
  it more labels): such a namespace is a class of its own;
- one stand-in per class of *other* namespaces (any namespace none of the above is, so its name
  is a value no selector mentions), over every namespaceSelector of the policies: `other-namespace`
  for the class without labels, `other-namespace-<key>-<value>...` (sanitized, up to 63
  characters, `-2`, ... on a clash) for the others, e.g. `other-namespace-team-red`. A stand-in
  already in the input with the same labels (a cluster synthesized once and synthesized again)
  is kept, not doubled.

Pods, per namespace N: the selectors that can apply to N's pods are the podSelector of every
policy in N, every peer podSelector without a namespaceSelector in a policy of N, and every peer
podSelector whose namespaceSelector matches N's labels (effective rules only). A
ClusterNetworkPolicy's subject and its `namespaces`/`pods` peers are namespaceSelectors (with
podSelectors scoped by them), counted the same way. One pod per class
of label sets over those selectors. Since the label-less set is always the cheapest of its class,
every namespace has a pod named `pod`; the others are named after their labels, `key-value`
sanitized to a DNS label and joined by `.` (e.g. `app-postgres`, `app-web.tier-any`).

Representatives have no IP and no container ports: an ipBlock, a ClusterNetworkPolicy's
`networks` or a named port never matches them, which holds for real pods on private addresses
that no such CIDR covers; question a CIDR covering pod addresses, or a named port, with real
pods.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence

from kubefacts.api import DIRECTIONS, NAMESPACE_NAME_LABEL
from kubefacts.validation import dns_label_problem
from reachability._label_classes import label_classes, order
from reachability.cluster_policy import ClusterNetworkPolicy
from reachability.model import Labels, Namespace, NetworkPolicy, Pod
from reachability.selectors import LabelSelector

OTHER_NAMESPACE = "other-namespace"
EMPTY_POD = "pod"
_NOT_DNS = re.compile(r"[^a-z0-9-]+")
_DNS_LABEL = 63


def synthesize(
    namespaces: Sequence[Namespace],
    policies: Sequence[NetworkPolicy],
    cluster_policies: Sequence[ClusterNetworkPolicy] = (),
    without: Container[str] = (),
) -> tuple[tuple[Namespace, ...], tuple[Pod, ...]]:
    """All namespaces (input plus synthesized) and one representative pod per class in each,
    but none in the namespaces `without` names (whose pods are given)."""
    known = {ns.name: ns for ns in namespaces}
    scoped = _cluster_selectors(cluster_policies)
    namespace_selectors = list(dict.fromkeys((*_namespace_selectors(policies), *scoped)))
    mentioned = _names_mentioned(namespace_selectors)
    for name in (*(p.namespace for p in policies), *mentioned):
        if name not in known and dns_label_problem(name) is None:
            known[name] = Namespace(name, Labels({NAMESPACE_NAME_LABEL: name}))
    governed = {policy.namespace for policy in policies}
    for stand_in in _other_namespaces(namespace_selectors, known, mentioned | governed):
        known[stand_in.name] = stand_in
    local, by_namespace_selector = _pod_selectors(policies)
    for namespace_selector, selectors in scoped.items():
        listed = by_namespace_selector.setdefault(namespace_selector, [])
        listed.extend(s for s in selectors if s not in listed)
    pods: list[Pod] = []
    for name in sorted(known):
        if name in without:
            continue
        applicable = list(local.get(name, ()))
        for namespace_selector, selectors in by_namespace_selector.items():
            if namespace_selector.matches(known[name].labels):
                applicable.extend(selectors)
        pods.extend(_representatives(name, list(dict.fromkeys(applicable))))
    return tuple(known[name] for name in sorted(known)), tuple(pods)


def pod_name(labels: Labels) -> str:
    """`key-value` per label, each sanitized to a DNS label, joined by `.`; `pod` when none."""
    if not labels:
        return EMPTY_POD
    return ".".join(_dns_part(key, value) for key, value in labels.items())[:253].strip(".-")


def _dns_part(key: str, value: str) -> str:
    part = _NOT_DNS.sub("-", f"{key}-{value}".lower()).strip("-")[:_DNS_LABEL].strip("-")
    return part or "label"


def _namespace_selectors(policies: Iterable[NetworkPolicy]) -> list[LabelSelector]:
    found: list[LabelSelector] = []
    for policy in policies:
        for direction in DIRECTIONS:
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    if peer.namespace_selector is not None:
                        found.append(peer.namespace_selector)
    return list(dict.fromkeys(found))


def _cluster_selectors(
    policies: Iterable[ClusterNetworkPolicy],
) -> dict[LabelSelector, list[LabelSelector]]:
    """Every namespaceSelector of the ClusterNetworkPolicies (subjects and peers), with the pod
    selectors each scopes (none for a `namespaces` subject or peer)."""
    found: dict[LabelSelector, list[LabelSelector]] = {}

    def add(namespaces: LabelSelector | None, pods: LabelSelector | None) -> None:
        if namespaces is None:
            return
        listed = found.setdefault(namespaces, [])
        if pods is not None and pods not in listed:
            listed.append(pods)

    for policy in policies:
        add(policy.namespace_selector, policy.pod_selector)
        for direction in DIRECTIONS:
            for rule in policy.rules(direction):
                for peer in rule.peers:
                    add(peer.namespace_selector, peer.pod_selector)
    return found


def _names_mentioned(selectors: Iterable[LabelSelector]) -> set[str]:
    """Every `kubernetes.io/metadata.name` value the selectors test: each names a class."""
    names: set[str] = set()
    for selector in selectors:
        names.update(value for key, value in selector.match_labels if key == NAMESPACE_NAME_LABEL)
        for requirement in selector.match_expressions:
            if requirement.key == NAMESPACE_NAME_LABEL:
                names.update(requirement.values)
    return names


def _other_namespaces(
    selectors: Sequence[LabelSelector], known: Mapping[str, Namespace], reserved: set[str]
) -> list[Namespace]:
    """One stand-in per class of the namespaces that no selector names and that hold no policy:
    their name is a value no selector mentions, so one unreserved name stands for all of them."""
    placeholder = _numbered(OTHER_NAMESPACE, lambda name: name not in reserved)
    taken = set(reserved)
    stand_ins: list[Namespace] = []
    for labels in label_classes(selectors, {NAMESPACE_NAME_LABEL: placeholder}):
        extra = {k: v for k, v in labels.items() if k != NAMESPACE_NAME_LABEL}
        base = "-".join([OTHER_NAMESPACE, *(_dns_part(k, v) for k, v in extra.items())])

        def free(name: str, extra: dict[str, str] = extra) -> bool:
            found = known.get(name)  # kept when it is this stand-in, synthesized before
            same = found is None or found.labels == {**extra, NAMESPACE_NAME_LABEL: name}
            return name not in taken and same

        name = _numbered(base[:_DNS_LABEL].strip("-"), free)
        taken.add(name)
        stand_ins.append(
            known.get(name) or Namespace(name, Labels({**extra, NAMESPACE_NAME_LABEL: name}))
        )
    return stand_ins


def _numbered(base: str, free: Callable[[str], bool]) -> str:
    """`base`, else `base-2`, `base-3`, ... (within a DNS label): the first name `free` accepts."""
    name, suffix = base, 2
    while not free(name):
        tail = f"-{suffix}"
        name, suffix = base[: _DNS_LABEL - len(tail)].strip("-") + tail, suffix + 1
    return name


def _pod_selectors(
    policies: Iterable[NetworkPolicy],
) -> tuple[dict[str, list[LabelSelector]], dict[LabelSelector, list[LabelSelector]]]:
    """Pod selectors scoped to one namespace, and those scoped by a namespaceSelector."""
    local: dict[str, list[LabelSelector]] = {}
    scoped: dict[LabelSelector, list[LabelSelector]] = {}
    for policy in policies:
        local.setdefault(policy.namespace, []).append(policy.pod_selector)
        for direction in DIRECTIONS:
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    if peer.pod_selector is None:
                        continue
                    if peer.namespace_selector is None:
                        local[policy.namespace].append(peer.pod_selector)
                    else:
                        scoped.setdefault(peer.namespace_selector, []).append(peer.pod_selector)
    return (
        {ns: list(dict.fromkeys(selectors)) for ns, selectors in local.items()},
        {ns: list(dict.fromkeys(selectors)) for ns, selectors in scoped.items()},
    )


def _representatives(namespace: str, selectors: Sequence[LabelSelector]) -> list[Pod]:
    pods: list[Pod] = []
    taken: set[str] = set()
    for labels in sorted(label_classes(selectors), key=order):
        name = base = pod_name(labels)
        suffix = 2
        while name in taken:
            name, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(name)
        pods.append(Pod(namespace=namespace, name=name, labels=labels, stand_in=True))
    return pods
