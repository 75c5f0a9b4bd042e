"""Manifests (already-decoded dicts) -> immutable model values, rejecting what the API server would.

The checks mirror pkg/apis/networking/validation and apimachinery's label-selector validation,
plus the decoding errors a typed client would raise (a label value that YAML turned into a boolean,
a port written as "80"). Unknown fields of a NetworkPolicy are errors too, as with kubectl's default
strict field validation: a misspelled `namespaceSelector` must not silently widen a peer.
Every problem is collected, each naming its file, object and field; parsing never stops early.

Defaults applied here, as the API server applies them: policyTypes (Ingress, plus Egress when
`spec.egress` has rules), protocol TCP, namespace `default` for namespaced objects without one,
and the automatic `kubernetes.io/metadata.name` label on every namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubefacts.api import (
    DEFAULT_NAMESPACE,
    NAMESPACE_NAME_LABEL,
    NETWORK_POLICY_API_VERSION,
    POLICY_TYPES,
    PROTOCOLS,
)
from kubefacts.validation import (
    annotation_key_problem,
    dns_label_problem,
    dns_subdomain_problem,
    label_key_problem,
    label_value_problem,
    port_name_problem,
    port_number_problem,
    quoted,
)
from reachability._addresses import parse_cidr, parse_ip
from reachability._frozen import frozen
from reachability.model import (
    ContainerPort,
    IPBlock,
    IPNetwork,
    Labels,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Rule,
)
from reachability.problems import ManifestError, Problem
from reachability.selectors import OPERATORS, LabelSelector, Requirement

PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")
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
ANNOTATIONS_MAX_BYTES = 256 * 1024  # apimachinery TotalAnnotationSizeLimitB


@dataclass(frozen=True, slots=True)
class Document:
    """One decoded YAML/JSON document and where it came from."""

    source: str
    position: str  # "document 3" or "document 3, item 7": names objects that have no name
    body: Any


@dataclass(frozen=True, slots=True)
class Parsed:
    namespaces: tuple[Namespace, ...]
    pods: tuple[Pod, ...]
    policies: tuple[NetworkPolicy, ...]


def parse_documents(documents: Iterable[Document]) -> Parsed:
    """Parse every Namespace, Pod and NetworkPolicy; raise ManifestError with every problem."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], tuple[Any, str]] = {}
    namespaces: list[Namespace] = []
    pods: list[Pod] = []
    policies: list[NetworkPolicy] = []
    for document in expand_lists(documents):
        body = document.body
        kind = body.get("kind")
        if kind not in ("Namespace", "Pod", "NetworkPolicy"):
            continue  # other kinds play no part in reachability
        ctx = _Context(document.source, _object_name(body, kind, document.position), problems)
        before = len(problems)
        if kind == "Namespace":
            value: Any = _namespace(ctx, body)
        elif kind == "Pod":
            value = _pod(ctx, body)
        else:
            value = _policy(ctx, body, document.source)
        if value is None or len(problems) > before:
            continue
        key = (kind, ctx.obj)
        if key in seen:
            previous, previous_source = seen[key]
            if previous != value:
                ctx.add("", f"defined differently in {previous_source}: keep one definition")
            continue
        seen[key] = (value, document.source)
        if kind == "Namespace":
            namespaces.append(value)
        elif kind == "Pod":
            pods.append(value)
        else:
            policies.append(value)
    if problems:
        raise ManifestError(problems)
    return Parsed(tuple(namespaces), tuple(pods), tuple(policies))


def expand_lists(documents: Iterable[Document]) -> Iterator[Document]:
    """Objects with a string `kind`, with `List`/`*List` kinds flattened into their items.

    Items of a typed list (e.g. `PodList` from the REST API) may omit `kind`/`apiVersion`; they
    inherit them from the list. Documents that are not objects (empty documents, a YAML list such
    as a `check` expectations file sharing the folder) are not manifests and are skipped.
    """
    for document in documents:
        body = document.body
        if not isinstance(body, Mapping) or not isinstance(body.get("kind"), str):
            continue
        kind: str = body["kind"]
        items = body.get("items")
        if kind.endswith("List") and isinstance(items, list):
            item_kind = kind[: -len("List")] or None
            for i, item in enumerate(items):
                if isinstance(item, Mapping):
                    defaults = {"kind": item_kind, "apiVersion": body.get("apiVersion")}
                    missing = {k: v for k, v in defaults.items() if v and k not in item}
                    item = {**missing, **item} if missing else item
                position = f"{document.position}, item {i + 1}"
                yield from expand_lists([Document(document.source, position, item)])
            continue
        yield document


