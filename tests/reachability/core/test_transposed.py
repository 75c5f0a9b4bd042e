"""`transpose` turns classes' sets around: for every endpoint, the members of the classes whose
set holds it, whether a set is stored by what it holds or by what it leaves out, however many
classes share one set (as one object or as equal ones)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import overload

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability._bits import Relative, absolute, relative
from reachability._transposed import through, transpose

ENDPOINTS = 60


@st.composite
def classes(draw: st.DrawFn) -> tuple[list[Relative], list[Relative]]:
    """Class sets and members: the endpoints cut into runs (one class each, lowest first);
    each class takes one of a few sets, wide ones (more than half the endpoints) and shifted
    copies of one shape among them, as the same object or as an equal copy."""
    cuts = sorted(draw(st.sets(st.integers(1, ENDPOINTS - 1), max_size=ENDPOINTS // 2)))
    bounds = [0, *cuts, ENDPOINTS]
    members = [relative(sum(1 << i for i in range(a, b))) for a, b in pairwise(bounds)]
    wide = st.sets(st.integers(0, ENDPOINTS - 1), min_size=ENDPOINTS // 2 + 1)
    narrow = st.sets(st.integers(0, ENDPOINTS // 2), max_size=ENDPOINTS // 4)
    shared = [
        relative(sum(1 << i for i in drawn))
        for drawn in draw(st.lists(st.one_of(wide, narrow), min_size=1, max_size=4))
    ]
    low, bits = shared[-1]
    shared += [(low + d, bits) for d in range(1, 3) if (bits << low + d) < 1 << ENDPOINTS]
    sets: list[Relative] = []
    for _ in members:
        chosen = shared[draw(st.integers(0, len(shared) - 1))]
        sets.append(chosen if draw(st.booleans()) else (chosen[0], chosen[1]))
    return sets, members


def _expected(sets: Sequence[Relative], members: Sequence[Relative], x: int) -> int:
    found = 0
    for kept, group in zip(sets, members, strict=True):
        if absolute(kept) >> x & 1:
            found |= absolute(group)
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes())
def test_each_endpoint_is_let_through_by_the_members_of_the_classes_holding_it(
    drawn: tuple[list[Relative], list[Relative]],
) -> None:
    sets, members = drawn
    everything = (1 << ENDPOINTS) - 1
    found = transpose(sets, members, everything, lambda kept: kept)
    for x in range(ENDPOINTS):
        assert through(0, found, x) == _expected(sets, members, x)


class _Built(Sequence[Relative]):
    """Class sets made anew on every read but one wide set, which is kept: a made set is freed
    once read, and the next may get its address."""

    def __init__(self, lows: Sequence[int | None], wide: Relative) -> None:
        self._lows, self._wide = lows, wide

    def __len__(self) -> int:
        return len(self._lows)

    @overload
    def __getitem__(self, i: int) -> Relative: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Relative]: ...
    def __getitem__(self, i: int | slice) -> Relative | Sequence[Relative]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        low = self._lows[i]
        return self._wide if low is None else (low, 1)


def test_sets_made_as_they_are_read_are_each_judged_by_their_own_value() -> None:
    lows = [0, None, 1, None, 2, 3]
    sets = _Built(lows, (0, 0b1111))
    members = [relative(1 << i) for i in range(len(lows))]
    found = transpose(sets, members, 0b1111, lambda kept: kept)
    read = list(sets)
    for x in range(4):
        assert through(0, found, x) == _expected(read, members, x)
