"""Lint output: text for people, json for tools, GitHub workflow commands for PR annotations;
and the line number of each finding's field, so that editors and annotations point at it.

Line numbers are best effort: a file that cannot be read or an object not found gives no line,
never an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import yaml

from .registry import Finding, counts

FORMATS = ("text", "json", "github")
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml composes ~10x faster


def render(findings: Sequence[Finding], fmt: str, note: str | None = None) -> str:
    """`note`: the endpoints line (see `endpoints_note`), printed before the summary line of
    the text formats; None when the manifests could not be analysed."""
    if fmt == "json":
        return json.dumps([f.to_json() for f in findings], indent=2, sort_keys=True) + "\n"
    tail = (f"{note}\n" if note else "") + summary(findings) + "\n"
    if fmt == "github":
        return "".join(_github(f) + "\n" for f in findings) + tail
    return "".join(_text(f) for f in findings) + tail


def summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return "no findings"
    n = counts(findings)
    files = len({f.file for f in findings})
    parts = [
        f"{n[s]} {s}{'' if n[s] == 1 or s == 'info' else 's'}" for s in ("error", "warning", "info")
    ]
    return f"{', '.join(parts)} in {files} file{'' if files == 1 else 's'}"


def _place(item: Finding) -> str:
    return f"{item.file}:{item.line}" if item.line else item.file


def _text(item: Finding) -> str:
    return (
        f"{_place(item)}: {item.severity} {item.id} {item.obj} {item.field}\n"
        f"    {item.message}\n"
        f"    fix: {item.fix}\n"
    )


def _github(item: Finding) -> str:
    """`::error file=F,line=L,title=T::MESSAGE`, escaped as the runner expects."""
    props = [f"file={_property(item.file)}"]
    if item.line:
        props.append(f"line={item.line}")
    props.append(f"title={_property(f'{item.id} {item.title}')}")
    body = f"{item.obj} {item.field}: {item.message}\nfix: {item.fix}"
    return f"::{_GITHUB_LEVEL[item.severity]} {','.join(props)}::{_data(body)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def line_of(file: str, obj: str, field: str) -> int | None:
    """1-based line of `field` (e.g. "spec.egress[0].to") in the object `obj` ("Kind ns/name")."""
    kind, _, ref = obj.partition(" ")
    namespace, _, name = ref.rpartition("/")
    try:
        documents = _documents(str(Path(file).resolve()), Path(file).stat().st_mtime_ns)
    except (OSError, yaml.YAMLError, ValueError):
        return None
    candidates = [
        node
        for node in documents
        if _scalar(node, "kind") == kind and _scalar(node, "metadata", "name") == name
    ]
    if len(candidates) > 1:
        candidates = [
            n for n in candidates if _scalar(n, "metadata", "namespace") in (namespace, None)
        ] or candidates
    if not candidates:
        return None
    node = candidates[0]
    line = node.start_mark.line
    for key, index in _STEP.findall(field):
        child = _child(node, key) if key else _item(node, int(index))
        if child is None:
            break
        node, line = child
    return line + 1


@lru_cache(maxsize=64)
def _documents(path: str, _mtime: int) -> tuple[yaml.Node, ...]:
    with open(path, encoding="utf-8") as handle:
        roots = [n for n in yaml.compose_all(handle, Loader=_Loader) if n is not None]
    return tuple(_objects(roots))


def _objects(nodes: list[yaml.Node]) -> Iterator[yaml.Node]:
    """Top-level objects, and the items of `List` kinds."""
    for node in nodes:
        if isinstance(node, yaml.SequenceNode):
            yield from _objects(list(node.value))
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        items = _child(node, "items")
        kind = _scalar(node, "kind") or ""
        if kind.endswith("List") and items and isinstance(items[0], yaml.SequenceNode):
            yield from _objects(list(items[0].value))
        else:
            yield node


def _child(node: yaml.Node, key: str) -> tuple[yaml.Node, int] | None:
    """The value under `key`, with the line of the key (where a reader looks for the field)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value, key_node.start_mark.line
    return None


def _item(node: yaml.Node, index: int) -> tuple[yaml.Node, int] | None:
    if not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
        return None
    item = node.value[index]
    return item, item.start_mark.line


def _scalar(node: yaml.Node, *path: str) -> str | None:
    for key in path:
        found = _child(node, key)
        if found is None:
            return None
        node = found[0]
    return node.value if isinstance(node, yaml.ScalarNode) else None
