"""What the pack's policies share within one analysis: the stack's objects, and what is built
from them once per stack instead of once per policy (the completed cluster with its matrix, the
lint findings).

pulumi_policy's host gives every policy new PolicyResources (new proxies over a new decoding of
the request), so nothing can be shared by identity. The objects are found again by the
resources' wire text (wire.py); the cluster and the findings are memoized on the objects'
canonical JSON text and computed from that text alone (decoded again), never from the objects
that came with it: equal keys give equal values, so the memo cannot go stale or mix up two
stacks (JSON also keeps `true` apart from `1`, which `==` would not).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from policy.resources import ResourceLike, StackObject, stack_objects, urns_by_ref
from policy.stack import StackCluster, stack_cluster
from policy.wire import wire_text
from reachability import Options
from reachability.lint import Finding, LintOptions, lint_manifests

MEMO_SIZE = 8
"""Distinct stacks remembered (a process analyses one stack, or a preview's and an update's)."""

Located = tuple[Finding, str | None]
"""A lint finding and the URN of the resource it is about (None: not one of the stack's)."""


@dataclass(frozen=True, slots=True)
class StackInput:
    """The stack's Kubernetes objects as one policy received them, and their memo key."""

    objects: tuple[StackObject, ...]
    key: str


_INPUTS: dict[str, StackInput] = {}
"""Wire text -> the stack's objects, least recently used first."""


def stack_input(resources: Iterable[ResourceLike]) -> StackInput:
    """The stack's objects, converted once per distinct stack: a policy whose resources have
    the wire text of a stack converted before gets that stack's objects (see wire.py)."""
    resources = list(resources)
    text = wire_text(resources)
    if text is not None and text in _INPUTS:
        _INPUTS[text] = _INPUTS.pop(text)  # most recently used last
        return _INPUTS[text]
    with collector_paused():
        objects = stack_objects(resources)  # through the proxies: unknown values raise here
        key = json.dumps([[o.urn, o.manifest] for o in objects], sort_keys=True)
    made = StackInput(objects, key)
    if text is not None:
        if len(_INPUTS) >= MEMO_SIZE:
            del _INPUTS[next(iter(_INPUTS))]
        _INPUTS[text] = made
    return made


def cluster_of(stack: StackInput) -> StackCluster:
    """The completed cluster of the stack, built once per distinct stack."""
    return _cluster(stack.key)


def lint_of(stack: StackInput, options: LintOptions) -> tuple[Located, ...]:
    """Every lint finding on the stack's objects, with its resource, once per stack and options."""
    return _lint(stack.key, options.dns_namespace, tuple(options.dns_labels))


def _objects(key: str) -> tuple[StackObject, ...]:
    return tuple(StackObject(urn, manifest) for urn, manifest in json.loads(key))


@lru_cache(maxsize=MEMO_SIZE)
def _cluster(key: str) -> StackCluster:
    with collector_paused():
        return stack_cluster(_objects(key), Options())


@lru_cache(maxsize=MEMO_SIZE)
def _lint(
    key: str, dns_namespace: str, dns_labels: tuple[tuple[str, str], ...]
) -> tuple[Located, ...]:
    options = LintOptions(dns_namespace=dns_namespace, dns_labels=dns_labels)
    with collector_paused():
        objects = _objects(key)
        findings = lint_manifests(
            [o.manifest for o in objects], source="<pulumi stack>", options=options
        )
    urns = urns_by_ref(objects)
    return tuple((finding, urns.get(finding.obj)) for finding in findings)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a stack is converted, built or linted: what is made
    there is acyclic and lives as long as the memo, and each full collection would re-scan
    the SDK's million proxies of the request too (about a tenth of the pack's time at K=200).
    The collector is switched back on only if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
