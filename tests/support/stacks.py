"""The manifests the environments program renders for a stack, computed in-process."""

from __future__ import annotations

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
