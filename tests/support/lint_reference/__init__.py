"""Lint's semantic rules as they were before their set-based rewrite: one `allowed` verdict per
pair, flows from the whole matrix. Kept as the definition the fast rules are tested against
(tests/reachability/lint/test_fast_rules.py): same findings, same order, on random clusters."""

from __future__ import annotations

from reachability import matrix
from reachability.lint.context import Analysis, Flow


def flows_of(analysis: Analysis) -> frozenset[Flow]:
    """Every allowed flow of the analysed cluster on the probed ports and addresses."""
    return frozenset(matrix(analysis.cluster, analysis.ports, analysis.externals).allowed_flows())
