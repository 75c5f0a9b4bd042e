"""`check`: do expected verdicts hold? Exit 0 when all hold, 1 when any fails."""

from __future__ import annotations

import argparse
import sys

from reachability import UserError, allowed
from reachability.cli.expectations import read_expectations
from reachability.cli.formats import check_json, check_text
from reachability.cli.options import Command, add_format, add_manifest_options, load_for
from reachability.problems import ManifestError, Problem


def configure(parser: argparse.ArgumentParser) -> None:
    add_manifest_options(parser)
    parser.add_argument(
        "--expect",
        required=True,
        metavar="FILE",
        help="YAML list of {from, to, port, protocol, allowed}",
    )
    add_format(parser, ("text", "json"), "text (default) or json")


def run(args: argparse.Namespace) -> int:
    expectations = read_expectations(args.expect)
    cluster = load_for(args, [ref for e in expectations for ref in (e.src, e.dst)])
    problems: list[Problem] = []
    resolved = []
    for i, expectation in enumerate(expectations):
        ends = []
        for field, ref in (("from", expectation.src), ("to", expectation.dst)):
            try:
                ends.append(cluster.endpoint(ref))
            except UserError as error:
                problems.append(Problem(args.expect, f"expectation {i + 1}", field, str(error)))
        resolved.append(ends)
    if problems:
        raise ManifestError(problems)
    results = [
        (expectation, allowed(cluster, src, dst, expectation.port, expectation.protocol))
        for expectation, (src, dst) in zip(expectations, resolved, strict=True)
    ]
    render = check_json if args.format == "json" else check_text
    sys.stdout.write(render(results, cluster.representative))
    return 0 if all(verdict.allowed == e.allowed for e, verdict in results) else 1


COMMAND = Command(
    "check", "check expected verdicts (exit 0 when all hold, 1 otherwise)", configure, run
)
