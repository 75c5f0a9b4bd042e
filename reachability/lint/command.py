"""`lint`: report policy mistakes; exit 1 when any error-level finding exists, else 0."""

from __future__ import annotations

import argparse
import sys

from reachability.cli import Command, UsageError, add_manifest_options, port_spec
from reachability.validation import dns_label_problem, label_key_problem, label_value_problem

from .context import IGNORE_ANNOTATION, LintOptions
from .report import FORMATS, render
from .run import RULES, RULES_BY_ID, has_errors, lint_paths

EPILOG = (
    "rules:\n"
    + "\n".join(f"  {r.id} {r.severity:<7} {r.title}" for r in RULES)
    + (f'\n\nsuppress a rule for one policy with the annotation {IGNORE_ANNOTATION}: "NP006,NP007"')
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    add_manifest_options(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json, or github (workflow annotations)",
    )
    parser.add_argument(
        "--dns-namespace",
        default="kube-system",
        metavar="NS",
        help="namespace of the DNS pods (default kube-system)",
    )
    parser.add_argument(
        "--dns-label",
        dest="dns_labels",
        action="append",
        metavar="KEY=VALUE",
        help="label of the DNS pods; may be repeated (default k8s-app=kube-dns)",
    )
    parser.add_argument(
        "--port",
        dest="ports",
        type=port_spec,
        action="append",
        default=[],
        metavar="N/PROTO",
        help="another port to probe, besides those the policies name and "
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
    for text in args.dns_labels or ["k8s-app=kube-dns"]:
        key, sep, value = text.partition("=")
        problem = (label_key_problem(key) or label_value_problem(value)) if sep else "missing '='"
        if problem:
            raise UsageError(f"--dns-label {text!r}: write KEY=VALUE ({problem})")
        labels.append((key, value))
    problem = dns_label_problem(args.dns_namespace)
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
        ports=tuple(args.ports),
        ignore=frozenset(ignore),
        ipblock_matches_pods=not args.ipblock_excludes_pods,
    )


def run(args: argparse.Namespace) -> int:
    findings = lint_paths(args.paths, options_from(args))
    sys.stdout.write(render(findings, args.format))
    return 1 if has_errors(findings) else 0


COMMAND = Command(
    "lint",
    "find NetworkPolicy mistakes, each with an id, a place and a fix (exit 1 on any error)",
    configure,
    run,
)
