"""The probe pods: what the e2e workflow deploys next to the stacks, and what it only describes.

Every environment namespace gets the same three workloads the policies tell apart: ``web`` (a
database client, ``db-access: "true"``), ``worker`` and ``postgres`` (``app: postgres``). The
ingress controller's namespace gets one pod standing for the controller, and the DNS namespace one
ordinary pod that listens on 53 (the "other kube-system pods" that the DNS rule must not open).

The real DNS pods cannot be faked: a pod labelled ``k8s-app: kube-dns`` in kube-system would join
the cluster DNS Service and break name resolution. So the DNS pods are *fixtures*: described to
the analyzer by a stand-in pod with their labels and ports, and probed at their real addresses,
which ``measure`` finds through the stand-in's ``stands-for`` selector.

Each probe pod serves its ports with agnhost ``serve-hostname`` (one container per port, as the
upstream netpol e2e tests do), so "denied" can only mean the policy dropped the connection. The
pods meet the ``restricted`` Pod Security level (non-root, ports above 1024) so any ``podSecurity``
setting admits them; only the DNS-namespace pod runs as root, to listen on 53.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from e2e.errors import InputError
from e2e.manifests import Manifest, kind_of, name_of
from kubefacts.api import DNS_PORT, NAMESPACE_NAME_LABEL
from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
)

AGNHOST_IMAGE: Final = "registry.k8s.io/e2e-test-images/agnhost:2.53"
PROBE_LABEL: Final = "e2e.catalyst.dev/probe"
STANDS_FOR: Final = "e2e.catalyst.dev/stands-for"
PROBE_METHOD: Final = "e2e.catalyst.dev/probe-method"


@dataclass(frozen=True, slots=True)
class ServedPort:
    """A port a probe pod listens on; its name is also the container's name."""

    port: int
    protocol: str

    @property
    def name(self) -> str:
        return f"serve-{self.port}-{self.protocol.lower()}"


@dataclass(frozen=True, slots=True)
class Role:
    """A kind of workload the policies distinguish, by the labels they select on."""

    name: str
    labels: Mapping[str, str]

    @property
    def pod_name(self) -> str:
        return f"probe-{self.name}"


