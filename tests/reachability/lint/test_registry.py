"""The lint rule catalogue: declared once next to each rule's code, listed the same everywhere."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reachability.cli.lint import EPILOG
from reachability.lint import RULES, RULES_BY_ID
from reachability.lint.registry import SOURCE, VERDICTS, declare, flow
from tests.support.paths import REPO_ROOT

README = REPO_ROOT / "README.md"


def readme_rule_table() -> list[tuple[str, str]]:
    """(id, severity) rows of the `| id | severity | catches |` table in the Guardrails section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Guardrails", 1)[1].split("\n## ", 1)[0]
    table = section.split("| id | severity | catches |\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:3] for line in table.splitlines() if line.startswith("| NP")]
    return [(rule_id.strip(), severity.strip()) for rule_id, severity in rows]


def test_readme_table_lists_every_rule_with_its_severity() -> None:
    assert readme_rule_table() == [(rule.id, rule.severity) for rule in RULES]


def test_catalogue_is_complete_ordered_and_says_what_each_rule_reads() -> None:
    assert [rule.id for rule in RULES] == [f"NP{n:03d}" for n in range(18)]
    assert set(RULES_BY_ID) == {rule.id for rule in RULES}
    assert all(rule.reads and set(rule.reads) <= {SOURCE, VERDICTS} for rule in RULES)
    assert RULES_BY_ID["NP001"].reads == (SOURCE,)
    assert RULES_BY_ID["NP007"].reads == (VERDICTS,)


def test_help_epilog_lists_every_rule() -> None:
    listed = re.findall(r"^  (NP\d{3}) (\w+)\s+(.+)$", EPILOG, flags=re.MULTILINE)
    assert listed == [(rule.id, rule.severity, rule.title) for rule in RULES]


def test_redeclaring_a_rule_differently_is_refused() -> None:
    existing = RULES_BY_ID["NP001"]
    assert declare(existing.id, existing.severity, existing.title, reads=existing.reads) == existing
    with pytest.raises(ValueError, match="declared twice"):
        declare("NP001", "warning", existing.title, reads=existing.reads)
    with pytest.raises(ValueError, match="unknown"):
        declare("NP999", "fatal", "no such severity", reads=(SOURCE,))


SCALARS = st.one_of(
    st.sampled_from(["", "1", "true", "null", "a b", "-0.0", "<namespace>"]),
    st.text(max_size=6),
    st.integers(-3, 3),
    st.sampled_from([0.0, -0.0, 1.0, True, False, None]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SCALARS, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=3))
def test_flow_is_yamls_flow_text_of_the_value_whenever_asked(values: list[object]) -> None:
    """`flow` keeps each text it wrote: asked again for the same value, or for one of the same
    repr's look-alikes (1 and True, 0.0 and -0.0, '1' and 1), it gives PyYAML's own text."""
    for value in [*values, *values]:
        expected = yaml.safe_dump(value, default_flow_style=True, sort_keys=True, width=1000)
        assert flow(value) == expected.strip()
