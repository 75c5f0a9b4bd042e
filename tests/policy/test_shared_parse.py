"""One parse of the stack serves lint and the completed cluster: both are what they were when
each parsed the stack itself (the probe namespaces parsed with the objects, lint's own run)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from policy import memo
from policy.resources import StackObject
from policy.stack import SOURCE, completed, environment_probes, stack_cluster
from reachability import Options, from_manifests
from reachability.lint import LintOptions, lint_manifests
from tests.policy.test_pack import PR, netpol, stack_manifests
from tests.support.strategies import cluster_strategy

Docs = list[dict[str, Any]]


def with_pods(docs: Docs) -> Docs:
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
            "status": {"podIP": ip},
        }
        for name, namespace, ip in [
            ("web", PR, "10.0.0.1"),
            ("db", PR, "10.0.0.2"),
            ("stray", "not-declared", "10.0.0.3"),  # lives in a namespace nobody declares
        ]
    ]
    return [*docs, *pods]


STACKS: dict[str, Docs] = {
    "pr": stack_manifests("pr-123"),
    "production": stack_manifests("production"),
    "pods": with_pods(stack_manifests("pr-123")),
    "opened": [
        *stack_manifests("pr-123"),
        netpol("open", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}),
    ],
    "no namespace": [netpol("lonely", {"podSelector": {}}, namespace="elsewhere")],
}


def objects(docs: Docs) -> tuple[StackObject, ...]:
    return tuple(StackObject(f"urn:{i}", copy.deepcopy(doc)) for i, doc in enumerate(docs))


def assert_as_before(docs: Docs) -> None:
    objs = objects(docs)
    before = json.dumps([o.manifest for o in objs], sort_keys=True)
    namespaces = [o.manifest for o in objs if o.kind == "Namespace"]
    probes = environment_probes(namespaces, {o.name for o in objs if o.kind == "Namespace"})
    parsed = from_manifests(
        [o.manifest for o in objs], source=SOURCE, options=memo.ENGINE_OPTIONS, copy=False
    )
    alone = from_manifests(
        [*(o.manifest for o in objs), *probes],
        source=SOURCE,
        options=Options(representatives=True),
    )
    assert completed(parsed, probes, Options()) == alone
    shared, own = stack_cluster(objs, Options(), parsed), stack_cluster(objs, Options())
    assert (shared.cluster, shared.flows, shared.probes) == (own.cluster, own.flows, own.probes)
    linted = memo.lint_of(memo.StackInput(objs, "objects " + before), LintOptions())
    assert [f for f, _ in linted] == list(lint_manifests(docs, source=SOURCE))
    assert json.dumps([o.manifest for o in objs], sort_keys=True) == before  # nothing changed


@pytest.mark.parametrize("name", sorted(STACKS))
def test_the_shared_parse_builds_what_each_built_alone(name: str) -> None:
    assert_as_before(STACKS[name])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cluster_strategy(pod_ip_blocks=True))
def test_the_shared_parse_builds_what_each_built_alone_on_any_cluster(docs: Docs) -> None:
    assert_as_before(docs)


def test_a_parse_that_synthesized_pods_for_given_ones_is_refused() -> None:
    parsed = from_manifests(STACKS["pods"], options=Options(representatives=True))
    with pytest.raises(ValueError, match="its own pods"):
        completed(parsed, [], Options())
