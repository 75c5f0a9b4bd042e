"""One side's sets turned around: for each endpoint, the peers whose own side lets it through.

`SideSets.allows` gives, per class, the peers its side admits; a flow's other end asks the
reverse, which endpoints' sides admit *it*. Classes whose set holds most endpoints are kept by
what they leave out, so that a rule open to (nearly) everything costs what it leaves out, not
every endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reachability._bits import Relative, absolute, gather, positions, union


@dataclass(frozen=True, slots=True)
class Transposed:
    """`allowed_by` of one direction and port: open | (dense & ~minus[x]) | plus[x]."""

    dense: int
    minus: dict[int, Relative]
    plus: dict[int, Relative]


def transpose(
    class_sets: Sequence[Relative],
    members: Sequence[Relative],
    everything: int,
    keep: Callable[[Relative], Relative],
) -> Transposed:
    """The classes' sets (each class's `members`, lowest first) turned around, over the
    endpoints of `everything`; `keep` is how the caller keeps a set it holds."""
    half = everything.bit_count() // 2
    dense: list[Relative] = []
    minus: dict[int, Relative] = {}
    plus: dict[int, Relative] = {}
    # Classes of environments stamped from one template share their sets (an allow-all rule's
    # hold every endpoint; a namespace's own are alike relative to it): each set is judged once
    # per object (the caller keeps one per value; a set as long as the cluster costs its length
    # to count or hash), its positions found once per value (a wide set's) or shape.
    turned: dict[int, tuple[Relative, bool, list[int]]] = {}  # by id; holds it, so no id recurs
    left_out: dict[Relative, list[int]] = {}
    spread: dict[int, list[int]] = {}
    # classes are numbered by their first member: `gather` gets them lowest first
    for kept, group in zip(class_sets, members, strict=True):
        found = turned.get(id(kept))
        if found is None:
            low, bits = kept
            if bits.bit_count() > half:
                outside = left_out.get(kept)
                if outside is None:
                    outside = left_out[kept] = positions(everything & ~(bits << low))
                found = kept, True, outside
            else:
                inside = spread.get(bits)
                if inside is None:
                    inside = spread[bits] = positions(bits)
                found = kept, False, [low + x for x in inside]
            turned[id(kept)] = found
        _, is_dense, at = found
        if is_dense:
            dense.append(group)
            gather(minus, at, group)
        else:
            gather(plus, at, group)
    return Transposed(
        absolute(union(dense)),
        {x: keep(v) for x, v in minus.items()},
        {x: keep(v) for x, v in plus.items()},
    )


def through(open_: int, found: Transposed, position: int) -> int:
    """The peers whose side lets `position` through (`open_`: those whose side is open)."""
    minus, plus = found.minus.get(position), found.plus.get(position)
    bits = open_ | (found.dense & ~absolute(minus) if minus else found.dense)
    return bits | absolute(plus) if plus else bits
