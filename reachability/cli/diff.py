"""`diff`: flows that become allowed or denied from BEFORE to AFTER. Exit 0 with or without
changes; with --fail-on-new-allowed, exit 1 when any flow becomes allowed."""

from __future__ import annotations

import argparse
import sys
from contextlib import closing

from kubefacts.validation import dns_label_problem, quoted
from reachability import load_each
from reachability.cli.options import (
    Command,
    UsageError,
    add_externals,
    add_files,
    add_format,
    add_ports,
    add_semantic_options,
    engine_options,
    ip_address,
    noted,
)
from reachability.diff import FORMATS, diff, render

EPILOG = """\
examples:
  # what a pull request changes, from the base branch's rendering to the PR's
  python -m reachability diff --before rendered/main/pr-123 --after rendered/pr/pr-123 --format md
  # the same, in the form `-f BEFORE --against AFTER`
  python -m reachability diff -f old/ --against new/
  # how production's policies differ from a development environment's, as if in one namespace
  python -m reachability diff --before rendered/pr-123 --after rendered/production \\
      --map-namespace myteam-myproject-pr-123=myteam-myproject-production
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    add_files(
        parser,
        "-f",
        "--before",
        dest="before",
        help="manifests BEFORE the change (files or folders); may be repeated",
    )
    add_files(
        parser,
        "--after",
        "--against",
        dest="after",
        help="manifests AFTER the change (files or folders); may be repeated",
    )
    add_ports(
        parser,
        "compare only these ports (e.g. 5432/TCP); may be repeated. Default: "
        "every port either side names, plus 53/UDP, 53/TCP, 80, 443, 8080",
    )
    add_externals(parser, "also compare flows to/from this address")
    parser.add_argument(
        "--map-namespace",
        dest="mapping",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="read BEFORE's namespace OLD as NEW (compare two environments' "
        "policies as if they governed one namespace); may be repeated",
    )
    add_format(
        parser, FORMATS, "text (default), json, or md (a pull-request comment with a mermaid graph)"
    )
    parser.add_argument(
        "--fail-on-new-allowed", action="store_true", help="exit 1 when any flow becomes allowed"
    )
    add_semantic_options(parser)


def run(args: argparse.Namespace) -> int:
    options = engine_options(args)
    mapping = _mapping(args.mapping)
    for address in args.externals:
        ip_address(address, "--external")
    # Shared files are read once; closing ends the child that decodes ahead.
    with closing(load_each((args.before, args.after), options=options, parallel=True)) as sides:
        before = noted(next(sides)).renamed_namespaces(mapping)
        after = noted(next(sides))
    ports = args.ports or ()
    result = diff(
        before, after, ports=ports, externals=args.externals, options=options, parallel=True
    )
    sys.stdout.write(render(result, args.format))
    return 1 if args.fail_on_new_allowed and result.became_allowed else 0


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for text in pairs:
        old, sep, new = text.partition("=")
        problem = "missing '='"
        if sep:
            problem = quoted(old, dns_label_problem) or quoted(new, dns_label_problem)
        if problem:
            raise UsageError(f"--map-namespace {text!r}: write OLD=NEW namespace names ({problem})")
        mapping[old] = new
    return mapping


COMMAND = Command(
    "diff",
    "flows that become allowed or denied between two manifest sets (exit 0 either way)",
    configure,
    run,
)
