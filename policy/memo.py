"""What the pack's policies share within one analysis: the stack's objects, and what is built
from them once per stack instead of once per policy (one parse of the objects, the completed
cluster with its matrix, the lint findings).

pulumi_policy's host gives every policy new PolicyResources (new proxies over a new decoding of
the request), so no resource can be recognised by identity; the request can: every policy of one
AnalyzeStack request gets a report function over the same reply (`request_of`), and a later
policy of a request recognised before gets its stack without reading its resources. Otherwise
a stack is recognised by its resources' wire text (wire.py), or, when the resources give none,
by the canonical JSON text of the objects converted from them: that text is the memo key. The
objects are decoded from the key's text (wire.objects_of, wire.canonical: keys sorted, as the
pack has always analysed them), and equal keys mean equal objects (wire.py says why for its
text; JSON keeps `true` apart from `1`, which `==` would not), so whatever is computed from the
objects of the first policy that brought a key serves every later one with that key: the memo
cannot go stale or mix up two stacks. The objects are never changed once decoded (the engine
parses them without a copy, `from_manifests(copy=False)`).
"""

from __future__ import annotations

import functools
import gc
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pulumi_policy import ReportViolation, StackValidationArgs

from policy.resources import ResourceLike, StackObject, stack_objects, urns_by_ref
from policy.stack import SOURCE, StackCluster, stack_cluster
from policy.wire import canonical, objects_of, wire_text
from reachability import Cluster, ManifestError, Options, from_manifests
from reachability.lint import Finding, LintOptions, lint_cluster, lint_manifests

Validate = Callable[[StackValidationArgs, ReportViolation], None]
MEMO_SIZE = 8
"""Distinct stacks remembered (a process analyses one stack, or a preview's and an update's)."""

Located = tuple[Finding, str | None]
"""A lint finding and the URN of the resource it is about (None: not one of the stack's)."""


@dataclass(frozen=True, slots=True)
class StackInput:
    """The stack's Kubernetes objects as one policy received them, and their memo key: equal
    and hashed by the key alone (equal keys mean equal objects)."""

    objects: tuple[StackObject, ...] = field(compare=False)
    key: str


_INPUTS: dict[str, StackInput] = {}
"""Wire text -> the stack's objects, least recently used first."""

_REQUESTS: dict[int, tuple[Any, tuple[tuple[str, str, str], ...], StackInput]] = {}
"""id(the SDK's reply to a request) -> (that reply, the resources' type, URN and name, the
stack's objects), least recently used first."""


def _report_code() -> Any | None:
    """The code of the report functions pulumi_policy's servicer makes, one per policy of a
    request, each over the request's reply (`response`); None if this SDK makes them otherwise."""
    try:
        from pulumi_policy.policy import _PolicyAnalyzerServicer

        outer = _PolicyAnalyzerServicer._create_report_violation.__code__
    except (ImportError, AttributeError):  # pragma: no cover - another SDK
        return None
    for code in outer.co_consts:
        if isinstance(code, types.CodeType) and "response" in code.co_freevars:
            return code
    return None  # pragma: no cover - another SDK


_REPORT_CODE = _report_code()


def request_of(report_violation: ReportViolation) -> Any | None:
    """The reply pulumi_policy is building for the AnalyzeStack request a policy is called in,
    when `report_violation` is one the SDK's servicer made for it; None for any other function
    (a test's, another host's), whatever it closes over.

    The servicer makes one reply per request, and every policy's resources anew from that
    request's resources: two policies given its report functions over the same reply (and
    resources of the same types, URNs and names) were given the same stack."""
    code = getattr(report_violation, "__code__", None)
    if code is None or code is not _REPORT_CODE:
        return None
    cell = report_violation.__closure__[code.co_freevars.index("response")]  # type: ignore[attr-defined]
    try:
        return cell.cell_contents
    except ValueError:  # pragma: no cover - an empty cell
        return None


