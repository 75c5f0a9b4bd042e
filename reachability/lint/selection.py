"""Rules on what a policy selects, asked of the engine, when real pods are given: a policy that
selects no pod (NP008) and a named port that no pod defines (NP009). Representative pods carry
no container ports and always match some selector, so neither rule applies to them.
"""

from __future__ import annotations

from collections.abc import Iterator

from reachability import Pod, selected_pods

from .context import Analysis
from .registry import SOURCE, VERDICTS, Finding, declare, finding, policy_object, written_rules

NP008 = declare("NP008", "warning", "policy selects no pod", reads=(VERDICTS,))
NP009 = declare("NP009", "warning", "named port that no pod defines", reads=(SOURCE, VERDICTS))


def selects_nothing(analysis: Analysis) -> Iterator[Finding]:
    if analysis.representative or not analysis.original.pods:
        return
    for policy in analysis.original.policies:
        if selected_pods(analysis.original, policy.id):
            continue
        yield finding(
            NP008,
            policy.source,
            policy_object(policy),
            "spec.podSelector",
            f"selects none of the {len(_in(analysis, policy.namespace))} given pods of "
            f"{policy.namespace}, so it has no effect on them",
            "check the podSelector's labels against the pods' labels (and the policy's namespace)",
        )


def undefined_named_ports(analysis: Analysis) -> Iterator[Finding]:
    if analysis.representative or not analysis.original.pods:
        return
    for policy in analysis.original.policies:
        targets = selected_pods(analysis.original, policy.id)
        for direction, rule in written_rules(policy):
            # A named port resolves on the destination: the selected pods for ingress, any
            # peer pod for egress.
            pods = targets if direction == "ingress" else analysis.original.pods
            for entry in rule.ports or ():
                port = entry.port
                if not isinstance(port, str):
                    continue
                if any(_defines(pod, port, entry.protocol) for pod in pods):
                    continue
                where = (
                    "the pods this policy selects" if direction == "ingress" else "any given pod"
                )
                yield finding(
                    NP009,
                    policy.source,
                    policy_object(policy),
                    f"{entry.path}.port",
                    f"named port {port!r}/{entry.protocol} is defined by none of {where}, so this "
                    "entry matches no connection",
                    "use the containerPort name the destination pods declare (or the number)",
                )


def _defines(pod: Pod, name: str, protocol: str) -> bool:
    return any(p.name == name and p.protocol == protocol for p in pod.ports)


def _in(analysis: Analysis, namespace: str) -> list[Pod]:
    return [p for p in analysis.original.pods if p.namespace == namespace]
