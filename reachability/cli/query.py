"""`query`: is one connection allowed, and why. Exit 0 when allowed, 1 when denied."""

from __future__ import annotations

import argparse
import sys

from reachability import allowed
from reachability.cli.formats import verdict_json, verdict_text
from reachability.cli.options import (
    Command,
    add_format,
    add_manifest_options,
    endpoint,
    load_for,
    port_number,
    protocol_name,
)

ENDPOINT_HELP = "namespace/pod, namespace/kind/name (e.g. shop/deployment/web) or an IP"


def configure(parser: argparse.ArgumentParser) -> None:
    add_manifest_options(parser)
    parser.add_argument("--from", dest="src", required=True, metavar="A", help=ENDPOINT_HELP)
    parser.add_argument("--to", dest="dst", required=True, metavar="B", help=ENDPOINT_HELP)
    parser.add_argument("--port", type=port_number, required=True, metavar="N")
    parser.add_argument(
        "--protocol",
        type=protocol_name,
        default="TCP",
        metavar="P",
        help="TCP (default), UDP, SCTP",
    )
    add_format(parser, ("text", "json"), "text (default) or json")


def run(args: argparse.Namespace) -> int:
    cluster = load_for(args, [args.src, args.dst])
    src = endpoint(cluster, args.src, "--from")
    dst = endpoint(cluster, args.dst, "--to")
    verdict = allowed(cluster, src, dst, args.port, args.protocol)
    render = verdict_json if args.format == "json" else verdict_text
    note = cluster.representative
    sys.stdout.write(render(src.id, dst.id, args.port, args.protocol, verdict, note))
    return 0 if verdict.allowed else 1


COMMAND = Command(
    "query", "is one connection allowed, and why (exit 0 allowed, 1 denied)", configure, run
)
