"""`transpose` turns classes' sets around: for every endpoint, the members of the classes whose
set holds it, whether a set is stored by what it holds or by what it leaves out, however many
classes share one set (as one object or as equal ones)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability._bits import Relative, absolute, relative
from reachability._transposed import through, transpose

ENDPOINTS = 60


@st.composite
def classes(draw: st.DrawFn) -> tuple[list[Relative], list[Relative]]:
    """Class sets and members: the endpoints cut into runs (one class each, lowest first);
    each class takes one of a few sets, wide ones (more than half the endpoints) among them,
    as the same object or as an equal copy."""
    cuts = sorted(draw(st.sets(st.integers(1, ENDPOINTS - 1), max_size=ENDPOINTS // 2)))
    bounds = [0, *cuts, ENDPOINTS]
    members = [relative(sum(1 << i for i in range(a, b))) for a, b in pairwise(bounds)]
    wide = st.sets(st.integers(0, ENDPOINTS - 1), min_size=ENDPOINTS // 2 + 1)
    narrow = st.sets(st.integers(0, ENDPOINTS - 1), max_size=ENDPOINTS // 4)
    shared = draw(st.lists(st.one_of(wide, narrow), min_size=1, max_size=4))
    sets: list[Relative] = []
    for _ in members:
        chosen = relative(sum(1 << i for i in shared[draw(st.integers(0, len(shared) - 1))]))
        sets.append(chosen if draw(st.booleans()) else (chosen[0], chosen[1]))
    return sets, members


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes())
def test_each_endpoint_is_let_through_by_the_members_of_the_classes_holding_it(
    drawn: tuple[list[Relative], list[Relative]],
) -> None:
    sets, members = drawn
    everything = (1 << ENDPOINTS) - 1
    found = transpose(sets, members, everything, lambda kept: kept)
    for x in range(ENDPOINTS):
        expected = 0
        for kept, group in zip(sets, members, strict=True):
            if absolute(kept) >> x & 1:
                expected |= absolute(group)
        assert through(0, found, x) == expected
