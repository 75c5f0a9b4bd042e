"""Measured vs predicted: agreement passes, any difference or gap fails with a readable table."""

from __future__ import annotations

import json

import pytest

from e2e.compare import compare, render
from e2e.outcomes import Outcome, outcomes_from_json, outcomes_to_json
from e2e.plan import PlanError, Probe

WEB_DB = Probe("prod/probe-web", "prod/probe-postgres", 5432)
WORKER_DB = Probe("prod/probe-worker", "prod/probe-postgres", 5432)
DNS = Probe("dev/probe-web", "kube-system/cluster-dns", 53, "UDP", "dns")

PREDICTED = [
    Outcome(WEB_DB, True, "allowed by prod/allow-database-postgres-ingress rule 0"),
    Outcome(WORKER_DB, False, "isolated by prod/default-deny-all"),
    Outcome(DNS, True, "allowed by dev/allow-dns rule 0"),
]


def measured(**overrides: bool | None) -> list[Outcome]:
    values = {"web_db": True, "worker_db": False, "dns": True} | overrides
    return [
        Outcome(WEB_DB, values["web_db"], "10.244.0.7: connected"),
        Outcome(WORKER_DB, values["worker_db"], "10.244.0.7: TIMEOUT"),
        Outcome(DNS, values["dns"], "10.244.0.2: connected"),
    ]


def test_full_agreement_passes() -> None:
    comparison = compare(PREDICTED, measured())
    assert comparison.ok and comparison.exit_code == 0
    assert render(comparison, "text").startswith("OK: 3 probes: 3 agree, 0 differ, 0 not measured")
    assert "agrees with" in render(comparison, "md")


def test_a_connection_the_analyzer_denies_but_the_cluster_allows_fails_with_both_reasons() -> None:
    comparison = compare(PREDICTED, measured(worker_db=True))
    assert comparison.exit_code == 1
    assert [row.probe for row in comparison.differences] == [WORKER_DB]
    text = render(comparison, "text")
    assert "FAIL: 3 probes: 2 agree, 1 differ, 0 not measured" in text
    assert (
        "prod/probe-worker -> prod/probe-postgres 5432/TCP: predicted denied, measured allowed"
        in text
    )
    assert "isolated by prod/default-deny-all" in text
    md = render(comparison, "md")
    assert "**differs from**" in md
    assert (
        "| `prod/probe-worker` | `prod/probe-postgres` | 5432/TCP | denied | allowed ❌ "
        "| isolated by prod/default-deny-all | 10.244.0.7: TIMEOUT |" in md
    )


def test_a_denial_the_analyzer_did_not_predict_fails_too() -> None:
    comparison = compare(PREDICTED, measured(dns=False))
    assert comparison.exit_code == 1
    assert [row.probe for row in comparison.differences] == [DNS]


def test_an_unmeasured_or_missing_probe_fails_instead_of_passing_silently() -> None:
    unmeasurable = compare(PREDICTED, measured(web_db=None))
    assert unmeasurable.exit_code == 1
    assert "1 not measured" in render(unmeasurable, "text")
    missing = compare(PREDICTED, measured()[1:])
    assert missing.exit_code == 1
    assert missing.differences[0].detail == "not probed"


def test_a_measurement_without_prediction_is_a_difference() -> None:
    extra = Outcome(Probe("a/x", "b/y", 80), True, "connected")
    comparison = compare(PREDICTED, [*measured(), extra])
    assert comparison.exit_code == 1
    assert comparison.differences[0].reason == "no prediction"


def test_nothing_compared_is_not_a_pass() -> None:
    assert compare([], []).exit_code == 1


def test_json_report_lists_only_the_differences() -> None:
    report = json.loads(render(compare(PREDICTED, measured(worker_db=True)), "json"))
    assert report["ok"] is False
    assert [(d["from"], d["predicted"], d["measured"]) for d in report["differences"]] == [
        ("prod/probe-worker", False, True)
    ]


def test_pipes_in_reasons_do_not_break_the_markdown_table() -> None:
    predicted = [Outcome(WEB_DB, True, "egress: a | ingress: b")]
    md = render(compare(predicted, [Outcome(WEB_DB, False, "x")]), "md")
    assert "egress: a \\| ingress: b" in md


def test_outcomes_round_trip_and_bad_files_are_rejected() -> None:
    outcomes = measured(dns=None)
    assert outcomes_from_json(outcomes_to_json(outcomes), "m.json") == outcomes
    with pytest.raises(PlanError, match="allowed true, false or null"):
        outcomes_from_json([{**WEB_DB.to_json(), "allowed": "yes"}], "m.json")
    with pytest.raises(PlanError, match="expected a list"):
        outcomes_from_json({"probes": []}, "m.json")
