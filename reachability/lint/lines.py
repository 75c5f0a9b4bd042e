"""The line of each finding's field, so that editors and annotations point at it.

Best effort: a file that cannot be read or an object not found gives no line, never an error.
The file is read again only when it has a finding (`reachability.located_documents`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from reachability import Lines, located_documents

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def line_of(file: str, obj: str, field: str) -> int | None:
    """1-based line of `field` (e.g. "spec.egress[0].to") in the object `obj` ("Kind ns/name")."""
    kind, _, ref = obj.partition(" ")
    namespace, _, name = ref.rpartition("/")
    try:
        objects, lines = _located(str(Path(file).resolve()), Path(file).stat().st_mtime_ns)
    except (OSError, yaml.YAMLError, ValueError, RecursionError):
        return None
    candidates = [
        o for o in objects if _get(o, "kind") == kind and _get(o, "metadata", "name") == name
    ]
    if len(candidates) > 1:
        candidates = [
            o for o in candidates if _get(o, "metadata", "namespace") in (namespace, None)
        ] or candidates
    if not candidates:
        return None
    value = candidates[0]
    line = lines[id(value)][None]
    for key, index in _STEP.findall(field):
        step: Any = key if key else int(index)
        if not _has(value, step):
            break
        line = lines[id(value)][step]
        value = value[step]
    return line


@lru_cache(maxsize=64)
def _located(path: str, _mtime: int) -> tuple[tuple[Any, ...], Lines]:
    with open(path, encoding="utf-8") as handle:
        documents, lines = located_documents(handle.read())
    return tuple(_objects(documents)), lines


def _objects(values: list[Any]) -> Iterator[dict[Any, Any]]:
    """Top-level objects, and the items of `List` kinds."""
    for value in values:
        if isinstance(value, list):
            yield from _objects(value)
        elif isinstance(value, dict):
            kind = value.get("kind")
            items = value.get("items")
            if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
                yield from _objects(items)
            else:
                yield value


def _has(value: Any, step: Any) -> bool:
    if isinstance(step, int):
        return isinstance(value, list) and step < len(value)
    return isinstance(value, dict) and step in value


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
