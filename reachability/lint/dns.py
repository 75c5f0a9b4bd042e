"""DNS rules, asked of the engine: egress-isolated pods that cannot resolve names (NP005), or that
resolve over one protocol only (NP003; large answers and retries after truncation use TCP 53).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubefacts.api import DNS_PORT, NAMESPACE_NAME_LABEL, Direction
from reachability import Pod, SideSets, Verdict, pod_list, side_reason

from .context import Analysis
from .registry import SOURCE, VERDICTS, Finding, declare, finding, flow

NP003 = declare("NP003", "error", "DNS allowed on one protocol only", reads=(SOURCE, VERDICTS))
NP005 = declare("NP005", "error", "egress-isolated pods cannot reach DNS", reads=(VERDICTS,))


@dataclass(frozen=True, slots=True)
class _Reach:
    """The first pod of a group, with its best verdicts towards DNS; the other pods' ids."""

    pod: Pod
    udp: Verdict
    tcp: Verdict
    pods: tuple[Pod, ...]
    isolating: tuple[str, ...]  # every policy isolating some pod of the group for egress


def dns_findings(analysis: Analysis) -> Iterator[Finding]:
    sides = analysis.sides
    if not analysis.dns_pods:
        return
    dns = 0
    for pod in analysis.dns_pods:
        dns |= 1 << sides.position[pod.id]
    udp = sides.port_position(DNS_PORT, "UDP")
    tcp = sides.port_position(DNS_PORT, "TCP")
    groups: dict[tuple[str, str], list[int]] = {}
    for i, pod in enumerate(analysis.cluster.pods):
        if pod.host_network or dns >> i & 1 or not sides.isolating(Direction.EGRESS, i):
            continue
        reached = (bool(_reached(sides, i, udp, dns)), bool(_reached(sides, i, tcp, dns)))
        state = {(True, True): "ok", (True, False): "udp", (False, True): "tcp"}.get(
            reached, "none"
        )
        if state != "ok":
            groups.setdefault((pod.namespace, state), []).append(i)
    for (namespace, state), members in sorted(groups.items()):
        reach = _reach(analysis, members, dns, udp, tcp)
        yield (_unreachable if state == "none" else _one_protocol)(
            analysis, namespace, state, reach
        )


def _reached(sides: SideSets, position: int, port: int, dns: int) -> int:
    """The DNS pods the pod reaches on ports[port], both sides agreeing."""
    return sides.flows(Direction.EGRESS, position, port) & dns


def _reach(analysis: Analysis, members: Sequence[int], dns: int, udp: int, tcp: int) -> _Reach:
    """The group's first pod with its best verdicts towards a DNS pod (the first one it
    reaches, else the first DNS pod), per protocol."""
    sides = analysis.sides
    first = members[0]
    pod = analysis.cluster.pods[first]
    verdicts = []
    for port in (udp, tcp):
        reached = _reached(sides, first, port, dns) or dns  # else the first DNS pod
        verdicts.append(sides.verdict(first, (reached & -reached).bit_length() - 1, port))
    policies = analysis.cluster.policies
    isolating = {policies[k].id for i in members for k in sides.isolating(Direction.EGRESS, i)}
    pods = tuple(analysis.cluster.pods[i] for i in members)
    return _Reach(pod, verdicts[0], verdicts[1], pods, tuple(sorted(isolating)))


def _target(analysis: Analysis) -> str:
    return f"DNS ({analysis.options.dns_namespace} pods {analysis.dns_label_text})"


def _dns_rule(analysis: Analysis) -> dict[str, object]:
    return {
        "to": [
            {
                "namespaceSelector": {
                    "matchLabels": {NAMESPACE_NAME_LABEL: analysis.options.dns_namespace}
                },
                "podSelector": {"matchLabels": dict(analysis.options.dns_labels)},
            }
        ],
        "ports": [
            {"protocol": "UDP", "port": DNS_PORT},
            {"protocol": "TCP", "port": DNS_PORT},
        ],
    }


def _unreachable(analysis: Analysis, namespace: str, _state: str, reach: _Reach) -> Finding:
    first = reach.udp
    isolating = reach.isolating
    anchor = _anchor(analysis, namespace, isolating)
    policy = analysis.policies.get(anchor)
    field = "spec.egress" if policy is not None and policy.rules("egress") else "spec.policyTypes"
    why = side_reason(first.egress if not first.egress.allowed else first.ingress, namespace)
    return finding(
        NP005,
        policy.source if policy else "",
        f"NetworkPolicy {anchor}",
        field,
        f"{pod_list(reach.pods)} in {namespace}: egress-isolated by "
        f"{', '.join(isolating)}, cannot reach {_target(analysis)} on UDP or TCP {DNS_PORT}, "
        f"so name resolution fails ({why})",
        f"add an egress rule with namespace AND pod selector in ONE peer, on both protocols: "
        f"`{flow(_dns_rule(analysis))}`",
    )


def _one_protocol(analysis: Analysis, namespace: str, state: str, reach: _Reach) -> Finding:
    works, fails = ("UDP", "TCP") if state == "udp" else ("TCP", "UDP")
    good = reach.udp if works == "UDP" else reach.tcp
    bad = reach.tcp if works == "UDP" else reach.udp
    rule = next(iter(good.egress.allowed_by), None)
    isolating = reach.isolating
    anchor = rule.policy if rule is not None else _anchor(analysis, namespace, isolating)
    policy = analysis.policies.get(anchor)
    field = f"spec.egress[{rule.index}].ports" if rule is not None else "spec.egress"
    why = side_reason(bad.egress if not bad.egress.allowed else bad.ingress, namespace)
    return finding(
        NP003,
        policy.source if policy else "",
        f"NetworkPolicy {anchor}",
        field,
        f"{pod_list(reach.pods)} in {namespace}: reach {_target(analysis)} on "
        f"{works} {DNS_PORT} but not on {fails} {DNS_PORT} ({why}); DNS uses TCP for large or "
        "truncated answers, so some lookups fail intermittently",
        f"allow both protocols in the same rule: `ports: {flow(_dns_rule(analysis)['ports'])}`",
    )


def _anchor(analysis: Analysis, namespace: str, policy_ids: Sequence[str]) -> str:
    """The policy a namespace-wide finding points at: one of the namespace's isolating policies."""
    local = [p for p in policy_ids if p.startswith(f"{namespace}/")]
    return (local or list(policy_ids) or [f"{namespace}/?"])[0]
