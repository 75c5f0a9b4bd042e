"""The pack's policies: validate functions over any Pulumi Kubernetes stack, and the Policy objects.

Mandatory (they block `pulumi up`):
- every Namespace the stack creates has a default deny for both directions: for each, a policy
  that selects every pod for it and has no rule for it (one policy for both, or one each);
- no namespace but the environment's own and the ingress controller's reaches its pods;
- no other environment's namespace (catalyst.dev labels) is reachable from it.
Advisory: one policy per `python -m reachability lint` rule, so each can be configured apart.

Every verdict comes from `reachability` on the manifests the stack declares (see resources.py and
stack.py); nothing here re-derives NetworkPolicy semantics. The pack object itself is built only
in __main__.py, so this module imports (and unit-tests) without starting a policy server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
)
from policy.config import PackConfig, PackConfigError, pack_config
from policy.memo import cluster_of, lint_of, request_of, stack_input, without_collections
from policy.resources import urns_by_ref
from policy.stack import ENVIRONMENT, Flow, StackCluster
from reachability import ExternalIP, ManifestError, Pod, Verdict, allowed, side_reason
from reachability.lint import RULES, LintOptions

PACK_NAME = "catalyst-network-guardrails"
DESCRIPTION = (
    "NetworkPolicy guardrails for Pulumi Kubernetes programs: default deny, namespace and "
    "environment isolation, and the reachability linter's findings."
)
OUTSIDE = ExternalIP("203.0.113.1")
"""Any address outside the cluster: asking about it shows whether a pod's side is isolated."""
MAX_LISTED = 5
PROBE_NOTE = (
    " (`*-probe-*` and `other-namespace*` stand for namespaces this stack does not declare: "
    "other environments, and any other namespace, one per set of labels its selectors tell "
    "apart.)"
)

Validate = Callable[[StackValidationArgs, ReportViolation], None]

INGRESS_SCHEMA = PolicyConfigSchema(
    properties={
        "ingressNamespace": {
            "type": "string",
            "default": DEFAULT_INGRESS_NAMESPACE,
            "description": "namespace of the ingress controller, which may reach every environment",
        }
    }
)
LINT_SCHEMA = PolicyConfigSchema(
    properties={
        "dnsNamespace": {"type": "string", "default": DEFAULT_DNS_NAMESPACE},
        "dnsPodLabels": {
            "type": "object",
            "default": dict(DEFAULT_DNS_POD_LABELS),
            "additionalProperties": {"type": "string"},
        },
    }
)


# --- mandatory ------------------------------------------------------------------------------


