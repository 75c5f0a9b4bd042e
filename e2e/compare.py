"""Measured vs predicted: the table a person reads when the e2e job fails, and its exit code.

A probe agrees when both sides gave the same verdict. A probe that only one side has, or that
could not be measured, is a difference too: a silent gap in coverage must fail the job as loudly
as a wrong verdict.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from e2e.outcomes import Outcome
from e2e.plan import Probe


@dataclass(frozen=True, slots=True)
class Row:
    """One probe with both verdicts (None: missing or not measurable) and their explanations."""

    probe: Probe
    predicted: bool | None
    measured: bool | None
    reason: str
    detail: str

    @property
    def agrees(self) -> bool:
        return self.predicted is not None and self.predicted == self.measured


@dataclass(frozen=True, slots=True)
class Comparison:
    rows: tuple[Row, ...]

    @property
    def differences(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.agrees)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.differences

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def compare(predicted: Sequence[Outcome], measured: Sequence[Outcome]) -> Comparison:
    """Pair the outcomes by (from, to, port, protocol); predicted order first, then the rest."""
    measured_by_key = {outcome.probe.key: outcome for outcome in measured}
    predicted_keys = {outcome.probe.key for outcome in predicted}
    rows = [
        _row(outcome.probe, outcome, measured_by_key.get(outcome.probe.key))
        for outcome in predicted
    ]
    rows += [_row(o.probe, None, o) for o in measured if o.probe.key not in predicted_keys]
    return Comparison(tuple(rows))


def render(comparison: Comparison, fmt: str = "text") -> str:
    """``text`` for logs, ``md`` for the job summary, ``json`` for machines."""
    if fmt == "json":
        return json.dumps(_as_json(comparison), indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        return _markdown(comparison)
    return _text(comparison)


def _row(probe: Probe, predicted: Outcome | None, measured: Outcome | None) -> Row:
    return Row(
        probe=probe,
        predicted=None if predicted is None else predicted.allowed,
        measured=None if measured is None else measured.allowed,
        reason="no prediction" if predicted is None else predicted.detail,
        detail="not probed" if measured is None else measured.detail,
    )


def _headline(comparison: Comparison) -> str:
    total = len(comparison.rows)
    unmeasured = sum(1 for row in comparison.rows if row.measured is None)
    differing = len(comparison.differences) - unmeasured
    if not total:
        return "no probes were compared"
    return (
        f"{total} probes: {total - len(comparison.differences)} agree, "
        f"{differing} differ, {unmeasured} not measured"
    )


def _verdict(value: bool | None) -> str:
    return {True: "allowed", False: "denied", None: "—"}[value]


def _text(comparison: Comparison) -> str:
    lines = [("OK: " if comparison.ok else "FAIL: ") + _headline(comparison)]
    for row in comparison.differences:
        p = row.probe
        lines.append(
            f"  {p.source} -> {p.target} {p.port}/{p.protocol}: predicted "
            f"{_verdict(row.predicted)}, measured {_verdict(row.measured)}"
        )
        lines.append(f"      analyzer: {row.reason}")
        lines.append(f"      probe:    {row.detail}")
    return "\n".join(lines) + "\n"


def _markdown(comparison: Comparison) -> str:
    status = "agrees with" if comparison.ok else "**differs from**"
    lines = [
        f"### Kind end-to-end: the measured matrix {status} `reachability`",
        "",
        f"{_headline(comparison)}.",
        "",
    ]
    if comparison.differences:
        lines += [
            "| from | to | port | predicted | measured | analyzer says | probe said |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_md_row(row, with_reasons=True) for row in comparison.differences]
        lines.append("")
    lines += [
        "<details><summary>Every probe</summary>",
        "",
        "| from | to | port | predicted | measured |",
        "| --- | --- | --- | --- | --- |",
        *(_md_row(row, with_reasons=False) for row in comparison.rows),
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def _md_row(row: Row, *, with_reasons: bool) -> str:
    p = row.probe
    cells = [
        f"`{p.source}`",
        f"`{p.target}`",
        f"{p.port}/{p.protocol}",
        _verdict(row.predicted),
        _verdict(row.measured) + ("" if row.agrees else " ❌"),
    ]
    if with_reasons:
        cells += [_cell(row.reason), _cell(row.detail)]
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _as_json(comparison: Comparison) -> dict[str, object]:
    return {
        "ok": comparison.ok,
        "summary": _headline(comparison),
        "differences": [
            {
                **row.probe.to_json(),
                "predicted": row.predicted,
                "measured": row.measured,
                "reason": row.reason,
                "detail": row.detail,
            }
            for row in comparison.differences
        ],
    }
