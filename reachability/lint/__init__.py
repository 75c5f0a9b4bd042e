"""`lint`: NetworkPolicy mistakes found before review, each with a stable id, a place and a fix.

Structural rules read each policy as written (OR-ed peers, `name` labels, metadata ipBlocks,
policyTypes); semantic rules ask the reachability engine (DNS reachable, pods of a default-deny
namespace reaching each other, shadowed policies, selectors and named ports matching pods).
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
    "render",
]
