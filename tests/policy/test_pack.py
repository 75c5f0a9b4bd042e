"""The CrossGuard pack's rules, called as the policy SDK calls them, on resources from the
environments program (run under Pulumi mocks) and on hand-written bad programs."""

from __future__ import annotations

import copy
import runpy
from typing import Any

import pulumi_policy
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from components.manifests import environment_manifests
from components.settings import settings_from_config
from policy import rules
from policy.resources import TYPES, stack_objects
from reachability.lint import RULES
from tests.support.paths import REPO_ROOT
from tests.support.pulumi_mocks import run_main
from tests.support.strategies import cluster_strategy

ROOT = REPO_ROOT
MANDATORY = [
    "namespace-default-deny",
    "namespace-closed-to-other-namespaces",
    "environments-isolated",
]
PR = "myteam-myproject-pr-123"
TYPE_OF = {kind: type_ for type_, (_, kind) in TYPES.items()}


def wire(value: Any) -> Any:
    """Properties as the policy SDK receives them: numbers as floats (protobuf Struct)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire(item) for item in value]
    return value


def resource(
    type_: str, name: str, props: dict[str, Any], urn: str | None = None
) -> PolicyResource:
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    urn = urn or f"urn:pulumi:test::catalyst-environments::{type_}::{name}"
    return PolicyResource(
        type_, unknown_checking_proxy(wire(props)), urn, name, opts, None, None, [], {}
    )


def from_manifests(manifests: list[dict[str, Any]]) -> list[PolicyResource]:
    return [
        resource(
            TYPE_OF.get(m["kind"], f"kubernetes:core/v1:{m['kind']}"), m["metadata"]["name"], m
        )
        for m in manifests
    ]


def from_program(stack: str) -> list[PolicyResource]:
    """Every resource the environments program registers for `stack`, components included."""
    run = run_main(stack)
    return [resource(r.type, r.name, r.inputs, r.urn) for r in run.resources]


def stack_manifests(stack: str, **config: Any) -> list[dict[str, Any]]:
    return environment_manifests(settings_from_config(stack, config))


def validate(
    resources: list[PolicyResource], config: dict[str, Any] | None = None
) -> dict[str, list[tuple[str, str | None]]]:
    """Every policy of the pack on the stack: name -> [(message, urn)] for those that report."""
    reported: dict[str, list[tuple[str, str | None]]] = {}
    for policy in rules.policies():
        found: list[tuple[str, str | None]] = []
        args = StackValidationArgs(resources, config or {})
        policy.validate(args, lambda message, urn=None, found=found: found.append((message, urn)))
        if found:
            reported[policy.name] = found
    return reported


def mandatory(reported: dict[str, list[tuple[str, str | None]]]) -> dict[str, Any]:
    return {name: found for name, found in reported.items() if name in MANDATORY}


def without(manifests: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["metadata"]["name"] != name]


def netpol(name: str, spec: dict[str, Any], namespace: str = PR) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


# --- the environments program passes ---------------------------------------------------------


@pytest.mark.parametrize("stack", ["pr-123", "production"])
def test_the_program_passes_every_mandatory_policy(stack: str) -> None:
    resources = from_program(stack)
    assert any(r.resource_type == "catalyst:index:EnvironmentNamespace" for r in resources)
    reported = validate(resources)
    assert mandatory(reported) == {}


def test_advisory_findings_on_the_program() -> None:
    assert validate(from_program("pr-123")) == {}
    reported = validate(from_program("production"))
    assert list(reported) == ["lint-np006"]
    ((message, urn),) = reported["lint-np006"]
    assert (
        "cannot reach each other" in message
        and urn is not None
        and urn.endswith("-default-deny-all")
        and "NetworkPolicy" in urn
    )


@pytest.mark.parametrize("stack", ["dev", "pr-456"])
def test_other_stacks_pass_too(stack: str) -> None:
    assert validate(from_manifests(stack_manifests(stack))) == {}


# --- hand-written bad programs ---------------------------------------------------------------


def test_missing_default_deny_is_mandatory() -> None:
    same = {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}
    bad = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
        netpol("allow-same-namespace", same, "team-a"),
    ]
    reported = validate(from_manifests(bad))
    ((message, urn),) = reported["namespace-default-deny"]
    assert "team-a has no default deny for Ingress and Egress" in message
    assert urn == "urn:pulumi:test::catalyst-environments::kubernetes:core/v1:Namespace::team-a"
    assert "lint-np013" in reported  # the linter says the same, as advice


def test_default_deny_cannot_be_replaced_by_allow_policies_that_happen_to_isolate() -> None:
    reported = validate(from_manifests(without(stack_manifests("pr-123"), "default-deny-all")))
    ((message, _),) = reported["namespace-default-deny"]
    assert "today only because allow policies select them" in message
    assert set(mandatory(reported)) == {"namespace-default-deny"}


def test_a_split_default_deny_is_accepted() -> None:
    manifests = without(stack_manifests("pr-123"), "default-deny-all")
    manifests += [
        netpol("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        netpol("default-deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]}),
    ]
    assert mandatory(validate(from_manifests(manifests))) == {}


def test_or_peer_dns_rule_is_reported_as_advice_on_its_resource() -> None:
    manifests = copy.deepcopy(stack_manifests("pr-123"))
    dns = next(m for m in manifests if m["metadata"]["name"] == "allow-dns")
    (peer,) = dns["spec"]["egress"][0]["to"]
    dns["spec"]["egress"][0]["to"] = [
        {"namespaceSelector": peer["namespaceSelector"]},
        {"podSelector": peer["podSelector"]},
    ]
    reported = validate(from_manifests(manifests))
    ((message, urn),) = reported["lint-np001"]
    assert "OR-ed" in message and urn is not None and urn.endswith("NetworkPolicy::allow-dns")
    assert mandatory(reported) == {}  # kube-system is no environment: advice, not a block


def test_namespace_selector_open_to_all_namespaces_is_mandatory() -> None:
    spec = {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}
    open_ = netpol("allow-monitoring", {**spec, "policyTypes": ["Ingress"]})
    reported = validate(from_manifests([*stack_manifests("pr-123"), open_]))
    ((message, urn),) = reported["namespace-closed-to-other-namespaces"]
    assert (
        "other-namespace/pod" in message and urn is not None and urn.endswith("::allow-monitoring")
    )
    assert "lint-np012" in reported and "environments-isolated" not in reported


def test_a_namespace_picked_by_another_label_is_caught() -> None:
    """A selector on `team: payments` meets the engine's stand-in labelled that way."""
    team = netpol("from-payments", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [
        {"from": [{"namespaceSelector": {"matchLabels": {"team": "payments"}}}]}]})  # fmt: skip
    reported = validate(from_manifests([*stack_manifests("pr-123"), team]))
    ((message, _),) = reported["namespace-closed-to-other-namespaces"]
    assert "other-namespace-team-payments/pod" in message


