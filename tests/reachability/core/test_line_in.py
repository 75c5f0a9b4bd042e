"""Lines sent as tuples (`compact`) read as the dicts they came from (`line_in`), for every
container, key and item of any tree in the block style, and only when they can."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from reachability import line_in, located_documents
from reachability.located import compact
from tests.reachability.core.test_block_yaml import _TREES


def containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict | list):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_compact_lines_read_as_the_lines_they_came_from(tree: Any) -> None:
    documents, lines = located_documents(yaml.safe_dump(tree, default_flow_style=False))
    for container in (c for document in documents for c in containers(document)):
        noted = lines.get(id(container))
        if noted is None:
            continue
        steps = [None, *(container if isinstance(container, dict) else range(len(container)))]
        assert isinstance(noted, dict)
        sent = compact(noted, container)
        assert [line_in(sent, container, s) for s in steps] == [noted[s] for s in steps]


def test_lines_that_are_not_each_keys_in_order_stay_as_they_are() -> None:
    container = {"a": 1, "b": 2}
    for noted in ({None: 1, "b": 3, "a": 2}, {None: 1, "a": 2}, {"a": 2, None: 1, "b": 3}):
        assert compact(noted, container) is noted
    assert compact({None: 4, 0: 5, 1: 6}, ["x", "y"]) == (4, 5, 6)
    assert line_in((4, 5, 6), ["x", "y"], 1) == 6
    assert line_in((7, 8, 9), {"a": 1, "b": 2}, "b") == 9


def test_a_step_the_container_lacks_is_a_key_error_in_either_form() -> None:
    items, mapping = ["x", "y"], {"a": 1}
    as_dicts = {None: 4, 0: 5, 1: 6}, {None: 1, "a": 2}
    for container, noted in zip((items, mapping), as_dicts, strict=True):
        sent = compact(noted, container)
        assert isinstance(sent, tuple)
        missing = (-1, -2, 2, "zz", 0.5) if container is items else ("zz", 0, "A")
        for step in missing:
            for form in (noted, sent):
                with pytest.raises(KeyError):
                    line_in(form, container, step)
