"""Upstream's e2e model (kubernetes/kubernetes test/e2e/network/netpol): namespaces x, y, z x
pods a, b, c, policies built the way upstream's generators build them, and an independent truth
table in the style of upstream's ``Reachability``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tests.support.builders import OMIT, Doc, container_port, namespace, netpol, pod

XYZ_NAMESPACES = ("x", "y", "z")
ABC_PODS = ("a", "b", "c")
XYZ_PORTS = (80, 81)
XYZ_PROTOCOLS = ("TCP", "UDP", "SCTP")


def xyz_ip(ns: str, pod_name: str) -> str:
    """The IPv4 address the model gives pod ``ns/pod_name`` (all inside 10.0.0.0/16)."""
    return f"10.0.{XYZ_NAMESPACES.index(ns) + 1}.{ABC_PODS.index(pod_name) + 10}"


def xyz_pod_ids() -> list[str]:
    """``x/a, x/b, ..., z/c`` in model order."""
    return [f"{ns}/{p}" for ns in XYZ_NAMESPACES for p in ABC_PODS]


def xyz_model(
    *,
    ns_labels: Mapping[str, Mapping[str, str]] | None = None,
    pod_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Doc]:
    """Upstream's e2e model: namespaces x, y, z labelled ``ns: <name>``; pods a, b, c labelled
    ``pod: <name>``, one container per port (80, 81) and protocol (TCP, UDP, SCTP), each port
    named ``serve-<port>-<protocol>``. Extra labels per namespace / ``ns/pod`` may be merged in.
    The automatic ``kubernetes.io/metadata.name`` label is NOT written (the engine adds it)."""
    docs: list[Doc] = []
    for ns in XYZ_NAMESPACES:
        labels = {"ns": ns, **(ns_labels or {}).get(ns, {})}
        docs.append(namespace(ns, labels))
    for ns in XYZ_NAMESPACES:
        for p in ABC_PODS:
            labels = {"pod": p, **(pod_labels or {}).get(f"{ns}/{p}", {})}
            ports = [
                container_port(port, proto, f"serve-{port}-{proto.lower()}")
                for port in XYZ_PORTS
                for proto in XYZ_PROTOCOLS
            ]
            docs.append(pod(ns, p, labels, [xyz_ip(ns, p)], ports, one_container_per_port=True))
    return docs


class TruthTable:
    """Expected connectivity between pods, restating upstream's ``Reachability`` helpers.

    Starts with every ordered pair at ``default``, pod -> itself included: a self-pair keeps the
    value upstream's ``Expect*`` calls give it, as in upstream's truth tables (the engine's
    default). ``allow_loopback`` sets every pod -> itself to allowed: the "a pod may always reach
    itself" convention (upstream's older ``AllowLoopback``; ``Options(loopback_allowed=True)``).
    """

    def __init__(self, pods: Sequence[str], default: bool = True) -> None:
        self.pods = list(pods)
        self.values: dict[tuple[str, str], bool] = {
            (a, b): default for a in self.pods for b in self.pods
        }

    @staticmethod
    def _matches(pod_id: str, ns: str | None, name: str | None) -> bool:
        pns, pname = pod_id.split("/")
        return (ns is None or ns == pns) and (name is None or name == pname)

    def expect(self, src: str, dst: str, connected: bool) -> TruthTable:
        """One pair."""
        self.values[(src, dst)] = connected
        return self

    def expect_peer(
        self,
        connected: bool,
        *,
        from_ns: str | None = None,
        from_pod: str | None = None,
        to_ns: str | None = None,
        to_pod: str | None = None,
    ) -> TruthTable:
        """Every pair whose source and destination match (None matches anything)."""
        for a in self.pods:
            if not self._matches(a, from_ns, from_pod):
                continue
            for b in self.pods:
                if self._matches(b, to_ns, to_pod):
                    self.values[(a, b)] = connected
        return self

    def expect_all_ingress(self, dst: str, connected: bool) -> TruthTable:
        """Everything into ``dst``."""
        for a in self.pods:
            self.values[(a, dst)] = connected
        return self

    def expect_all_egress(self, src: str, connected: bool) -> TruthTable:
        """Everything out of ``src``."""
        for b in self.pods:
            self.values[(src, b)] = connected
        return self

    def allow_loopback(self) -> TruthTable:
        """Every pod reaches itself."""
        for a in self.pods:
            self.values[(a, a)] = True
        return self

    def items(self) -> list[tuple[str, str, bool]]:
        """``(src, dst, expected)`` in a stable order."""
        return [(a, b, self.values[(a, b)]) for a in self.pods for b in self.pods]

    def render(self) -> str:
        """A grid like upstream's pretty print (``.`` allowed, ``X`` denied)."""
        head = "\t" + "\t".join(self.pods)
        rows = [
            a + "\t" + "\t".join("." if self.values[(a, b)] else "X" for b in self.pods)
            for a in self.pods
        ]
        return "\n".join([head, *rows])


def upstream_policy(
    ns: str,
    name: str,
    pod_selector: Doc | None = None,
    ingress: Sequence[Doc] | None = None,
    egress: Sequence[Doc] | None = None,
) -> Doc:
    """A policy the way upstream's generators build it.

    Upstream's ``SetSpecIngressRules(rules...)`` sets ``spec.ingress`` (possibly empty) AND appends
    ``Ingress`` to policyTypes; ``SetSpecEgressRules`` likewise for Egress. ``None`` means the
    setter was not called.
    """
    types: list[str] = []
    if ingress is not None:
        types.append("Ingress")
    if egress is not None:
        types.append("Egress")
    return netpol(
        ns,
        name,
        pod_selector,
        ingress=OMIT if ingress is None else list(ingress),
        egress=OMIT if egress is None else list(egress),
        policy_types=types,
    )
