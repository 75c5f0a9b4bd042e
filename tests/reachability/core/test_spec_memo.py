"""Specs written again (environments stamped from one template) are parsed once per load: every
policy must still come out as it would alone, its problems reported under its own name."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability import ManifestError
from reachability._frozen import plain_copy
from reachability._parse.documents import Document, parse_documents
from reachability.model import NetworkPolicy
from reachability.problems import Problem
from tests.support.strategies import policy_set_strategy

Doc = dict[str, Any]


def netpol(namespace: str, name: str, spec: Any) -> Doc:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def parsed(docs: list[Doc]) -> tuple[tuple[NetworkPolicy, ...], list[Problem]]:
    documents = [Document("f.yaml", f"document {i + 1}", doc) for i, doc in enumerate(docs)]
    try:
        return parse_documents(documents).policies, []
    except ManifestError as error:
        return (), list(error.problems)


def each_alone(docs: list[Doc]) -> tuple[tuple[NetworkPolicy, ...], list[Problem]]:
    """What parsing gives with no spec seen before: each document in a load of its own."""
    policies: list[NetworkPolicy] = []
    problems: list[Problem] = []
    for i, doc in enumerate(docs):
        documents = [Document("f.yaml", f"document {i + 1}", doc)]
        try:
            policies += parse_documents(documents).policies
        except ManifestError as error:
            problems += error.problems
    return (tuple(policies), []) if not problems else ((), problems)


def where_written(policy: NetworkPolicy) -> Iterator[tuple[str, Any]]:
    """Every rule's, peer's and port's path and written entry, which equality leaves out."""
    for rule in (*policy.ingress, *policy.egress):
        yield rule.path, plain_copy(rule.written)
        for part in (*(rule.peers or ()), *(rule.ports or ())):
            yield part.path, plain_copy(part.written)


def assert_as_alone(docs: list[Doc]) -> None:
    together, alone = parsed(docs), each_alone(docs)
    assert together == alone
    for policy, expected in zip(together[0], alone[0], strict=True):
        assert list(where_written(policy)) == list(where_written(expected))
        assert policy.source == expected.source
        assert plain_copy(policy.manifest) == plain_copy(expected.manifest)


SPEC = {
    "podSelector": {"matchLabels": {"app": "web"}},
    "ingress": [
        {"from": [{"podSelector": {}}], "ports": [{"port": 80}, {"port": "http"}]},
        None,
    ],
    "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
}


def stamped(spec: Mapping[str, Any], namespaces: int) -> list[Doc]:
    return [netpol(f"env-{n}", "p", copy.deepcopy(dict(spec))) for n in range(namespaces)]


def test_one_spec_in_many_namespaces_gives_each_policy_as_alone() -> None:
    docs = stamped(SPEC, 4)
    assert_as_alone(docs)
    assert [p.namespace for p in parsed(docs)[0]] == ["env-0", "env-1", "env-2", "env-3"]


def test_a_spec_with_a_problem_is_reported_for_every_policy_that_writes_it() -> None:
    bad = {"podSelector": {}, "ingress": [{"ports": [{"port": "80"}]}]}
    _, problems = parsed(stamped(bad, 3))
    assert [(p.obj, p.field) for p in problems] == [
        (f"NetworkPolicy env-{n}/p", "spec.ingress[0].ports[0].port") for n in range(3)
    ]


def test_specs_equal_in_value_but_written_apart_are_parsed_apart() -> None:
    # 1 == True, but a port written `true` is refused where `1` is not; `1.0` reads as 1.
    for value, refused in ((True, ["NetworkPolicy b/p"]), (1.0, [])):
        ports = [{"podSelector": {}, "ingress": [{"ports": [{"port": v}]}]} for v in (1, value)]
        docs = [netpol("a", "p", ports[0]), netpol("b", "p", ports[1])]
        assert [p.obj for p in parsed(docs)[1]] == refused, value
        assert_as_alone(docs)


class Opaque(Mapping[str, Any]):
    """A mapping whose repr tells nothing of its content, and whose pickle says nothing of it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return "Opaque()"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Opaque, ({},))


class Unpicklable(Opaque):
    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("no pickle")


def test_specs_that_read_alike_but_hold_different_content_are_parsed_apart() -> None:
    for kind in (Opaque, Unpicklable):
        docs = [
            netpol("a", "p", {"podSelector": kind({"matchLabels": {"app": "web"}})}),
            netpol("a", "q", {"podSelector": kind({"matchLabels": {"app": "db"}})}),
        ]
        policies, _ = parsed(docs)
        labels = [dict(p.pod_selector.match_labels) for p in policies]
        assert labels == [{"app": "web"}, {"app": "db"}], kind
        assert_as_alone(docs)


PORT_VALUES = st.sampled_from([80, 80.0, True, "80", "http", None, -1, 70000])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_set_strategy(max_policies=4), st.lists(PORT_VALUES, max_size=4), st.data())
def test_any_policy_set_stamped_into_namespaces_parses_as_each_alone(
    docs: list[Doc], ports: list[Any], data: st.DataObject
) -> None:
    """Each policy written again in other namespaces, some with a port changed in one copy."""
    policies = [doc for doc in docs if doc["kind"] == "NetworkPolicy"]
    stamped_docs: list[Doc] = []
    for n in range(3):
        for doc in policies:
            twin = copy.deepcopy(doc)
            twin["metadata"]["namespace"] = f"env-{n}"
            stamped_docs.append(twin)
    for value in ports:
        twin = data.draw(st.sampled_from(stamped_docs))
        twin["spec"]["ingress"] = [{"ports": [{"port": value}]}, *twin["spec"].get("ingress", [])]
    assert_as_alone(stamped_docs)
