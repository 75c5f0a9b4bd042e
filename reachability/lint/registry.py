"""Lint's rules and findings: each rule is declared once, next to its code, with its stable id,
severity, title and what it reads; `RULES` (run.py), `lint --help`, the policy pack's advisory
policies and the README's rule table all derive from those declarations.

Ids never change meaning once published, so CI configurations and suppressions keep working.
Findings point at policies as written: `written_rules` gives the rules a manifest spelled out,
`flow` quotes values as a fix would be typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from reachability import NetworkPolicy, plain_copy
from reachability import Rule as PolicyRule

SEVERITIES = ("error", "warning", "info")
SOURCE = "source"
"""The rule reads the manifests as written (the parsed model with its field paths)."""
VERDICTS = "verdicts"
"""The rule asks the engine for resolved verdicts (who reaches whom, and why)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One lint rule: its stable id, default severity, a short title, and what it reads."""

    id: str
    severity: str
    title: str
    reads: tuple[str, ...] = (SOURCE,)


_DECLARED: dict[str, Rule] = {}


def declare(rule_id: str, severity: str, title: str, *, reads: tuple[str, ...]) -> Rule:
    """Declare a rule where its code is. An id declared twice with different facts is a bug."""
    if severity not in SEVERITIES or not reads or not set(reads) <= {SOURCE, VERDICTS}:
        raise ValueError(f"rule {rule_id}: severity {severity!r} or reads {reads!r} unknown")
    declared = Rule(rule_id, severity, title, reads)
    if _DECLARED.setdefault(rule_id, declared) != declared:
        raise ValueError(f"rule {rule_id} declared twice: {_DECLARED[rule_id]} and {declared}")
    return declared


def declared_rules() -> tuple[Rule, ...]:
    """Every rule declared so far, by id (complete once every rule module is imported)."""
    return tuple(sorted(_DECLARED.values(), key=lambda r: r.id))


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
        declared = _DECLARED.get(self.id)
        return declared.title if declared else self.id

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


def finding(of: Rule, file: str, obj: str, field: str, message: str, fix: str) -> Finding:
    """A finding of a declared rule, with the rule's default severity."""
    return Finding(of.id, of.severity, file, obj, field, message, fix)


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


_FLOW_TEXTS: dict[str, str] = {}
_FLOW_TEXTS_KEPT = 1024


def flow(value: Any) -> str:
    """A value as one line of YAML flow style, as a fix would be typed.

    PyYAML's pure-Python emitter writes it (libyaml's differs on empty keys and document ends),
    which was a quarter of a lint run; findings quote the same few values over and over (a
    selector, a DNS rule, policyTypes), so each text is kept, by the value's repr (which tells
    apart what YAML writes differently: 1 and '1' and True, -0.0 and 0.0), up to 1,024 of them."""
    plain = plain_copy(value)
    key = repr(plain)
    found = _FLOW_TEXTS.get(key)
    if found is None:
        found = yaml.safe_dump(plain, default_flow_style=True, sort_keys=True, width=1000).strip()
        if len(_FLOW_TEXTS) < _FLOW_TEXTS_KEPT:
            _FLOW_TEXTS[key] = found
    return found
