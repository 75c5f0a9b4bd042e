"""YAML or JSON text -> its documents and the line of every key and item in them, for tools that
point at a field (lint's findings, editors, annotations).

Block-style text is read by the fast reader, which notes lines as it goes; anything else is
composed by libyaml and its nodes turned into the same form (scalars as written). JSON is YAML
for this purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from reachability import _block_yaml
from reachability._parse import Document

Lines = dict[int, dict[Any, int] | tuple[int, ...]]
"""id of a mapping or list -> its keys' (or items') 1-based lines, and its own under None. The
ids are those of the returned documents' containers: valid while the documents are alive. A
load's child sends them as tuples, its own line then its keys' (or items') in order, which cost
a third as much to pickle and unpickle: read them with `line_in`."""


def line_in(lines: dict[Any, int] | tuple[int, ...], container: Any, step: Any = None) -> int:
    """The line of `container` (step None) or of its key or item `step`, from its `lines`;
    KeyError for a step it does not have, in either form."""
    if isinstance(lines, dict):
        return lines[step]
    if step is None:
        return lines[0]
    if container.__class__ is list:
        if step.__class__ is not int or not 0 <= step < len(lines) - 1:
            raise KeyError(step)
        return lines[1 + step]
    for at, key in enumerate(container, 1):
        if key == step:
            return lines[at]
    raise KeyError(step)


def compact(lines: dict[Any, int], container: Any) -> dict[Any, int] | tuple[int, ...]:
    """`lines` as a tuple when they are the container's own line then each key's or item's, in
    order (what the fast reader notes), else as they are."""
    keys = list(lines)
    steps = list(range(len(container))) if container.__class__ is list else list(container)
    if keys and keys[0] is None and keys[1:] == steps:
        return tuple(lines.values())
    return lines


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml composes ~10x faster


def located_documents(text: str) -> tuple[list[Any], Lines]:
    """The documents of `text` and their lines (yaml.YAMLError when it is not YAML)."""
    lines: Lines = {}
    documents = _block_yaml.documents(text, lines)
    if documents is None:
        lines = {}
        documents = [_from_node(node, lines) for node in yaml.compose_all(text, Loader=_Loader)]
    return documents, lines


def _from_node(node: yaml.Node | None, lines: Lines) -> Any:
    if isinstance(node, yaml.MappingNode):
        value: dict[Any, Any] = {}
        found = lines[id(value)] = {None: node.start_mark.line + 1}
        for key, item in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value not in value:
                value[key.value] = _from_node(item, lines)
                found[key.value] = key.start_mark.line + 1
        return value
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        found = lines[id(items)] = {None: node.start_mark.line + 1}
        for i, item in enumerate(node.value):
            items.append(_from_node(item, lines))
            found[i] = item.start_mark.line + 1
        return items
    return node.value if isinstance(node, yaml.ScalarNode) else None


@dataclass
class Located:
    """What a load read, with the lines the fast reader noted as it went, kept (the documents
    alive, so the ids in `lines` stay theirs) for pointing at fields without reading again.
    Pass one to `load(..., located=...)`; files read by libyaml (or JSON) have no lines here."""

    documents: list[Document] = field(default_factory=list)
    lines: Lines = field(default_factory=dict)

    def objects(self, file: str) -> tuple[tuple[Any, dict[Any, Any]], ...] | None:
        """(kind, object) of `file`'s objects (see objects_of), or None when its lines were
        not noted."""
        return self._by_file.get(file)

    @cached_property
    def _by_file(self) -> dict[str, tuple[tuple[Any, dict[Any, Any]], ...]]:
        bodies: dict[str, list[Any]] = {}
        for document in self.documents:
            bodies.setdefault(document.source, []).append(document.body)
        return {
            source: tuple(objects_of(found))
            for source, found in bodies.items()
            if any(id(body) in self.lines for body in found)
        }


def objects_of(values: list[Any], kind: Any = None) -> Iterator[tuple[Any, dict[Any, Any]]]:
    """(kind, object) of the top-level objects and the items of `List` kinds; an item of a
    typed list (`PodList`) that omits its kind has the list's, as the loader reads it."""
    for value in values:
        if isinstance(value, list):
            yield from objects_of(value, kind)
        elif isinstance(value, dict):
            own = value.get("kind", kind)
            items = value.get("items")
            if isinstance(own, str) and own.endswith("List") and isinstance(items, list):
                yield from objects_of(items, own[: -len("List")] or None)
            else:
                yield own, value
