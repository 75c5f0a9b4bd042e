"""The problem collector and the readers of plain values every object kind shares.

Each reader takes what YAML decoded, reports what the API server would reject (naming the field)
and returns a usable stand-in, so that one run reports every problem of every object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kubefacts.api import PROTOCOLS
from kubefacts.validation import quoted, shown
from reachability.problems import Problem


class Context:
    """Collects problems for one object."""

    __slots__ = ("file", "notes", "obj", "problems")

    def __init__(
        self, file: str, obj: str, problems: list[Problem], notes: list[Problem] | None = None
    ) -> None:
        self.file = file
        self.obj = obj
        self.problems = problems
        self.notes = notes if notes is not None else []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.obj, field, message))

    def note(self, field: str, message: str) -> None:
        """Something accepted but read in a way the user should know of (not a problem)."""
        self.notes.append(Problem(self.file, self.obj, field, message))

    def check(self, field: str, value: Any, rule: Callable[[Any], str | None]) -> None:
        """Apply one of the API server's syntax rules, quoting the value when it breaks it."""
        problem = quoted(value, rule)
        if problem:
            self.add(field, problem)


def describe(value: Any) -> str:
    """What a value is, in words a YAML author recognises ("the boolean true")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {shown(value)}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def mapping(ctx: Context, value: Any, path: str) -> Mapping[str, Any] | None:
    """A mapping (null counts as empty); None after reporting anything else."""
    if value is None:
        return {}
    if type(value) is dict or isinstance(value, Mapping):
        return value
    ctx.add(path, f"must be a mapping, not {describe(value)}")
    return None


def as_list(ctx: Context, value: Any, path: str) -> list[Any]:
    """A list (null counts as empty); [] after reporting anything else."""
    if value is None:
        return []
    if type(value) is list:
        return value
    if isinstance(value, list | tuple):
        return list(value)
    ctx.add(path, f"must be a list, not {describe(value)}")
    return []


def known_fields(
    ctx: Context, value: Mapping[str, Any], allowed: tuple[str, ...], path: str
) -> None:
    """Strict field validation: a misspelled field is an error, never silently ignored."""
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            ctx.add(where, f"unknown field: use {', '.join(allowed)}")


def one_of(
    ctx: Context, entry: Mapping[str, Any], fields: tuple[str, ...], path: str
) -> str | None:
    """The one member set, where a CRD wants exactly one (minProperties = maxProperties = 1)."""
    given = [key for key in entry if key in fields]
    if len(given) != 1 or len(entry) != 1:
        ctx.add(path, f"must set exactly one of {', '.join(fields)}")
        return None
    return given[0]


def member(ctx: Context, value: Any, path: str, fields: tuple[str, ...]) -> tuple[str, Any] | None:
    """The one member a mapping sets, among `fields` (a CRD's one-of), and its value; None after
    reporting a non-mapping, an unknown field or not exactly one member."""
    entry = mapping(ctx, value, path)
    if entry is None:
        return None
    known_fields(ctx, entry, fields, path)
    chosen = one_of(ctx, entry, fields, path)
    return None if chosen is None else (chosen, entry[chosen])


def is_int(value: Any) -> bool:
    """A whole number: an int, or a float with no fraction (`80.0`), which kubectl sends to the
    API server as the JSON number 80. Read it with `int()`."""
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def string(ctx: Context, value: Any, path: str, *, required: bool = True) -> str | None:
    if isinstance(value, str):
        return value
    if value is None and not required:
        return None
    if value is None:
        ctx.add(path, "is required")
    elif isinstance(value, bool):
        quoted = str(value).lower()
        ctx.add(path, f"must be a string, not {describe(value)}: quote it ('{quoted}')")
    else:
        ctx.add(path, f"must be a string, not {describe(value)}")
    return None


def protocol(ctx: Context, value: Any, path: str) -> str:
    """A container port's or a policy port's protocol; TCP when omitted, as the API defaults it."""
    if value is None:
        return "TCP"
    if value not in PROTOCOLS:
        written = shown(value) if isinstance(value, str) else describe(value)
        ctx.add(path, f"{written} is not supported: use TCP, UDP or SCTP (upper case)")
        return "TCP"
    return value
