"""A platform stack that owns two long-lived environments, declared with typed args.

Nothing here depends on the stack's name: each environment says its tier, and its namespace comes
from team, project and environment (shop-checkout-staging, shop-checkout-live). Run it from this
folder with `pulumi up` (the project's .venv has what it needs, and `pip install` of the project
gives the same `components` to any other program).
"""

import pulumi

from components.args import DatabaseArgs, EgressArgs, EnvironmentNamespaceArgs, PortArgs
from components.environment import EnvironmentNamespace

POSTGRES = DatabaseArgs(
    name="postgres",
    pod_labels={"app": "postgres"},
    port=5432,
    client_labels={"db-access": "true"},
)
PAYMENTS_API = EgressArgs(
    name="payments",
    cidr="203.0.113.0/24",
    ports=[PortArgs(port=443)],
)

staging = EnvironmentNamespace(
    "staging",
    EnvironmentNamespaceArgs(
        tier="development",
        team="shop",
        project="checkout",
        environment="staging",
        databases=[POSTGRES],
        quota={"pods": "40", "requests.cpu": "4", "requests.memory": "8Gi"},
    ),
)
live = EnvironmentNamespace(
    "live",
    EnvironmentNamespaceArgs(
        tier="production",
        team="shop",
        project="checkout",
        environment="live",
        pod_security="restricted",
        databases=[POSTGRES],
        egress=[PAYMENTS_API],
    ),
)

pulumi.export("namespaces", [staging.namespace_name, live.namespace_name])
pulumi.export("tiers", [staging.tier, live.tier])
pulumi.export("livePolicies", live.policy_names)
