"""network-policy-api's conformance model (kubernetes-sigs/network-policy-api
conformance/base/manifests.yaml at commit 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159, copied in
tests/data/network-policy-api/conformance/), as concrete pods, and truth tables over it.

Upstream's model is five namespaces labelled ``conformance-house: <house>``, each holding one
StatefulSet of 2 replicas: gryffindor/harry-potter, slytherin/draco-malfoy,
hufflepuff/cedric-diggory, ravenclaw/luna-lovegood (each declaring the container ports 80/TCP
``web`` and 53/UDP ``dns``, and serving 8080/TCP, 5353/UDP, 9003/SCTP and 9005/SCTP without
declaring them) and forbidden-forrest/centaur (host-networked; declaring 34345/TCP, 34346/TCP,
34347/UDP, 34349/UDP, serving SCTP on 34351 and 34352).

The tests probe single replicas (``harry-potter-0``, ``luna-lovegood-1``) and write the IPs of
single replicas into CIDR rules, so the model here is the replicas themselves: each StatefulSet
of manifests.yaml, read from the copied file, becomes two Pods ``<name>-0`` and ``<name>-1`` with
its template's labels, containers and hostNetwork, and a ``status.podIP`` (ordinary pods in
10.244.<n>.0/24, centaur's replicas their nodes' addresses 172.18.0.2 and .3, as on a kind
cluster). A StatefulSet endpoint would stand for both replicas, which the CIDR tests tell apart.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.support.builders import dump_yaml
from tests.support.paths import DATA

COMMIT = "0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159"
CONFORMANCE = DATA / "network-policy-api" / "conformance"

G = "network-policy-conformance-gryffindor"
S = "network-policy-conformance-slytherin"
H = "network-policy-conformance-hufflepuff"
R = "network-policy-conformance-ravenclaw"
F = "network-policy-conformance-forbidden-forrest"
NAMESPACES = (G, S, H, R, F)
HOUSE = {ns: ns.removeprefix("network-policy-conformance-") for ns in NAMESPACES}
WORKLOAD = {
    G: "harry-potter",
    S: "draco-malfoy",
    H: "cedric-diggory",
    R: "luna-lovegood",
    F: "centaur",
}
REPLICAS = 2
# The suite's default host-network port range (conformance/utils/suite/suite.go, Setup).
HOST_NETWORK_PORTS = tuple(range(34345, 34353))

EXTERNALS = ("203.0.113.7", "2001:db8::7")  # outside the cluster, one per address family
# What the pods serve (probed by upstream), and what centaur serves on its node.
POD_PORTS = ((80, "TCP"), (8080, "TCP"), (53, "UDP"), (5353, "UDP"), (9003, "SCTP"), (9005, "SCTP"))
HOST_PORTS = (
    (34345, "TCP"),
    (34346, "TCP"),
    (34347, "UDP"),
    (34349, "UDP"),
    (34351, "SCTP"),
    (34352, "SCTP"),
)

Doc = dict[str, Any]


def load(relative: str) -> list[Doc]:
    """The documents of one copied file (``admin_tier/standard-ingress-tcp-rules.yaml``), a
    fresh copy on each call."""
    return tree_copy(_parsed(relative))


def tree_copy(value: Any) -> Any:
    """A deep copy of a tree of dicts, lists and scalars (decoded YAML, and the states built
    from it): what ``copy.deepcopy`` makes of one, since no node is shared (the copied files
    have no anchors), in a tenth of its time. The conformance states are built at import, in
    each test process, by ~400 such copies."""
    if isinstance(value, dict):
        return {key: tree_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tree_copy(item) for item in value]
    return value


@functools.cache
def _parsed(relative: str) -> list[Doc]:
    text = (CONFORMANCE / relative).read_text()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [d for d in yaml.load_all(text, Loader=loader) if d]


def pod_id(ns: str, replica: int) -> str:
    return f"{ns}/{WORKLOAD[ns]}-{replica}"


def ref(short: str) -> str:
    """``gryffindor/harry-potter-0`` -> the full pod id (upstream's probes name namespaces
    without the ``network-policy-conformance-`` prefix in prose; ids keep it)."""
    house, pod = short.split("/")
    return f"network-policy-conformance-{house}/{pod}"


def pod_ip(ns: str, replica: int) -> str:
    if ns == F:
        return f"172.18.0.{2 + replica}"  # host network: the node's address
    return f"10.244.{NAMESPACES.index(ns) + 1}.{10 + replica}"


POD_IDS = tuple(pod_id(ns, i) for ns in NAMESPACES for i in range(REPLICAS))
ENDPOINTS = (*POD_IDS, *EXTERNALS)


def model() -> list[Doc]:
    """manifests.yaml's Namespaces as written, and each StatefulSet as its two replicas."""
    docs: list[Doc] = []
    for d in load("manifests.yaml"):
        if d["kind"] == "Namespace":
            docs.append(d)
    for d in load("manifests.yaml"):
        if d["kind"] != "StatefulSet":
            continue
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        assert WORKLOAD[ns] == name and d["spec"]["replicas"] == REPLICAS
        template = d["spec"]["template"]
        for i in range(REPLICAS):
            ip = pod_ip(ns, i)
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{name}-{i}",
                        "namespace": ns,
                        "labels": dict(template["metadata"]["labels"]),
                    },
                    "spec": tree_copy(template["spec"]),
                    "status": {"podIP": ip, "podIPs": [{"ip": ip}]},
                }
            )
    return docs


