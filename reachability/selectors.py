"""Kubernetes label selectors (metav1.LabelSelector) and how they match a set of labels.

A selector is the AND of its `matchLabels` pairs and `matchExpressions` requirements; the empty
selector matches everything. `NotIn` and `DoesNotExist` also match labels that lack the key, which
is the detail most hand-written matchers get wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One `matchExpressions` entry; `values` sorted and without duplicates (a set, as upstream)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator == "In":
            return value is not None and value in self.values
        if self.operator == "NotIn":
            return value is None or value not in self.values
        if self.operator == "Exists":
            return value is not None
        return value is None  # DoesNotExist

    def __str__(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        word = "in" if self.operator == "In" else "notin"
        return f"{self.key} {word} ({','.join(self.values)})"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector; hashable so that what it matches can be memoized."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        """The empty selector selects everything (every pod, or every namespace)."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(requirement.matches(labels) for requirement in self.match_expressions)

    def __str__(self) -> str:
        """kubectl's notation, e.g. `app=web,tier notin (db)`; `{}` for the empty selector."""
        if self.is_empty:
            return "{}"
        parts = [f"{key}={value}" for key, value in self.match_labels]
        parts += [str(requirement) for requirement in self.match_expressions]
        return ",".join(parts)
