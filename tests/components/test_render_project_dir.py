"""Which project ``render`` reads when no --project-dir is given: the current folder when it is a
Pulumi project (as an installed ``catalyst-render`` is used), else this checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.cli import main, render_main
from components.render import REPO_ROOT, default_project_dir


def test_a_project_in_the_current_folder_is_rendered_into_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text("config:\n  catalyst-environments:team: web\n")
    monkeypatch.chdir(project)
    assert main(["render", "--stack", "pr-5"]) == 0
    assert (project / "rendered" / "pr-5" / "namespace-web-myproject-pr-5.yaml").is_file()


def test_elsewhere_the_checkout_is_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_project_dir() == REPO_ROOT


def test_catalyst_render_is_python_m_components_render(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["--project-dir", str(project), "--stack", "pr-6", "--out", str(out)]
    assert render_main(args) == 0
    first = sorted(path.name for path in out.iterdir())
    first_out = capsys.readouterr().out
    assert main(["render", *args]) == 0
    assert sorted(path.name for path in out.iterdir()) == first
    assert capsys.readouterr().out == first_out
    assert render_main(["--stack", "Bad Stack!"]) == 2
    assert "render: error: stack name" in capsys.readouterr().err
