"""render: a config error is the user's, one line; a bug is an internal error, one line."""

from __future__ import annotations

from pathlib import Path

import pytest

import components.render
from components.errors import ConfigError


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
