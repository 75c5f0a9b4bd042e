"""What is wrong with the input, said once per problem and reported all together.

A user fixing manifests wants every problem in one run, each naming the file, the object and the
field, not a stream of first-error-only failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    obj: str  # "Kind namespace/name", "Namespace name", or "" for a file-level problem
    field: str  # e.g. "spec.egress[0].to[1].ipBlock.cidr", or "line 3, column 7"
    message: str  # what is wrong and what is allowed

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.obj, self.field, self.message) if part)


class ManifestError(ValueError):
    """Every problem found in the manifests; `str()` gives one self-contained line per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
