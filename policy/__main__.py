"""The pack, as `pulumi preview --policy-pack policy` runs it: build it from policy.rules, nothing
else. The project root goes on sys.path so the pack uses this checkout's `reachability`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.rules import DESCRIPTION, PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    description=DESCRIPTION,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=policies(),
)
