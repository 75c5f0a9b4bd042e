"""Bitsets over endpoint positions: the positions of a set are its members, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reachability._bits import absolute, contains, gather, positions, relative, union


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.sets(st.integers(0, 70_000), max_size=40),  # sparse and far apart
        st.sets(st.integers(0, 400)),  # dense
        st.builds(lambda a, b: set(range(a, a + b)), st.integers(0, 60_000), st.integers(0, 90)),
    )
)
def test_positions_are_the_members_ascending(members: set[int]) -> None:
    bits = sum(1 << i for i in members)
    assert positions(bits) == sorted(members)
    assert all(contains(bits, i) for i in members)


SETS = st.lists(st.sets(st.integers(0, 5_000), max_size=12), max_size=6)
MANY = st.lists(st.sets(st.integers(0, 5_000), max_size=6), min_size=9, max_size=40)
"""More parts than `union` shifts into one int: merged in pairs."""


@settings(max_examples=300, deadline=None)
@given(st.one_of(SETS, MANY))
def test_union_of_relative_sets_is_the_relative_union(sets: list[set[int]]) -> None:
    """Relative by the lowest member, as `relative` makes it: equal sets are equal values."""
    parts = [relative(sum(1 << i for i in members)) for members in sets]
    assert union(parts) == relative(sum(1 << i for i in set().union(*sets)))


@settings(max_examples=300, deadline=None)
@given(SETS, st.lists(st.sets(st.integers(0, 60), max_size=8), max_size=6))
def test_gathered_sets_are_the_unions_of_the_parts_given_lowest_first(
    sets: list[set[int]], ats: list[set[int]]
) -> None:
    parts = sorted(
        (relative(sum(1 << i for i in m)), sorted(at)) for m, at in zip(sets, ats, strict=False)
    )
    found: dict[int, tuple[int, int]] = {}
    for part, at in parts:
        if part[1]:
            gather(found, at, part)
    expected: dict[int, int] = {}
    for part, at in parts:
        for x in at:
            if part[1]:
                expected[x] = expected.get(x, 0) | absolute(part)
    assert {x: absolute(kept) for x, kept in found.items()} == expected
    assert all(kept == relative(absolute(kept)) for kept in found.values())
