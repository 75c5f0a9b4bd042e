"""`python -m reachability`: the command table, the parser built from it, and error handling.

Each subcommand is a module of this package defining `COMMAND`, listed once in `COMMANDS`;
`options` holds what they share. Errors a user can cause (`reachability.UserError`: bad
arguments, missing files, invalid manifests, unknown endpoints) print one clear line each on
stderr and exit 2; anything else is a bug, reported as one "internal error" line asking for a
report (set REACHABILITY_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from reachability import ManifestError, UserError
from reachability.cli import check, diff, lint, matrix, query
from reachability.cli.options import Command, UsageError

PROG = "python -m reachability"
EXIT_USAGE = 2
EXIT_UNWRITTEN = 120
"""The output could not be written at the end (Python's own status when its exit flush fails)."""
COMMANDS: tuple[Command, ...] = (
    check.COMMAND,
    diff.COMMAND,
    lint.COMMAND,
    matrix.COMMAND,
    query.COMMAND,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def commands() -> tuple[Command, ...]:
    """Every subcommand, by name."""
    return COMMANDS


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command. Given the `argv` it will parse, only the subcommands named
    in it get their options: argparse parses with the subparser whose exact name is the first
    positional argument and never looks at the others, and adding every command's options
    (argparse formats each one as it is added) took most of a short command's time."""
    parser = _Parser(
        prog=PROG,
        description="Kubernetes NetworkPolicy reachability, offline: is this connection "
        "allowed, and why?",
    )
    sub = parser.add_subparsers(dest="command_name", metavar="COMMAND", required=True)
    named = None if argv is None else set(argv)
    for command in COMMANDS:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        if named is None or command.name in named:
            command.configure(child)
        child.set_defaults(run=command.run)
    return parser


@functools.cache
def _parser_for(table: tuple[Command, ...], named: frozenset[str]) -> argparse.ArgumentParser:
    """`build_parser` for an argv naming the commands `named`, built once per process and
    command `table` (the COMMANDS that build_parser reads, so a replaced table gets its own).
    Parsing leaves a parser as it was, and no command changes the values it is given; building
    one (argparse formats and translates each option as it is added) cost more than a small
    command's own work where `main` runs many times in one process, as in the tests."""
    return build_parser(sorted(named))


def main(argv: Sequence[str] | None = None) -> int:
    # A command builds a large, acyclic heap and exits: the cyclic collector would only rescan
    # it again and again (a third of the CPU at K=3000 environments), so it is off meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(argv)
    finally:
        if collecting:
            gc.enable()


def console() -> NoReturn:
    """`python -m reachability` and the `reachability` script: `main`, then the process ends at
    once, as mypy's does. Freeing a large cluster object by object at exit is work no one
    waits for (1.4 s of 30 at 10,000 environments). The cyclic collector stays off to the end:
    turned back on, its first pass would scan every object the command made (0.1 s of matrix's
    0.9 at 1,000 environments, 0.25 s of lint's 2). Output is flushed first; when that fails,
    the status is 120 with a line on stderr, as at Python's own exit."""
    gc.disable()
    code = main()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except OSError as error:
        with contextlib.suppress(OSError):
            os.write(2, f"{PROG}: cannot write the output: {error.strerror or error}\n".encode())
        code = EXIT_UNWRITTEN
    os._exit(code)


def _run(argv: Sequence[str] | None) -> int:
    try:
        arguments = sys.argv[1:] if argv is None else argv
        named = frozenset(c.name for c in COMMANDS).intersection(arguments)
        args = _parser_for(COMMANDS, named).parse_args(arguments)
        return args.run(args)
    except ManifestError as error:
        for problem in error.problems:
            _fail(str(problem))
        if len(error.problems) > 1:
            _fail(f"{PROG}: {len(error.problems)} problems in the manifests")
    except UsageError as error:
        _fail(str(error))
    except UserError as error:
        _fail(f"{PROG}: {error}")
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # stdout went away (e.g. `| head`): stay quiet
        return 1
    except KeyboardInterrupt:
        _fail(f"{PROG}: interrupted")
    except OSError as error:  # a file that cannot be read or written
        _fail(f"{PROG}: {error}")
    except Exception as error:  # a bug: still one line, unless debugging
        if os.environ.get("REACHABILITY_DEBUG"):
            raise
        _fail(f"{PROG}: internal error: {type(error).__name__}: {error} (please report it)")
    return EXIT_USAGE


def _fail(line: str) -> None:
    """One line, whatever the message quotes: every line break (\\n, but also \\r, \\x1e,
    \\u2028, ... which readers split on too) becomes a space."""
    print(" ".join(line.splitlines()), file=sys.stderr)
