"""The Pulumi program: settings -> EnvironmentNamespace -> exports. Logic lives in components/."""

import pulumi

from components.environment import EnvironmentNamespace
from components.runtime_config import program_config
from components.settings import SettingsError, settings_from_config

try:
    settings = settings_from_config(pulumi.get_stack(), program_config())
except SettingsError as error:
    raise pulumi.RunError(str(error)) from None

environment = EnvironmentNamespace("environment", settings)
pulumi.export("namespace", environment.namespace_name)
pulumi.export("tier", environment.tier)
pulumi.export("policies", environment.policy_names)
