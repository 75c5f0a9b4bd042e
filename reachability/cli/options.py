"""What every subcommand shares: the Command record, UsageError, and each flag defined once.

A flag that two commands take (`-f`, `--port`, `--external`, `--format`, the semantic options)
is added by one function here, so its spelling, type and meaning cannot drift between commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kubefacts.api import MAX_PORT, MIN_PORT, PROTOCOLS
from reachability import HOST_NETWORK_CONVENTIONS, Cluster, Endpoint, Options, UserError, load
from reachability._addresses import address_text


class UsageError(UserError):
    """A mistake in the command line or its inputs: printed as one line, exit status 2."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def add_files(
    parser: argparse.ArgumentParser,
    *flags: str,
    dest: str = "paths",
    help: str = "manifest file or folder (YAML or JSON, read recursively); may be repeated",
) -> None:
    """`-f PATH...`, repeatable (diff names its two sides with other flags)."""
    parser.add_argument(
        *(flags or ("-f", "--file")),
        dest=dest,
        metavar="PATH",
        action="extend",
        nargs="+",
        required=True,
        help=help,
    )


def add_semantic_options(parser: argparse.ArgumentParser) -> None:
    """The choices where CNIs differ (see Options)."""
    parser.add_argument(
        "--ipblock-excludes-pods",
        action="store_true",
        help="ipBlocks match only addresses outside the cluster, never pod IPs (some CNIs); "
        "by default they match pod IPs too, as the upstream conformance tests expect",
    )
    parser.add_argument(
        "--loopback-allowed",
        action="store_true",
        help="a pod may always reach itself, whatever the policies (what most CNIs do); by "
        "default a pod's connections to itself are decided by the policies like any other "
        "pair, as the upstream conformance tests' truth tables expect",
    )
    parser.add_argument(
        "--host-network",
        choices=HOST_NETWORK_CONVENTIONS,
        default=Options().host_network,
        help="how host-network pods are analysed (Kubernetes leaves it undefined): node "
        "(default): never isolated, seen as their node's address, as most CNIs do; pod: "
        "selected, isolated and matched by IP like any pod, as other analyzers do",
    )


def add_manifest_options(parser: argparse.ArgumentParser) -> None:
    """-f PATH... and the semantic options: what every command that reads one cluster takes."""
    add_files(parser)
    add_semantic_options(parser)


def add_ports(parser: argparse.ArgumentParser, help: str) -> None:
    """`--port N/PROTO`, repeatable; `args.ports` is a list of (port, protocol)."""
    parser.add_argument(
        "--port", dest="ports", type=port_spec, action="append", metavar="N/PROTO", help=help
    )


def add_externals(parser: argparse.ArgumentParser, help: str) -> None:
    """`--external IP`, repeatable; `args.externals` is a list of addresses as written."""
    parser.add_argument(
        "--external", dest="externals", action="append", default=[], metavar="IP", help=help
    )


def add_format(parser: argparse.ArgumentParser, formats: Sequence[str], help: str) -> None:
    parser.add_argument("--format", choices=tuple(formats), default=formats[0], help=help)


def engine_options(args: argparse.Namespace) -> Options:
    return Options(
        ipblock_matches_pods=not args.ipblock_excludes_pods,
        loopback_allowed=args.loopback_allowed,
        host_network=args.host_network,
    )


def load_cluster(args: argparse.Namespace) -> Cluster:
    return noted(load(args.paths, options=engine_options(args), parallel=True))


def load_for(args: argparse.Namespace, refs: Sequence[str]) -> Cluster:
    """The cluster as far as questions about `refs` need it: when every ref names a pod or
    workload (`ns/...`), only their namespaces' objects, since no other policy can select
    either end. Anything else (an IP, which may be any pod's; an unknown endpoint, whose
    message lists the whole input; no pods there, which means representatives) reads it all."""
    if refs and all("/" in ref for ref in refs):
        scope = {ref.partition("/")[0] for ref in refs}
        cluster = load(args.paths, options=engine_options(args), namespaces=scope, parallel=True)
        if cluster.pods and not cluster.representative and all(_known(cluster, r) for r in refs):
            return noted(cluster)
    return load_cluster(args)


def _known(cluster: Cluster, ref: str) -> bool:
    try:
        cluster.endpoint(ref)
    except UserError:
        return False
    return True


def noted(cluster: Cluster) -> Cluster:
    """The cluster, after its load notes (accepted, worth knowing) went to stderr, one a line."""
    for note in cluster.notes:
        print(f"note: {note}", file=sys.stderr)
    return cluster


def port_number(text: str) -> int:
    """argparse type: a port number 1-65535."""
    if not text.isdigit() or not MIN_PORT <= int(text) <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number between {MIN_PORT} and {MAX_PORT}"
        )
    return int(text)


def protocol_name(text: str) -> str:
    """argparse type: TCP, UDP or SCTP, in any case."""
    if text.upper() not in PROTOCOLS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a protocol: use {', '.join(PROTOCOLS)}")
    return text.upper()


def port_spec(text: str) -> tuple[int, str]:
    """argparse type: N/PROTOCOL such as 80/TCP or 53/udp; a bare N means TCP."""
    number, _, protocol = text.partition("/")
    try:
        return port_number(number), protocol_name(protocol or "TCP")
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not N/PROTOCOL: use a port {MIN_PORT}-{MAX_PORT} and "
            f"{', '.join(PROTOCOLS)}, e.g. 53/UDP"
        ) from None


def ip_address(text: str, flag: str) -> str:
    """An address given on the command line, or a UsageError naming the flag."""
    try:
        return address_text(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r}: not an IPv4 or IPv6 address") from None


def endpoint(cluster: Cluster, ref: str, what: str) -> Endpoint:
    """cluster.endpoint with a UsageError naming the argument."""
    try:
        return cluster.endpoint(ref)
    except UserError as error:
        raise UsageError(f"{what}: {error}") from None
