"""The labels every object of an environment carries, so a person or a tool can find them."""

from __future__ import annotations

from components.settings import EnvironmentSettings
from kubefacts.api import MANAGED_BY_LABEL


def environment_labels(settings: EnvironmentSettings) -> dict[str, str]:
    """Team, project, environment and tier, plus who manages the object."""
    return {
        "catalyst.dev/environment": settings.environment,
        "catalyst.dev/project": settings.project,
        "catalyst.dev/team": settings.team,
        "catalyst.dev/tier": settings.tier,
        MANAGED_BY_LABEL: "pulumi",
    }


def metadata(settings: EnvironmentSettings, name: str) -> dict[str, object]:
    """Metadata of an object inside the environment's namespace (names are always explicit)."""
    return {"labels": environment_labels(settings), "name": name, "namespace": settings.namespace}