def test_reaching_another_environment_is_mandatory() -> None:
    production = {"namespaceSelector": {"matchLabels": {"catalyst.dev/tier": "production"}}}
    to_prod = netpol(
        "to-production",
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [production]}]},
    )
    reported = validate(from_manifests([*stack_manifests("pr-123"), to_prod]))
    ((message, urn),) = reported["environments-isolated"]
    assert (
        "myteam-myproject-probe-prod" in message
        and urn is not None
        and urn.endswith("::to-production")
    )
    assert "namespace-closed-to-other-namespaces" not in reported


def test_egress_to_every_namespace_reaches_other_environments() -> None:
    anywhere = netpol("to-anywhere", {"podSelector": {}, "policyTypes": ["Egress"],
                                      "egress": [{"to": [{"namespaceSelector": {}}]}]})  # fmt: skip
    reported = validate(from_manifests([*stack_manifests("pr-123"), anywhere]))
    assert "environments-isolated" in reported


def test_the_ingress_namespace_is_configurable() -> None:
    manifests = stack_manifests("pr-123", ingressNamespace="traefik")
    assert mandatory(validate(from_manifests(manifests), {"ingressNamespace": "traefik"})) == {}
    reported = validate(from_manifests(manifests))
    ((message, _),) = reported["namespace-closed-to-other-namespaces"]
    assert "traefik/pod" in message


def test_invalid_objects_block_with_the_reason() -> None:
    manifests = copy.deepcopy(stack_manifests("pr-123"))
    registry = next(m for m in manifests if m["metadata"]["name"] == "allow-egress-registry")
    registry["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"] = "10.0.0.300/8"
    reported = validate(from_manifests(manifests))
    assert set(mandatory(reported)) == set(MANDATORY)
    ((message, urn),) = reported["namespace-default-deny"]
    assert "cannot prove isolation" in message and "ipBlock.cidr" in message
    assert urn is not None and urn.endswith("::allow-egress-registry")


