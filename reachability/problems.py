"""What a user can get wrong, as one family of exceptions: the CLI reports any `UserError` as one
line per problem (exit 2), and anything else as an internal error, a bug to report.

A user fixing manifests wants every problem in one run, each naming the file, the object and the
field, not a stream of first-error-only failures: `ManifestError` carries them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class UserError(Exception):
    """Bad input a user can fix: manifests, a question to the engine, command-line arguments."""

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class UnknownEndpoint(UserError, KeyError):
    """A pod, workload or address that the cluster (or a matrix) does not hold."""


class UnknownPolicy(UserError, KeyError):
    """A NetworkPolicy id that the cluster does not hold."""


class NotInMatrix(UserError, KeyError):
    """A port or endpoint that a computed matrix does not cover."""


class InvalidQuery(UserError, ValueError):
    """A question the engine cannot answer as asked: a bad port, protocol or external address."""


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    obj: str  # "Kind namespace/name", "Namespace name", or "" for a file-level problem
    field: str  # e.g. "spec.egress[0].to[1].ipBlock.cidr", or "line 3, column 7"
    message: str  # what is wrong and what is allowed

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.obj, self.field, self.message) if part)


class ManifestError(UserError, ValueError):
    """Every problem found in the manifests; `str()` gives one self-contained line per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
