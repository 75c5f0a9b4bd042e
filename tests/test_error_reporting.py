"""A user's mistake is one line naming what was wrong; a bug is one line saying it is a bug.

Both exit 2 and neither prints a traceback, but only user errors (`reachability.UserError`,
`components.errors.ConfigError`, `e2e.errors.InputError`) may read as the user's fault.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import components.render
import e2e.cli
import reachability.cli
from components.errors import ConfigError
from e2e.errors import InputError
from reachability import InvalidQuery, ManifestError, UnknownEndpoint, UserError
from reachability.cli import COMMANDS, main
from reachability.cli.options import Command

SEED = str(Path(__file__).parent / "data" / "seed")


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


def test_render_reports_a_bug_as_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def broken(*args: object) -> dict[str, str]:
        raise KeyError("metadata")

    monkeypatch.setattr(components.render, "rendered_files", broken)
    assert components.render.main(["render", "--stack", "pr-1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("render: internal error: KeyError")
    assert not any(tmp_path.iterdir())


def test_render_reports_a_config_error_as_the_users(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def bad(*args: object) -> dict[str, str]:
        raise ConfigError("config catalyst-environments:team: must be a DNS-1123 label")

    monkeypatch.setattr(components.render, "rendered_files", bad)
    assert components.render.main(["render", "--stack", "pr-1", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "render: error: config catalyst-environments:team: must be a DNS-1123 label\n"
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InputError("plan.json: not valid JSON"), "e2e compare: plan.json: not valid JSON\n"),
        (RuntimeError("boom"), "e2e compare: internal error: RuntimeError: boom"),
    ],
)
def test_e2e_tells_user_errors_from_bugs(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    expected: str,
) -> None:
    def run(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(e2e.cli, "_compare", run)
    assert e2e.cli.main(["compare", "--predicted", "p.json", "--measured", "m.json"]) == 2
    assert capsys.readouterr().err.startswith(expected)
