"""The Go YAML decoder's alias budget, applied to PyYAML's node graph before anything walks it."""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kubefacts.yaml_limits import (
    YamlLimitError,
    _in_order,
    allowed_alias_ratio,
    check_yaml_limits,
    check_yaml_nesting,
    load_checked,
)


def bomb(levels: int = 9, width: int = 10, key: str = "egress") -> str:
    """The billion laughs: each level a list of ``width`` aliases of the level below."""
    lines = ["defs:", '  - &l0 "lol"']
    for level in range(1, levels):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"  - &l{level} [{aliases}]")
    aliases = ", ".join([f"*l{levels - 1}"] * width)
    lines.append(f"{key}: [{aliases}]")
    return "\n".join(lines) + "\n"


def compose(text: str) -> yaml.Node:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    return node


def test_a_700_byte_alias_bomb_is_refused_at_once_naming_where() -> None:
    text = bomb()
    assert len(text) < 800
    started = time.perf_counter()
    with pytest.raises(YamlLimitError) as caught:
        check_yaml_limits(compose(text))
    assert time.perf_counter() - started < 1
    assert "excessive aliasing" in caught.value.problem
    assert caught.value.path == ("egress",)


def test_a_self_referencing_alias_is_refused() -> None:
    with pytest.raises(YamlLimitError) as caught:
        check_yaml_limits(compose("egress: &r [*r]\n"))
    assert "contains it" in caught.value.problem
    assert caught.value.path == ("egress", 0)


def test_ordinary_aliases_and_merge_keys_pass() -> None:
    text = "base: &b {a: 1, b: [1, 2, 3]}\nx: *b\ny: {<<: *b, c: 3}\n" + "".join(
        f"k{i}: *b\n" for i in range(50)
    )
    check_yaml_limits(compose(text))
    assert load_checked(yaml.SafeLoader, text)["y"] == {"a": 1, "b": [1, 2, 3], "c": 3}


def test_nesting_is_bounded_when_asked_naming_the_path() -> None:
    text = "a:\n  b: " + "[" * 40 + "]" * 40 + "\n"
    check_yaml_limits(compose(text))
    with pytest.raises(YamlLimitError) as caught:
        check_yaml_limits(compose(text), max_depth=32)
    assert "32 levels" in caught.value.problem
    assert caught.value.path[:2] == ("a", "b")


def test_the_ratio_follows_yaml_v3() -> None:
    assert allowed_alias_ratio(1000) == 0.99
    assert allowed_alias_ratio(4_000_000) == 0.10
    assert allowed_alias_ratio(2_200_000) == pytest.approx(0.545)


def test_load_checked_refuses_before_constructing() -> None:
    with pytest.raises(yaml.YAMLError, match="excessive aliasing"):
        load_checked(yaml.SafeLoader, bomb())


TOKENS = (
    "[", "]", "{", "}", ", ", ": ", "? ", "- ", "\n", "\n  ", " ", "a", "'q'", "&x ", "*x", "#c\n",
    "[" * 40, "]" * 40, "x" * 700,
)  # fmt: skip
"""Flow and block collections, keys, anchors, comments, and keys near the 1,024-character and
one-line limits of simple keys (which decide when an open level's possible key goes stale)."""


def scanned(text: str, loader_class: type) -> list[tuple[object, ...]]:
    """Every event PyYAML's parser gives with ``loader_class``, then its error if it fails."""
    found: list[tuple[object, ...]] = []
    try:
        for event in yaml.parse(text, Loader=loader_class):
            found.append((repr(event), event.start_mark.index, event.end_mark.index))
    except yaml.YAMLError as error:
        found.append((type(error).__name__, str(error)))
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
@example("[" + "x" * 1030 + ": b]")  # a possible key gone stale by length
@example("[" + "x" * 1020 + ": b]")  # just not
@example("{a\n: b}")  # gone stale by a line break
@example("a: 1\nb\nc: 2\n")  # a required key gone stale: the scanner's error
def test_the_nesting_checks_scanner_reads_as_pyyamls_does(text: str) -> None:
    """check_yaml_nesting scans with PyYAML's scanner minus its quadratic walks over the open
    levels' possible keys (kubefacts.yaml_limits._InOrderSimpleKeys): on any text it gives
    the same events, at the same places, and the same errors."""
    assert scanned(text, _in_order(yaml.SafeLoader)) == scanned(text, yaml.SafeLoader)


def test_deep_flow_nesting_is_refused_quickly_naming_where() -> None:
    text = "a:\n  b: " + "[" * 3000 + "]" * 3000 + "\n"
    started = time.perf_counter()
    with pytest.raises(YamlLimitError) as caught:
        check_yaml_nesting(text, yaml.SafeLoader, max_depth=32)
    assert time.perf_counter() - started < 0.15  # PyYAML's own scanner: ~0.3 s
    assert caught.value.path == ("a", "b", *[0] * 30)
