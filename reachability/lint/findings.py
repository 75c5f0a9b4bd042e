"""What lint reports: findings with stable ids, and the catalogue of rules they come from.

Ids never change meaning once published, so CI configurations and suppressions keep working.
Findings point at policies as written: `written_rules` gives the rules a manifest spelled out,
`flow` quotes values as a fix would be typed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from reachability import NetworkPolicy
from reachability.model import Rule as PolicyRule

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Rule:
    """One lint rule: its stable id, default severity and a short title."""

    id: str
    severity: str
    title: str


RULES: tuple[Rule, ...] = (
    Rule("NP000", "error", "invalid manifest"),
    Rule("NP001", "error", "peers OR-ed where one peer was meant"),
    Rule("NP002", "error", "namespace selected by a hand-made `name` label"),
    Rule("NP003", "error", "DNS allowed on one protocol only"),
    Rule("NP004", "error", "wide egress ipBlock reaches the cloud metadata service"),
    Rule("NP005", "error", "egress-isolated pods cannot reach DNS"),
    Rule("NP006", "warning", "pods of a default-deny namespace cannot reach each other"),
    Rule("NP007", "warning", "policy shadowed by others"),
    Rule("NP008", "warning", "policy selects no pod"),
    Rule("NP009", "warning", "named port that no pod defines"),
    Rule("NP010", "error", "policyTypes omits a direction whose rules are present"),
    Rule("NP011", "warning", "wide egress ipBlock does not except private ranges"),
    Rule("NP012", "warning", "peer open to every namespace"),
    Rule("NP013", "info", "namespace created without default deny"),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: where it is (file, object, field, line when known), what it means, the fix.

    `obj` reads like the engine's problems: "Kind namespace/name".
    """

    id: str
    severity: str
    file: str
    obj: str
    field: str
    message: str
    fix: str
    line: int | None = None

    @property
    def title(self) -> str:
        rule = RULES_BY_ID.get(self.id)
        return rule.title if rule else self.id

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "file": self.file,
            "line": self.line,
            "object": self.obj,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


def finding(rule_id: str, file: str, obj: str, field: str, message: str, fix: str) -> Finding:
    """A finding with its rule's default severity."""
    return Finding(rule_id, RULES_BY_ID[rule_id].severity, file, obj, field, message, fix)


def sort_key(item: Finding) -> tuple[str, int, str, str, str, str]:
    """Findings sort by place, so that output is stable and reads top to bottom per file."""
    return (item.file, item.line or 0, item.obj, item.field, item.id, item.message)


def counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, int]:
    """How many findings of each severity (every severity present, zero included)."""
    result = dict.fromkeys(SEVERITIES, 0)
    for item in findings:
        result[item.severity] = result.get(item.severity, 0) + 1
    return result


def policy_object(policy: NetworkPolicy) -> str:
    """How findings name a policy, like the engine's problems: "NetworkPolicy namespace/name"."""
    return f"NetworkPolicy {policy.namespace}/{policy.name}"


def written_rules(policy: NetworkPolicy) -> Iterator[tuple[str, PolicyRule]]:
    """(direction, rule) for every rule the manifest writes out, whether or not policyTypes lets
    it take effect; a `null` entry, or a rule built in code, has nothing written to point at."""
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for rule in rules:
            if rule.written is not None:
                yield direction, rule


def flow(value: Any) -> str:
    """A value as one line of YAML flow style, as a fix would be typed."""
    return yaml.safe_dump(plain(value), default_flow_style=True, sort_keys=True, width=1000).strip()


def plain(value: Any) -> Any:
    """Read-only mappings and sequences (as the model keeps what was written) -> dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(v) for v in value]
    return value
