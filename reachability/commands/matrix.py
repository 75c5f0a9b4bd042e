"""`matrix`: every allowed flow between all pods (and chosen external IPs), per port."""

from __future__ import annotations

import argparse
import sys

from reachability.cli import Command, add_manifest_options, load_cluster, port_spec
from reachability.matrix import matrix
from reachability.report import matrix_csv, matrix_json, matrix_markdown, matrix_table

RENDERERS = {"table": matrix_table, "json": matrix_json, "csv": matrix_csv, "md": matrix_markdown}


def configure(parser: argparse.ArgumentParser) -> None:
    add_manifest_options(parser)
    parser.add_argument(
        "--port",
        dest="ports",
        type=port_spec,
        action="append",
        metavar="N/PROTO",
        help="port and protocol, e.g. 80/TCP or 53/UDP; may be repeated (default 80/TCP)",
    )
    parser.add_argument(
        "--external",
        dest="externals",
        action="append",
        default=[],
        metavar="IP",
        help="an address outside the cluster to include; may be repeated",
    )
    parser.add_argument(
        "--format",
        choices=tuple(RENDERERS),
        default="table",
        help="table/md: one grid per port; json/csv: every allowed flow",
    )


def run(args: argparse.Namespace) -> int:
    cluster = load_cluster(args)
    result = matrix(cluster, args.ports or [(80, "TCP")], args.externals)
    sys.stdout.write(RENDERERS[args.format](result))
    return 0


COMMAND = Command(
    "matrix", "every allowed flow between pods (and external IPs), per port", configure, run
)
