"""The one table of an environment's fields: the args of ``EnvironmentNamespace`` (and of their
nested entries), the program's config keys of the same names, their defaults and their wording.

Everything that lists these fields derives from here or is checked against it by a test, so they
cannot drift apart: the validation (``CONFIG_KEYS``, each entry's known fields, the defaults), the
config declarations in Pulumi.yaml, the README's config table, and the TypedDicts of
``components.args`` (their keys, and docstrings that are each field's ``description``).

A field's Python name is snake_case; its config key and its name in the package schema (what
TypeScript, Go, C# and YAML programs write) is the same name in camelCase, by the rule the Pulumi
SDK applies to args (``except_`` -> ``except``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from kubefacts.api import DEFAULT_PROTOCOL
from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
)

AUTO: Final = "auto"
"""A config value meaning "the tier's default"; in args, the same is said by leaving a field out."""


def camel_case(name: str) -> str:
    """``allow_same_namespace`` -> ``allowSameNamespace``; ``except_`` -> ``except``."""
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


@dataclass(frozen=True, slots=True)
class Field:
    """One field: its Python name, what it holds and means, and what leaving it out means."""

    name: str
    kind: str
    """What the README calls its type: string, boolean, integer, map or list."""
    description: str
    """The one description: Pulumi.yaml's, and the docstring of the field in the args."""
    default: object = None
    """What an absent field means, as Pulumi.yaml declares it (None: required, or no default)."""
    summary: str = ""
    """The README's "meaning" cell (Markdown); empty for fields that are no config key."""
    shown_default: str = ""
    """The README's "default" cell; empty: the default as a short YAML value."""
    items: tuple[Field, ...] = ()
    """The fields of each entry (a list of maps) or of the map, when they are fixed."""
    config: bool = True
    """Whether the program reads it from config (the tier comes from the stack name instead)."""
    required: bool = False
    """Whether args must give it (every config key has a default; some entry fields do not)."""

    @property
    def key(self) -> str:
        """The config key and the schema's property name."""
        return camel_case(self.name)


def config_keys(fields: Sequence[Field]) -> tuple[str, ...]:
    """The config keys (or entry fields) of `fields`, sorted."""
    return tuple(sorted(field.key for field in fields if field.config))


def by_key(fields: Sequence[Field]) -> Mapping[str, Field]:
    return {field.key: field for field in fields}


PORT_FIELDS: Final = (
    Field(
        "port",
        "integer",
        "Port number, 1-65535 (the first of a range when end_port is set).",
        required=True,
    ),
    Field("protocol", "string", "TCP, UDP or SCTP.", default=DEFAULT_PROTOCOL),
    Field("end_port", "integer", "Last port of a range starting at port, at least port."),
)
EGRESS_FIELDS: Final = (
    Field(
        "name",
        "string",
        "Names the policy allow-egress-<name> (DNS-1123 label, unique).",
        required=True,
    ),
    Field("cidr", "string", "Destination network as a CIDR, e.g. 203.0.113.0/24.", required=True),
    Field(
        "except_",
        "list",
        "CIDRs inside cidr that stay denied, e.g. the private ranges and 169.254.169.254/32.",
        default=[],
    ),
    Field(
        "ports",
        "list",
        "Ports allowed, each {port, protocol, endPort}; none: all ports.",
        [],
        items=PORT_FIELDS,
    ),
)
DATABASE_FIELDS: Final = (
    Field(
        "name",
        "string",
        "Names the policies allow-database-<name>-* (DNS-1123 label, unique).",
        required=True,
    ),
    Field(
        "pod_labels", "map", "Labels that select the database's pods (non-empty).", required=True
    ),
    Field("port", "integer", "TCP port the clients use, 1-65535.", required=True),
    Field(
        "client_labels", "map", "Labels that select the pods allowed in (non-empty).", required=True
    ),
)
LIMIT_RANGE_FIELDS: Final = (
    Field("default", "map", "Default limits of a container: {resource: quantity}."),
    Field("default_request", "map", "Default requests of a container: {resource: quantity}."),
    Field("max", "map", "Most a container may state: {resource: quantity}."),
    Field("max_limit_request_ratio", "map", "Largest limit/request ratio: {resource: quantity}."),
    Field("min", "map", "Least a container may state: {resource: quantity}."),
)

