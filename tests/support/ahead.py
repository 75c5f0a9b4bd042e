"""Watching where a module decides to work beside a forked child (`reachability.Ahead`)."""

from __future__ import annotations

from typing import Any

import pytest

from reachability import Ahead
from tests.support.builders import pod

THREE_PODS = [pod("x", name) for name in ("a", "b", "c")]
"""A cluster too small for any child, unless a test lowers the module's threshold."""


def recorded_maps(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[int]:
    """How many items each `Ahead.map` with a child (`child=True`) was given from now on;
    `module` is told that a child is always available, so only its own size threshold decides."""
    mapped: list[int] = []
    real_map = Ahead.map

    def recording(self: Any, items: Any) -> Any:
        if self._process is not False:  # a child was wanted, and has not failed
            mapped.append(len(items))
        return real_map(self, items)

    monkeypatch.setattr(Ahead, "map", recording)
    monkeypatch.setattr(module, "ahead_available", lambda: True)
    return mapped
