"""`pip install` of the project into a fresh virtualenv, offline: the components, the analyzer
and their console scripts work from there, with nothing of this checkout on the path.

The build runs without network: `--no-index --no-build-isolation --no-deps`, its backend
(setuptools, from requirements-dev.txt) and the dependencies taken from the project's .venv,
whose site-packages the fresh virtualenv reads through a .pth file (a .pth there is not run, so
the checkout that .venv points at stays off the path). The source is a copy, so the build leaves
nothing in the working tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from components.version import __version__
from tests.support.paths import REPO_ROOT

SOURCES = ("pyproject.toml", "README.md", "components", "kubefacts", "reachability")
GOLDEN_SCHEMA = REPO_ROOT / "tests" / "golden" / "schema" / "catalyst.json"

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "dependencies-from-the-project-venv.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PIP_NO_INDEX"] = "1"
    work = root / "work"
    work.mkdir()

    def run(*command: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        program, *args = map(str, command)
        path = venv / "bin" / program if "/" not in program else Path(program)
        result = subprocess.run(
            [str(path), *args], cwd=work, env=env, capture_output=True, text=True, check=False
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    run(
        "python", "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "--quiet", source,
    )  # fmt: skip
    return work, run


def test_the_packages_come_from_the_install_not_the_checkout(installed: tuple[Path, Run]) -> None:
    _, run = installed
    where = run(
        "python",
        "-c",
        "import components, kubefacts, reachability; "
        "print(components.__file__, kubefacts.__file__, reachability.__file__)",
    ).stdout.split()
    assert all("site-packages" in path and str(REPO_ROOT) not in path for path in where)
    assert run("python", "-c", "import policy", check=False).returncode != 0


def test_the_distribution_is_versioned(installed: tuple[Path, Run]) -> None:
    _, run = installed
    version = run(
        "python", "-c", "import importlib.metadata as m; print(m.version('catalyst-environments'))"
    ).stdout.strip()
    assert version == __version__


def test_the_sdks_analyzer_infers_the_golden_schema_from_the_installed_package(
    installed: tuple[Path, Run],
) -> None:
    _, run = installed
    inferred = run(
        "python",
        "-c",
        "import json; from components.package import schema; print(json.dumps(schema()))",
    ).stdout
    assert json.loads(inferred) == json.loads(GOLDEN_SCHEMA.read_text(encoding="utf-8"))


def test_catalyst_render_and_reachability_work_and_match_python_m(
    installed: tuple[Path, Run],
) -> None:
    work, run = installed
    project = work / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.production.yaml"):
        shutil.copy(REPO_ROOT / name, project / name)
    run("catalyst-render", "--project-dir", project, "--stack", "production", "--out", "by-script")
    run("python", "-m", "components", "render", "--project-dir", project, "--stack", "production",
        "--out", "by-module")  # fmt: skip
    by_script = sorted(path.name for path in (work / "by-script").iterdir())
    assert "networkpolicy-allow-database-postgres-ingress.yaml" in by_script
    assert by_script == sorted(path.name for path in (work / "by-module").iterdir())

    lint = ("lint", "-f", "by-script", "--format", "json")
    script = run("reachability", *lint, check=False)
    module = run("python", "-m", "reachability", *lint, check=False)
    assert script.returncode == module.returncode == 0, script.stderr
    assert script.stdout == module.stdout and json.loads(script.stdout)
    query = ("query", "-f", "by-script", "--from", "ingress-nginx/pod", "--to",
             "myteam-myproject-production/app-postgres", "--port", "5432")  # fmt: skip
    assert run("reachability", *query, check=False).returncode == 1  # denied


def test_console_scripts_report_bad_arguments_in_one_line(installed: tuple[Path, Run]) -> None:
    _, run = installed
    render = run("catalyst-render", "--stack", "pr-1", "--project-dir", "nowhere", check=False)
    assert render.returncode == 2 and render.stderr.count("\n") == 1
    analyzer = run("reachability", "matrix", "-f", "nowhere", check=False)
    assert analyzer.returncode == 2 and analyzer.stderr.count("\n") == 1


def test_the_changelog_starts_at_the_current_version() -> None:
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = next(line for line in changelog.splitlines() if line.startswith("## "))
    assert newest.startswith(f"## {__version__} ")
