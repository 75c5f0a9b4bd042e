"""Reading and writing manifest files: the rendered stacks in, probe pods and fixtures out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from reachability._parse import expand_lists
from reachability.frozen import plain_copy
from reachability.load import read_documents

Manifest = Mapping[str, Any]


class ManifestInputError(ValueError):
    """A path that is missing or a document that is not a Kubernetes object (names the file)."""


def load_manifests(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """Every object of the files and folders, read as the analyzer reads them (recursive, sorted,
    multi-document, Lists split), so the probe plan and the prediction see the same objects."""
    documents, problems = read_documents(paths)
    if problems:
        raise ManifestInputError("; ".join(str(problem) for problem in problems))
    for document in documents:
        body = document.body
        if body is not None and not (isinstance(body, Mapping) and "kind" in body):
            where = f"{document.source} ({document.position})"
            raise ManifestInputError(f"{where}: not a Kubernetes object (a mapping with a kind)")
    return [dict(document.body) for document in expand_lists(documents)]


def dump_manifests(docs: Iterable[Manifest]) -> str:
    """Multi-document YAML with sorted keys, so the same objects always give the same text."""
    return yaml.safe_dump_all(
        [plain_copy(doc) for doc in docs], sort_keys=True, default_flow_style=False
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
