"""YAML or JSON text -> its documents and the line of every key and item in them, for tools that
point at a field (lint's findings, editors, annotations).

Block-style text is read by the fast reader, which notes lines as it goes; anything else is
composed by libyaml and its nodes turned into the same form (scalars as written). JSON is YAML
for this purpose.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from reachability import _block_yaml
from reachability._parse import Document

Lines = dict[int, dict[Any, int] | tuple[int, ...]]
"""id of a mapping or list -> its own 1-based line and its keys' (or items'): as a tuple, its
own line then each key's or item's in order (what the fast reader notes), or as a dict under
None and each key or index (libyaml's). The ids are those of the returned documents'
containers: valid while the documents are alive. Read either with `line_in`."""


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


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml composes ~10x faster


def located_documents(text: str) -> tuple[list[Any], Lines]:
    """The documents of `text` and their lines (yaml.YAMLError when it is not YAML)."""
    noted: list[int] = []
    documents = _block_yaml.documents(text, noted)
    lines: Lines = {}
    if documents is not None:
        for container, found in _containers(documents, _block_yaml.noted_lines(documents, noted)):
            steps = container if container.__class__ is dict else range(len(container))
            lines[id(container)] = dict(zip((None, *steps), found, strict=True))
        return documents, lines
    documents = [_from_node(node, lines) for node in yaml.compose_all(text, Loader=_Loader)]
    return documents, lines


def _containers(
    documents: list[Any], lines: dict[int, tuple[int, ...]] | None
) -> Iterator[tuple[Any, tuple[int, ...]]]:
    """Each container of `documents` that `lines` has, with its lines."""
    stack = list(documents)
    while lines and stack:
        value = stack.pop()
        if value.__class__ is dict or value.__class__ is list:
            found = lines.get(id(value))
            if found is not None:
                yield value, found
            stack.extend(value.values() if value.__class__ is dict else value)


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
    Pass a new one to each `load(..., located=...)`; files read by libyaml (or JSON) have no
    lines here.

    A load notes each file's lines as one flat run of numbers (cheap to note, and to send from
    the child that decodes ahead), matched to the containers when a file's lines are first asked
    for, which lint does only for the files it has findings in. The documents are the load's
    own, and the cluster's manifests are read-only views of them: a caller that changes one
    before its lines are asked for changes what was analysed, and its lines are not known (a
    change in the number of keys or items shows, a reordering does not)."""

    documents: list[Document] = field(default_factory=list)
    _noted: dict[str, list[tuple[list[Any], Sequence[int]]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _matched: dict[str, tuple[tuple[tuple[Any, dict[Any, Any]], ...], Lines] | None] = field(
        default_factory=dict, init=False, repr=False
    )
    _lines: Lines = field(default_factory=dict, init=False, repr=False)

    def note(self, file: str, bodies: list[Any], lines: Sequence[int]) -> None:
        """`lines` as the fast reader noted them for `bodies`, the documents of `file`."""
        self._noted.setdefault(file, []).append((bodies, lines))

    @property
    def lines(self) -> Lines:
        """The lines of every file noted, by container id (every file's matched now): one
        dict, which later asking adds to."""
        for file in self._noted:
            self.noted(file)
        return self._lines

    def objects(self, file: str) -> tuple[tuple[Any, dict[Any, Any]], ...] | None:
        """(kind, object) of `file`'s objects (see objects_of), their lines now in `lines`;
        None when its lines are not known."""
        noted = self.noted(file)
        return None if noted is None else noted[0]

    def noted(self, file: str) -> tuple[tuple[tuple[Any, dict[Any, Any]], ...], Lines] | None:
        """(kind, object) of `file`'s objects (see objects_of) and their lines, by container
        id; None when its lines are not known: not read by the fast reader, or its documents
        no longer what the lines were noted from."""
        if file not in self._matched:
            found = self._matched[file] = self._match(file)
            if found is not None:
                self._lines.update(found[1])
        return self._matched[file]

    def _match(self, file: str) -> tuple[tuple[tuple[Any, dict[Any, Any]], ...], Lines] | None:
        noted = self._noted.get(file)
        if not noted:
            return None
        found: Lines = {}
        for bodies, lines in noted:
            matched = _block_yaml.noted_lines(bodies, lines)
            if matched is None:
                return None
            found.update(matched)
        return tuple(objects_of([body for bodies, _ in noted for body in bodies])), found


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
