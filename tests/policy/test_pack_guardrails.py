"""The policy pack on a stack with the cluster guardrails on (what the Kind guardrails job runs
`pulumi up --policy-pack policy` on): the ClusterNetworkPolicy resources do not break it, and
the stack passes as it does without them."""

from __future__ import annotations

import pytest

from tests.policy.test_pack import MANDATORY, resource, validate
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