# --- plumbing --------------------------------------------------------------------------------


class _Context:
    """Collects problems for one object."""

    __slots__ = ("file", "obj", "problems")

    def __init__(self, file: str, obj: str, problems: list[Problem]) -> None:
        self.file = file
        self.obj = obj
        self.problems = problems

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.obj, field, message))

    def check(self, field: str, value: Any, rule: Callable[[Any], str | None]) -> None:
        """Apply one of the API server's syntax rules, quoting the value when it breaks it."""
        problem = quoted(value, rule)
        if problem:
            self.add(field, problem)


def _object_name(body: Mapping[str, Any], kind: str, position: str) -> str:
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    name = metadata.get("name")
    label = name if isinstance(name, str) and name else f"({position}, no name)"
    if kind == "Namespace":
        return f"Namespace {label}"
    namespace = metadata.get("namespace")
    namespace = namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE
    return f"{kind} {namespace}/{label}"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _mapping(ctx: _Context, value: Any, path: str) -> Mapping[str, Any] | None:
    """A mapping (null counts as empty); None after reporting anything else."""
    if value is None:
        return {}
    if type(value) is dict or isinstance(value, Mapping):
        return value
    ctx.add(path, f"must be a mapping, not {_describe(value)}")
    return None


def _list(ctx: _Context, value: Any, path: str) -> list[Any]:
    """A list (null counts as empty); [] after reporting anything else."""
    if value is None:
        return []
    if type(value) is list:
        return value
    if isinstance(value, list | tuple):
        return list(value)
    ctx.add(path, f"must be a list, not {_describe(value)}")
    return []


