"""Checking the engine's verdicts with a message that says which flow and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reachability import allowed

Flow = tuple[str, str, int, str, bool]
"""``(source, destination, port, protocol, allowed)``: one expected verdict."""


def check(c: Any, src: str, dst: str, port: int, proto: str, expected: bool) -> Any:
    """Assert the verdict for one connection; return it for further assertions."""
    v = allowed(c, src, dst, port, proto)
    assert v.allowed is expected, (
        f"{src} -> {dst} {port}/{proto}: expected {'allowed' if expected else 'denied'}\n{v.reason}"
    )
    return v


def check_flows(c: Any, flows: Iterable[Flow]) -> None:
    """``check`` each flow on the same cluster, in order."""
    for src, dst, port, proto, expected in flows:
        check(c, src, dst, port, proto, expected)
