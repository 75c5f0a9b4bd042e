"""YAML or JSON text -> its documents and the line of every key and item in them, for tools that
point at a field (lint's findings, editors, annotations).

Block-style text is read by the fast reader, which notes lines as it goes; anything else is
composed by libyaml and its nodes turned into the same form (scalars as written). JSON is YAML
for this purpose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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


LinesView = Mapping[int, dict[Any, int] | tuple[int, ...]]
"""`Lines` as a mapping that may find them only when asked (`Located.noted`)."""


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


def noted_lines(documents: list[Any], lines: Sequence[int]) -> dict[int, tuple[int, ...]] | None:
    """The lines `documents(text, lines)` noted, by container id: each container's own line,
    then its keys' (or items') in order, as `line_in` reads them; None when `documents`
    do not have as many containers, keys and items as were noted (a reordering does not show).

    The reader meets a block container's first line, then each key or item in turn, and the
    container under a key or item before the next one: the order in which this walk, depth
    first, reads the lines back. Only empty containers (`{}`, `[]`) have no lines, and an empty
    container can only be written so. Each document's lines end with a 0 (no line's number),
    so that one document's can be found without the others' (`document_lines`)."""
    found: dict[int, tuple[int, ...]] = {}
    at = 0
    for document in documents:
        at = document_lines(document, lines, at, found)
        if at < 0:
            return None
    return found if at == len(lines) else None


def document_lines(
    document: Any, lines: Sequence[int], start: int, found: dict[int, tuple[int, ...]]
) -> int:
    """`noted_lines` of one document, whose lines start at `start`, added to `found`: where the
    next document's start, or -1 (and nothing added) when they are not this document's."""
    mine: dict[int, tuple[int, ...]] = {}
    at = start

    def walk(value: Any) -> None:
        nonlocal at
        own = [lines[at]]
        at += 1
        for item in value.values() if value.__class__ is dict else value:
            own.append(lines[at])
            at += 1
            if (item.__class__ is dict or item.__class__ is list) and item:
                walk(item)
        if 0 in own:  # a document's end: this one has more than was noted for it
            raise IndexError
        mine[id(value)] = tuple(own)

    try:
        if (document.__class__ is dict or document.__class__ is list) and document:
            walk(document)
        if lines[at] != 0:
            return -1
    except IndexError:
        return -1
    found.update(mine)
    return at + 1


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml composes ~10x faster


def located_documents(text: str) -> tuple[list[Any], Lines]:
    """The documents of `text` and their lines (yaml.YAMLError when it is not YAML)."""
    noted: list[int] = []
    documents = _block_yaml.documents(text, noted)
    lines: Lines = {}
    if documents is not None:
        for container, found in _containers(documents, noted_lines(documents, noted)):
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
    _matched: dict[str, tuple[tuple[tuple[Any, dict[Any, Any]], ...], LinesView] | None] = field(
        default_factory=dict, init=False, repr=False
    )
    _lines: Lines = field(default_factory=dict, init=False, repr=False)
    _all: set[str] = field(default_factory=set, init=False, repr=False)  # files in `_lines`

    def note(self, file: str, bodies: list[Any], lines: Sequence[int]) -> None:
        """`lines` as the fast reader noted them for `bodies`, the documents of `file`."""
        self._noted.setdefault(file, []).append((bodies, lines))

    @property
    def lines(self) -> Lines:
        """The lines of every file noted, by container id (every file's matched now): one
        dict, which later asking adds to."""
        for file in self._noted:
            if file not in self._all:
                self._all.add(file)
                noted = self.noted(file)
                if noted is not None:
                    self._lines.update(noted[1])
        return self._lines

    def objects(self, file: str) -> tuple[tuple[Any, dict[Any, Any]], ...] | None:
        """(kind, object) of `file`'s objects (see objects_of), their lines in `lines`; None
        when its lines are not known."""
        noted = self.noted(file)
        return None if noted is None else noted[0]

    def noted(self, file: str) -> tuple[tuple[tuple[Any, dict[Any, Any]], ...], LinesView] | None:
        """(kind, object) of `file`'s objects (see objects_of) and their lines, by container
        id, each document's matched when one of its objects is first asked for; None when its
        lines are not known: not read by the fast reader, or documents added or taken away. A
        document changed since shows as its containers missing from the lines."""
        if file not in self._matched:
            self._matched[file] = self._match(file)
        return self._matched[file]

    def _match(self, file: str) -> tuple[tuple[tuple[Any, dict[Any, Any]], ...], LinesView] | None:
        noted = self._noted.get(file)
        if not noted:
            return None  # not read by the fast reader
        # each document's lines end with a 0: a file read twice is its runs one after the other
        bodies = [body for read, _ in noted for body in read]
        lines = [line for _, run in noted for line in run] if len(noted) > 1 else noted[0][1]
        if lines.count(0) != len(bodies):
            return None  # documents added or taken away
        return tuple(objects_of(bodies)), _FileLines(bodies, lines)


class _FileLines(Mapping[int, dict[Any, int] | tuple[int, ...]]):
    """One file's lines by container id, a document's matched when one of its objects is first
    asked for (lint asks for the objects it has findings on, and their fields): a key of a
    document changed so that it is no longer what was noted is missing."""

    def __init__(self, bodies: list[Any], lines: Sequence[int]) -> None:
        self._bodies, self._lines = bodies, lines
        self._starts = [0]
        for _ in bodies[:-1]:
            self._starts.append(lines.index(0, self._starts[-1]) + 1)
        self._owner = {
            id(value): d for d, body in enumerate(bodies) for _, value in objects_of([body])
        }
        self._owner.update((id(body), d) for d, body in enumerate(bodies))
        self._found: dict[int, tuple[int, ...]] = {}
        self._matched: set[int] = set()

    def __getitem__(self, key: int) -> tuple[int, ...]:
        found = self._found.get(key)
        if found is None:
            document = self._owner.get(key)
            if document is None:  # a container inside some document: every one matched
                for document in range(len(self._bodies)):
                    if document not in self._matched:
                        self._match(document)
            elif document not in self._matched:
                self._match(document)
            found = self._found.get(key)
            if found is None:
                raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[int]:
        for document in range(len(self._bodies)):
            if document not in self._matched:
                self._match(document)
        return iter(self._found)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _match(self, document: int) -> None:
        self._matched.add(document)
        document_lines(self._bodies[document], self._lines, self._starts[document], self._found)


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