def stack_input(resources: Iterable[ResourceLike], request: Any | None = None) -> StackInput:
    """The stack's objects, converted once per distinct stack: a policy whose resources have
    the wire text of a stack converted before gets that stack's objects (see wire.py). With
    `request` (`request_of`), a later policy of the same request gets them without its
    resources being read, which is most of what recognising them costs."""
    resources = list(resources)
    if request is None:
        return _stack_input(resources)
    names = tuple((r.resource_type, r.urn, r.name) for r in resources)
    known = _REQUESTS.get(id(request))
    if known is not None and known[0] is request and known[1] == names:
        _REQUESTS[id(request)] = _REQUESTS.pop(id(request))  # most recently used last
        return known[2]
    made = _stack_input(resources)
    _REQUESTS.pop(id(request), None)
    if len(_REQUESTS) >= MEMO_SIZE:
        del _REQUESTS[next(iter(_REQUESTS))]
    _REQUESTS[id(request)] = (request, names, made)  # keeps the reply, so its id stays its own
    return made


def _stack_input(resources: list[ResourceLike]) -> StackInput:
    text = wire_text(resources)
    if text is not None and text in _INPUTS:
        _INPUTS[text] = _INPUTS.pop(text)  # most recently used last
        return _INPUTS[text]
    with collector_paused():
        objects = None if text is None else objects_of(text)
        if objects is None:
            converted = stack_objects(resources)  # through the proxies: unknown values raise
            canonical_text, objects = canonical(converted)
    if text is None:  # a wire text starts with "[", this key never does
        return StackInput(objects, "objects " + canonical_text)
    made = StackInput(objects, text)
    if len(_INPUTS) >= MEMO_SIZE:
        del _INPUTS[next(iter(_INPUTS))]
    _INPUTS[text] = made
    return made


def cluster_of(stack: StackInput) -> StackCluster:
    """The completed cluster of the stack, built once per distinct stack; ManifestError when
    its objects are invalid."""
    return _cluster(stack)


def lint_of(stack: StackInput, options: LintOptions) -> tuple[Located, ...]:
    """Every lint finding on the stack's objects, with its resource, once per stack and options."""
    return _lint(stack, options.dns_namespace, tuple(options.dns_labels))


ENGINE_OPTIONS = LintOptions().engine_options()
"""How the stack is parsed once for everything: as lint parses it (the pack's lint options
change only the DNS pods), with the stack's own pods; the completed cluster reassembles it."""


@lru_cache(maxsize=MEMO_SIZE)
def _parsed(stack: StackInput) -> Cluster | ManifestError:
    with collector_paused():
        try:
            return from_manifests(
                [o.manifest for o in stack.objects],
                source=SOURCE,
                options=ENGINE_OPTIONS,
                copy=False,  # the objects are the memo's, and nothing changes them
            )
        except ManifestError as error:
            return error.with_traceback(None)


@lru_cache(maxsize=MEMO_SIZE)
def _cluster(stack: StackInput) -> StackCluster:
    parsed = _parsed(stack)
    if isinstance(parsed, ManifestError):
        raise ManifestError(parsed.problems)
    with collector_paused():
        return stack_cluster(stack.objects, Options(), parsed)


@lru_cache(maxsize=MEMO_SIZE)
def _lint(
    stack: StackInput, dns_namespace: str, dns_labels: tuple[tuple[str, str], ...]
) -> tuple[Located, ...]:
    options = LintOptions(dns_namespace=dns_namespace, dns_labels=dns_labels)
    parsed = _parsed(stack)
    with collector_paused():
        if isinstance(parsed, ManifestError) or options.engine_options() != ENGINE_OPTIONS:
            # lint's own way: the invalid objects' findings
            docs = [o.manifest for o in stack.objects]
            findings = lint_manifests(docs, source=SOURCE, options=options)
        else:
            findings = lint_cluster(parsed, options)
    urns = urns_by_ref(stack.objects)
    return tuple((finding, urns.get(finding.obj)) for finding in findings)


def without_collections(validate: Validate) -> Validate:
    """`validate` with the cyclic collector paused while it runs (see `collector_paused`): a
    policy's own values (verdicts, messages) are acyclic and freed by reference counting, and
    a full collection during a policy would re-scan the SDK's proxies of every resource."""

    @functools.wraps(validate)
    def run(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        with collector_paused():
            validate(args, report_violation)

    return run


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
