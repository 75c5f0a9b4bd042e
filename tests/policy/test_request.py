"""Recognising the SDK's request instead of its resources: every policy of one AnalyzeStack
request gets a report function over the same reply, so a later policy of a request recognised
before gets its stack without its resources being read; anything else is read as before."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policy import memo, rules
from tests.policy.test_pack import from_manifests, stack_manifests

SERVICER = _PolicyAnalyzerServicer("pack", "0.0.1", rules.policies(), EnforcementLevel.ADVISORY)


def report_over(reply: Any, name: str = "a-policy") -> ReportViolation:
    """A report function as the SDK's AnalyzeStack makes one per policy of a request."""
    return SERVICER._create_report_violation(reply, name, "", EnforcementLevel.ADVISORY)


@dataclass
class Unreadable:
    """A resource whose properties must not be read."""

    resource_type: str
    urn: str
    name: str

    @property
    def props(self) -> Any:
        raise AssertionError("the resource was read")


def unreadable(resources: list[Any]) -> list[Any]:
    return [Unreadable(r.resource_type, r.urn, r.name) for r in resources]


def test_the_sdks_report_function_gives_its_reply_and_no_other_does() -> None:
    reply = proto.AnalyzeResponse()
    assert memo.request_of(report_over(reply)) is reply
    found: list[Any] = []
    assert memo.request_of(lambda message, urn=None: found.append(reply)) is None
    assert memo.request_of(print) is None


def test_a_later_policy_of_the_same_request_does_not_read_its_resources() -> None:
    reply = proto.AnalyzeResponse()
    resources = from_manifests(stack_manifests("pr-123"))
    first = memo.stack_input(resources, memo.request_of(report_over(reply, "first")))
    again = memo.stack_input(unreadable(resources), memo.request_of(report_over(reply, "next")))
    assert again is first


def test_another_request_or_other_resources_are_read() -> None:
    reply = proto.AnalyzeResponse()
    resources = from_manifests(stack_manifests("pr-123"))
    memo.stack_input(resources, memo.request_of(report_over(reply)))
    with pytest.raises(AssertionError, match="was read"):  # another request
        memo.stack_input(
            unreadable(resources), memo.request_of(report_over(proto.AnalyzeResponse()))
        )
    with pytest.raises(AssertionError, match="was read"):  # no request
        memo.stack_input(unreadable(resources))
    with pytest.raises(AssertionError, match="was read"):  # the same request, one resource less
        memo.stack_input(unreadable(resources[:-1]), memo.request_of(report_over(reply)))


def test_an_unknown_value_still_raises_for_every_policy_of_the_request() -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

    manifests = copy.deepcopy(stack_manifests("pr-123"))
    manifests[0]["metadata"]["labels"] = {"x": UNKNOWN_STRING_VALUE}
    reply = proto.AnalyzeResponse()
    for name in ("first", "next"):
        with pytest.raises(UnknownValueError):
            memo.stack_input(from_manifests(manifests), memo.request_of(report_over(reply, name)))


def reports(manifests: list[dict[str, Any]], reply: Any | None) -> dict[str, list[tuple[str, str]]]:
    """Every policy's reports on new resources per policy, with the SDK's report functions
    over `reply` (one request), or with plain ones (None)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for policy in rules.policies():
        args = StackValidationArgs(from_manifests(manifests), {})
        if reply is None:
            kept: list[tuple[str, str]] = []
            policy.validate(args, lambda m, urn=None, kept=kept: kept.append((m, urn or "")))
        else:
            before = len(reply.diagnostics)
            policy.validate(args, report_over(reply, policy.name))
            kept = [(d.message, d.urn) for d in reply.diagnostics[before:]]
        if kept:
            found[policy.name] = kept
    return found


def test_every_policy_reports_the_same_by_request_as_by_content() -> None:
    manifests = stack_manifests("pr-123")
    opened = copy.deepcopy(manifests)
    deny = next(m for m in opened if m["metadata"]["name"] == "default-deny-all")
    deny["spec"]["ingress"] = [{}]
    for stack in (manifests, opened):
        by_content = reports(stack, None)
        by_request = reports(stack, proto.AnalyzeResponse())
        assert by_request == {
            name: [("\n" + message, urn) for message, urn in found]
            for name, found in by_content.items()
        }
    assert "namespace-closed-to-other-namespaces" in reports(opened, proto.AnalyzeResponse())
