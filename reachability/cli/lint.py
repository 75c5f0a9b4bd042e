"""`lint`: report policy mistakes; exit 1 when any error-level finding exists, else 0."""

from __future__ import annotations

import argparse
import sys

from kubefacts.layout import DEFAULT_DNS_NAMESPACE, dns_label_text
from kubefacts.validation import dns_label_problem, label_key_problem, label_value_problem, quoted
from reachability.cli.options import (
    Command,
    UsageError,
    add_format,
    add_manifest_options,
    add_ports,
)
from reachability.lint import (
    FORMATS,
    IGNORE_ANNOTATION,
    RULES,
    RULES_BY_ID,
    LintOptions,
    has_errors,
    lint_report,
    render,
)

EPILOG = (
    "rules:\n"
    + "\n".join(f"  {r.id} {r.severity:<7} {r.title}" for r in RULES)
    + (f'\n\nsuppress a rule for one policy with the annotation {IGNORE_ANNOTATION}: "NP006,NP007"')
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    add_manifest_options(parser)
    add_format(parser, FORMATS, "text (default), json, or github (workflow annotations)")
    parser.add_argument(
        "--dns-namespace",
        default=DEFAULT_DNS_NAMESPACE,
        metavar="NS",
        help=f"namespace of the DNS pods (default {DEFAULT_DNS_NAMESPACE})",
    )
    parser.add_argument(
        "--dns-label",
        dest="dns_labels",
        action="append",
        metavar="KEY=VALUE",
        help=f"label of the DNS pods; may be repeated (default {dns_label_text()})",
    )
    add_ports(
        parser,
        "another port to probe, besides those the policies name and "
        "53/UDP, 53/TCP, 80, 443, 8080; may be repeated",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="ID",
        help="skip a rule (e.g. NP006); may be repeated or comma-separated",
    )


def options_from(args: argparse.Namespace) -> LintOptions:
    labels = []
    for text in args.dns_labels or dns_label_text().split(","):
        key, sep, value = text.partition("=")
        problem = (
            (quoted(key, label_key_problem) or quoted(value, label_value_problem))
            if sep
            else "missing '='"
        )
        if problem:
            raise UsageError(f"--dns-label {text!r}: write KEY=VALUE ({problem})")
        labels.append((key, value))
    problem = quoted(args.dns_namespace, dns_label_problem)
    if problem:
        raise UsageError(f"--dns-namespace {args.dns_namespace!r}: {problem}")
    ignore = {
        part.strip().upper() for raw in args.ignore for part in raw.split(",") if part.strip()
    }
    unknown = sorted(ignore - set(RULES_BY_ID))
    if unknown:
        raise UsageError(f"--ignore {unknown[0]}: unknown rule (known: {', '.join(RULES_BY_ID)})")
    return LintOptions(
        dns_namespace=args.dns_namespace,
        dns_labels=tuple(sorted(labels)),
        ports=tuple(args.ports or ()),
        ignore=frozenset(ignore),
        ipblock_matches_pods=not args.ipblock_excludes_pods,
        host_network=args.host_network,
    )


def run(args: argparse.Namespace) -> int:
    findings, note = lint_report(args.paths, options_from(args), parallel=True)
    sys.stdout.write(render(findings, args.format, note))
    return 1 if has_errors(findings) else 0


COMMAND = Command(
    "lint",
    "find NetworkPolicy mistakes, each with an id, a place and a fix (exit 1 on any error)",
    configure,
    run,
)
