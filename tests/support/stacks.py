"""The manifests the environments program renders for a stack, computed in-process."""

from __future__ import annotations

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
