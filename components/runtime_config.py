"""The project's config as the running Pulumi program received it (bare key -> string).

The CLI hands the program every config value as a string (structured values as JSON text), via
``PULUMI_CONFIG`` under ``pulumi up`` and via ``pulumi.runtime.set_all_config`` under test mocks.
All keys of the project's namespace are collected, not only the known ones, so that a misspelt key
in a stack file fails loudly instead of being ignored.
"""

from __future__ import annotations

import pulumi
import pulumi.runtime.config as runtime_config

from components.stack_config import project_values


def program_config() -> dict[str, str]:
    """Bare key -> string for every key of the current project's namespace."""
    project = pulumi.get_project()
    keys = {*runtime_config.get_config_env(), *runtime_config.CONFIG.get()}
    prefix = f"{project}:"
    values = {key: runtime_config.get_config(key) for key in keys if key.startswith(prefix)}
    return project_values(
        {key: value for key, value in values.items() if value is not None}, project
    )
