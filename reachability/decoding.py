"""YAML and JSON text -> decoded documents, as `yaml.safe_load_all` and `json.loads` give them,
with kubectl's strictness (a key written twice is an error).

Text in the block style manifests are written in is read by `_block_yaml` (line by line, exact
or silent); anything else goes to libyaml's parser and composer and a lean node-to-value
conversion for the common tags (plain strings skip PyYAML's regex-based tag resolution), with
anything unusual (explicit tags, merge keys) through PyYAML's own SafeLoader constructor.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from sys import intern
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kubefacts.yaml_limits import check_yaml_limits
from reachability import _block_yaml
from reachability._parse import Document
from reachability.problems import Problem

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """SafeLoader whose tag resolution skips the regexes for scalars that cannot match them."""

    _first_chars = frozenset(_BaseLoader.yaml_implicit_resolvers)

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0] or (value and value[0] not in self._first_chars):
                return _STR
            return super().resolve(kind, value, implicit)
        return super().resolve(kind, value, implicit)


HEADROOM = 1000
"""Frames decoding may use below its own, wherever it is called from (the interpreter's default
limit): how deep a document may nest, before it is refused as too deep, is then the same for
every caller, a child decoding ahead included."""


def decode(path: Path, text: str, lines: list[int] | None) -> tuple[list[Document], Problem | None]:
    """The documents of one file's text (`path` names it, and says JSON by its suffix), and the
    problem that stopped the decoding; with `lines`, noting the lines the fast reader sees."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_depth() + HEADROOM)
    try:
        with collector_paused():
            return _decode(path, text, lines)
    finally:
        sys.setrecursionlimit(limit)


class _Pauses:
    """The pauses under way, in every thread: the collector is one for the process, so it is
    turned off by the first pause and back on (if it was on) by the last, however they overlap."""

    lock = threading.Lock()
    count = 0
    was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection in here: decoded manifests are acyclic, and a collection started
    deep in decoding would run others' finalizers with almost no stack left."""
    with _Pauses.lock:
        if _Pauses.count == 0:
            _Pauses.was_enabled = gc.isenabled()
            gc.disable()
        _Pauses.count += 1
    try:
        yield
    finally:
        with _Pauses.lock:
            _Pauses.count -= 1
            if _Pauses.count == 0 and _Pauses.was_enabled:
                gc.enable()


def _depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


def _decode(
    path: Path, text: str, lines: list[int] | None
) -> tuple[list[Document], Problem | None]:
    name = str(path)
    if path.suffix.lower() == ".json":
        try:
            return [
                Document(name, "document 1", json.loads(text, object_pairs_hook=_unique_json))
            ], None
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            return [], Problem(name, "", where, f"is not valid JSON: {error.msg}")
        except ValueError as error:  # a duplicate key
            return [], Problem(name, "", "", f"is not valid JSON: {error}")
        except RecursionError:
            return [], Problem(name, "", "", "is not valid JSON: nesting is too deep")
    documents: list[Document] = []
    try:
        for i, body in enumerate(yaml_documents(text, lines)):
            documents.append(Document(name, f"document {i + 1}", body))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        detail = getattr(error, "problem", None) or str(error).splitlines()[0]
        return documents, Problem(name, "", where, f"is not valid YAML: {detail}")
    except RecursionError:  # an anchor whose value contains its own alias, or absurd nesting
        where = f"document {len(documents) + 1}"
        detail = "an alias refers to a node that contains it (or nesting is too deep)"
        return documents, Problem(name, "", where, f"is not valid YAML: {detail}")
    except ValueError as error:  # a timestamp that is no date: 2024-02-31, year 0
        where = f"document {len(documents) + 1}"
        detail = f"a value YAML reads as a timestamp is no date ({error}): quote it"
        return documents, Problem(name, "", where, f"is not valid YAML: {detail}")
    return documents, None


def yaml_documents(text: str, lines: list[int] | None = None) -> Iterator[Any]:
    """Every document of a YAML stream, decoded as `yaml.safe_load_all` would (a key written
    twice is an error); with `lines`, noting the lines of what the fast reader decodes."""
    fast = _block_yaml.documents(text, lines)
    if fast is not None:
        yield from fast
        return
    yield from libyaml_documents(text)


def libyaml_documents(text: str) -> Iterator[Any]:
    """The same, always through libyaml: the reference `_block_yaml` is held to."""
    loader = _Loader(text)
    aliases = "&" in text and "*" in text  # no anchor or alias: nothing to budget
    try:
        while loader.check_node():
            node = loader.get_node()
            if aliases:
                check_yaml_limits(node)  # the Go decoder's alias budget, before any walk
            yield _value(node, loader)
    finally:
        loader.dispose()


class DuplicateKey(yaml.MarkedYAMLError):
    """A key written twice in one mapping: kubectl's strict field validation rejects it, where
    a plain YAML reader would silently keep the last one."""


def _duplicate(keys: Sequence[ScalarNode]) -> NoReturn:
    seen: set[str] = set()
    for key in keys:
        if key.value in seen:
            raise DuplicateKey(problem=f"duplicate key {key.value!r}", problem_mark=key.start_mark)
        seen.add(key.value)
    raise AssertionError("no duplicate among the keys")


def _unique_json(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = {key: intern(item) if item.__class__ is str else item for key, item in pairs}
    if len(value) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {key!r}")
    return value


def _value(node: Node, loader: Any) -> Any:
    kind, tag = node.__class__, node.tag
    if kind is ScalarNode:
        if tag == _STR:
            return node.value
        if tag == _INT:
            return loader.construct_yaml_int(node)
        if tag == _BOOL:
            return loader.construct_yaml_bool(node)
        if tag == _NULL:
            return None
    elif kind is MappingNode and tag == _MAP:
        pairs = node.value
        if all(key.__class__ is ScalarNode and key.tag == _STR for key, _ in pairs):
            value = {key.value: _value(item, loader) for key, item in pairs}
            if len(value) != len(pairs):
                _duplicate([key for key, _ in pairs])
            return value
    elif kind is SequenceNode and tag == _SEQ:
        return [_value(item, loader) for item in node.value]
    return loader.construct_object(node, deep=True)
