"""A user's mistake is one line naming what was wrong; a bug is one line saying it is a bug.

Both exit 2 and neither prints a traceback, but only `reachability.UserError` may read as the
user's fault.
"""

from __future__ import annotations

import argparse

import pytest

import reachability.cli
from reachability import InvalidQuery, ManifestError, UnknownEndpoint, UserError
from reachability.cli import COMMANDS, main
from reachability.cli.options import Command
from tests.support.paths import DATA

SEED = str(DATA / "seed")


def _with_run(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def run(args: argparse.Namespace) -> int:
        raise error

    patched = tuple(
        Command(c.name, c.help, c.configure, run) if c.name == "matrix" else c for c in COMMANDS
    )
    monkeypatch.setattr(reachability.cli, "COMMANDS", patched)


@pytest.mark.parametrize("bug", [KeyError("x/y"), ValueError("bad value"), TypeError("none")])
def test_a_bug_is_an_internal_error_not_a_user_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bug: Exception
) -> None:
    _with_run(monkeypatch, bug)
    assert main(["matrix", "-f", SEED]) == 2
    err = capsys.readouterr().err
    assert f"internal error: {type(bug).__name__}" in err
    assert "please report it" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "error", [UnknownEndpoint("unknown pod 'a/b'"), InvalidQuery("port 0 must be a number")]
)
def test_a_user_error_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: UserError
) -> None:
    _with_run(monkeypatch, error)
    assert main(["matrix", "-f", SEED]) == 2
    err = capsys.readouterr().err
    assert err == f"python -m reachability: {error.args[0]}\n"


def test_user_errors_are_still_the_exceptions_callers_catch() -> None:
    """Existing callers catch KeyError / ValueError: the new base class keeps them working."""
    assert issubclass(UnknownEndpoint, KeyError)
    assert issubclass(InvalidQuery, ValueError)
    assert issubclass(ManifestError, UserError)
    assert str(UnknownEndpoint("no such pod")) == "no such pod"  # not KeyError's quoted repr
