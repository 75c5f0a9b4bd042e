"""The component package ``catalyst``: the components other Pulumi programs can use from any
language, the schema the Pulumi SDK infers for them, and the provider that serves them.

``pulumi package add`` runs ``plugin/__main__.py``, which calls ``serve``: the SDK's component host
analyses ``COMPONENTS`` (their args' and outputs' annotations and docstrings) into a schema, from
which the CLI generates an SDK for the consuming program's language, and then constructs the
components when that program runs. The package name makes the type tokens ``catalyst:index:*``,
the tokens the components register under, so a resource keeps its URN whichever language
declares it. ``schema`` is what the host serves; tests/golden/schema/catalyst.json pins it.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pulumi
from pulumi.provider.experimental import component_provider_host
from pulumi.provider.experimental.component import ComponentProvider

from components.environment import EnvironmentNamespace
from components.policy_set import NetworkPolicySet
from components.version import __version__

PACKAGE_NAME: Final = "catalyst"
COMPONENTS: Final[tuple[type[pulumi.ComponentResource], ...]] = (
    EnvironmentNamespace,
    NetworkPolicySet,
)


def schema() -> dict[str, Any]:
    """The package schema exactly as the component host infers and serves it."""
    provider = ComponentProvider(list(COMPONENTS), PACKAGE_NAME, None, __version__)
    return json.loads(provider.schema or "{}")


def serve() -> None:
    """Run the provider (the engine passes its address on the command line)."""
    component_provider_host(list(COMPONENTS), PACKAGE_NAME, version=__version__)
