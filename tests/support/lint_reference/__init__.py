"""Lint's semantic rules as they were before their set-based rewrite: one `allowed` verdict per
pair, flows from the whole matrix. Kept as the definition the fast rules are tested against
(tests/reachability/lint/test_fast_rules.py): same findings, same order, on random clusters."""

from __future__ import annotations

from reachability import matrix
from reachability.lint.context import Analysis, Flow

_last: list[tuple[Analysis, frozenset[Flow]]] = []


def flows_of(analysis: Analysis) -> frozenset[Flow]:
    """Every allowed flow of the analysed cluster on the probed ports and addresses. Kept for
    the last analysis asked about (a frozen value, compared by identity): the rules that need
    the flows are asked in turn about the same one, and its matrix was a quarter of their time."""
    if _last and _last[0][0] is analysis:
        return _last[0][1]
    flows = frozenset(matrix(analysis.cluster, analysis.ports, analysis.externals).allowed_flows())
    _last[:] = [(analysis, flows)]
    return flows
