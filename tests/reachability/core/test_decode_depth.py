"""How deep a document may nest before it is refused as too deep is the same for every caller:
decoding gets the same stack budget below itself (`decoding.HEADROOM`) however deep it is called
from, so that a child decoding ahead, or a caller deep in its own code, decides as the CLI does."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest

from reachability.decoding import collector_paused, decode

Outcome = tuple[bool, str | None]


def nested(n: int, suffix: str) -> str:
    if suffix == ".json":
        return '{"kind": "ConfigMap", "data": ' + "[" * n + "]" * n + "}"
    return "kind: ConfigMap\ndata: " + "[" * n + "]" * n + "\n"


def outcome(n: int, suffix: str) -> Outcome:
    documents, problem = decode(Path(f"deep{suffix}"), nested(n, suffix), None)
    return bool(documents), None if problem is None else problem.message


def deeper(frames: int, call: Callable[[], Outcome]) -> Outcome:
    return call() if frames == 0 else deeper(frames - 1, call)


def deepest(suffix: str) -> int:
    """The deepest nesting accepted, called from here."""
    low, high = 1, 5000  # accepted, refused
    assert outcome(low, suffix)[1] is None and outcome(high, suffix)[1] is not None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if outcome(middle, suffix)[1] is None else (low, middle)
    return low


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_the_deepest_nesting_accepted_does_not_depend_on_the_callers_stack(suffix: str) -> None:
    limit = deepest(suffix)
    for frames in (0, 50, 300):
        assert deeper(frames, lambda: outcome(limit, suffix))[1] is None
        assert deeper(frames, lambda: outcome(limit + 1, suffix))[1] is not None


def _needs_stack(frames: int) -> None:
    if frames:
        _needs_stack(frames - 1)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_the_collector_never_runs_inside_the_deepest_decoding(suffix: str) -> None:
    """A collection started deep in decoding would run finalizers (a multiprocessing `Finalize`,
    any `__del__`) with almost no stack left: they fail with RecursionError, reported as
    unraisable, however shallow the caller. So none starts there, even at the lowest threshold."""
    limit = deepest(suffix)
    failures: list[str] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        try:
            _needs_stack(100)
        except RecursionError:
            failures.append(phase)

    threshold = gc.get_threshold()
    gc.callbacks.append(collecting)
    gc.set_threshold(1)
    try:
        assert outcome(limit, suffix)[1] is None
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(collecting)
    assert failures == []


def test_overlapping_pauses_keep_the_collector_off_until_the_last_one_ends() -> None:
    """Pauses that overlap without nesting (two threads loading at once, a generator's pause
    closed late) leave the collector off until the last one ends, then as it was before."""
    assert gc.isenabled()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
