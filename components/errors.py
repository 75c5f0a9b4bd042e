"""What a user of the environments program can get wrong: config values and stack files.

Every such error is a `ConfigError` (the lifecycle commands' bad JSON input too): the program
turns it into one `pulumi.RunError` line and `python -m components` into one line on stderr
(exit 2); anything else that escapes is a bug.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A config value or stack file a user can fix; `str()` names the key or file."""


SHOWN_MAX = 200
"""How many characters of a value a message shows: a 10 MB value is not echoed whole."""


def shorten(text: str, limit: int = SHOWN_MAX) -> str:
    """``text`` itself, or its first ``limit`` characters, an ellipsis and its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"
