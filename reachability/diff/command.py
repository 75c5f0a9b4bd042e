"""`diff`: flows that become allowed or denied from BEFORE to AFTER. Exit 0 with or without
changes; with --fail-on-new-allowed, exit 1 when any flow becomes allowed."""

from __future__ import annotations

import argparse
import sys

from kubefacts.validation import dns_label_problem, quoted
from reachability import Options, load
from reachability.addresses import parse_ip
from reachability.cli import Command, UsageError, port_spec

from .align import rename_namespaces
from .flows import diff
from .report import FORMATS, render

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
    parser.add_argument(
        "-f",
        "--before",
        dest="before",
        metavar="PATH",
        action="extend",
        nargs="+",
        required=True,
        help="manifests BEFORE the change (files or folders); may be repeated",
    )
    parser.add_argument(
        "--after",
        "--against",
        dest="after",
        metavar="PATH",
        action="extend",
        nargs="+",
        required=True,
        help="manifests AFTER the change (files or folders); may be repeated",
    )
    parser.add_argument(
        "--port",
        dest="ports",
        type=port_spec,
        action="append",
        default=[],
        metavar="N/PROTO",
        help="compare only these ports (e.g. 5432/TCP); may be repeated. Default: "
        "every port either side names, plus 53/UDP, 53/TCP, 80, 443, 8080",
    )
    parser.add_argument(
        "--external",
        dest="externals",
        action="append",
        default=[],
        metavar="IP",
        help="also compare flows to/from this address",
    )
    parser.add_argument(
        "--map-namespace",
        dest="mapping",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="read BEFORE's namespace OLD as NEW (compare two environments' "
        "policies as if they governed one namespace); may be repeated",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json, or md (a pull-request comment with a mermaid graph)",
    )
    parser.add_argument(
        "--fail-on-new-allowed", action="store_true", help="exit 1 when any flow becomes allowed"
    )
    parser.add_argument(
        "--ipblock-excludes-pods",
        action="store_true",
        help="ipBlocks match only addresses outside the cluster, never pod IPs",
    )
    parser.add_argument(
        "--loopback-allowed",
        action="store_true",
        help="a pod may always reach itself, whatever the policies (what most CNIs do); by "
        "default the policies decide a pod's connections to itself like any other pair",
    )


def run(args: argparse.Namespace) -> int:
    options = Options(
        ipblock_matches_pods=not args.ipblock_excludes_pods,
        loopback_allowed=args.loopback_allowed,
    )
    mapping = _mapping(args.mapping)
    for address in args.externals:
        _check_ip(address)
    before = rename_namespaces(load(args.before, options=options), mapping, options)
    after = load(args.after, options=options)
    result = diff(before, after, ports=args.ports, externals=args.externals, options=options)
    sys.stdout.write(render(result, args.format))
    return 1 if args.fail_on_new_allowed and result.became_allowed else 0


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for text in pairs:
        old, sep, new = text.partition("=")
        problem = (
            (quoted(old, dns_label_problem) or quoted(new, dns_label_problem))
            if sep
            else "missing '='"
        )
        if problem:
            raise UsageError(f"--map-namespace {text!r}: write OLD=NEW namespace names ({problem})")
        mapping[old] = new
    return mapping


def _check_ip(text: str) -> None:
    try:
        parse_ip(text)
    except ValueError:
        raise UsageError(f"--external {text!r}: not an IPv4 or IPv6 address") from None


COMMAND = Command(
    "diff",
    "flows that become allowed or denied between two manifest sets (exit 0 either way)",
    configure,
    run,
)
