"""`python -m reachability`: the argument parser, shared options and error handling.

Subcommands live in `reachability.commands`, one module each defining `COMMAND`; they are found
by listing that package, so a new subcommand is a new module there and nothing else.
Errors a user can cause (bad arguments, missing files, invalid manifests, unknown endpoints)
print one clear line each on stderr and exit 2; a traceback never reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from kubefacts.api import PROTOCOLS
from reachability.cluster import Cluster
from reachability.load import load
from reachability.model import Options
from reachability.problems import ManifestError

PROG = "python -m reachability"
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in the command line or its inputs: printed as one line, exit status 2."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def commands() -> tuple[Command, ...]:
    """Every `COMMAND` defined by a module of reachability.commands, by name."""
    package = importlib.import_module("reachability.commands")
    found = []
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        command = getattr(loaded, "COMMAND", None)
        if isinstance(command, Command):
            found.append(command)
    return tuple(sorted(found, key=lambda c: c.name))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Kubernetes NetworkPolicy reachability, offline: is this connection "
        "allowed, and why?",
    )
    sub = parser.add_subparsers(dest="command_name", metavar="COMMAND", required=True)
    for command in commands():
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(child)
        child.set_defaults(run=command.run)
    return parser


def add_manifest_options(parser: argparse.ArgumentParser) -> None:
    """-f PATH... (repeatable) and the engine options, common to every subcommand."""
    parser.add_argument(
        "-f",
        "--file",
        dest="paths",
        metavar="PATH",
        action="extend",
        nargs="+",
        required=True,
        help="manifest file or folder (YAML or JSON, read recursively); may be repeated",
    )
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


def load_cluster(args: argparse.Namespace) -> Cluster:
    options = Options(
        ipblock_matches_pods=not args.ipblock_excludes_pods,
        loopback_allowed=args.loopback_allowed,
    )
    return load(args.paths, options=options)


def port_number(text: str) -> int:
    """argparse type: a port number 1-65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number between 1 and 65535")
    return int(text)


def protocol_name(text: str) -> str:
    """argparse type: TCP, UDP or SCTP, in any case."""
    if text.upper() not in PROTOCOLS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a protocol: use TCP, UDP or SCTP")
    return text.upper()


def port_spec(text: str) -> tuple[int, str]:
    """argparse type: N/PROTOCOL such as 80/TCP or 53/udp; a bare N means TCP."""
    number, _, protocol = text.partition("/")
    try:
        return port_number(number), protocol_name(protocol or "TCP")
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not N/PROTOCOL: use a port 1-65535 and TCP, UDP or SCTP, e.g. 53/UDP"
        ) from None


def endpoint(cluster: Cluster, ref: str, what: str) -> object:
    """cluster.endpoint with a UsageError naming the argument."""
    try:
        return cluster.endpoint(ref)
    except KeyError as error:
        raise UsageError(f"{what}: {error.args[0]}") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        _fail(str(error))
    except ManifestError as error:
        for problem in error.problems:
            _fail(str(problem))
        if len(error.problems) > 1:
            _fail(f"{PROG}: {len(error.problems)} problems in the manifests")
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # stdout went away (e.g. `| head`): stay quiet
        return 1
    except KeyboardInterrupt:
        _fail(f"{PROG}: interrupted")
    except (OSError, ValueError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        _fail(f"{PROG}: {message}")
    except Exception as error:  # a bug: still one line, unless debugging
        if os.environ.get("REACHABILITY_DEBUG"):
            raise
        _fail(f"{PROG}: internal error: {type(error).__name__}: {error} (please report it)")
    return EXIT_USAGE


def _fail(line: str) -> None:
    print(" ".join(line.split("\n")), file=sys.stderr)
