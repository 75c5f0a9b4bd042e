"""Text, JSON, CSV and Markdown renderings of verdicts, matrices and check results.

Deterministic: the same input gives byte-identical output. JSON and CSV matrices list allowed
flows only (sparse, fit for thousands of pods); the table and Markdown grids are for people.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reachability import endpoints_note
from reachability.cli.expectations import Expectation
from reachability.evaluation import ClusterRuleRef, SideVerdict, Verdict
from reachability.matrix import Matrix

ALLOWED_CELL, DENIED_CELL = "+", "."


def word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


def verdict_text(
    src: str, dst: str, port: int, protocol: str, verdict: Verdict, representative: bool
) -> str:
    lines = [f"{src} -> {dst} {port}/{protocol}: {word(verdict.allowed)}"]
    lines += [f"  {line}" for line in verdict.reason.splitlines()]
    lines.append(endpoints_note(representative))
    return "\n".join(lines) + "\n"


def verdict_json(
    src: str, dst: str, port: int, protocol: str, verdict: Verdict, representative: bool
) -> str:
    record = {
        "from": src,
        "to": dst,
        "port": port,
        "protocol": protocol,
        "allowed": verdict.allowed,
        "reason": verdict.reason,
        "egress": _side(verdict.egress),
        "ingress": _side(verdict.ingress),
        "representative": representative,
    }
    return json.dumps(record, indent=2) + "\n"


def _side(side: SideVerdict) -> dict[str, Any]:
    """One side; `decided_by`, `passed_by` and `governed_by` only when cluster policies take
    part, so outputs about NetworkPolicies alone stay as they were."""
    record: dict[str, Any] = {
        "allowed": side.allowed,
        "isolated": side.isolated,
        "allowed_by": [{"policy": ref.policy, "index": ref.index} for ref in side.allowed_by],
        "isolated_by": list(side.isolated_by),
        "note": side.note,
    }
    if side.decided_by is not None:
        record["decided_by"] = _cluster_rule(side.decided_by)
    if side.passed_by is not None:
        record["passed_by"] = _cluster_rule(side.passed_by)
    if side.governed_by:
        record["governed_by"] = list(side.governed_by)
    return record


def _cluster_rule(ref: ClusterRuleRef) -> dict[str, Any]:
    return {
        "policy": ref.policy,
        "tier": ref.tier,
        "index": ref.index,
        "name": ref.name,
        "action": ref.action,
        "kind": ref.kind,
    }


def matrix_json(matrix: Matrix, representative: bool = False) -> str:
    """A list of {from, to, port, protocol}, one allowed flow per line, sorted."""
    quoted = {name: json.dumps(name) for name in matrix.endpoints}
    lines = [
        f'{{"from": {quoted[src]}, "to": {quoted[dst]}, "port": {port}, "protocol": "{proto}"}}'
        for src, dst, port, proto in matrix.allowed_flows()
    ]
    if not lines:
        return "[]\n"
    return "[\n  " + ",\n  ".join(lines) + "\n]\n"


def matrix_csv(matrix: Matrix, representative: bool = False) -> str:
    """`from,to,port,protocol`, one allowed flow per row, sorted."""
    rows = ["from,to,port,protocol"]
    rows += [f"{src},{dst},{port},{proto}" for src, dst, port, proto in matrix.allowed_flows()]
    return "\r\n".join(rows) + "\r\n"


def matrix_table(matrix: Matrix, representative: bool = False) -> str:
    """The endpoints note, then one grid per port: rows are sources, numbered columns are
    destinations."""
    names = matrix.endpoints
    number_width = len(str(len(names)))
    name_width = max((len(name) for name in names), default=0)
    blocks = []
    for port, protocol in matrix.ports:
        lines = [
            f"{port}/{protocol} (rows: from, columns: to; {ALLOWED_CELL} allowed, "
            f"{DENIED_CELL} denied)"
        ]
        header = " ".join(str(j + 1).rjust(number_width) for j in range(len(names)))
        lines.append(f"{'':>{number_width}} {'':<{name_width}}  {header}".rstrip())
        for i, src in enumerate(names):
            reached = set(matrix.allowed_to(src, port, protocol))
            marks = (ALLOWED_CELL if dst in reached else DENIED_CELL for dst in names)
            cells = " ".join(mark.rjust(number_width) for mark in marks)
            lines.append(f"{i + 1:>{number_width}} {src:<{name_width}}  {cells}")
        blocks.append("\n".join(lines))
    return endpoints_note(representative) + "\n\n" + "\n\n".join(blocks) + "\n"


def matrix_markdown(matrix: Matrix, representative: bool = False) -> str:
    """One Markdown table per port (✓ allowed, ✗ denied), then the endpoints note."""
    names = matrix.endpoints
    blocks = []
    for port, protocol in matrix.ports:
        lines = [f"### {port}/{protocol}", "", "| from \\ to | " + " | ".join(names) + " |"]
        lines.append("|---|" + "---|" * len(names))
        for src in names:
            reached = set(matrix.allowed_to(src, port, protocol))
            cells = ["✓" if dst in reached else "✗" for dst in names]
            lines.append(f"| {src} | " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    blocks.append(f"<sub>{endpoints_note(representative)}</sub>")
    return "\n\n".join(blocks) + "\n"


CheckResult = tuple[Expectation, Verdict]


def check_text(results: Sequence[CheckResult], representative: bool = False) -> str:
    lines = []
    for expectation, verdict in results:
        flow = f"{expectation.src} -> {expectation.dst} {expectation.port}/{expectation.protocol}"
        if verdict.allowed == expectation.allowed:
            lines.append(f"ok    {flow}: {word(verdict.allowed)}")
            continue
        lines.append(
            f"FAIL  {flow}: expected {word(expectation.allowed)}, got {word(verdict.allowed)}"
        )
        lines += [f"      {line}" for line in verdict.reason.splitlines()]
    held = sum(verdict.allowed == expectation.allowed for expectation, verdict in results)
    lines.append(endpoints_note(representative))
    lines.append(f"{held} of {len(results)} expectations hold")
    return "\n".join(lines) + "\n"


def check_json(results: Sequence[CheckResult], representative: bool = False) -> str:
    records = [
        {
            "from": expectation.src,
            "to": expectation.dst,
            "port": expectation.port,
            "protocol": expectation.protocol,
            "expected": expectation.allowed,
            "actual": verdict.allowed,
            "reason": verdict.reason,
        }
        for expectation, verdict in results
    ]
    return json.dumps(records, indent=2) + "\n"
