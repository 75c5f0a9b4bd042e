"""The wire text by which a policy recognises a stack an earlier policy converted: equal only
for equal content, and no shortcut past the SDK's unknown values."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, UnknownValueError

from policy import memo
from policy.resources import stack_objects
from policy.wire import canonical, objects_of, wire_text
from tests.policy.test_pack import from_manifests, resource, stack_manifests

NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def policy_with(port: Any) -> dict[str, Any]:
    ports = [{"port": port, "protocol": "TCP"}]
    return {"metadata": {"name": "p", "namespace": "a"}, "spec": {"egress": [{"ports": ports}]}}


def test_new_proxies_over_the_same_content_have_the_same_text() -> None:
    first = wire_text([resource(NETPOL, "p", policy_with(53))])
    assert first is not None and first == wire_text([resource(NETPOL, "p", policy_with(53))])


@pytest.mark.parametrize("other", [54, True, "53", None, 53.5])
def test_other_content_has_another_text(other: Any) -> None:
    assert wire_text([resource(NETPOL, "p", policy_with(53))]) != wire_text(
        [resource(NETPOL, "p", policy_with(other))]
    )


def test_the_urn_and_the_logical_name_count() -> None:
    base = wire_text([resource(NETPOL, "p", {"spec": {}})])
    assert base != wire_text([resource(NETPOL, "q", {"spec": {}})])
    assert base != wire_text([resource(NETPOL, "p", {"spec": {}}, urn="urn:other")])


def test_resources_the_pack_does_not_read_are_left_out() -> None:
    netpol = resource(NETPOL, "p", policy_with(53))
    bucket = resource("aws:s3/bucket:Bucket", "b", {"bucket": "x"})
    assert wire_text([netpol, bucket]) == wire_text([netpol])


def test_what_is_not_the_sdks_proxies_gets_no_text() -> None:
    """Plain dicts could hold keys JSON turns into text ({True: ...} as "true"): no shortcut."""
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    plain = PolicyResource(NETPOL, {True: 1}, "urn:x", "p", opts, None, None, [], {})
    assert wire_text([plain]) is None
    assert wire_text([resource(NETPOL, "p", {"metadata": {1: "x"}})]) is None


def test_an_unknown_value_raises_for_every_policy_not_only_the_first() -> None:
    unknown = {"metadata": {"name": "p", "namespace": UNKNOWN_STRING_VALUE}}
    for _ in range(2):
        with pytest.raises(UnknownValueError):
            memo.stack_input([resource(NETPOL, "p", unknown)])


def test_a_known_stack_is_converted_once() -> None:
    first = memo.stack_input([resource(NETPOL, "p", policy_with(53))])
    again = memo.stack_input([resource(NETPOL, "p", policy_with(53))])
    assert again is first
    assert first.objects[0].manifest["spec"]["egress"][0]["ports"][0]["port"] == 53


def converted(resources: list[Any]) -> tuple[Any, ...]:
    """The objects as the proxies convert them, in canonical form (what the memo keeps)."""
    return canonical(stack_objects(resources))[1]


def stack_of(manifests: list[dict[str, Any]]) -> list[Any]:
    return from_manifests(manifests)


@pytest.mark.parametrize("stack", ["pr-123", "production"])
def test_objects_decoded_from_the_text_are_the_converted_ones(stack: str) -> None:
    pod = {"kind": "Pod", "metadata": {"name": "web"}, "status": {"podIP": "10.0.0.1"}}
    odd = policy_with(8080.5)  # a float that stays one
    del odd["metadata"]["name"]  # the logical name stands in
    resources = [
        *stack_of(stack_manifests(stack)),
        resource("kubernetes:core/v1:Pod", "web", pod),
        resource(NETPOL, "odd", odd),
    ]
    text = wire_text(resources)
    assert text is not None
    decoded = objects_of(text)
    assert decoded == converted(resources)
    assert decoded is not None and [list(o.manifest) for o in decoded] == [
        sorted(o.manifest) for o in decoded
    ]  # keys sorted, as the canonical text gives them


@pytest.mark.parametrize("sentinel", [UNKNOWN_STRING_VALUE, UNKNOWN_NUMBER_VALUE])
def test_a_text_with_an_unknown_sentinel_anywhere_is_not_decoded(sentinel: str) -> None:
    as_value = wire_text([resource(NETPOL, "p", {"metadata": {"namespace": sentinel}})])
    in_a_string = wire_text([resource(NETPOL, "p", {"metadata": {"name": f"x{sentinel}"}})])
    assert as_value is not None and in_a_string is not None
    assert objects_of(as_value) is None and objects_of(in_a_string) is None


def test_values_json_cannot_hold_exactly_get_no_text() -> None:
    assert wire_text([resource(NETPOL, "p", policy_with(float("nan")))]) is None
    assert wire_text([resource(NETPOL, "p", policy_with(float("inf")))]) is None


def test_a_key_that_is_no_str_anywhere_gets_no_text() -> None:
    """Keys are checked in one pass after the text is written: one deep key is enough."""

    class Key(str):
        def __str__(self) -> str:
            return "other"

    deep = policy_with(53)
    deep["spec"]["egress"][0]["ports"][0][Key("extra")] = 1
    assert wire_text([resource(NETPOL, "p", deep)]) is None
    for key in (True, None, 2.5):
        assert wire_text([resource(NETPOL, "p", {"spec": {"x": [{key: 1}]}})]) is None


def test_a_stack_first_seen_with_a_sentinel_inside_a_string_is_still_converted() -> None:
    name = f"x{UNKNOWN_STRING_VALUE}"
    first = memo.stack_input([resource(NETPOL, "p", {"metadata": {"name": name}})])
    assert first.objects[0].manifest["metadata"]["name"] == name
    again = memo.stack_input([resource(NETPOL, "p", {"metadata": {"name": name}})])
    assert again is first
