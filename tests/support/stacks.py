"""The manifests the environments program renders for a stack, computed in-process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from components.manifests import environment_manifests
from components.settings import settings_from_config
from components.stack_config import load_stack_config, project_values
from tests.support.paths import REPO_ROOT

PROJECT = "catalyst-environments"


def stack_manifests(stack: str, **overrides: Any) -> list[dict[str, Any]]:
    """Pulumi.yaml defaults + Pulumi.<stack>.yaml, as the Pulumi CLI reads them, with
    ``overrides`` (config keys without the project prefix) applied on top."""
    config: dict[str, Any] = project_values(load_stack_config(REPO_ROOT, stack).values, PROJECT)
    config.update(overrides)
    return environment_manifests(settings_from_config(stack, config))


def turn_on_guardrails(project: Path, stack: str, *, baseline_deny: bool = False) -> Path:
    """Set clusterGuardrails (and clusterBaselineDeny) in the project's ``Pulumi.<stack>.yaml``,
    keeping what the file already says (production's database); what ``pulumi config set
    --type bool`` would add."""
    path = project / f"Pulumi.{stack}.yaml"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        assert text.rstrip().splitlines()[-1].startswith(" "), "config must be the last map"
    else:
        text = "config:\n"
    keys = ["clusterGuardrails", *(["clusterBaselineDeny"] if baseline_deny else [])]
    lines = "".join(f"  {PROJECT}:{key}: true\n" for key in keys)
    path.write_text(text.rstrip("\n") + "\n" + lines, encoding="utf-8")
    return path


PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.production.yaml")


def render_stacks(
    folder: Path, stacks: tuple[str, ...], *, guardrails: bool, baseline_deny: bool = False
) -> Path:
    """``folder/rendered/<stack>`` for each stack, as ``components render`` writes it from a copy
    of the project (``folder/project``) whose stack files turn the guardrails on, or leave them
    off; in process."""
    from components.render import main as render_main

    project = folder / "project"
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy(REPO_ROOT / name, project / name)
    for stack in stacks:
        if guardrails:
            turn_on_guardrails(project, stack, baseline_deny=baseline_deny)
        out = folder / "rendered" / stack
        argv = ["render", "--project-dir", str(project), "--stack", stack, "--out", str(out)]
        assert render_main(argv) == 0, stack
    return folder / "rendered"
