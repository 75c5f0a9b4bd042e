"""Which pull-request stacks to destroy: the backstop behind pr-teardown (``components reap``).

Pure: the stacks as ``pulumi stack ls --json`` prints them and the pull requests as ``gh pr list
--state all --json number,state,labels,updatedAt`` prints them go in, a list of ``Reap`` comes
out in the stacks' order. Only a stack named ``pr-<number>`` (the short name of ``org/project/
pr-<number>``; no leading zero, as e2e/teardown-stack.sh accepts) is ever planned, so production
and every other stack are never touched. A stack is reaped when its pull request is closed, is
merged, does not exist, or -- only when a TTL is given -- is open but was last updated more than
the TTL ago and does not carry the keep label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from components.json_input import InputError, field, timestamp

DEFAULT_KEEP_LABEL: Final = "keep-env"
PULL_REQUEST_STACK: Final = re.compile(r"pr-([1-9][0-9]{0,9})")
PULL_STATES: Final = ("OPEN", "CLOSED", "MERGED")


class Reason(StrEnum):
    """Why a stack is reaped: a closed set, documented in the README."""

    CLOSED = "closed"
    """The pull request was closed without merging."""
    MERGED = "merged"
    """The pull request was merged."""
    NO_SUCH_PULL_REQUEST = "no-such-pull-request"
    """No pull request has the stack's number (deleted, or the stack was made by hand)."""
    TTL = "ttl"
    """The pull request is open but was last updated longer ago than the TTL, without the keep
    label."""


@dataclass(frozen=True, slots=True)
class Pull:
    """One pull request as ``gh pr list`` describes it."""

    number: int
    state: str
    labels: frozenset[str]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Reap:
    """One stack to destroy, and why."""

    stack: str
    reason: Reason
    number: int

    def to_json(self) -> dict[str, str]:
        return {"stack": self.stack, "reason": self.reason.value}


def stacks_from_json(raw: object, where: str) -> tuple[str, ...]:
    """The stack names, as listed (possibly qualified), in order."""
    items = _list(raw, where)
    names = []
    for index, item in enumerate(items):
        entry = _object(item, f"{where}: [{index}]")
        names.append(field(entry, "name", str, f"{where}: [{index}]"))
    return tuple(names)


def pulls_from_json(raw: object, where: str) -> dict[int, Pull]:
    """Pull requests by number."""
    pulls: dict[int, Pull] = {}
    for index, item in enumerate(_list(raw, where)):
        at = f"{where}: [{index}]"
        entry = _object(item, at)
        number = field(entry, "number", int, at)
        state = field(entry, "state", str, at)
        if state not in PULL_STATES:
            raise InputError(f"{at}: state {state!r} is not one of OPEN, CLOSED or MERGED")
        labels = set()
        for position, label in enumerate(field(entry, "labels", list, at)):
            where_label = f"{at}.labels[{position}]"
            labels.add(field(_object(label, where_label), "name", str, where_label))
        updated_at = timestamp(field(entry, "updatedAt", str, at), f"{at}.updatedAt")
        if number in pulls:
            raise InputError(f"{at}: pull request #{number} is listed twice")
        pulls[number] = Pull(number, state, frozenset(labels), updated_at)
    return pulls


def pull_request_number(stack: str) -> int | None:
    """N for a stack ``pr-N`` (or ``org/project/pr-N``); None for every other stack."""
    match = PULL_REQUEST_STACK.fullmatch(stack.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def plan_reaps(
    stacks: Sequence[str],
    pulls: Mapping[int, Pull],
    *,
    now: datetime,
    ttl: timedelta | None = None,
    keep_label: str = DEFAULT_KEEP_LABEL,
) -> list[Reap]:
    """The stacks to destroy, in the order listed, each once (by its short name)."""
    planned: list[Reap] = []
    seen: set[str] = set()
    for name in stacks:
        number = pull_request_number(name)
        short = name.rsplit("/", 1)[-1]
        if number is None or short in seen:
            continue
        seen.add(short)
        reason = _reason(pulls.get(number), now=now, ttl=ttl, keep_label=keep_label)
        if reason is not None:
            planned.append(Reap(short, reason, number))
    return planned


def explain(
    reap: Reap, pulls: Mapping[int, Pull], *, now: datetime, ttl: timedelta | None, keep_label: str
) -> str:
    """One line for people: the stack, the reason, and the facts behind it."""
    pull = pulls.get(reap.number)
    if reap.reason is Reason.NO_SUCH_PULL_REQUEST or pull is None:
        why = f"there is no pull request #{reap.number}"
    elif reap.reason is Reason.TTL and ttl is not None:
        hours = f"{ttl / timedelta(hours=1):g}"
        why = (
            f"pull request #{reap.number} was last updated {pull.updated_at.isoformat()}, more "
            f"than {hours} hours before {now.isoformat()}, and has no label {keep_label}"
        )
    else:
        why = f"pull request #{reap.number} is {pull.state.lower()}"
    return f"{reap.stack} {reap.reason.value}: {why}"


def _reason(
    pull: Pull | None, *, now: datetime, ttl: timedelta | None, keep_label: str
) -> Reason | None:
    if pull is None:
        return Reason.NO_SUCH_PULL_REQUEST
    if pull.state == "MERGED":
        return Reason.MERGED
    if pull.state == "CLOSED":
        return Reason.CLOSED
    if ttl is not None and keep_label not in pull.labels and now - pull.updated_at > ttl:
        return Reason.TTL
    return None


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise InputError(f"{where}: must be a JSON list of objects, not a {type(raw).__name__}")
    return raw


def _object(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: must be an object, not {raw!r}")
    return raw