def validate_default_deny(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every created Namespace has, for ingress and for egress, a policy that selects every pod
    (`podSelector: {}`) for that direction with no rule for it: a deny that does not depend on
    some allow policy happening to isolate the pods too."""
    stack = _stack(args, report_violation)
    if stack is None:
        return
    for namespace in stack.created:
        missing = stack.cluster.missing_default_deny(namespace)
        if not missing:
            continue
        isolated_anyway = [
            d
            for d in missing
            if all(
                (
                    _ingress(stack, OUTSIDE, pod).ingress
                    if d == "Ingress"
                    else _egress(stack, pod, OUTSIDE).egress
                ).isolated
                for pod in _pods(stack, namespace)
            )
        ]
        note = (
            f" (its pods are isolated for {' and '.join(isolated_anyway)} today only because "
            "allow policies select them: removing one would open them)"
            if isolated_anyway
            else ""
        )
        report_violation(
            f"Namespace {namespace} has no default deny for {' and '.join(missing)}{note}. Add "
            "a NetworkPolicy `default-deny-all` in it: podSelector {}, policyTypes "
            "[Ingress, Egress], no rules.",
            _urn(stack, f"Namespace {namespace}"),
        )


def validate_closed_to_other_namespaces(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    """Only the namespace itself and the ingress controller's namespace reach its pods."""
    config = _config(args, report_violation)
    stack = _stack(args, report_violation) if config is not None else None
    if config is None or stack is None:
        return
    ingress_namespace = config.ingress_namespace
    ports = _ports(stack)
    for namespace in stack.created:
        breaches = _breaches(
            stack,
            stack.flows_into(namespace),
            ports,
            source=partial(_outside, frozenset({namespace, ingress_namespace})),
            target=partial(_inside, namespace),
        )
        for urn, found in _by_admitting_policy(stack, breaches, "ingress", namespace).items():
            report_violation(
                f"Namespace {namespace} is reachable from other namespaces (only {namespace} "
                f"and {ingress_namespace} may reach it): {_flows(found, namespace)}. Select "
                f"peers by `kubernetes.io/metadata.name: {ingress_namespace}` or a podSelector "
                f"of the namespace itself.{PROBE_NOTE}",
                urn or _urn(stack, f"Namespace {namespace}"),
            )


def validate_environments_isolated(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    """No pod of a created namespace reaches another environment's namespace."""
    stack = _stack(args, report_violation)
    if stack is None:
        return
    ports = _ports(stack)
    environments = {
        ns.name: ns.labels[ENVIRONMENT]
        for ns in stack.cluster.namespaces
        if ENVIRONMENT in ns.labels
    }
    for namespace in stack.created:
        own = environments.get(namespace)
        others = [
            name
            for name, environment in environments.items()
            if name != namespace and (own is None or environment != own)
        ]
        breaches = _breaches(
            stack,
            stack.flows_from(namespace),
            ports,
            source=partial(_inside, namespace),
            target=partial(_among, frozenset(others)),
        )
        for urn, found in _by_admitting_policy(stack, breaches, "egress", namespace).items():
            report_violation(
                f"Namespace {namespace} reaches other environments' namespaces (by their "
                f"catalyst.dev labels): {_flows(found, namespace)}. Environments must not reach "
                "each other; narrow the egress peers to this namespace or name what is needed."
                + PROBE_NOTE,
                urn or _urn(stack, f"Namespace {namespace}"),
            )


# --- advisory: lint --------------------------------------------------------------------------


def lint_validator(rule_id: str) -> Validate:
    """A validate function reporting the findings of one lint rule on the stack's manifests."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        stack = stack_input(args.resources, request_of(report_violation))
        if not any(o.kind in ("Namespace", "NetworkPolicy") for o in stack.objects):
            return
        config = _config(args, report_violation)
        if config is None:
            return
        options = LintOptions(dns_namespace=config.dns_namespace, dns_labels=config.dns_pod_labels)
        for item, urn in lint_of(stack, options):
            if item.id != rule_id:
                continue
            report_violation(f"{item.obj} {item.field}: {item.message}. Fix: {item.fix}", urn)

    validate.__name__ = f"validate_lint_{rule_id.lower()}"
    return validate


# --- the policies ----------------------------------------------------------------------------


def policies() -> list[Policy]:
    """The pack's policies, mandatory first; constructing them starts nothing."""
    mandatory = [
        StackValidationPolicy(
            name="namespace-default-deny",
            description="Every Namespace the stack creates has a default-deny policy for both "
            "ingress and egress.",
            validate=without_collections(validate_default_deny),
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name="namespace-closed-to-other-namespaces",
            description="No namespace other than the environment's own and the ingress "
            "controller's can reach its pods.",
            validate=without_collections(validate_closed_to_other_namespaces),
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=INGRESS_SCHEMA,
        ),
        StackValidationPolicy(
            name="environments-isolated",
            description="No other environment's namespace (by the catalyst.dev labels) is "
            "reachable from an environment's namespace.",
            validate=without_collections(validate_environments_isolated),
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
    ]
    advisory: list[Policy] = [
        StackValidationPolicy(
            name=f"lint-{rule.id.lower()}",
            description=f"{rule.id}: {rule.title} (python -m reachability lint).",
            validate=without_collections(lint_validator(rule.id)),
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=LINT_SCHEMA,
        )
        for rule in RULES
    ]
    return mandatory + advisory


# --- plumbing --------------------------------------------------------------------------------


def _stack(args: StackValidationArgs, report_violation: ReportViolation) -> StackCluster | None:
    """The stack as a cluster; None (after reporting why, if it is broken) when nothing to judge."""
    stack = stack_input(args.resources, request_of(report_violation))
    if not any(o.kind == "Namespace" for o in stack.objects):
        return None
    try:
        return cluster_of(stack)
    except ManifestError as error:
        urns = urns_by_ref(stack.objects)
        for problem in error.problems:
            obj = problem.obj
            report_violation(
                f"cannot prove isolation: {obj} {problem.field}: {problem.message}",
                urns.get(obj),
            )
        return None


def _config(args: StackValidationArgs, report_violation: ReportViolation) -> PackConfig | None:
    """The policy's config, or None after reporting what is wrong with it."""
    try:
        return pack_config(args.get_config() or {})
    except PackConfigError as error:
        report_violation(str(error), None)
        return None


def _pods(stack: StackCluster, namespace: str) -> list[Pod]:
    return [p for p in stack.cluster.pods if _inside(namespace, p)]


def _inside(namespace: str, pod: Pod) -> bool:
    """A pod of `namespace` the environment's policies govern (host-network pods are not)."""
    return pod.namespace == namespace and not pod.host_network


def _outside(namespaces: frozenset[str], pod: Pod) -> bool:
    return pod.namespace not in namespaces


def _among(namespaces: frozenset[str], pod: Pod) -> bool:
    return pod.namespace in namespaces


def _ports(stack: StackCluster) -> tuple[tuple[int, str], ...]:
    return stack.ports


def _ingress(stack: StackCluster, src: Pod | ExternalIP, dst: Pod) -> Verdict:
    return allowed(stack.cluster, src, dst, 80)


def _egress(stack: StackCluster, src: Pod, dst: Pod | ExternalIP) -> Verdict:
    return allowed(stack.cluster, src, dst, 80)


Breach = tuple[Pod, Pod, int, str, Verdict]


def _breaches(
    stack: StackCluster,
    flows: Sequence[Flow],
    ports: Sequence[tuple[int, str]],
    *,
    source: Callable[[Pod], bool],
    target: Callable[[Pod], bool],
) -> list[Breach]:
    """Every (source, target) pair of pods that connects, on the first probed port it connects
    on, with the engine's verdict (the matrix finds them; `allowed` explains only those).
    `flows` are the matrix's flows from or into the namespace asked about, so that each
    namespace costs its own flows, not the whole matrix and every pod again."""
    first: dict[tuple[str, str], int] = {}  # (src, dst) -> position in `ports`
    order = {port: i for i, port in enumerate(ports)}.get
    pod = stack.pods_by_id.get
    # Each pod asked once whether it may be a source / a target (most of a namespace's flows
    # are its own, which the predicates leave out), before any pair is kept.
    sources: dict[str, Pod | None] = {}
    targets: dict[str, Pod | None] = {}
    for src, dst, port, protocol in flows:
        src_pod = sources.get(src, _UNASKED)
        if src_pod is _UNASKED:
            src_pod = sources[src] = _if_wanted(pod(src), source)
        if src_pod is None:
            continue
        dst_pod = targets.get(dst, _UNASKED)
        if dst_pod is _UNASKED:
            dst_pod = targets[dst] = _if_wanted(pod(dst), target)
        if dst_pod is None:
            continue
        rank = order((port, protocol))
        if rank is not None:
            known = first.get((src, dst))
            if known is None or rank < known:
                first[(src, dst)] = rank
    found = []
    for (src, dst), rank in sorted(first.items()):
        src_pod, dst_pod = sources[src], targets[dst]
        assert src_pod is not None and dst_pod is not None
        port, protocol = ports[rank]
        verdict = allowed(stack.cluster, src_pod, dst_pod, port, protocol)
        found.append((src_pod, dst_pod, port, protocol, verdict))
    return found


_UNASKED: Any = object()


def _if_wanted(pod: Pod | None, wanted: Callable[[Pod], bool]) -> Pod | None:
    return pod if pod is not None and wanted(pod) else None


def _by_admitting_policy(
    stack: StackCluster, breaches: Sequence[Breach], direction: str, namespace: str
) -> dict[str | None, list[Breach]]:
    """Breaches grouped by the resource to blame: the policy whose rule admits them on the side
    of `namespace`, or None (the Namespace itself) when that side is not isolated."""
    grouped: dict[str | None, list[Breach]] = {}
    for breach in breaches:
        side = breach[4].ingress if direction == "ingress" else breach[4].egress
        urn = None
        for rule in side.allowed_by:
            urn = _urn(stack, f"NetworkPolicy {rule.policy}")
            if urn is not None:
                break
        grouped.setdefault(urn, []).append(breach)
    return dict(sorted(grouped.items(), key=lambda item: item[0] or ""))


def _flows(breaches: Sequence[Breach], namespace: str) -> str:
    shown = "; ".join(
        f"{src.id} -> {dst.id} {port}/{protocol} "
        f"({side_reason(v.ingress if dst.namespace == namespace else v.egress, namespace)})"
        for src, dst, port, protocol, v in breaches[:MAX_LISTED]
    )
    more = len(breaches) - MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")


def _urn(stack: StackCluster, ref: str) -> str | None:
    return stack.urn_of(ref)
