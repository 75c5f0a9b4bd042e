"""Several SideSets' direction sets, computed in two processes at once: the sets are most of what
the questions after them cost, and they pickle for a fraction of that (a MB at a thousand
environments), so a forked child computes some while this process computes the others, and then
every later question, or child, of this process finds them all here.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubefacts.api import Direction
from reachability._ahead import Ahead
from reachability.sides import SideSets

Wanted = tuple[SideSets, Direction, bool]
"""A SideSets, a direction, and whether its transposed sets too (`SideSets.direction_sets`)."""


def compute_beside(wanted: Sequence[Wanted]) -> None:
    """Compute each wanted direction's sets, in this process or a forked child (whichever takes
    it first; all here where no child can be had), and keep them in their SideSets. Put the
    costliest first: each process takes the next item as it becomes free."""
    with Ahead(lambda i: _compute(wanted[i])) as ahead:
        for (sides, _, _), found in zip(wanted, ahead.map(range(len(wanted))), strict=True):
            sides.adopt(found)  # computed here already: kept as it is


def _compute(item: Wanted) -> object:
    sides, direction, transposed = item
    return sides.direction_sets(direction, transposed=transposed)
