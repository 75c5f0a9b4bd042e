"""The policy SDK's analyzer host re-enacted without the Pulumi CLI, for timing the pack.

`pulumi preview --policy-pack` sends the pack one AnalyzeStack request (every resource, its
outputs as a protobuf Struct) and one Analyze request per resource; pulumi_policy's
`_PolicyAnalyzerServicer` then, for each policy in turn, rebuilds every argument from the wire:
`MessageToDict` of the Struct, `deserialize_properties`, `unknown_checking_proxy`, a new
`PolicyResource` per resource (parents linked by URN), a new `StackValidationArgs`, and calls
`validate` with a report function over the request's one reply (`_create_report_violation`).
Resource policies get a new `ResourceValidationArgs` per resource the same way. This module does
exactly that, with the SDK's own functions, and times the SDK's share (building the arguments)
apart from the pack's (its validate functions): only the second is the pack's to make
faster, but a preview pays both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

PROJECT = "catalyst-environments"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE = "pulumi:providers:kubernetes"
ENVIRONMENT_TYPE = "catalyst:index:EnvironmentNamespace"
POLICY_SET_TYPE = "catalyst:index:NetworkPolicySet"
KUBERNETES_TYPES: dict[str, str] = {
    "Namespace": "kubernetes:core/v1:Namespace",
    "Pod": "kubernetes:core/v1:Pod",
    "NetworkPolicy": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "ResourceQuota": "kubernetes:core/v1:ResourceQuota",
    "LimitRange": "kubernetes:core/v1:LimitRange",
}


@dataclass(frozen=True, slots=True)
class WireResource:
    """One resource of the request as the engine sends it: outputs in a protobuf Struct."""

    type: str
    urn: str
    name: str
    parent: str
    properties: struct_pb2.Struct


@dataclass(frozen=True, slots=True)
class PackRun:
    """What one analysis of the stack cost and reported."""

    host_seconds: float
    """Building the SDK's arguments from the wire, for every policy (pulumi_policy's code)."""
    validate_seconds: float
    """The pack's validate functions, every policy (the pack's code)."""
    violations: dict[str, int]
    """Policy name -> violations reported (policies that report none are left out)."""
    unknown: tuple[str, ...]
    """Policies that raised UnknownValueError ("can't run during preview")."""


def stack_resources(manifests: Iterable[Mapping[str, Any]], stack: str) -> list[WireResource]:
    """The resources of a stack declaring `manifests` as the environments program does: the
    stack, the Kubernetes provider, per namespace an EnvironmentNamespace with a NetworkPolicySet,
    and each object as a child of its environment (Pods, which the program never declares, at
    the top)."""
    root = _urn(stack, (), STACK_TYPE, f"{PROJECT}-{stack}")
    resources = [
        _wire(STACK_TYPE, root, f"{PROJECT}-{stack}", "", {}),
        _wire(PROVIDER_TYPE, _urn(stack, (), PROVIDER_TYPE, "default"), "default", root, {}),
    ]
    environments: dict[str, tuple[str, str]] = {}
    for manifest in manifests:
        kind = str(manifest["kind"])
        type_ = KUBERNETES_TYPES.get(kind, f"kubernetes:core/v1:{kind}")
        metadata = manifest["metadata"]
        namespace = str(metadata["name"] if kind == "Namespace" else metadata.get("namespace"))
        if kind == "Namespace":
            env_urn = _urn(stack, (), ENVIRONMENT_TYPE, namespace)
            set_urn = _urn(stack, (ENVIRONMENT_TYPE,), POLICY_SET_TYPE, f"{namespace}-policies")
            environments[namespace] = (env_urn, set_urn)
            resources.append(_wire(ENVIRONMENT_TYPE, env_urn, namespace, root, {}))
            resources.append(_wire(POLICY_SET_TYPE, set_urn, f"{namespace}-policies", env_urn, {}))
        name = f"{namespace}-{metadata['name']}" if kind != "Namespace" else namespace
        env_urn, set_urn = environments.get(namespace, (root, root))
        if kind == "Pod":
            parent, chain = root, ()
        elif kind == "NetworkPolicy" and set_urn != root:
            parent, chain = set_urn, (ENVIRONMENT_TYPE, POLICY_SET_TYPE)
        elif env_urn != root:
            parent, chain = env_urn, (ENVIRONMENT_TYPE,)
        else:
            parent, chain = root, ()
        resources.append(_wire(type_, _urn(stack, chain, type_, name), name, parent, manifest))
    return resources


def run_pack(
    policies: Sequence[Policy],
    resources: Sequence[WireResource],
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> PackRun:
    """Every policy of the pack on the stack, as the analyzer host calls it."""
    host = validate = 0.0
    violations: dict[str, int] = {}
    unknown: list[str] = []
    # One request: one reply, and each policy's report function over it, made by the SDK's own
    # servicer as AnalyzeStack makes them.
    servicer = _PolicyAnalyzerServicer("pack", "0.0.1", list(policies), EnforcementLevel.ADVISORY)
    response = proto.AnalyzeResponse()
    for policy in policies:
        report = servicer._create_report_violation(
            response, policy.name, policy.description, EnforcementLevel.ADVISORY
        )
        reported = len(response.diagnostics)
        policy_config = dict(config[policy.name]) if config and policy.name in config else None
        started = time.perf_counter()
        calls = list(_calls(policy, resources, policy_config))
        host += time.perf_counter() - started
        started = time.perf_counter()
        try:
            for args in calls:
                _await(policy.validate(args, report))  # type: ignore[arg-type]
        except UnknownValueError:
            unknown.append(policy.name)
        validate += time.perf_counter() - started
        found = response.diagnostics[reported:]
        # The SDK drops a policy's arguments as its loop moves on to the next policy: freeing
        # them (a million proxies at K=200) is the host's work. Left to the loop variable, it
        # would happen inside the next policy's validate time.
        started = time.perf_counter()
        args = calls = None  # type: ignore[assignment]
        host += time.perf_counter() - started
        if found:
            violations[policy.name] = len(found)
    return PackRun(host, validate, violations, tuple(unknown))


def _calls(
    policy: Policy, resources: Sequence[WireResource], config: Mapping[str, Any] | None
) -> Iterable[StackValidationArgs | ResourceValidationArgs]:
    """The arguments the host builds for one policy: one stack call, or one per resource."""
    if isinstance(policy, StackValidationPolicy):
        return [StackValidationArgs(_policy_resources(resources), config, {})]
    if isinstance(policy, ResourceValidationPolicy):
        return [
            ResourceValidationArgs(r.type, _props(r), r.urn, r.name, _options(r), None, config, {})
            for r in resources
        ]
    return []


def _policy_resources(resources: Sequence[WireResource]) -> list[PolicyResource]:
    """New PolicyResources from the wire, parents linked, as AnalyzeStack makes them per policy."""
    made = [
        PolicyResource(r.type, _props(r), r.urn, r.name, _options(r), None, None, [], {})
        for r in resources
    ]
    by_urn = {resource.urn: resource for resource in made}
    for wire, resource in zip(resources, made, strict=True):
        resource.parent = by_urn.get(wire.parent)
    return made


def _props(resource: WireResource) -> Mapping[str, Any]:
    return unknown_checking_proxy(
        deserialize_properties(json_format.MessageToDict(resource.properties))
    )


def _options(resource: WireResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], resource.parent or None
    )


def _await(result: object) -> None:
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def _wire(type_: str, urn: str, name: str, parent: str, outputs: Mapping[str, Any]) -> WireResource:
    properties = struct_pb2.Struct()
    properties.update(outputs)
    return WireResource(type_, urn, name, parent, properties)


def _urn(stack: str, parents: tuple[str, ...], type_: str, name: str) -> str:
    qualified = "$".join((*parents, type_))
    return f"urn:pulumi:{stack}::{PROJECT}::{qualified}::{name}"
