"""The lines the fast reader notes, matched back to the containers (`noted_lines`) and read
with `line_in`, are the lines libyaml's nodes give, for every container, key and item of any
tree in the block style; and both forms of a container's lines answer alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings

from reachability import Located, line_in, load, located_documents
from reachability._block_yaml import documents
from reachability.lint.lines import line_of
from reachability.located import Lines, _from_node, noted_lines
from tests.reachability.core.test_block_yaml import _TREES


def containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict | list):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def libyamls(text: str) -> tuple[list[Any], Lines]:
    lines: Lines = {}
    return [_from_node(node, lines) for node in yaml.compose_all(text)], lines


def steps(container: Any) -> list[Any]:
    return [None, *(container if isinstance(container, dict) else range(len(container)))]


def table(documents: list[Any], lines: Lines) -> list[list[int] | None]:
    """Every container's lines, in order (None for one without): comparable across readers."""
    return [
        [line_in(lines[id(c)], c, s) for s in steps(c)] if id(c) in lines else None
        for document in documents
        for c in containers(document)
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_the_noted_lines_are_libyamls_lines(tree: Any) -> None:
    text = yaml.safe_dump(tree, default_flow_style=False)
    noted: list[int] = []
    fast = documents(text, noted)
    assume(fast is not None)
    assert fast is not None
    lines = noted_lines(fast, noted)
    assert lines is not None
    reference, expected = libyamls(text)
    mine, theirs = table(fast, lines), table(reference, expected)
    empty = [not c for document in fast for c in containers(document)]
    # `{}` and `[]` have no lines noted (and need none: they have no keys or items)
    assert mine == [None if e else t for e, t in zip(empty, theirs, strict=True)]
    assert table(*located_documents(text)) == mine


def test_a_manifest_s_lines_are_noted_for_every_container() -> None:
    text = "a:\n  b:\n  - c: 1\n    d: []\n  - 2\ne: x\n"
    found, lines = located_documents(text)
    [root] = found
    assert [line_in(lines[id(root)], root, s) for s in (None, "a", "e")] == [1, 1, 6]
    items = root["a"]["b"]
    assert [line_in(lines[id(items)], items, s) for s in (None, 0, 1)] == [3, 3, 5]
    assert line_in(lines[id(items[0])], items[0], "d") == 4
    assert id(items[0]["d"]) not in lines


def test_a_step_the_container_lacks_is_a_key_error_in_either_form() -> None:
    items, mapping = ["x", "y"], {"a": 1}
    forms = (({None: 4, 0: 5, 1: 6}, (4, 5, 6)), ({None: 1, "a": 2}, (1, 2)))
    for container, (as_dict, as_tuple) in zip((items, mapping), forms, strict=True):
        for s in steps(container):
            assert line_in(as_dict, container, s) == line_in(as_tuple, container, s)
        missing = (-1, -2, 2, "zz", 0.5) if container is items else ("zz", 0, "A")
        for step in missing:
            for form in (as_dict, as_tuple):
                with pytest.raises(KeyError):
                    line_in(form, container, step)


def test_located_documents_gives_each_container_its_lines_by_key_and_index() -> None:
    """As in 0.2.0: `lines[id(items)][1]` is item 1's line, whichever reader read the text."""
    text = "kind: NetworkPolicy\nspec:\n  egress:\n  - to: []\n  - ports: []\n"
    [doc], lines = located_documents(text)
    egress = doc["spec"]["egress"]
    assert lines[id(egress)] == {None: 4, 0: 4, 1: 5}
    assert lines[id(doc)] == {None: 1, "kind": 1, "spec": 2}


POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: x
spec:
  podSelector: {}
"""


def test_a_loads_lines_are_one_dict_that_keeps_what_is_written_to_it(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"p{i}.yaml").write_text(POLICY.replace("name: p", f"name: p{i}"))
    located = Located()
    load([tmp_path], located=located)
    lines = located.lines
    assert located.lines is lines and len(lines) == 3 * 3  # a body, its metadata, its spec
    lines[1] = (1,)
    assert located.lines[1] == (1,)
    body = located.documents[0].body
    assert located.objects(str(tmp_path / "p0.yaml")) == (("NetworkPolicy", body),)
    assert line_in(located.lines[id(body)], body, "spec") == 6


def test_a_located_is_filled_by_a_load_not_given_its_contents() -> None:
    with pytest.raises(TypeError):
        Located([], {1: {None: 1}})  # type: ignore[call-arg]


def test_each_document_is_matched_alone_and_a_changed_one_is_read_again(tmp_path: Path) -> None:
    """A document changed after the load (a key added) has no lines noted, its neighbours keep
    theirs, and lint's line for a field of the changed one comes from reading the file again."""
    path = tmp_path / "two.yaml"
    path.write_text(POLICY + "---\n" + POLICY.replace("name: p", "name: q"))
    located = Located()
    load([path], located=located)
    first, second = (d.body for d in located.documents)
    first["added"] = 1
    noted = located.noted(str(path))
    assert noted is not None
    objects, lines = noted
    assert [value for _, value in objects] == [first, second]
    assert line_in(lines[id(second)], second, "spec") == 14
    assert line_in(lines[id(second["spec"])], second["spec"], "podSelector") == 15
    with pytest.raises(KeyError):
        lines[id(first)]
    assert line_of(str(path), "NetworkPolicy x/p", "spec", located) == 6
    assert line_of(str(path), "NetworkPolicy x/q", "spec.podSelector", located) == 15


def test_a_document_grown_by_the_next_ones_lines_gets_none_of_them(tmp_path: Path) -> None:
    """Grown by exactly the next document's count of lines and its end, a document's walk
    would land on the next one's end: it must not take the next one's lines."""
    path = tmp_path / "two.yaml"
    path.write_text(POLICY + "---\n" + POLICY.replace("name: p", "name: q"))
    located = Located()
    load([path], located=located)
    first, second = (d.body for d in located.documents)
    count = sum(len(c) + 1 for c in containers(second) if c)  # its lines; `{}` has none
    for i in range(count + 1):
        first["metadata"][f"k{i}"] = "v"
    noted = located.noted(str(path))
    assert noted is not None
    with pytest.raises(KeyError):
        noted[1][id(first)]
    assert line_of(str(path), "NetworkPolicy x/p", "spec.podSelector", located) == 7
    assert line_of(str(path), "NetworkPolicy x/q", "spec.podSelector", located) == 15


def test_whether_a_container_has_lines_does_not_depend_on_what_was_asked_before(
    tmp_path: Path,
) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(POLICY)
    located = Located()
    load([path], located=located)
    noted = located.noted(str(path))
    assert noted is not None
    body = located.documents[0].body
    assert id(body["spec"]) in noted[1]
    assert noted[1][id(body["spec"])] == (7, 7)
