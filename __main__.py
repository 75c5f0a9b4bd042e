"""The Pulumi program: stack + config -> EnvironmentNamespaceArgs -> EnvironmentNamespace.

The stack-name rules are the program's: the stack named production gets the production tier,
every other stack development, and a stack's name is its environment id unless config says
otherwise (``components.args_settings.environment_args``). Logic lives in components/.
"""

import pulumi

from components.args_settings import environment_args
from components.environment import EnvironmentNamespace
from components.runtime_config import program_config
from components.settings import SettingsError

try:
    args = environment_args(pulumi.get_stack(), program_config())
except SettingsError as error:
    raise pulumi.RunError(str(error)) from None

environment = EnvironmentNamespace("environment", args)
pulumi.export("namespace", environment.namespace_name)
pulumi.export("tier", environment.tier)
pulumi.export("policies", environment.policy_names)