APP_PORTS: Final = (ServedPort(8080, "TCP"), ServedPort(5432, "TCP"), ServedPort(8081, "UDP"))
DNS_NEIGHBOUR_PORTS: Final = (
    ServedPort(DNS_PORT, "UDP"),
    ServedPort(DNS_PORT, "TCP"),
    ServedPort(8080, "TCP"),
)
ENVIRONMENT_ROLES: Final = (
    Role("web", {"app": "web", "db-access": "true"}),
    Role("worker", {"app": "worker"}),
    Role("postgres", {"app": "postgres"}),
)
INGRESS_ROLE: Final = Role("ingress", {"app": "ingress-controller"})
DNS_NEIGHBOUR_ROLE: Final = Role(DEFAULT_DNS_NAMESPACE, {"app": "probe"})


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the cluster's shared parts live (the environments program's config defaults)."""

    ingress_namespace: str = DEFAULT_INGRESS_NAMESPACE
    dns_namespace: str = DEFAULT_DNS_NAMESPACE
    dns_labels: tuple[tuple[str, str], ...] = tuple(sorted(DEFAULT_DNS_POD_LABELS.items()))


@dataclass(frozen=True, slots=True)
class ProbeSet:
    """``apply``: created by the workflow. ``fixtures``: already in the cluster, described only."""

    apply: tuple[Manifest, ...]
    fixtures: tuple[Manifest, ...]
    environment_namespaces: tuple[str, ...] = field(default=())


class ProbeSetError(InputError):
    """The rendered manifests give nothing to probe, or clash with the layout."""


def environment_namespaces(rendered: Sequence[Manifest], layout: Layout = Layout()) -> list[str]:
    """The namespaces the stacks create, sorted (Namespace objects of the rendered manifests)."""
    names = {name_of(doc) for doc in rendered if kind_of(doc) == "Namespace"}
    clash = names & {layout.ingress_namespace, layout.dns_namespace}
    if clash:
        raise ProbeSetError(
            f"rendered stacks create namespace {sorted(clash)[0]!r}, which the layout reserves "
            "for the ingress controller or DNS (see --ingress-namespace / --dns-namespace)"
        )
    return sorted(names)


def probe_set(rendered: Sequence[Manifest], layout: Layout = Layout()) -> ProbeSet:
    """The probe pods for these rendered stacks, plus the fixtures the prediction needs."""
    namespaces = environment_namespaces(rendered, layout)
    if not namespaces:
        raise ProbeSetError("the rendered manifests hold no Namespace: nothing to probe")
    pods = [
        probe_pod(namespace, role.pod_name, role.labels, APP_PORTS)
        for namespace in namespaces
        for role in ENVIRONMENT_ROLES
    ]
    pods.append(
        probe_pod(layout.ingress_namespace, INGRESS_ROLE.pod_name, INGRESS_ROLE.labels, APP_PORTS)
    )
    pods.append(
        probe_pod(
            layout.dns_namespace,
            DNS_NEIGHBOUR_ROLE.pod_name,
            DNS_NEIGHBOUR_ROLE.labels,
            DNS_NEIGHBOUR_PORTS,
            privileged_ports=True,
        )
    )
    apply = (namespace_manifest(layout.ingress_namespace), *pods)
    fixtures = (namespace_manifest(layout.dns_namespace), dns_stand_in(layout))
    return ProbeSet(apply=apply, fixtures=fixtures, environment_namespaces=tuple(namespaces))


def namespace_manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {NAMESPACE_NAME_LABEL: name}},
    }


def probe_pod(
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    ports: Sequence[ServedPort],
    *,
    privileged_ports: bool = False,
) -> dict[str, Any]:
    """An agnhost pod serving ``ports``; non-root unless it must bind a port below 1024."""
    pod_security: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}
    capabilities: dict[str, Any] = {"drop": ["ALL"]}
    if privileged_ports:
        pod_security |= {"runAsUser": 0}
        capabilities["add"] = ["NET_BIND_SERVICE"]
    else:
        pod_security |= {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**dict(labels), PROBE_LABEL: "true"},
        },
        "spec": {
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 0,
            "securityContext": pod_security,
            "containers": [_serving_container(port, capabilities) for port in ports],
        },
    }


def dns_stand_in(layout: Layout) -> dict[str, Any]:
    """The cluster DNS pods as the analyzer sees them (labels, ports); never applied."""
    labels = dict(layout.dns_labels)
    selector = ",".join(f"{key}={value}" for key, value in layout.dns_labels)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "cluster-dns",
            "namespace": layout.dns_namespace,
            "labels": labels,
            "annotations": {STANDS_FOR: selector, PROBE_METHOD: "dns"},
        },
        "spec": {
            "containers": [
                {
                    "name": "dns",
                    "image": "stand-in",
                    "ports": [
                        {"containerPort": DNS_PORT, "name": "dns", "protocol": "UDP"},
                        {"containerPort": DNS_PORT, "name": "dns-tcp", "protocol": "TCP"},
                    ],
                }
            ]
        },
    }


def _serving_container(port: ServedPort, capabilities: Mapping[str, Any]) -> dict[str, Any]:
    mode = "--udp" if port.protocol == "UDP" else "--tcp"
    return {
        "name": port.name,
        "image": AGNHOST_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": ["serve-hostname", mode, "--http=false", "--port", str(port.port)],
        "ports": [{"containerPort": port.port, "name": port.name, "protocol": port.protocol}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": dict(capabilities),
        },
        "resources": {
            "requests": {"cpu": "5m", "memory": "16Mi"},
            "limits": {"cpu": "100m", "memory": "64Mi"},
        },
    }
