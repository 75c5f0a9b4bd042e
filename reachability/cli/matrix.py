"""`matrix`: every allowed flow between all pods (and chosen external IPs), per port."""

from __future__ import annotations

import argparse
import sys

from reachability import matrix
from reachability.cli.formats import matrix_csv, matrix_json, matrix_markdown, matrix_table
from reachability.cli.options import (
    Command,
    add_externals,
    add_format,
    add_manifest_options,
    add_ports,
    load_cluster,
)

RENDERERS = {"table": matrix_table, "json": matrix_json, "csv": matrix_csv, "md": matrix_markdown}


def configure(parser: argparse.ArgumentParser) -> None:
    add_manifest_options(parser)
    add_ports(parser, "port and protocol, e.g. 80/TCP or 53/UDP; may be repeated (default 80/TCP)")
    add_externals(parser, "an address outside the cluster to include; may be repeated")
    add_format(
        parser, tuple(RENDERERS), "table/md: one grid per port; json/csv: every allowed flow"
    )


def run(args: argparse.Namespace) -> int:
    cluster = load_cluster(args)
    result = matrix(cluster, args.ports or [(80, "TCP")], args.externals, parallel=True)
    sys.stdout.write(RENDERERS[args.format](result, cluster.representative))
    return 0


COMMAND = Command(
    "matrix",
    "every allowed flow between pods, workloads (and external IPs), per port",
    configure,
    run,
)