def test_stacks_without_kubernetes_objects_are_left_alone() -> None:
    bucket = resource("aws:s3/bucket:Bucket", "b", {"bucket": "x"})
    assert validate([bucket]) == {}


# --- conversion ------------------------------------------------------------------------------


def test_props_become_manifests() -> None:
    spec = {"podSelector": {}, "egress": [{"ports": [{"port": 53, "endPort": 60}]}]}
    props = {"metadata": {"name": "p", "namespace": "a"}, "spec": spec}
    (obj,) = stack_objects([resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "p", props)])
    assert obj.manifest["apiVersion"] == "networking.k8s.io/v1" and obj.kind == "NetworkPolicy"
    port = obj.manifest["spec"]["egress"][0]["ports"][0]
    assert port == {"port": 53, "endPort": 60} and isinstance(port["port"], int)
    assert obj.ref == "NetworkPolicy a/p"


def test_auto_named_objects_use_the_logical_name() -> None:
    (obj,) = stack_objects([resource("kubernetes:core/v1:Namespace", "ns", {"metadata": {}})])
    assert obj.ref == "Namespace ns"


def test_unknown_values_are_left_to_the_sdk() -> None:
    """During preview an unknown value raises the SDK's UnknownValueError, which the SDK turns
    into "can't run policy during preview" instead of a judgement on half-known policies."""
    unknown = {"metadata": {"name": "p", "namespace": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}
    with pytest.raises(UnknownValueError):
        stack_objects([resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "p", unknown)])


# --- the pack itself -------------------------------------------------------------------------


def test_main_only_builds_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.append(kwargs))
    runpy.run_path(str(ROOT / "policy" / "__main__.py"), run_name="__main__")
    (pack,) = built
    assert pack["name"] == rules.PACK_NAME
    levels = {p.name: p.enforcement_level for p in pack["policies"]}
    assert [n for n, level in levels.items() if level == EnforcementLevel.MANDATORY] == MANDATORY
    # One advisory policy per lint rule.
    assert sum(level == EnforcementLevel.ADVISORY for level in levels.values()) == len(RULES)
    assert len(set(levels)) == len(levels)


def test_pulumi_policy_yaml() -> None:
    project = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["version"] and project["description"]
    assert (ROOT / "policy" / project["runtime"]["options"]["virtualenv"] / "bin").exists()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cluster_strategy(pod_ip_blocks=True))
def test_no_policy_of_the_pack_raises_on_a_valid_stack(docs: list[dict[str, Any]]) -> None:
    """Every policy returns (reporting or not) on valid objects: a policy that raised would break
    the user's whole `pulumi preview` (ipBlocks covering pod IPs once did, in every lint-*)."""
    reported = validate(from_manifests(docs))
    assert all(isinstance(found, list) for found in reported.values())


@pytest.mark.parametrize(("ip", "cidr"), [("10.0.0.1", "10.0.0.0/8"), ("fd00::1", "fd00::1/128")])
def test_an_ip_block_covering_a_pod_does_not_break_the_pack(ip: str, cidr: str) -> None:
    client = {"apiVersion": "v1", "kind": "Pod", "status": {"podIP": "10.9.9.9"}}
    client["metadata"] = {"name": "client", "namespace": PR, "labels": {"app": "client"}}
    web = {"apiVersion": "v1", "kind": "Pod", "status": {"podIP": ip}}
    web["metadata"] = {"name": "web", "namespace": PR, "labels": {"app": "web"}}
    out = netpol(
        "allow-egress-block", {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": cidr}}]}]}
    )
    validate(from_manifests([*stack_manifests("pr-123"), client, web, out]))  # must not raise


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"dnsPodLabels": ["x"]}, "dnsPodLabels"),
        ({"dnsPodLabels": {"k8s-app": 5}}, "dnsPodLabels"),
        ({"dnsNamespace": "Kube_System"}, "dnsNamespace"),
        ({"ingressNamespace": ["ingress-nginx"]}, "ingressNamespace"),
    ],
)
def test_a_wrong_pack_config_is_one_clear_violation_not_a_crash(
    config: dict[str, Any], key: str
) -> None:
    reported = validate(from_manifests(stack_manifests("pr-123")), config)
    messages = [message for found in reported.values() for message, _ in found]
    assert messages and all(f"policy pack config {key}" in m for m in messages), messages
