"""Representative pods: what to analyse when the input has namespaces and policies but no pods.

The environments program renders only a Namespace and its NetworkPolicies, yet we want to ask
"can the web pod reach postgres?". We synthesize, per namespace, one pod per class of pods that
no selector of the input can tell apart, and label it with the smallest label set of that class.

Algorithm, per namespace N (input namespaces, namespaces the policies live in, namespaces named
by a namespaceSelector through `kubernetes.io/metadata.name` (matchLabels or In), and
`other-namespace`, which stands for every other namespace of the cluster):

1. The selectors that can apply to N's pods: the podSelector of every policy in N, every peer
   podSelector without a namespaceSelector in a policy of N, and every peer podSelector whose
   namespaceSelector matches N's labels (effective rules only).
2. Candidate label sets (linear in the selectors' size, never their product): the empty set;
   one single label per (key, value) the selectors mention (matchLabels, In, NotIn); a value no
   selector mentions (`any`) for keys tested with Exists, DoesNotExist or NotIn; and, for each
   selector, its smallest satisfying set (its matchLabels, the first value of each In, a value for
   each Exists), varied once per other value of each In.
3. Candidates in order (fewest labels first, then by text) each get a signature: which of the
   selectors of step 1 match them. The first candidate per signature becomes a pod; later
   candidates with the same signature are pods no selector could tell apart from it.

The label-less candidate always comes first, so every namespace has a pod named `pod`. Other pods
are named after their labels, `key-value` sanitized to a DNS label and joined by `.` (e.g.
`app-postgres`, `k8s-app-kube-dns`). Representatives have no IP and no container ports: an
ipBlock or a named port never matches them, which holds for real pods on private addresses;
question an ipBlock covering pod addresses, or a named port, with real pods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kubefacts.api import NAMESPACE_NAME_LABEL, Direction
from kubefacts.validation import dns_label_problem
from reachability.model import Labels, Namespace, NetworkPolicy, Pod
from reachability.selectors import LabelSelector

OTHER_NAMESPACE = "other-namespace"
EMPTY_POD = "pod"
FRESH_VALUE = "any"
_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def synthesize(
    namespaces: Sequence[Namespace], policies: Sequence[NetworkPolicy]
) -> tuple[tuple[Namespace, ...], tuple[Pod, ...]]:
    """All namespaces (input plus synthesized) and one representative pod per class in each."""
    known = {ns.name: ns for ns in namespaces}
    for name in _namespaces_needed(policies):
        if name not in known:
            known[name] = Namespace(name, Labels({NAMESPACE_NAME_LABEL: name}))
    local, by_namespace_selector = _pod_selectors(policies)
    pods: list[Pod] = []
    for name in sorted(known):
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
    parts = []
    for key, value in labels.items():
        part = _NOT_DNS.sub("-", f"{key}-{value}".lower()).strip("-")[:63].strip("-")
        parts.append(part or "label")
    return ".".join(parts)[:253].strip(".-")


def _namespaces_needed(policies: Iterable[NetworkPolicy]) -> list[str]:
    names: list[str] = []
    for policy in policies:
        names.append(policy.namespace)
        for direction in Direction:
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    if peer.namespace_selector is not None:
                        names.extend(_named_by(peer.namespace_selector))
    names.append(OTHER_NAMESPACE)
    return list(dict.fromkeys(names))


def _named_by(selector: LabelSelector) -> list[str]:
    names = [value for key, value in selector.match_labels if key == NAMESPACE_NAME_LABEL]
    for requirement in selector.match_expressions:
        if requirement.key == NAMESPACE_NAME_LABEL and requirement.operator == "In":
            names.extend(requirement.values)
    return [name for name in names if dns_label_problem(name) is None]


def _pod_selectors(
    policies: Iterable[NetworkPolicy],
) -> tuple[dict[str, list[LabelSelector]], dict[LabelSelector, list[LabelSelector]]]:
    """Pod selectors scoped to one namespace, and those scoped by a namespaceSelector."""
    local: dict[str, list[LabelSelector]] = {}
    scoped: dict[LabelSelector, list[LabelSelector]] = {}
    for policy in policies:
        local.setdefault(policy.namespace, []).append(policy.pod_selector)
        for direction in Direction:
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
    chosen: dict[tuple[bool, ...], Labels] = {}
    for candidate in _candidates(selectors):
        signature = tuple(selector.matches(candidate) for selector in selectors)
        chosen.setdefault(signature, candidate)
    pods: list[Pod] = []
    taken: set[str] = set()
    for labels in sorted(chosen.values(), key=_order):
        name = base = pod_name(labels)
        suffix = 2
        while name in taken:
            name, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(name)
        pods.append(Pod(namespace=namespace, name=name, labels=labels))
    return pods


def _order(labels: Labels) -> tuple[int, tuple[tuple[str, str], ...]]:
    return len(labels), tuple(labels.items())


def _candidates(selectors: Sequence[LabelSelector]) -> list[Labels]:
    values: dict[str, set[str]] = {}
    open_keys: set[str] = set()
    for selector in selectors:
        for key, value in selector.match_labels:
            values.setdefault(key, set()).add(value)
        for requirement in selector.match_expressions:
            values.setdefault(requirement.key, set()).update(requirement.values)
            if requirement.operator != "In":
                open_keys.add(requirement.key)
    fresh = {key: _fresh_value(values.get(key, set())) for key in open_keys}

    candidates: set[Labels] = {Labels()}
    for key, found in values.items():
        candidates.update(Labels({key: value}) for value in found)
    candidates.update(Labels({key: value}) for key, value in fresh.items())
    for selector in selectors:
        for labels in _satisfying(selector, values, fresh):
            if selector.matches(labels):
                candidates.add(Labels(labels))
    return sorted(candidates, key=_order)


def _fresh_value(taken: set[str]) -> str:
    value, suffix = FRESH_VALUE, 2
    while value in taken:
        value, suffix = f"{FRESH_VALUE}-{suffix}", suffix + 1
    return value


def _satisfying(
    selector: LabelSelector, values: dict[str, set[str]], fresh: dict[str, str]
) -> list[dict[str, str]]:
    """The selector's smallest satisfying label set, and one variant per other In value."""
    base = dict(selector.match_labels)
    choices: list[tuple[str, list[str]]] = []
    for requirement in selector.match_expressions:
        if requirement.operator == "In" and requirement.key not in base:
            choices.append((requirement.key, list(requirement.values)))
            base[requirement.key] = requirement.values[0]
        elif requirement.operator == "Exists" and requirement.key not in base:
            known = sorted(values.get(requirement.key, ()))
            base[requirement.key] = known[0] if known else fresh[requirement.key]
    found = [base]
    for key, options in choices:
        for value in options[1:]:
            found.append({**base, key: value})
    return found
