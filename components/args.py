"""The args of the components, as Pulumi components declare them: TypedDicts whose keys are the
fields of ``components.fields``, each with that field's description as its docstring. The Pulumi
SDK infers the package schema from these annotations and docstrings (``components.package``), so
TypeScript, Go, C# and YAML programs get the same fields, in camelCase (``allowSameNamespace``).

The fields are plain values, not ``pulumi.Input``: they decide which resources exist and what
they are named (one policy per egress entry, a quota or none, protection), and they are validated
before anything is declared, so they must be known when the program runs, not only when some
other resource has been created. The schema says so (``plain``), and the generated SDKs take
plain values.

Written for the SDK's analyzer, which reads this source as it is: no ``from __future__ import
annotations`` (it would see strings, not types), and a long docstring is a parenthesised string
rather than wrapped triple-quoted text, whose line breaks and indentation would reach the schema.
"""

from typing import NotRequired, TypedDict


class PortArgs(TypedDict):
    """One port, or range of ports, of an egress allowance (a NetworkPolicyPort)."""

    port: int
    """Port number, 1-65535 (the first of a range when end_port is set)."""

    protocol: NotRequired[str]
    """TCP, UDP or SCTP."""

    end_port: NotRequired[int]
    """Last port of a range starting at port, at least port."""


class EgressArgs(TypedDict):
    """Egress from every pod of the environment to one CIDR, minus its exceptions, on some ports."""

    name: str
    """Names the policy allow-egress-<name> (DNS-1123 label, unique)."""

    cidr: str
    """Destination network as a CIDR, e.g. 203.0.113.0/24."""

    except_: NotRequired[list[str]]
    """CIDRs inside cidr that stay denied, e.g. the private ranges and 169.254.169.254/32."""

    ports: NotRequired[list[PortArgs]]
    """Ports allowed, each {port, protocol, endPort}; none: all ports."""


class DatabaseArgs(TypedDict):
    """Database pods that only their client pods may reach, on one TCP port."""

    name: str
    """Names the policies allow-database-<name>-* (DNS-1123 label, unique)."""

    pod_labels: dict[str, str]
    """Labels that select the database's pods (non-empty)."""

    port: int
    """TCP port the clients use, 1-65535."""

    client_labels: dict[str, str]
    """Labels that select the pods allowed in (non-empty)."""


class LimitRangeArgs(TypedDict):
    """The container limits of the environment's LimitRange: each a map of resource to quantity."""

    default: NotRequired[dict[str, str]]
    """Default limits of a container: {resource: quantity}."""

    default_request: NotRequired[dict[str, str]]
    """Default requests of a container: {resource: quantity}."""

    max: NotRequired[dict[str, str]]
    """Most a container may state: {resource: quantity}."""

    max_limit_request_ratio: NotRequired[dict[str, str]]
    """Largest limit/request ratio: {resource: quantity}."""

    min: NotRequired[dict[str, str]]
    """Least a container may state: {resource: quantity}."""


class EnvironmentNamespaceArgs(TypedDict):
    """Everything one environment is made from. Only the tier is required: a field left out means
    what its config key's default means."""

    tier: str
    (
        "Tier of the environment, development or production: it decides what protect, "
        "allowSameNamespace, quota and limitRange default to. The program gives the stack "
        "named production the production tier and every other stack development."
    )

    team: NotRequired[str]
    (
        "Team that owns the environment; first part of the namespace name and label "
        "catalyst.dev/team (DNS-1123 label)."
    )

    project: NotRequired[str]
    (
        "Project of the environment; second part of the namespace name and label "
        "catalyst.dev/project (DNS-1123 label)."
    )

    environment: NotRequired[str]
    (
        "Environment id, last part of the namespace name; empty means the stack name (pr-123,"
        " production, ...)."
    )

    namespace: NotRequired[str]
    (
        "Namespace name; empty means {team}-{project}-{environment} (DNS-1123 label, at most "
        "63 characters; never a system namespace, ingressNamespace or dnsNamespace)."
    )

    pod_security: NotRequired[str]
    (
        "Pod Security Admission level enforced on the namespace (privileged, baseline or "
        "restricted); warn and audit are always restricted."
    )

    protect: NotRequired[bool]
    (
        "Protect the environment, true or false; left out (auto in config), only the "
        "production tier is protected. The namespace and a destroy guard carry protect, so "
        "`pulumi destroy` is refused while `pulumi up` may still add, change and remove "
        "policies."
    )

    allow_same_namespace: NotRequired[bool]
    (
        "Let the namespace's pods reach each other, ingress and egress, true or false; left "
        "out (auto in config), on in development, off in production."
    )

    ingress_namespace: NotRequired[str]
    """Namespace of the ingress controller whose pods may reach every non-database pod."""

    dns_namespace: NotRequired[str]
    """Namespace of the cluster DNS pods."""

    dns_pod_labels: NotRequired[dict[str, str]]
    (
        "Labels of the cluster DNS pods (a map); egress on UDP and TCP 53 is allowed to these"
        " pods in dnsNamespace only."
    )

    egress: NotRequired[list[EgressArgs]]
    (
        "Egress allowances, one policy allow-egress-<name> each: a list of {name, cidr, "
        "except: [cidr], ports: [{port, protocol, endPort}]}; no ports means all ports."
    )

    databases: NotRequired[list[DatabaseArgs]]
    """Databases only their clients may reach: a list of {name, podLabels, port, clientLabels}."""

    quota: NotRequired[dict[str, str]]
    (
        'ResourceQuota spec.hard as a map of resource to quantity (e.g. {requests.cpu: "4", '
        'pods: "50"}); {} means no ResourceQuota; auto (or leaving it out) means the tier\'s '
        'default: in development {pods: "20", requests.cpu: "2", requests.memory: 4Gi, '
        'limits.cpu: "8", limits.memory: 8Gi}, in production none.'
    )

    limit_range: NotRequired[LimitRangeArgs]
    (
        "Container LimitRange as a map of default, defaultRequest, max, min, "
        "maxLimitRequestRatio to {resource: quantity}; {} means no LimitRange; auto (or "
        "leaving it out) means the tier's default: in development {defaultRequest: {cpu: "
        "100m, memory: 128Mi}, default: {cpu: 250m, memory: 256Mi}}, so pods that state no "
        "requests still start under the quota; in production none."
    )

    cluster_guardrails: NotRequired[bool]
    (
        "Declare an Admin-tier ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) that "
        "denies traffic between this environment's namespace and every other catalyst "
        "environment's, in both directions, whatever NetworkPolicies the namespace holds. Off by "
        "default: it needs the ClusterNetworkPolicy CRD, a CNI that enforces it and the right to "
        "manage cluster-scoped objects."
    )

    cluster_baseline_deny: NotRequired[bool]
    (
        "With clusterGuardrails only: also declare a Baseline-tier ClusterNetworkPolicy that "
        "denies all traffic of the namespace's pods that no NetworkPolicy isolates, so the "
        "namespace stays closed if its NetworkPolicies are deleted."
    )
