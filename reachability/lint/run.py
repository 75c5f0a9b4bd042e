"""Running every lint rule over a cluster: structural rules on each policy as written, semantic
rules asked of the engine, then suppressions, line numbers and a stable order. Every rule module
is imported here, so this is where the catalogue of rules (`RULES`) is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Any

from kubefacts.api import Direction
from reachability import (
    Ahead,
    Cluster,
    Located,
    ManifestError,
    Problem,
    ahead_available,
    compute_sets_beside,
    endpoints_note,
    from_manifests,
    load,
)

from .context import DEFAULT_LINT_OPTIONS, IGNORE_ANNOTATION, Analysis, LintOptions, analyse
from .dns import NP003, dns_findings
from .ipblocks import metadata_exposed, private_ranges_open
from .isolation import intra_namespace, namespaces_without_default_deny
from .lines import line_of
from .peers import name_label, open_namespaces, or_peers
from .policies import selects_nothing, shadowed, undefined_named_ports
from .ports import ignored_rules, one_protocol_rules
from .registry import (
    SOURCE,
    Finding,
    Rule,
    declare,
    declared_rules,
    finding,
    policy_object,
    sort_key,
)
from .tiers import cluster_policy_object, tier_findings

NP000 = declare("NP000", "error", "invalid manifest", reads=(SOURCE,))

RULES: tuple[Rule, ...] = declared_rules()
"""Every rule, by id: this module imports every rule module, so the catalogue is complete here."""
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def lint_paths(
    paths: Sequence[str | Path], options: LintOptions = DEFAULT_LINT_OPTIONS
) -> tuple[Finding, ...]:
    """Lint files and folders. Manifests the API server would reject become NP000 findings."""
    return lint_report(paths, options)[0]


def lint_report(
    paths: Sequence[str | Path],
    options: LintOptions = DEFAULT_LINT_OPTIONS,
    *,
    parallel: bool = False,
) -> tuple[tuple[Finding, ...], str | None]:
    """`lint_paths`' findings and the endpoints line the text formats print (None when the
    manifests are invalid, so nothing was analysed); `parallel` as for `load`."""
    located = Located()  # every key's line, noted as the files are read
    try:
        cluster = load(paths, options=options.engine_options(), located=located, parallel=parallel)
    except ManifestError as error:
        if any(not p.obj for p in error.problems):
            raise  # a missing or unreadable file is a usage error, not a finding
        return finish(invalid(error.problems), options, {}, located), None
    # Given pods and workloads: lint also questions representatives where a namespace has none.
    note = endpoints_note(cluster.representative, elsewhere=not cluster.representative)
    return lint_cluster(cluster, options, located, parallel=parallel), note


def lint_manifests(
    docs: Iterable[Mapping[str, Any]],
    *,
    source: str = "<memory>",
    options: LintOptions = DEFAULT_LINT_OPTIONS,
) -> tuple[Finding, ...]:
    """Lint already-parsed manifests (what components render, what the policy pack sees)."""
    docs = list(docs)
    try:
        cluster = from_manifests(docs, source=source, options=options.engine_options())
    except ManifestError as error:
        return finish(invalid(error.problems), options, {})
    return lint_cluster(cluster, options)


PARALLEL_POLICIES = 2000
"""From this many NetworkPolicies on, `parallel` lint shares its work with forked children: one
starts on the rules that read one policy at a time (they need nothing else) while this process
builds the cluster to question; then the side sets every semantic rule reads are computed one
direction each (the other's copy comes back pickled); then the semantic rules run in groups
taken by whichever process is free. Every group's findings come back with their lines."""


def lint_cluster(
    cluster: Cluster,
    options: LintOptions = DEFAULT_LINT_OPTIONS,
    located: Located | None = None,
    *,
    parallel: bool = False,
) -> tuple[Finding, ...]:
    """Every rule over a loaded cluster (`located`: what its load noted of the lines;
    `parallel`: see PARALLEL_POLICIES)."""
    beside = parallel and len(cluster.policies) >= PARALLEL_POLICIES and ahead_available()
    with Ahead(lambda _: _lined(_policy_rules(cluster), located), child=beside) as early:
        structural = early.map([None])
        analysis = analyse(cluster, options)
        if beside:
            sides = analysis.sides
            compute_sets_beside([(sides, Direction.EGRESS, True), (sides, Direction.INGRESS, True)])
        groups = _rule_groups(analysis)
        names = tuple(groups)
        with Ahead(lambda name: _lined(groups[name](), located), child=beside) as ahead:
            found = dict(zip(names, ahead.map(names), strict=True))
        as_written = next(iter(structural))
    written = {f.obj for f in as_written if f.id == NP003.id}
    dns = [f for f in found["dns"] if not (f.id == NP003.id and f.obj in written)]
    ordered = (as_written, dns, *(found[name] for name in names if name != "dns"))
    named = {f.obj for f in chain.from_iterable(ordered)}  # only theirs can suppress a finding
    objects = chain(
        ((policy_object(p), p) for p in cluster.policies),
        ((cluster_policy_object(p), p) for p in cluster.cluster_policies),
    )
    ignored = {obj: _ignored(p.manifest) for obj, p in objects if obj in named}
    return finish(chain.from_iterable(ordered), options, ignored, located)


def _rule_groups(analysis: Analysis) -> dict[str, Callable[[], Iterable[Finding]]]:
    """The semantic rules in groups of about the cost of a fork's round trip or more, by name,
    costliest first (each process takes the next group as it becomes free); NP007 and NP006,
    which answer each namespace apart, in two groups each, on half of the namespaces."""
    namespaces = sorted({p.namespace for p in analysis.cluster.policies})
    first = frozenset(namespaces[: len(namespaces) // 2])
    second = frozenset(namespaces[len(namespaces) // 2 :])
    return {
        "shadowed": lambda: shadowed(analysis, first),
        "shadowed elsewhere": lambda: shadowed(analysis, second),
        "intra": lambda: intra_namespace(analysis, first),
        "intra elsewhere": lambda: intra_namespace(analysis, second),
        "rest": lambda: [
            *selects_nothing(analysis),
            *undefined_named_ports(analysis),
            *namespaces_without_default_deny(analysis),
            *tier_findings(analysis),
        ],
        "dns": lambda: dns_findings(analysis),
    }


def _policy_rules(cluster: Cluster) -> list[Finding]:
    """The rules that read one policy at a time."""
    # The input's namespaces: stand-ins synthesized for a selector (no source) carry its labels.
    namespace_labels = {
        ns.name: dict(ns.labels) for ns in cluster.namespaces if ns.source is not None
    }
    found: list[Finding] = []
    for policy in cluster.policies:
        found += or_peers(policy)
        found += name_label(policy, namespace_labels)
        found += open_namespaces(policy)
        found += metadata_exposed(policy)
        found += private_ranges_open(policy)
        found += ignored_rules(policy)
        found += one_protocol_rules(policy)
    return found


def invalid(problems: Iterable[Problem]) -> list[Finding]:
    return [
        finding(
            NP000,
            p.file,
            p.obj,
            p.field,
            p.message,
            "correct the field: the API server would reject this object, so nothing else "
            "about it can be judged",
        )
        for p in problems
    ]


def finish(
    found: Iterable[Finding],
    options: LintOptions,
    ignored: Mapping[str, frozenset[str]],
    located: Located | None = None,
) -> tuple[Finding, ...]:
    """Drop suppressed findings and duplicates, add line numbers, sort by place."""
    kept: dict[Finding, None] = {}
    for item in found:
        if item.id in options.ignore or item.id in ignored.get(item.obj, ()):
            continue
        kept.setdefault(_with_line(item, located), None)
    return tuple(sorted(kept, key=sort_key))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _lined(found: Iterable[Finding], located: Located | None) -> list[Finding]:
    return [_with_line(f, located) for f in found]


def _with_line(item: Finding, located: Located | None) -> Finding:
    if item.line is not None or not item.file or item.file.startswith("<"):
        return item
    return replace(item, line=line_of(item.file, item.obj, item.field, located))


def _ignored(manifest: Mapping[str, Any]) -> frozenset[str]:
    """Rule ids listed in the policy's lint-ignore annotation ("NP006, NP007")."""
    metadata = manifest.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    value = annotations.get(IGNORE_ANNOTATION) if isinstance(annotations, Mapping) else None
    if not isinstance(value, str):
        return frozenset()
    return frozenset(part.strip().upper() for part in value.replace(",", " ").split())
