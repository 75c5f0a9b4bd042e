"""``python -m components``: an explicit command table; each command's options defined once.

* ``render``  the manifests a stack would create, as YAML files (``components.render``);
* ``reap``    which pull-request stacks to destroy, from ``pulumi stack ls --json`` and
              ``gh pr list --state all --json ...`` (``components.reap``);
* ``guard``   whether a preview or deploy may still touch a pull request's stack, from
              ``gh api repos/OWNER/REPO/pulls/N`` (``components.lifecycle``).

Errors a user can cause -- arguments, unreadable or malformed files -- are one line on stderr and
exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from components import render
from components.json_input import InputError, read_json, timestamp
from components.lifecycle import (
    DEPLOY_LABEL,
    Operation,
    Verdict,
    decide,
    pull_request_from_json,
)
from components.reap import (
    DEFAULT_KEEP_LABEL,
    explain,
    plan_reaps,
    pulls_from_json,
    stacks_from_json,
)

GUARD_STOPPED = 1
"""``guard`` exit status when the run must stop (0: go on, 2: bad input)."""


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (``prog: error: ...``), exit 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand: its help, its options and what runs it."""

    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _reap_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stacks", type=Path, required=True, help="`pulumi stack ls --json` output"
    )
    parser.add_argument(
        "--pulls",
        type=Path,
        required=True,
        help="`gh pr list --state all --json number,state,labels,updatedAt` output",
    )
    parser.add_argument("--now", help="the time to judge the TTL at (ISO-8601; default: now)")
    parser.add_argument(
        "--ttl-hours",
        help="also reap stacks of open pull requests not updated for more than this many hours",
    )
    parser.add_argument(
        "--keep-label",
        default=DEFAULT_KEEP_LABEL,
        help="pull requests with this label are never reaped by the TTL "
        f"(default: {DEFAULT_KEEP_LABEL})",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _ttl(text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not hours > 0 or hours == float("inf"):
        raise InputError(f"--ttl-hours: must be a positive number of hours, not {text!r}")
    return timedelta(hours=hours)


def _run_reap(args: argparse.Namespace) -> int:
    try:
        if not args.keep_label:
            raise InputError("--keep-label: must not be empty")
        ttl = _ttl(args.ttl_hours)
        now = datetime.now(UTC) if args.now is None else timestamp(args.now, "--now")
        stacks = stacks_from_json(read_json(args.stacks), str(args.stacks))
        pulls = pulls_from_json(read_json(args.pulls), str(args.pulls))
    except InputError as error:
        print(f"reap: error: {error}", file=sys.stderr)
        return 2
    planned = plan_reaps(stacks, pulls, now=now, ttl=ttl, keep_label=args.keep_label)
    if args.format == "json":
        print(json.dumps([reap.to_json() for reap in planned], indent=2))
    else:
        for reap in planned:
            print(explain(reap, pulls, now=now, ttl=ttl, keep_label=args.keep_label))
    print(f"reap: {len(planned)} of {len(stacks)} stacks to reap", file=sys.stderr)
    return 0


def _guard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pull", type=Path, required=True, help="`gh api repos/OWNER/REPO/pulls/N` output"
    )
    parser.add_argument(
        "--operation", choices=[operation.value for operation in Operation], required=True
    )
    parser.add_argument("--sha", help="deploy: the commit this run deploys (must be the head)")
    parser.add_argument(
        "--label",
        default=DEPLOY_LABEL,
        help=f"deploy: the label required (default: {DEPLOY_LABEL})",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _run_guard(args: argparse.Namespace) -> int:
    operation = Operation(args.operation)
    try:
        if operation is Operation.DEPLOY and not args.sha:
            raise InputError("--sha: deploy needs the commit it deploys")
        pull = pull_request_from_json(read_json(args.pull), str(args.pull))
    except InputError as error:
        print(f"guard: error: {error}", file=sys.stderr)
        return 2
    decision = decide(pull, operation, sha=args.sha, label=args.label)
    if args.format == "json":
        print(json.dumps(decision.to_json()))
    else:
        print(decision.message)
    return 0 if decision.verdict is Verdict.PROCEED else GUARD_STOPPED


COMMANDS: tuple[Command, ...] = (
    Command("render", render.HELP, render.DESCRIPTION, render.add_arguments, render.run),
    Command(
        "reap",
        "list the pull-request stacks to destroy",
        "Decide, from the stacks and the pull requests, which pr-<N> stacks to destroy: closed, "
        "merged or missing pull requests, and with --ttl-hours open ones not updated for longer "
        "that lack the keep label. Never any other stack. Exit 0, or 2 on bad input.",
        _reap_arguments,
        _run_reap,
    ),
    Command(
        "guard",
        "may a preview or deploy still touch the pull request's stack?",
        "Read the pull request as the GitHub API returns it and decide whether a preview (open) "
        "or a deploy (open, labelled, head at --sha) may go on. Exit 0 to go on, 1 to stop (the "
        "reason on stdout), 2 on bad input.",
        _guard_arguments,
        _run_guard,
    ),
)


def parser() -> argparse.ArgumentParser:
    top = _OneLineParser(
        prog="python -m components",
        description="Tools of the environments program that need no Pulumi CLI and no cluster.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.description)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return top


def render_main(argv: Sequence[str] | None = None) -> int:
    """The ``catalyst-render`` console script: ``python -m components render`` by another name."""
    return main(["render", *(sys.argv[1:] if argv is None else argv)])


def main(argv: Sequence[str] | None = None) -> int:
    """Each command reports the errors a user can fix itself (one line, exit 2); anything else
    that escapes is a bug, still one line and exit 2, never a traceback."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Exception as error:
        print(
            f"{args.command}: internal error: {type(error).__name__}: {error} (please report it)",
            file=sys.stderr,
        )
        return 2
