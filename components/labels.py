"""The labels every object of an environment carries, so a person or a tool can find them."""

from __future__ import annotations

from typing import Final

from components.settings import EnvironmentSettings
from kubefacts.api import MANAGED_BY_LABEL

ENVIRONMENT_LABEL: Final = "catalyst.dev/environment"
"""On every object of an environment, its Namespace included: what makes a namespace a catalyst
environment for the cluster guardrails (``components.cluster_policies``)."""
PROJECT_LABEL: Final = "catalyst.dev/project"
TEAM_LABEL: Final = "catalyst.dev/team"
TIER_LABEL: Final = "catalyst.dev/tier"


def environment_labels(settings: EnvironmentSettings) -> dict[str, str]:
    """Team, project, environment and tier, plus who manages the object."""
    return {
        ENVIRONMENT_LABEL: settings.environment,
        PROJECT_LABEL: settings.project,
        TEAM_LABEL: settings.team,
        TIER_LABEL: settings.tier,
        MANAGED_BY_LABEL: "pulumi",
    }


def metadata(settings: EnvironmentSettings, name: str) -> dict[str, object]:
    """Metadata of an object inside the environment's namespace (names are always explicit)."""
    return {"labels": environment_labels(settings), "name": name, "namespace": settings.namespace}


def cluster_metadata(settings: EnvironmentSettings, name: str) -> dict[str, object]:
    """Metadata of a cluster-scoped object of the environment: no namespace, the same labels."""
    return {"labels": environment_labels(settings), "name": name}