DEFAULT_EGRESS: Final = (
    {
        "name": "registry",
        "cidr": "0.0.0.0/0",
        "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"],
        "ports": [{"port": 443, "protocol": "TCP"}],
    },
)
"""HTTPS to the internet (container registries), never to private ranges or cloud metadata."""

ENVIRONMENT_FIELDS: Final = (
    Field(
        "tier",
        "string",
        "Tier of the environment, development or production: it decides what protect, "
        "allowSameNamespace, quota and limitRange default to. The program gives the stack named "
        "production the production tier and every other stack development.",
        config=False,
        required=True,
    ),
    Field(
        "team",
        "string",
        "Team that owns the environment; first part of the namespace name and label "
        "catalyst.dev/team (DNS-1123 label).",
        "myteam",
        "first part of the namespace name, label `catalyst.dev/team` (DNS-1123 label)",
    ),
    Field(
        "project",
        "string",
        "Project of the environment; second part of the namespace name and label "
        "catalyst.dev/project (DNS-1123 label).",
        "myproject",
        "second part of the namespace name, label `catalyst.dev/project`",
    ),
    Field(
        "environment",
        "string",
        "Environment id, last part of the namespace name; empty means the stack name (pr-123, "
        "production, ...).",
        "",
        "last part of the namespace name, label `catalyst.dev/environment`",
        '`""` = the stack name',
    ),
    Field(
        "namespace",
        "string",
        "Namespace name; empty means {team}-{project}-{environment} (DNS-1123 label, at most 63 "
        "characters; never a system namespace, ingressNamespace or dnsNamespace).",
        "",
        "the namespace name (DNS-1123 label, at most 63 characters); never a system namespace "
        "(`default`, `kube-*`), the `ingressNamespace` or the `dnsNamespace`",
        '`""` = `{team}-{project}-{environment}`',
    ),
    Field(
        "pod_security",
        "string",
        "Pod Security Admission level enforced on the namespace (privileged, baseline or "
        "restricted); warn and audit are always restricted.",
        "baseline",
        "Pod Security level enforced: `privileged`, `baseline` or `restricted` (warn and audit "
        "are `restricted`)",
    ),
    Field(
        "protect",
        "string",
        "Protect the environment, true or false; left out (auto in config), only the "
        "production tier is protected. The namespace and a destroy guard carry protect, so "
        "`pulumi destroy` is refused while `pulumi up` may still add, change and remove "
        "policies.",
        AUTO,
        "`true`, `false` or `auto` (protects the `production` stack only)",
    ),
    Field(
        "allow_same_namespace",
        "string",
        "Let the namespace's pods reach each other, ingress and egress, true or false; left "
        "out (auto in config), on in development, off in production.",
        AUTO,
        "`true`, `false` or `auto` (on in development, off in production)",
    ),
    Field(
        "ingress_namespace",
        "string",
        "Namespace of the ingress controller whose pods may reach every non-database pod.",
        DEFAULT_INGRESS_NAMESPACE,
        "namespace of the ingress controller",
    ),
    Field(
        "dns_namespace",
        "string",
        "Namespace of the cluster DNS pods.",
        DEFAULT_DNS_NAMESPACE,
        "namespace of the DNS pods",
    ),
    Field(
        "dns_pod_labels",
        "map",
        "Labels of the cluster DNS pods (a map); egress on UDP and TCP 53 is allowed to these "
        "pods in dnsNamespace only.",
        dict(DEFAULT_DNS_POD_LABELS),
        "labels of the DNS pods",
    ),
    Field(
        "egress",
        "list",
        "Egress allowances, one policy allow-egress-<name> each: a list of {name, cidr, except: "
        "[cidr], ports: [{port, protocol, endPort}]}; no ports means all ports.",
        [dict(rule) for rule in DEFAULT_EGRESS],
        "`[{name, cidr, except: [cidr], ports: [{port, protocol, endPort}]}]`, one "
        "`allow-egress-<name>` each; no ports = all ports",
        "`registry` (above)",
        items=EGRESS_FIELDS,
    ),
    Field(
        "databases",
        "list",
        "Databases only their clients may reach: a list of {name, podLabels, port, clientLabels}.",
        [],
        "`[{name, podLabels, port, clientLabels}]`",
        items=DATABASE_FIELDS,
    ),
    Field(
        "quota",
        "map",
        'ResourceQuota spec.hard as a map of resource to quantity (e.g. {requests.cpu: "4", '
        'pods: "50"}); {} means no ResourceQuota; auto (or leaving it out) means the tier\'s '
        'default: in development {pods: "20", requests.cpu: "2", requests.memory: 4Gi, '
        'limits.cpu: "8", limits.memory: 8Gi}, in production none.',
        AUTO,
        'ResourceQuota `environment-quota`, `spec.hard`, e.g. `{requests.cpu: "4", pods: '
        '"50"}`; a map replaces the default as a whole; `{}` = no ResourceQuota',
        '`auto`: development `{pods: "20", requests.cpu: "2", requests.memory: 4Gi, limits.cpu: '
        '"8", limits.memory: 8Gi}`, production none',
    ),
    Field(
        "limit_range",
        "map",
        "Container LimitRange as a map of default, defaultRequest, max, min, "
        "maxLimitRequestRatio to {resource: quantity}; {} means no LimitRange; auto (or leaving "
        "it out) means the tier's default: in development {defaultRequest: {cpu: 100m, memory: "
        "128Mi}, default: {cpu: 250m, memory: 256Mi}}, so pods that state no requests still "
        "start under the quota; in production none.",
        AUTO,
        "container LimitRange `environment-limits`: `{default, defaultRequest, max, min, "
        "maxLimitRequestRatio}`; `{}` = no LimitRange",
        "`auto`: development `{defaultRequest: {cpu: 100m, memory: 128Mi}, default: {cpu: 250m, "
        "memory: 256Mi}}`, production none",
        items=LIMIT_RANGE_FIELDS,
    ),
    Field(
        "cluster_guardrails",
        "boolean",
        "Declare an Admin-tier ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) that "
        "denies traffic between this environment's namespace and every other catalyst "
        "environment's, in both directions, whatever NetworkPolicies the namespace holds. Off by "
        "default: it needs the ClusterNetworkPolicy CRD, a CNI that enforces it and the right to "
        "manage cluster-scoped objects.",
        False,
        "Admin-tier ClusterNetworkPolicy `catalyst-guardrails-<namespace>`: no NetworkPolicy in "
        "the namespace can open it to another catalyst environment, either way; needs the CRD, a "
        'CNI that enforces it and cluster-scope rights ("Cluster guardrails" below)',
        "`false`",
    ),
    Field(
        "cluster_baseline_deny",
        "boolean",
        "With clusterGuardrails only: also declare a Baseline-tier ClusterNetworkPolicy that "
        "denies all traffic of the namespace's pods that no NetworkPolicy isolates, so the "
        "namespace stays closed if its NetworkPolicies are deleted.",
        False,
        "with `clusterGuardrails` only: Baseline-tier `catalyst-baseline-deny-<namespace>`, a "
        "default deny for pods no NetworkPolicy isolates (the namespace stays closed if its "
        "NetworkPolicies are deleted)",
        "`false`",
    ),
)
"""In the README's order: the tier first (the program's, from the stack name), then every
config key."""

FIELD: Final = by_key(ENVIRONMENT_FIELDS)
"""config key -> field."""


def shown_default(field: Field) -> str:
    """The README's "default" cell: the field's own wording, or its default as short YAML."""
    if field.shown_default:
        return field.shown_default
    value = field.default
    if isinstance(value, Mapping):
        return "`{" + ", ".join(f"{key}: {item}" for key, item in value.items()) + "}`"
    if isinstance(value, list | tuple):
        return "`[" + ", ".join(str(item) for item in value) + "]`"
    return f"`{value}`"


CONFIG_TABLE_HEADER: Final = ("| key | type | default | meaning |", "|---|---|---|---|")


def config_table() -> tuple[str, ...]:
    """The README's config reference table, one row per config key, in the table's order."""
    rows = (
        f"| `{field.key}` | {field.kind} | {shown_default(field)} | {field.summary} |"
        for field in ENVIRONMENT_FIELDS
        if field.config
    )
    return (*CONFIG_TABLE_HEADER, *rows)
