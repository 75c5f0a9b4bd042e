"""Sets of endpoint positions as Python ints: union, intersection and membership at C speed.

The matrix works on thousands of endpoints; an int bitset makes "every pod a peer selects" one
object that is built once and combined with `|` and `&`, instead of pods x pods Python loops.
"""

from __future__ import annotations

import re

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


def contains(bits: int, position: int) -> bool:
    return bool(bits >> position & 1)
