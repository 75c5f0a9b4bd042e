# Reference copy of reachability/lint/dns.py before its set-based rewrite (see __init__).
"""DNS rules, asked of the engine: egress-isolated pods that cannot resolve names (NP005), or that
resolve over one protocol only (NP003; large answers and retries after truncation use TCP 53).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubefacts.api import DNS_PORT, NAMESPACE_NAME_LABEL
from reachability import Pod, Verdict, allowed, pod_list, side_reason
from reachability.lint.context import Analysis
from reachability.lint.registry import SOURCE, VERDICTS, Finding, declare, finding, flow

NP003 = declare("NP003", "error", "DNS allowed on one protocol only", reads=(SOURCE, VERDICTS))
NP005 = declare("NP005", "error", "egress-isolated pods cannot reach DNS", reads=(VERDICTS,))


@dataclass(frozen=True, slots=True)
class _Reach:
    pod: Pod
    udp: Verdict
    tcp: Verdict


def dns_findings(analysis: Analysis) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[_Reach]] = {}
    for pod in analysis.cluster.pods:
        if pod.host_network or pod in analysis.dns_pods:
            continue
        reach = _reach(analysis, pod)
        if reach is None or not reach.udp.egress.isolated:
            continue
        state = {(True, True): "ok", (True, False): "udp", (False, True): "tcp"}.get(
            (reach.udp.allowed, reach.tcp.allowed), "none"
        )
        if state != "ok":
            groups.setdefault((pod.namespace, state), []).append(reach)
    for (namespace, state), reaches in sorted(groups.items()):
        yield (_unreachable if state == "none" else _one_protocol)(
            analysis, namespace, state, reaches
        )


def _reach(analysis: Analysis, pod: Pod) -> _Reach | None:
    """The best verdicts towards any DNS pod (allowed ones preferred), per protocol."""
    best: dict[str, Verdict] = {}
    for protocol in ("UDP", "TCP"):
        verdicts = [
            allowed(analysis.cluster, pod, dns, DNS_PORT, protocol) for dns in analysis.dns_pods
        ]
        if not verdicts:
            return None
        best[protocol] = next((v for v in verdicts if v.allowed), verdicts[0])
    return _Reach(pod, best["UDP"], best["TCP"])


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


def _unreachable(
    analysis: Analysis, namespace: str, _state: str, reaches: Sequence[_Reach]
) -> Finding:
    first = reaches[0].udp
    isolating = sorted({pid for r in reaches for pid in r.udp.egress.isolated_by})
    anchor = _anchor(analysis, namespace, isolating)
    policy = analysis.policies.get(anchor)
    field = "spec.egress" if policy is not None and policy.rules("egress") else "spec.policyTypes"
    why = side_reason(first.egress if not first.egress.allowed else first.ingress, namespace)
    return finding(
        NP005,
        policy.source if policy else "",
        f"NetworkPolicy {anchor}",
        field,
        f"{pod_list([r.pod for r in reaches])} in {namespace}: egress-isolated by "
        f"{', '.join(isolating)}, cannot reach {_target(analysis)} on UDP or TCP {DNS_PORT}, "
        f"so name resolution fails ({why})",
        f"add an egress rule with namespace AND pod selector in ONE peer, on both protocols: "
        f"`{flow(_dns_rule(analysis))}`",
    )


def _one_protocol(
    analysis: Analysis, namespace: str, state: str, reaches: Sequence[_Reach]
) -> Finding:
    works, fails = ("UDP", "TCP") if state == "udp" else ("TCP", "UDP")
    good = reaches[0].udp if works == "UDP" else reaches[0].tcp
    bad = reaches[0].tcp if works == "UDP" else reaches[0].udp
    rule = next(iter(good.egress.allowed_by), None)
    isolating = sorted({pid for r in reaches for pid in r.udp.egress.isolated_by})
    anchor = rule.policy if rule is not None else _anchor(analysis, namespace, isolating)
    policy = analysis.policies.get(anchor)
    field = f"spec.egress[{rule.index}].ports" if rule is not None else "spec.egress"
    why = side_reason(bad.egress if not bad.egress.allowed else bad.ingress, namespace)
    return finding(
        NP003,
        policy.source if policy else "",
        f"NetworkPolicy {anchor}",
        field,
        f"{pod_list([r.pod for r in reaches])} in {namespace}: reach {_target(analysis)} on "
        f"{works} {DNS_PORT} but not on {fails} {DNS_PORT} ({why}); DNS uses TCP for large or "
        "truncated answers, so some lookups fail intermittently",
        f"allow both protocols in the same rule: `ports: {flow(_dns_rule(analysis)['ports'])}`",
    )


def _anchor(analysis: Analysis, namespace: str, policy_ids: Sequence[str]) -> str:
    """The policy a namespace-wide finding points at: one of the namespace's isolating policies."""
    local = [p for p in policy_ids if p.startswith(f"{namespace}/")]
    return (local or list(policy_ids) or [f"{namespace}/?"])[0]
