"""The pack's per-stack memo: one analysis builds the cluster and runs lint once, although the
policy SDK hands every policy new resources, and a changed stack is never judged by an old one."""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from pulumi_policy import StackValidationArgs

from policy import memo, rules, stack
from reachability import from_manifests as from_manifests_
from reachability.lint import run
from tests.policy.test_pack import from_manifests, stack_manifests


def counting(counted: dict[str, int], name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        counted[name] += 1
        return real(*args, **kwargs)

    return call


def clear() -> None:
    memo._parsed.cache_clear()
    memo._cluster.cache_clear()
    memo._lint.cache_clear()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How often the memo builds a cluster and lints, from an empty memo."""
    counted = {"cluster": 0, "lint": 0}
    monkeypatch.setattr(memo, "stack_cluster", counting(counted, "cluster", memo.stack_cluster))
    monkeypatch.setattr(memo, "lint_cluster", counting(counted, "lint", memo.lint_cluster))
    monkeypatch.setattr(memo, "lint_manifests", counting(counted, "lint", memo.lint_manifests))
    clear()
    yield counted
    clear()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many documents each parse took (the pack's and the engine's lint's), from an empty
    memo."""
    sizes: list[int] = []

    def parsing(docs: Iterable[Any], **kwargs: Any) -> Any:
        docs = list(docs)
        sizes.append(len(docs))
        return from_manifests_(docs, **kwargs)

    for module in (memo, stack, run):
        monkeypatch.setattr(module, "from_manifests", parsing)
    clear()
    yield sizes
    clear()


def analyse(manifests: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Every policy, each on new resources as the SDK's host builds them per policy."""
    reported: dict[str, list[str]] = {}
    for policy in rules.policies():
        found: list[str] = []
        args = StackValidationArgs(from_manifests(manifests), {})
        policy.validate(args, lambda message, urn=None, found=found: found.append(message))
        if found:
            reported[policy.name] = found
    return reported


def test_one_analysis_builds_the_cluster_and_lints_once(builds: dict[str, int]) -> None:
    assert analyse(stack_manifests("pr-123")) == {}
    assert builds == {"cluster": 1, "lint": 1}


def test_one_analysis_parses_the_stack_once(parses: list[int]) -> None:
    """Lint and the completed cluster share one parse (the probe namespaces are parsed apart)."""
    pod = {"apiVersion": "v1", "kind": "Pod", "status": {"podIP": "10.0.0.1"}}
    pod["metadata"] = {"name": "web", "namespace": "myteam-myproject-pr-123"}
    docs = [*stack_manifests("pr-123"), pod]
    analyse(docs)
    read = [d for d in docs if d["kind"] in ("Namespace", "Pod", "NetworkPolicy")]
    namespaces = [d for d in read if d["kind"] == "Namespace"]
    probes = stack.environment_probes(namespaces, {d["metadata"]["name"] for d in namespaces})
    assert sorted(parses) == sorted([len(read), len(probes)])


def test_the_same_resources_with_other_content_are_judged_again(builds: dict[str, int]) -> None:
    manifests = stack_manifests("pr-123")
    assert analyse(manifests) == {}
    opened = copy.deepcopy(manifests)
    deny = next(m for m in opened if m["metadata"]["name"] == "default-deny-all")
    deny["spec"]["ingress"] = [{}]  # same URNs, one rule more: every pod may now be reached
    reported = analyse(opened)
    assert "namespace-closed-to-other-namespaces" in reported
    assert builds == {"cluster": 2, "lint": 2}
    assert analyse(manifests) == {}  # and the first stack is still judged as itself


@pytest.mark.parametrize("on", [True, False])
def test_the_collector_is_left_as_it_was_even_when_a_build_fails(on: bool) -> None:
    was_on = gc.isenabled()
    (gc.enable if on else gc.disable)()
    try:
        with pytest.raises(ValueError), memo.collector_paused():
            assert not gc.isenabled()
            raise ValueError("a stack that cannot be built")
        assert gc.isenabled() is on
    finally:
        (gc.enable if was_on else gc.disable)()


def test_resources_without_the_sdks_proxies_are_keyed_by_their_objects(
    builds: dict[str, int],
) -> None:
    """No wire text (plain dicts, not the SDK's proxies): the canonical text of the converted
    objects is the key, so equal stacks still share one analysis."""
    manifests = stack_manifests("pr-123")

    def plain_resources() -> list[Any]:
        made = from_manifests(manifests)
        for made_resource, manifest in zip(made, manifests, strict=True):
            made_resource.props = copy.deepcopy(manifest)
        return made

    first, again = memo.stack_input(plain_resources()), memo.stack_input(plain_resources())
    assert first.key.startswith("objects ") and first == again
    assert memo.cluster_of(first) is memo.cluster_of(again)
    assert builds["cluster"] == 1
