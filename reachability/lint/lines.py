"""The line of each finding's field, so that editors and annotations point at it.

Best effort: a file that cannot be read or an object not found gives no line, never an error.
Lint's own load notes every key's line as it reads (`reachability.Located`); a file it could
not note (read by libyaml, or JSON) is read again only when it has a finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kubefacts.api import DEFAULT_NAMESPACE
from reachability import Lines, Located, line_in, located_documents, objects_of

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def line_of(file: str, obj: str, field: str, located: Located | None = None) -> int | None:
    """1-based line of `field` (e.g. "spec.egress[0].to") in the object `obj` ("Kind ns/name");
    from what a load noted in `located` when it has the file, else by reading it again."""
    kind, _, ref = obj.partition(" ")
    namespace, _, name = ref.rpartition("/")
    noted = None if located is None else located.noted(file)
    if noted is not None:
        try:
            return _line(noted[0], noted[1], kind, namespace, name, field)
        except KeyError:  # a document no longer what its lines were noted from
            pass
    try:
        objects, lines = _located(str(Path(file).resolve()), Path(file).stat().st_mtime_ns)
    except (OSError, yaml.YAMLError, ValueError, RecursionError):
        return None
    return _line(objects, lines, kind, namespace, name, field)


def _line(
    objects: tuple[tuple[Any, dict[Any, Any]], ...],
    lines: Mapping[int, dict[Any, int] | tuple[int, ...]],
    kind: str,
    namespace: str,
    name: str,
    field: str,
) -> int | None:
    candidates = [o for k, o in objects if k == kind and _get(o, "metadata", "name") == name]
    if len(candidates) > 1:  # the same name in several namespaces (none written: `default`)
        candidates = [
            o
            for o in candidates
            if (_get(o, "metadata", "namespace") or DEFAULT_NAMESPACE) == namespace
        ] or candidates
    if not candidates:
        return None
    value = candidates[0]
    line = line_in(lines[id(value)], value)
    for key, index in _STEP.findall(field):
        step: Any = key if key else int(index)
        if not _has(value, step):
            break
        line = line_in(lines[id(value)], value, step)
        value = value[step]
    return line


@lru_cache(maxsize=64)
def _located(path: str, _mtime: int) -> tuple[tuple[tuple[Any, dict[Any, Any]], ...], Lines]:
    with open(path, encoding="utf-8") as handle:
        documents, lines = located_documents(handle.read())
    return tuple(objects_of(documents)), lines


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
