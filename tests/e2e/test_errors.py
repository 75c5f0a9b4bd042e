"""python -m e2e: InputError and reachability's UserError are the user's; the rest are bugs."""

from __future__ import annotations

import argparse

import pytest

import e2e.cli
from e2e.errors import InputError


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
