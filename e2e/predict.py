"""What ``reachability`` says each probe of the plan will do, on the same manifests."""

from __future__ import annotations

from collections.abc import Sequence

from e2e.manifests import Manifest
from e2e.outcomes import Outcome
from e2e.plan import Probe
from reachability import Options, allowed, from_manifests


def predict(
    manifests: Sequence[Manifest], plan: Sequence[Probe], options: Options | None = None
) -> list[Outcome]:
    """One verdict per probe, in plan order, with the analyzer's reason as the detail."""
    cluster = from_manifests(manifests, source="e2e", options=options or Options())
    outcomes = []
    for probe in plan:
        verdict = allowed(cluster, probe.source, probe.target, probe.port, probe.protocol)
        outcomes.append(Outcome(probe, verdict.allowed, " | ".join(verdict.reason.splitlines())))
    return outcomes