def _known_fields(ctx: _Context, value: Mapping[str, Any], allowed: tuple[str, ...], path: str):
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            ctx.add(where, f"unknown field: use {', '.join(allowed)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(ctx: _Context, value: Any, path: str, *, required: bool = True) -> str | None:
    if isinstance(value, str):
        return value
    if value is None and not required:
        return None
    if value is None:
        ctx.add(path, "is required")
    elif isinstance(value, bool):
        quoted = str(value).lower()
        ctx.add(path, f"must be a string, not {_describe(value)}: quote it ('{quoted}')")
    else:
        ctx.add(path, f"must be a string, not {_describe(value)}")
    return None


def _labels(ctx: _Context, value: Any, path: str) -> dict[str, str]:
    mapping = _mapping(ctx, value, path)
    labels: dict[str, str] = {}
    for key, item in (mapping or {}).items():
        where = f"{path}[{key}]"
        if not isinstance(key, str):
            ctx.add(where, f"a label key must be a string, not {_describe(key)}")
            continue
        ctx.check(where, key, label_key_problem)
        text = _string(ctx, item, where)
        if text is None:
            continue
        ctx.check(where, text, label_value_problem)
        labels[key] = text
    return labels


def _metadata(
    ctx: _Context, body: Mapping[str, Any], *, namespaced: bool
) -> tuple[str, str, dict[str, str]]:
    """(namespace, name, labels) after checking the whole ObjectMeta as the API server does
    (ValidateObjectMeta, strict field validation); namespace is "" for cluster-scoped objects."""
    metadata = _mapping(ctx, body.get("metadata"), "metadata") or {}
    _known_fields(ctx, metadata, OBJECT_META_FIELDS, "metadata")
    labels = _labels(ctx, metadata.get("labels"), "metadata.labels")
    _annotations(ctx, metadata.get("annotations"), "metadata.annotations")
    name = _string(ctx, metadata.get("name"), "metadata.name") or ""
    if name:
        ctx.check("metadata.name", name, dns_subdomain_problem if namespaced else dns_label_problem)
    namespace = ""
    if namespaced:
        raw = metadata.get("namespace")
        namespace = _string(ctx, raw, "metadata.namespace", required=False) or DEFAULT_NAMESPACE
        ctx.check("metadata.namespace", namespace, dns_label_problem)
    return namespace, name, labels


def _annotations(ctx: _Context, value: Any, path: str) -> None:
    """ValidateAnnotations: qualified-name keys (any case), string values, 256 KiB in all."""
    size = 0
    for key, item in (_mapping(ctx, value, path) or {}).items():
        where = f"{path}[{key}]"
        if not isinstance(key, str):
            ctx.add(where, f"an annotation key must be a string, not {_describe(key)}")
            continue
        ctx.check(where, key, annotation_key_problem)
        text = _string(ctx, item, where)
        size += len(key) + len(text or "")
    if size > ANNOTATIONS_MAX_BYTES:
        ctx.add(path, f"may not be more than {ANNOTATIONS_MAX_BYTES} bytes in all")


# --- Namespace and Pod -----------------------------------------------------------------------


def _namespace(ctx: _Context, body: Mapping[str, Any]) -> Namespace | None:
    _, name, labels = _metadata(ctx, body, namespaced=False)
    labels[NAMESPACE_NAME_LABEL] = name  # the API server sets (and overwrites) it
    return Namespace(name, Labels(labels), source=ctx.file)


def _pod(ctx: _Context, body: Mapping[str, Any]) -> Pod | None:
    namespace, name, labels = _metadata(ctx, body, namespaced=True)
    spec = _mapping(ctx, body.get("spec"), "spec") or {}
    host_network = spec.get("hostNetwork", False)
    if host_network is None:
        host_network = False
    if not isinstance(host_network, bool):
        ctx.add("spec.hostNetwork", f"must be true or false, not {_describe(host_network)}")
        host_network = False
    ports: list[ContainerPort] = []
    for c, container in enumerate(_list(ctx, spec.get("containers"), "spec.containers")):
        container_path = f"spec.containers[{c}]"
        container = _mapping(ctx, container, container_path) or {}
        for p, port in enumerate(_list(ctx, container.get("ports"), f"{container_path}.ports")):
            parsed = _container_port(ctx, port, f"{container_path}.ports[{p}]")
            if parsed is not None:
                ports.append(parsed)
    return Pod(
        namespace=namespace,
        name=name,
        labels=Labels(labels),
        ips=_pod_ips(ctx, body.get("status")),
        ports=tuple(ports),
        host_network=host_network,
    )


def _container_port(ctx: _Context, value: Any, path: str) -> ContainerPort | None:
    port = _mapping(ctx, value, path)
    if port is None:
        return None
    number = port.get("containerPort")
    if not _is_int(number):
        ctx.add(f"{path}.containerPort", f"must be a port number, not {_describe(number)}")
        return None
    ctx.check(f"{path}.containerPort", number, port_number_problem)
    protocol = _protocol(ctx, port.get("protocol"), f"{path}.protocol")
    name = _string(ctx, port.get("name"), f"{path}.name", required=False)
    if name is not None:
        ctx.check(f"{path}.name", name, port_name_problem)
    return ContainerPort(name or None, number, protocol)


def _pod_ips(ctx: _Context, status: Any) -> tuple[str, ...]:
    status = _mapping(ctx, status, "status") or {}
    raw: list[tuple[str, Any]] = []
    for i, entry in enumerate(_list(ctx, status.get("podIPs"), "status.podIPs")):
        entry = _mapping(ctx, entry, f"status.podIPs[{i}]") or {}
        raw.append((f"status.podIPs[{i}].ip", entry.get("ip")))
    if status.get("podIP") is not None:
        raw.append(("status.podIP", status.get("podIP")))
    ips: list[str] = []
    for path, value in raw:
        text = _string(ctx, value, path)
        if text is None:
            continue
        try:
            ip = str(parse_ip(text))
        except ValueError:
            ctx.add(path, f"{text!r} is not an IPv4 or IPv6 address")
            continue
        if ip not in ips:
            ips.append(ip)
    return tuple(ips)


def _protocol(ctx: _Context, value: Any, path: str) -> str:
    if value is None:
        return "TCP"
    if value not in PROTOCOLS:
        shown = repr(value) if isinstance(value, str) else _describe(value)
        ctx.add(path, f"{shown} is not supported: use TCP, UDP or SCTP (upper case)")
        return "TCP"
    return value


# --- NetworkPolicy ---------------------------------------------------------------------------


def _policy(ctx: _Context, body: Mapping[str, Any], source: str) -> NetworkPolicy | None:
    api_version = body.get("apiVersion")
    if api_version != NETWORK_POLICY_API_VERSION:
        ctx.add(
            "apiVersion",
            f"{_describe(api_version)} is not served: "
            f"NetworkPolicy is {NETWORK_POLICY_API_VERSION}",
        )
    _known_fields(ctx, body, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    namespace, name, _ = _metadata(ctx, body, namespaced=True)
    spec = _mapping(ctx, body.get("spec"), "spec") or {}
    _known_fields(ctx, spec, ("podSelector", "policyTypes", "ingress", "egress"), "spec")
    pod_selector = _selector(ctx, spec.get("podSelector"), "spec.podSelector") or LabelSelector()

    raw_ingress = _list(ctx, spec.get("ingress"), "spec.ingress")
    raw_egress = _list(ctx, spec.get("egress"), "spec.egress")
    ingress = tuple(
        _rule(ctx, rule, f"spec.ingress[{i}]", "from") for i, rule in enumerate(raw_ingress)
    )
    egress = tuple(_rule(ctx, rule, f"spec.egress[{i}]", "to") for i, rule in enumerate(raw_egress))

    given = _list(ctx, spec.get("policyTypes"), "spec.policyTypes")
    if len(given) > 2:
        ctx.add("spec.policyTypes", "may not specify more than two policyTypes")
    for i, policy_type in enumerate(given):
        if policy_type not in POLICY_TYPES:
            shown = repr(policy_type) if isinstance(policy_type, str) else _describe(policy_type)
            ctx.add(f"spec.policyTypes[{i}]", f"{shown} is not supported: use Ingress or Egress")
    if given:
        policy_types = tuple(t for t in POLICY_TYPES if t in given)
    else:  # SetDefaults_NetworkPolicy
        policy_types = POLICY_TYPES if raw_egress else POLICY_TYPES[:1]
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=pod_selector,
        policy_types=policy_types,
        ingress=ingress,
        egress=egress,
        source=source,
        manifest=frozen(body),
    )


def _rule(ctx: _Context, value: Any, path: str, peers_key: str) -> Rule:
    rule = _mapping(ctx, value, path) or {}
    _known_fields(ctx, rule, (peers_key, "ports"), path)
    raw_peers = _list(ctx, rule.get(peers_key), f"{path}.{peers_key}")
    raw_ports = _list(ctx, rule.get("ports"), f"{path}.ports")
    peers = [_peer(ctx, peer, f"{path}.{peers_key}[{i}]") for i, peer in enumerate(raw_peers)]
    ports = [_policy_port(ctx, port, f"{path}.ports[{i}]") for i, port in enumerate(raw_ports)]
    return Rule(
        peers=tuple(p for p in peers if p is not None) if raw_peers else None,
        ports=tuple(p for p in ports if p is not None) if raw_ports else None,
    )


def _peer(ctx: _Context, value: Any, path: str) -> Peer | None:
    peer = _mapping(ctx, value, path)
    if peer is None:
        return None
    _known_fields(ctx, peer, PEER_FIELDS, path)
    pod_selector = namespace_selector = ip_block = None
    if peer.get("podSelector") is not None:
        pod_selector = _selector(ctx, peer["podSelector"], f"{path}.podSelector")
    if peer.get("namespaceSelector") is not None:
        namespace_selector = _selector(ctx, peer["namespaceSelector"], f"{path}.namespaceSelector")
    if peer.get("ipBlock") is not None:
        ip_block = _ip_block(ctx, peer["ipBlock"], f"{path}.ipBlock")
    given = [key for key in PEER_FIELDS if peer.get(key) is not None]
    if not given:
        ctx.add(path, "must specify a peer: podSelector, namespaceSelector or ipBlock")
        return None
    if "ipBlock" in given and len(given) > 1:
        ctx.add(path, "may not specify both ipBlock and another peer")
    return Peer(pod_selector, namespace_selector, ip_block)


def _network(ctx: _Context, value: Any, path: str) -> IPNetwork | None:
    text = _string(ctx, value, path)
    if text is None:
        return None
    if "/" not in text:
        ctx.add(path, f"{text!r} is not a CIDR: write an address and a prefix, e.g. 10.0.0.0/16")
        return None
    try:
        return parse_cidr(text)
    except ValueError:
        ctx.add(
            path,
            f"{text!r} is not a valid IPv4 or IPv6 CIDR (an address, '/' and a prefix length), "
            "e.g. 10.0.0.0/16 or fd00::/8",
        )
        return None


def _ip_block(ctx: _Context, value: Any, path: str) -> IPBlock | None:
    block = _mapping(ctx, value, path)
    if block is None:
        return None
    _known_fields(ctx, block, ("cidr", "except"), path)
    if block.get("cidr") in (None, ""):
        ctx.add(f"{path}.cidr", "is required")
        return None
    cidr = _network(ctx, block.get("cidr"), f"{path}.cidr")
    if cidr is None:
        return None
    excepts: list[IPNetwork] = []
    for i, raw in enumerate(_list(ctx, block.get("except"), f"{path}.except")):
        where = f"{path}.except[{i}]"
        network = _network(ctx, raw, where)
        if network is None:
            continue
        if (
            network.version != cidr.version
            or network.network_address not in cidr
            or network.prefixlen <= cidr.prefixlen
        ):
            ctx.add(where, f"{raw!r} must be a strict subset of cidr {cidr}")
            continue
        excepts.append(network)
    return IPBlock(cidr, tuple(excepts))


def _policy_port(ctx: _Context, value: Any, path: str) -> PolicyPort | None:
    entry = _mapping(ctx, value, path)
    if entry is None:
        return None
    _known_fields(ctx, entry, ("protocol", "port", "endPort"), path)
    protocol = _protocol(ctx, entry.get("protocol"), f"{path}.protocol")
    port = entry.get("port")
    if port is None:
        pass
    elif _is_int(port):
        ctx.check(f"{path}.port", port, port_number_problem)
    elif isinstance(port, str):
        if port.isdigit():
            hint = f"{port!r} is a string: write a port number without quotes ({PORT_HINT})"
            ctx.add(f"{path}.port", hint)
        else:
            ctx.check(f"{path}.port", port, port_name_problem)
    else:
        ctx.add(f"{path}.port", f"must be a port number or a port name, not {_describe(port)}")
        port = None
    end_port = entry.get("endPort")
    if end_port is not None:
        where = f"{path}.endPort"
        if not _is_int(end_port):
            ctx.add(where, f"must be a port number, not {_describe(end_port)}")
            end_port = None
        elif port is None:
            ctx.add(where, "may not be specified when `port` is not specified")
        elif isinstance(port, str):
            ctx.add(where, f"may not be specified when `port` is a name ({port!r}): use a number")
        else:
            if end_port < port:
                ctx.add(where, f"{end_port} must be greater than or equal to `port` ({port})")
            ctx.check(where, end_port, port_number_problem)
    return PolicyPort(protocol, port, end_port)


PORT_HINT = "a port name must contain a letter"


def _selector(ctx: _Context, value: Any, path: str) -> LabelSelector | None:
    selector = _mapping(ctx, value, path)
    if selector is None:
        return None
    _known_fields(ctx, selector, ("matchLabels", "matchExpressions"), path)
    labels = _labels(ctx, selector.get("matchLabels"), f"{path}.matchLabels")
    requirements: list[Requirement] = []
    raw_expressions = _list(ctx, selector.get("matchExpressions"), f"{path}.matchExpressions")
    for i, raw in enumerate(raw_expressions):
        requirement = _requirement(ctx, raw, f"{path}.matchExpressions[{i}]")
        if requirement is not None:
            requirements.append(requirement)
    return LabelSelector(tuple(sorted(labels.items())), tuple(requirements))


def _requirement(ctx: _Context, value: Any, path: str) -> Requirement | None:
    expression = _mapping(ctx, value, path)
    if expression is None:
        return None
    _known_fields(ctx, expression, ("key", "operator", "values"), path)
    key = _string(ctx, expression.get("key"), f"{path}.key")
    if key is not None:
        ctx.check(f"{path}.key", key, label_key_problem)
    operator = expression.get("operator")
    if operator is None:
        ctx.add(f"{path}.operator", "is required: use In, NotIn, Exists or DoesNotExist")
    elif operator not in OPERATORS:
        shown = repr(operator) if isinstance(operator, str) else _describe(operator)
        ctx.add(
            f"{path}.operator", f"{shown} is not supported: use In, NotIn, Exists or DoesNotExist"
        )
        operator = None
    values: list[str] = []
    for i, raw in enumerate(_list(ctx, expression.get("values"), f"{path}.values")):
        text = _string(ctx, raw, f"{path}.values[{i}]")
        if text is None:
            continue
        ctx.check(f"{path}.values[{i}]", text, label_value_problem)
        values.append(text)
    if operator in ("In", "NotIn") and not values:
        ctx.add(f"{path}.values", f"must be specified when `operator` is {operator}")
    if operator in ("Exists", "DoesNotExist") and values:
        ctx.add(f"{path}.values", f"may not be specified when `operator` is {operator}")
    if key is None or operator is None:
        return None
    return Requirement(key, operator, tuple(sorted(set(values))))
