"""Bitsets over endpoint positions: the positions of a set are its members, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reachability._bits import contains, positions


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
