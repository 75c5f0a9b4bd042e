"""Sets of endpoint positions as Python ints: union, intersection and membership at C speed.

The matrix works on thousands of endpoints; an int bitset makes "every pod a peer selects" one
object that is built once and combined with `|` and `&`, instead of pods x pods Python loops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_NONZERO = re.compile(rb"[^\x00]+")
_BYTE_BITS: tuple[tuple[int, ...], ...] = tuple(
    tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256)
)


def positions(bits: int) -> list[int]:
    """The positions of the set bits, ascending."""
    if bits.bit_count() <= 16:
        found = []
        while bits:
            low = bits & -bits
            found.append(low.bit_length() - 1)
            bits ^= low
        return found
    found = []
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for run in _NONZERO.finditer(data):  # sets over many namespaces are mostly zero bytes
        base = run.start() * 8
        for byte in run.group():
            found.extend([base + bit for bit in _BYTE_BITS[byte]])
            base += 8
    return found


Relative = tuple[int, int]
"""A set as (its lowest position, the set shifted down to it): as long as the span of its
members, where the int itself is as long as its highest position. What is kept per pod, class
or policy is kept this way, so that memory follows the sets, not pods squared."""


def relative(bits: int) -> Relative:
    low = (bits & -bits).bit_length() - 1 if bits else 0
    return low, bits >> low


def union(parts: Iterable[Relative]) -> Relative:
    """The union of relative sets, relative. Few parts are shifted into one int; many are
    merged in pairs of neighbours (by lowest position), so that a part joins an int as long as
    its neighbours' span, not one that has grown to the span of all: the union of one set from
    each of K namespaces costs about the cluster's length times log K, not times K."""
    found = [part for part in parts if part[1]]
    if len(found) < 2:
        return found[0] if found else (0, 0)
    if len(found) <= _FEW:
        low = min(at for at, _ in found)
        bits = 0
        for at, part in found:
            bits |= part << (at - low)
        return low, bits
    found.sort(key=_low)
    while len(found) > 1:
        pairs = [_joined(a, b) for a, b in zip(found[::2], found[1::2], strict=False)]
        found = [*pairs, found[-1]] if len(found) % 2 else pairs
    return found[0]


_FEW = 8
"""Up to this many parts, `union` shifts each into one int (most unions have one to three)."""


def _low(part: Relative) -> int:
    return part[0]


def _joined(a: Relative, b: Relative) -> Relative:
    """The union of two relative sets, `a` the one with the lower lowest position."""
    return a[0], a[1] | b[1] << (b[0] - a[0])


def gather(found: dict[int, Relative], at: Sequence[int], part: Relative) -> None:
    """Add `part` to the set of each position in `at`. Parts must come lowest first (by their
    lowest position): the first part of a set is then its lowest, and relative to it any later
    part is a shift away, however far apart the positions in `at` are."""
    first, bits = part
    for x in at:
        had = found.get(x)
        found[x] = part if had is None else (had[0], had[1] | bits << (first - had[0]))


def absolute(found: Relative) -> int:
    return found[1] << found[0]


def contains(bits: int, position: int) -> bool:
    return bool(bits >> position & 1)
