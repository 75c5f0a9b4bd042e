"""The labels every object of an environment carries, so a person or a tool can find them."""

from __future__ import annotations

from typing import Final

from components.settings import EnvironmentSettings

MANAGED_BY: Final = "app.kubernetes.io/managed-by"
NAMESPACE_NAME_LABEL: Final = "kubernetes.io/metadata.name"
"""Set by the API server on every namespace and immutable: the safe way to select a namespace."""


def environment_labels(settings: EnvironmentSettings) -> dict[str, str]:
    """Team, project, environment and tier, plus who manages the object."""
    return {
        "catalyst.dev/environment": settings.environment,
        "catalyst.dev/project": settings.project,
        "catalyst.dev/team": settings.team,
        "catalyst.dev/tier": settings.tier,
        MANAGED_BY: "pulumi",
    }


def metadata(settings: EnvironmentSettings, name: str) -> dict[str, object]:
    """Metadata of an object inside the environment's namespace (names are always explicit)."""
    return {"labels": environment_labels(settings), "name": name, "namespace": settings.namespace}
