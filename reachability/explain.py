"""Short human wording of engine verdicts, shared by lint, diff and the policy pack."""

from __future__ import annotations

from collections.abc import Sequence

from reachability.evaluation import Reason, SideVerdict
from reachability.model import Pod

MAX_LISTED = 4


def side_reason(side: SideVerdict, namespace: str | None = None) -> str:
    """One side of a verdict in a few words: the ClusterNetworkPolicy rule that decided it, or
    who isolates and who admits. Policies of `namespace` are named without it, to keep lines
    short."""

    def name(policy_id: str) -> str:
        return policy_id.removeprefix(f"{namespace}/") if namespace else policy_id

    if side.decided_by is not None and side.note in (Reason.ADMIN, Reason.BASELINE):
        verb = "accepted" if side.allowed else "denied"
        return f"{side.direction} {verb} by {side.decided_by.describe(side.direction)}"
    if not side.isolated:
        return f"{side.direction} not isolated" + (
            f" ({side.note})" if side.note not in (Reason.POLICIES, Reason.NOT_ISOLATED) else ""
        )
    if side.allowed:
        rules = ", ".join(f"{name(r.policy)} {side.direction}[{r.index}]" for r in side.allowed_by)
        return f"{side.direction} allowed by {rules or side.note}"
    return (
        f"{side.direction} denied: isolated by {', '.join(map(name, side.isolated_by))}, "
        f"no {side.direction} rule admits it"
    )


def pod_list(pods: Sequence[Pod]) -> str:
    """ "pods web, worker and 3 more" - bounded so that messages stay one readable line; a
    workload is named as kubectl names it, `deployment/web`."""
    names = sorted({pod.local_id for pod in pods})
    shown = ", ".join(names[:MAX_LISTED])
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return f"pod{'s' if len(names) > 1 else ''} {shown}{more}"


GIVEN_ENDPOINTS = "endpoints: the pods and workloads of the input"
REPRESENTATIVE_ENDPOINTS = (
    "endpoints: representative pods (the input has no pods or workloads), one per class of pods "
    "the policies tell apart (`pod`: a pod with none of those labels; `other-namespace`: any "
    "other namespace; `other-namespace-<labels>`: any other namespace with those labels)"
)


def endpoints_note(representative: bool, *, elsewhere: bool = False) -> str:
    """The one line every text output prints: whether its endpoints are the input's pods and
    workloads or representatives. `elsewhere`: representatives also stand in for namespaces
    where the input has no pods (what lint and the policy pack question)."""
    if representative:
        return REPRESENTATIVE_ENDPOINTS
    if elsewhere:
        return f"{GIVEN_ENDPOINTS}, and representative pods in namespaces that have none"
    return GIVEN_ENDPOINTS
