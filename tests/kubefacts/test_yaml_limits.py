"""The Go YAML decoder's alias budget, applied to PyYAML's node graph before anything walks it."""

from __future__ import annotations

import time

import pytest
import yaml

from kubefacts.yaml_limits import (
    YamlLimitError,
    allowed_alias_ratio,
    check_yaml_limits,
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
