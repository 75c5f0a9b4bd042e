"""A probe's verdict, predicted or measured, and its JSON form (predicted.json, measured.json)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from e2e.plan import PlanError, Probe


@dataclass(frozen=True, slots=True)
class Outcome:
    """``allowed`` is None when the probe could not be run (measurement error)."""

    probe: Probe
    allowed: bool | None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**self.probe.to_json(), "allowed": self.allowed, "detail": self.detail}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], where: str) -> Outcome:
        allowed = raw.get("allowed") if isinstance(raw, Mapping) else None
        if not isinstance(raw, Mapping) or (allowed is not None and not isinstance(allowed, bool)):
            raise PlanError(
                f"{where}: expected an object with allowed true, false or null: {raw!r}"
            )
        return cls(Probe.from_json(raw, where), allowed, str(raw.get("detail", "")))


def outcomes_to_json(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [outcome.to_json() for outcome in outcomes]


def outcomes_from_json(raw: object, where: str) -> list[Outcome]:
    if not isinstance(raw, list):
        raise PlanError(f"{where}: expected a list of probe results")
    return [Outcome.from_json(item, f"{where}[{i}]") for i, item in enumerate(raw)]
