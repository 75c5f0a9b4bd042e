"""Sets of endpoint positions as Python ints: union, intersection and membership at C speed.

The matrix works on thousands of endpoints; an int bitset makes "every pod a peer selects" one
object that is built once and combined with `|` and `&`, instead of pods x pods Python loops.
"""

from __future__ import annotations

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
    for offset, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if byte:
            base = offset * 8
            found.extend([base + bit for bit in _BYTE_BITS[byte]])
    return found


def contains(bits: int, position: int) -> bool:
    return bool(bits >> position & 1)
