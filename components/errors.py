"""What a user of the environments program can get wrong: config values and stack files.

Every such error is a `ConfigError` (the lifecycle commands' bad JSON input too): the program
turns it into one `pulumi.RunError` line and `python -m components` into one line on stderr
(exit 2); anything else that escapes is a bug.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A config value or stack file a user can fix; `str()` names the key or file."""
