"""ObjectMeta (names, namespace, labels, annotations) as the API server validates it, and the
Namespace object, which is nothing but its metadata to reachability.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubefacts.api import DEFAULT_NAMESPACE, NAMESPACE_NAME_LABEL
from kubefacts.cluster_network_policy import CLUSTER_POLICY_KINDS
from kubefacts.validation import (
    annotation_key_problem,
    dns_label_problem,
    dns_subdomain_problem,
    label_key_problem,
    label_value_problem,
)
from reachability._parse.problems import Context, describe, known_fields, mapping, string
from reachability.model import Labels, Namespace

OBJECT_META_FIELDS = (  # metav1.ObjectMeta
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
CLUSTER_SCOPED_KINDS = ("Namespace", *CLUSTER_POLICY_KINDS)
ANNOTATIONS_MAX_BYTES = 256 * 1024  # apimachinery TotalAnnotationSizeLimitB


GENERATED_SUFFIX_LENGTH = 5  # apiserver/pkg/storage/names: randomLength
GENERATED_PREFIX_MAX = 58  # maxGeneratedNameLength: 63 - randomLength


def generated_name(prefix: object) -> str | None:
    """The name to analyse an object created with `generateName` alone under: the prefix cut
    as the API server cuts it, and a fixed stand-in for its random characters."""
    if not isinstance(prefix, str) or not prefix:
        return None
    return prefix[:GENERATED_PREFIX_MAX] + "x" * GENERATED_SUFFIX_LENGTH


def object_name(body: Mapping[str, Any], kind: str, position: str) -> str:
    """ "Kind namespace/name" (or "Namespace name"), as problems and findings name objects; an
    object without a name is named by its place in the file."""
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    name = metadata.get("name") or generated_name(metadata.get("generateName"))
    label = name if isinstance(name, str) and name else f"({position}, no name)"
    if kind in CLUSTER_SCOPED_KINDS:
        return f"{kind} {label}"
    return f"{kind} {namespace_of(body)}/{label}"


def namespace_of(body: Mapping[str, Any]) -> str:
    """The namespace a namespaced object lives in, as the API server defaults it."""
    metadata = body.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE


def labels(ctx: Context, value: Any, path: str) -> dict[str, str]:
    """A label map (metadata.labels or a selector's matchLabels): valid keys, string values."""
    found = mapping(ctx, value, path)
    result: dict[str, str] = {}
    for key, item in (found or {}).items():
        if (
            key.__class__ is str
            and item.__class__ is str
            and label_key_problem(key) is None
            and label_value_problem(item) is None
        ):
            result[key] = item  # the common case, without building a field path
            continue
        where = f"{path}[{key}]"
        if not isinstance(key, str):
            ctx.add(where, f"a label key must be a string, not {describe(key)}")
            continue
        ctx.check(where, key, label_key_problem)
        text = string(ctx, item, where)
        if text is None:
            continue
        ctx.check(where, text, label_value_problem)
        result[key] = text
    return result


def metadata(
    ctx: Context, body: Mapping[str, Any], *, namespaced: bool, subdomain: bool = False
) -> tuple[str, str, dict[str, str]]:
    """(namespace, name, labels) after checking the whole ObjectMeta as the API server does
    (ValidateObjectMeta, strict field validation); namespace is "" for cluster-scoped objects.
    Names are DNS subdomains, but a Namespace's is a DNS label; `subdomain` for other
    cluster-scoped objects (a custom resource's name is a DNS subdomain)."""
    meta = mapping(ctx, body.get("metadata"), "metadata") or {}
    known_fields(ctx, meta, OBJECT_META_FIELDS, "metadata")
    found = labels(ctx, meta.get("labels"), "metadata.labels")
    annotations(ctx, meta.get("annotations"), "metadata.annotations")
    generated = generated_name(meta.get("generateName")) if not meta.get("name") else None
    if generated is not None:
        name = generated
        ctx.note(
            "metadata.generateName",
            f"no name: analysed as {name} (the API server would append {GENERATED_SUFFIX_LENGTH} "
            "random characters to the generateName)",
        )
    else:
        name = string(ctx, meta.get("name"), "metadata.name") or ""
    if name:
        rule = dns_subdomain_problem if namespaced or subdomain else dns_label_problem
        ctx.check("metadata.name", name, rule)
    namespace = ""
    if namespaced:
        raw = meta.get("namespace")
        namespace = string(ctx, raw, "metadata.namespace", required=False) or DEFAULT_NAMESPACE
        ctx.check("metadata.namespace", namespace, dns_label_problem)
    return namespace, name, found


def annotations(ctx: Context, value: Any, path: str) -> None:
    """ValidateAnnotations: qualified-name keys (any case), string values, 256 KiB in all."""
    size = 0
    for key, item in (mapping(ctx, value, path) or {}).items():
        where = f"{path}[{key}]"
        if not isinstance(key, str):
            ctx.add(where, f"an annotation key must be a string, not {describe(key)}")
            continue
        ctx.check(where, key, annotation_key_problem)
        text = string(ctx, item, where)
        size += len(key) + len(text or "")
    if size > ANNOTATIONS_MAX_BYTES:
        ctx.add(path, f"may not be more than {ANNOTATIONS_MAX_BYTES} bytes in all")


def namespace(ctx: Context, body: Mapping[str, Any]) -> Namespace | None:
    _, name, found = metadata(ctx, body, namespaced=False)
    found[NAMESPACE_NAME_LABEL] = name  # the API server sets (and overwrites) it
    return Namespace(name, Labels(found), source=ctx.file)
