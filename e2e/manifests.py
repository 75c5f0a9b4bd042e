"""Reading and writing manifest files: the rendered stacks in, probe pods and fixtures out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

Manifest = Mapping[str, Any]
_SUFFIXES = (".yaml", ".yml", ".json")


class ManifestInputError(ValueError):
    """A path that is missing or a document that is not a Kubernetes object (names the file)."""


def load_manifests(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """Every object of the files and folders (recursive, sorted; multi-document; Lists split)."""
    docs: list[dict[str, Any]] = []
    for file in _files(paths):
        try:
            text = file.read_text(encoding="utf-8")
            loaded = (
                [json.loads(text)] if file.suffix == ".json" else list(yaml.safe_load_all(text))
            )
        except (OSError, UnicodeDecodeError, yaml.YAMLError, json.JSONDecodeError) as error:
            raise ManifestInputError(f"{file}: cannot be read as YAML/JSON: {error}") from error
        for index, doc in enumerate(loaded):
            if doc is None:
                continue
            docs.extend(_objects(doc, f"{file} (document {index + 1})"))
    return docs


def dump_manifests(docs: Iterable[Manifest]) -> str:
    """Multi-document YAML with sorted keys, so the same objects always give the same text."""
    return yaml.safe_dump_all(
        [_plain(doc) for doc in docs], sort_keys=True, default_flow_style=False
    )


def kind_of(doc: Manifest) -> str:
    return str(doc.get("kind", ""))


def name_of(doc: Manifest) -> str:
    return str((doc.get("metadata") or {}).get("name", ""))


def namespace_of(doc: Manifest) -> str:
    return str((doc.get("metadata") or {}).get("namespace") or "default")


def labels_of(doc: Manifest) -> dict[str, str]:
    return {str(k): str(v) for k, v in ((doc.get("metadata") or {}).get("labels") or {}).items()}


def annotations_of(doc: Manifest) -> dict[str, str]:
    raw = (doc.get("metadata") or {}).get("annotations") or {}
    return {str(k): str(v) for k, v in raw.items()}


def pod_id(doc: Manifest) -> str:
    """``namespace/name``, the way ``reachability`` and the plan name a pod."""
    return f"{namespace_of(doc)}/{name_of(doc)}"


def container_ports(doc: Manifest) -> list[tuple[int, str]]:
    """Distinct (port, protocol) pairs the pod's containers declare, sorted."""
    ports: set[tuple[int, str]] = set()
    for container in (doc.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            ports.add((int(port["containerPort"]), str(port.get("protocol") or "TCP").upper()))
    return sorted(ports, key=lambda item: (item[1], item[0]))


def _files(paths: Sequence[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES)
        elif path.is_file():
            yield path
        else:
            raise ManifestInputError(f"{path}: no such file or folder")


def _objects(doc: object, where: str) -> Iterator[dict[str, Any]]:
    if not isinstance(doc, dict) or "kind" not in doc:
        raise ManifestInputError(f"{where}: not a Kubernetes object (a mapping with a kind)")
    if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            yield from _objects(item, where)
    else:
        yield doc


def _plain(value: Any) -> Any:
    """Mappings and tuples as plain dicts and lists, which safe_dump accepts."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
