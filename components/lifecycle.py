"""May this run still create or update a pull request's stack? (``components guard``)

GitHub queues workflow runs, so a run can start long after its event: the pull request may have
closed (and its teardown already run), lost the ``deploy-env`` label, or moved on to a newer
commit. pr-preview and pr-deploy therefore ask the GitHub API right before they touch the stack
(``gh api repos/OWNER/REPO/pulls/N``) and again right after, and decide here, purely, from that
JSON: preview goes on while the pull request is open; deploy while it is open, labelled and its
head is still the commit being deployed; a teardown (before each of its Pulumi commands) unless
the pull request is open and labelled again. Every other answer is a stop with a notice, never a
failure: a newer run, or the teardown, owns what comes next. The README's interleaving table
says why each case is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from components.json_input import InputError, field

DEPLOY_LABEL: Final = "deploy-env"


class Operation(StrEnum):
    """What the run is about to do to the stack."""

    PREVIEW = "preview"
    DEPLOY = "deploy"
    TEARDOWN = "teardown"


class Verdict(StrEnum):
    """The guard's answer: a closed set."""

    PROCEED = "proceed"
    """Go on: the pull request is in the state this operation needs."""
    CLOSED = "closed"
    """The pull request is closed or merged: its stack must not come back."""
    NOT_LABELLED = "not-labelled"
    """Deploy only: the pull request no longer carries the deploy label."""
    SUPERSEDED = "superseded"
    """Deploy only: the head moved on; the run queued by that push deploys the newer commit."""
    WANTED = "wanted"
    """Teardown only: the pull request is open and labelled (re-opened or re-labelled since the
    teardown was queued); its deploy run owns the stack."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    """The fields of ``GET /repos/{owner}/{repo}/pulls/{number}`` the guard reads."""

    number: int
    open: bool
    merged: bool
    head_sha: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict and the one line a person reads in the job summary."""

    verdict: Verdict
    message: str

    @property
    def proceed(self) -> bool:
        return self.verdict is Verdict.PROCEED

    def to_json(self) -> dict[str, Any]:
        return {"proceed": self.proceed, "verdict": self.verdict.value, "message": self.message}


def pull_request_from_json(raw: object, where: str) -> PullRequest:
    """Read the API's pull request object (only the fields used; the rest is ignored)."""
    if not isinstance(raw, dict):
        raise InputError(f"{where}: must be the JSON object of one pull request")
    number = field(raw, "number", int, where)
    state = field(raw, "state", str, where)
    if state not in ("open", "closed"):
        raise InputError(f"{where}: state {state!r} is not open or closed")
    merged = raw.get("merged") is True
    head = field(raw, "head", dict, where)
    head_sha = field(head, "sha", str, f"{where}: head")
    labels = set()
    for index, label in enumerate(field(raw, "labels", list, where)):
        at = f"{where}: labels[{index}]"
        if not isinstance(label, dict):
            raise InputError(f"{at}: must be an object, not {label!r}")
        labels.add(field(label, "name", str, at))
    return PullRequest(number, state == "open", merged, head_sha, frozenset(labels))


def decide(
    pull: PullRequest,
    operation: Operation,
    *,
    sha: str | None = None,
    label: str = DEPLOY_LABEL,
) -> Decision:
    """Whether ``operation`` may create or update the stack of ``pull`` now."""
    number = f"pull request #{pull.number}"
    if operation is Operation.TEARDOWN:
        if pull.open and label in pull.labels:
            return Decision(
                Verdict.WANTED,
                f"{number} is open and labelled {label} again: no teardown; its deploy run "
                "owns the stack",
            )
        state = "open without the label " + label if pull.open else "closed"
        return Decision(Verdict.PROCEED, f"{number} is {state}: tear down")
    if not pull.open:
        state = "merged" if pull.merged else "closed"
        return Decision(
            Verdict.CLOSED,
            f"{number} is {state}: no {operation.value}; its stack is torn down, not updated",
        )
    if operation is Operation.PREVIEW:
        return Decision(Verdict.PROCEED, f"{number} is open: preview")
    if label not in pull.labels:
        return Decision(
            Verdict.NOT_LABELLED,
            f"{number} no longer has the label {label}: no deploy; its environment is torn down",
        )
    if sha is not None and pull.head_sha != sha:
        return Decision(
            Verdict.SUPERSEDED,
            f"{number} is now at {pull.head_sha}, not {sha}: no deploy of {sha}; the run of the "
            "newer push deploys it",
        )
    return Decision(
        Verdict.PROCEED, f"{number} is open, labelled {label}, at {pull.head_sha}: deploy"
    )
