"""The policy pack on a stack with the cluster guardrails on (what the Kind guardrails job runs
`pulumi up --policy-pack policy` on): the ClusterNetworkPolicy resources do not break it, and
the stack passes as it does without them."""

from __future__ import annotations

import pytest
from pulumi_policy import PolicyResource

from tests.policy.test_pack import (
    MANDATORY,
    PR,
    from_manifests,
    mandatory,
    resource,
    stack_manifests,
    validate,
)
from tests.support.pulumi_mocks import cli_config, run_main

CNP_TYPE = "kubernetes:policy.networking.k8s.io/v1alpha2:ClusterNetworkPolicy"
GUARDRAILS = {
    "catalyst-environments:clusterGuardrails": "true",
    "catalyst-environments:clusterBaselineDeny": "true",
}


@pytest.mark.parametrize("stack", ["pr-123", "production"])
def test_a_guarded_stack_passes_the_pack_as_the_unguarded_one_does(stack: str) -> None:
    run = run_main(stack, {**cli_config(stack), **GUARDRAILS})
    resources = [resource(r.type, r.name, r.inputs, r.urn) for r in run.resources]
    assert sum(r.resource_type == CNP_TYPE for r in resources) == 2
    reported = validate(resources)
    assert not set(reported) & set(MANDATORY)
    unguarded = run_main(stack)
    assert set(reported) == set(
        validate([resource(r.type, r.name, r.inputs, r.urn) for r in unguarded.resources])
    )


def _cluster_policy(kind: str, api_version: str, spec: dict[str, object]) -> dict[str, object]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "open"}, "spec": spec}


OPEN_SUBJECT = {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": PR}}}


@pytest.mark.parametrize(
    "policy",
    [
        _cluster_policy(
            "ClusterNetworkPolicy",
            "policy.networking.k8s.io/v1alpha2",
            {
                "tier": "Admin",
                "priority": 5,
                "subject": OPEN_SUBJECT,
                "ingress": [{"action": "Accept", "from": [{"namespaces": {}}]}],
                "egress": [{"action": "Accept", "to": [{"namespaces": {}}]}],
            },
        ),
        _cluster_policy(
            "AdminNetworkPolicy",
            "policy.networking.k8s.io/v1alpha1",
            {
                "priority": 5,
                "subject": OPEN_SUBJECT,
                "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}],
                "egress": [{"action": "Allow", "to": [{"namespaces": {}}]}],
            },
        ),
    ],
    ids=["ClusterNetworkPolicy", "AdminNetworkPolicy"],
)
def test_a_cluster_policy_that_opens_the_environment_fails_the_pack(
    policy: dict[str, object],
) -> None:
    """The pack's proof counts the tiers: an Admin Accept of every namespace opens pr-123 as an
    allow-all NetworkPolicy would (and no NetworkPolicy of the namespace can close it)."""
    kind, version = str(policy["kind"]), str(policy["apiVersion"])
    resources = [*from_manifests(stack_manifests("pr-123")), _as_resource(kind, version, policy)]
    assert {"environments-isolated", "namespace-closed-to-other-namespaces"} <= set(
        mandatory(validate(resources))
    )


def _as_resource(kind: str, version: str, manifest: dict[str, object]) -> PolicyResource:
    return resource(f"kubernetes:{version}:{kind}", "open", manifest)