# --------------------------------------------------------------------------- truth tables

Ports = Sequence[tuple[int, str]]


class Table:
    """Expected verdicts over the model's endpoints: every ordered pair of distinct endpoints
    but external -> external, on ``ports``; every cell starts at ``default``.

    A pod reaching itself is not in the table: CNPs do not apply to it (hairpin traffic,
    site-src/api-overview.md), so the tests assert self-pairs on their own."""

    def __init__(self, ports: Ports = POD_PORTS, default: bool = True) -> None:
        self.ports = tuple(ports)
        self.values: dict[tuple[str, str, int, str], bool] = {
            (a, b, port, proto): default
            for a in ENDPOINTS
            for b in ENDPOINTS
            if a != b and not (a in EXTERNALS and b in EXTERNALS)
            for port, proto in self.ports
        }

    @staticmethod
    def _ends(which: str | Iterable[str] | None) -> set[str]:
        """None: every endpoint; a namespace: its pods; "external": the external addresses;
        an endpoint id; or an iterable of those."""
        if which is None:
            return set(ENDPOINTS)
        if isinstance(which, str):
            if which in NAMESPACES:
                return {p for p in POD_IDS if p.startswith(which + "/")}
            if which == "external":
                return set(EXTERNALS)
            assert which in ENDPOINTS, which
            return {which}
        return set().union(*(Table._ends(w) for w in which))

    def _on(self, on: str | Ports | None) -> set[tuple[int, str]]:
        if on is None:
            return set(self.ports)
        if isinstance(on, str):  # a protocol: every port of it
            return {p for p in self.ports if p[1] == on}
        assert set(on) <= set(self.ports), on
        return set(on)

    def set(
        self,
        allowed: bool,
        *,
        frm: str | Iterable[str] | None = None,
        to: str | Iterable[str] | None = None,
        on: str | Ports | None = None,
    ) -> Table:
        """Set every cell from ``frm`` to ``to`` on ``on`` (None: everything) to ``allowed``."""
        ports = self._on(on)
        sources, destinations = self._ends(frm), self._ends(to)
        for key in self.values:
            if key[0] in sources and key[1] in destinations and key[2:] in ports:
                self.values[key] = allowed
        return self

    def between(
        self,
        allowed: bool,
        direction: str,
        subject: str | Iterable[str],
        peer: str | Iterable[str] | None,
        on: str | Ports | None = None,
    ) -> Table:
        """``set`` for a subject's side: ingress = from ``peer`` to ``subject``, egress = from
        ``subject`` to ``peer``."""
        if direction == "ingress":
            return self.set(allowed, frm=peer, to=subject, on=on)
        return self.set(allowed, frm=subject, to=peer, on=on)

    def items(self) -> list[tuple[str, str, int, str, bool]]:
        return [(*key, value) for key, value in self.values.items()]

    def denied(self) -> int:
        return sum(not v for v in self.values.values())


def expectations_yaml(table: Table, flipped: int | None = None) -> str:
    """The table as a ``check --expect`` file (from, to, port, protocol, allowed; the cell at
    position `flipped` with the other verdict): the text ``yaml.safe_dump(..., sort_keys=False)``
    writes for it (test_cnp_upstream checks it on a table of every endpoint), written directly,
    since PyYAML's representer took ~0.1 CPU-s per table. Its values need no quotes: pod ids,
    the two addresses of EXTERNALS, port numbers, protocol names, booleans."""
    lines = []
    for i, (src, dst, port, protocol, allowed) in enumerate(table.items()):
        verdict = "true" if allowed != (i == flipped) else "false"
        lines += [f"- from: {src}", f"  to: {dst}", f"  port: {port}"]
        lines += [f"  protocol: {protocol}", f"  allowed: {verdict}"]
    return "\n".join([*lines, ""])


def write_folder(docs: Iterable[Doc], folder: Path) -> Path:
    """The documents as one YAML file in ``folder`` (created)."""
    folder.mkdir(parents=True)
    (folder / "cluster.yaml").write_text(dump_yaml(docs))
    return folder
