"""What a user of the end-to-end steps can get wrong: paths, manifests, plans, measurements.

`python -m e2e` reports every `InputError` (and the analyzer's `reachability.UserError`) as one
line, exit 2; anything else is a bug, reported as an internal error.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input to an e2e step, or a cluster that does not answer as the plan needs."""
