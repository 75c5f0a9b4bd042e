"""The wire text by which a policy recognises a stack an earlier policy converted: equal only
for equal content, and no shortcut past the SDK's unknown values."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policy import memo
from policy.wire import wire_text
from tests.policy.test_pack import resource

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
