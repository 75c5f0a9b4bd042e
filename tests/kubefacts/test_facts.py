"""Kubernetes facts are written once, in kubefacts/; everything else takes them from there."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator

import pytest
import yaml

from kubefacts.api import NAMESPACE_NAME_LABEL, PROTOCOLS, Direction
from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
    dns_label_text,
)
from kubefacts.validation import dns_label_problem, label_key_problem, quoted
from tests.support.paths import REPO_ROOT

SOURCE_FOLDERS = ("components", "e2e", "policy", "reachability")


def test_pulumi_yaml_defaults_are_the_layout_defaults() -> None:
    declared = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    assert declared["ingressNamespace"]["default"] == DEFAULT_INGRESS_NAMESPACE
    assert declared["dnsNamespace"]["default"] == DEFAULT_DNS_NAMESPACE
    assert declared["dnsPodLabels"]["default"] == dict(DEFAULT_DNS_POD_LABELS)


FACTS = (
    NAMESPACE_NAME_LABEL,
    DEFAULT_INGRESS_NAMESPACE,
    DEFAULT_DNS_NAMESPACE,
    *DEFAULT_DNS_POD_LABELS.values(),
    PROTOCOLS,
    tuple(direction.policy_type for direction in Direction),
)


def _literals(tree: ast.AST) -> Iterator[tuple[int, object]]:
    """Every string literal and every tuple of string literals, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.Tuple) and all(
            isinstance(item, ast.Constant) for item in node.elts
        ):
            yield node.lineno, tuple(item.value for item in node.elts)  # type: ignore[attr-defined]


@functools.cache
def _source_literals() -> tuple[tuple[str, object], ...]:
    """("path:line", literal) of every source module, parsed once for all the facts."""
    return tuple(
        (f"{path.relative_to(REPO_ROOT)}:{line}", value)
        for folder in SOURCE_FOLDERS
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        for line, value in _literals(ast.parse(path.read_text(encoding="utf-8")))
    )


@pytest.mark.parametrize("fact", FACTS, ids=str)
def test_no_source_module_writes_a_fact_again(fact: object) -> None:
    """A second copy is how a newcomer changes one place and misses another."""
    copies = [where for where, value in _source_literals() if value == fact]
    assert not copies, f"{fact!r} is written again outside kubefacts/: {copies}"


def test_kubefacts_imports_nothing_of_ours() -> None:
    ours = re.compile(r"^\s*(from|import)\s+(components|e2e|policy|reachability)\b", re.M)
    for path in sorted((REPO_ROOT / "kubefacts").rglob("*.py")):
        assert not ours.search(path.read_text(encoding="utf-8")), path


def test_directions_name_their_fields() -> None:
    assert [d.value for d in Direction] == ["ingress", "egress"]
    assert [d.policy_type for d in Direction] == ["Ingress", "Egress"]
    assert [d.peers_key for d in Direction] == ["from", "to"]
    assert Direction("egress") == "egress"


def test_one_wording_for_config_keys_and_manifest_fields() -> None:
    assert dns_label_problem(
        "Bad_NS",
    ) == dns_label_problem("Bad_NS")
    assert dns_label_problem("ok-ns") is None
    assert quoted("Bad_NS", dns_label_problem) == f"'Bad_NS' {dns_label_problem('Bad_NS')}"
    assert dns_label_problem("a" * 64).startswith("64 characters is too long for a DNS-1123")
    assert label_key_problem("-a") is not None
    assert quoted("ok", label_key_problem) is None
    assert dns_label_text({"b": "2", "a": "1"}) == "a=1,b=2"
