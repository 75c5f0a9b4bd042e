"""Reading the JSON that ``pulumi`` and ``gh`` print, for the lifecycle commands.

Each function returns a value or raises ``InputError`` with one line naming the file, the item and
what is wrong, so the CLI can print it and exit 2 instead of a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from components.errors import ConfigError


class InputError(ConfigError):
    """An input file or argument a user can fix: one line saying where and what."""


def read_json(path: Path) -> Any:
    """The file's JSON document."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None


def field(item: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``item[name]``, which must be present and of ``kind`` (a bool is never an int here)."""
    if name not in item:
        raise InputError(f"{where}: missing field {json.dumps(name)}")
    value = item[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
        raise InputError(
            f"{where}: field {json.dumps(name)} must be {names}, not {json.dumps(value)}"
        )
    return value


_KIND_NAMES: dict[type, str] = {
    bool: "a boolean",
    dict: "an object",
    int: "an integer",
    list: "a list",
    str: "a string",
}


def timestamp(text: object, where: str) -> datetime:
    """An ISO-8601 time with a time zone, as GitHub and Pulumi print them (``...Z`` included)."""
    if not isinstance(text, str):
        raise InputError(f"{where}: {json.dumps(text)} is not an ISO-8601 time")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{where}: {json.dumps(text)} is not an ISO-8601 time such as 2024-05-01T12:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise InputError(f"{where}: {json.dumps(text)} has no time zone (add Z or +00:00)")
    return value
