"""Which Namespaces the input itself defines. The engine also adds namespaces that objects live in
or that selectors name, which nobody asked to create; NP013 judges only the defined ones.

Read here, best effort, from the same files the engine loaded (folders recursively, *.yaml,
*.yml, *.json, hidden entries skipped, multi-document, List kinds): the engine has already
reported anything unreadable, so errors are skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

SUFFIXES = (".yaml", ".yml", ".json")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def namespace_objects(paths: Sequence[str | Path]) -> dict[str, str]:
    """Namespace name -> the file that defines it (the first one, in reading order)."""
    found: dict[str, str] = {}
    for file in _files(paths):
        for body in _objects(_documents(file)):
            metadata = body.get("metadata")
            name = metadata.get("name") if isinstance(metadata, Mapping) else None
            if body.get("kind") == "Namespace" and isinstance(name, str):
                found.setdefault(name, str(file))
    return found


def _files(paths: Sequence[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            yield path


def _documents(file: Path) -> list[Any]:
    try:
        return list(yaml.load_all(file.read_text(encoding="utf-8"), Loader=_Loader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []


def _objects(documents: list[Any]) -> Iterator[Mapping[str, Any]]:
    for body in documents:
        if not isinstance(body, Mapping):
            continue
        kind = body.get("kind")
        items = body.get("items")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            item_kind = kind[: -len("List")]
            yield from _objects(
                [{"kind": item_kind, **i} if isinstance(i, Mapping) else i for i in items]
            )
        else:
            yield body
