"""`lint`: NetworkPolicy mistakes found before review, each with a stable id, a place and a fix.

Structural rules read each policy as written, from the parsed model and its field paths:
peers.py (OR-ed peers, `name` labels, open namespaces), ipblocks.py (metadata and private ranges),
ports.py (DNS on one protocol, policyTypes). Semantic rules ask the reachability engine: dns.py
(DNS reachable), isolation.py (pods of a default-deny namespace reaching each other, namespaces
without a default deny), policies.py (selecting no pod, undefined named ports, shadowed policies).
Each module declares its rules (registry.py); run.py runs them all, report.py prints findings.
"""

from reachability.lint.context import IGNORE_ANNOTATION, LintOptions
from reachability.lint.registry import Finding, Rule
from reachability.lint.report import FORMATS, render
from reachability.lint.run import (
    RULES,
    RULES_BY_ID,
    has_errors,
    lint_cluster,
    lint_manifests,
    lint_paths,
    lint_report,
)

__all__ = [
    "FORMATS",
    "IGNORE_ANNOTATION",
    "RULES",
    "RULES_BY_ID",
    "Finding",
    "LintOptions",
    "Rule",
    "has_errors",
    "lint_cluster",
    "lint_manifests",
    "lint_paths",
    "lint_report",
    "render",
]
