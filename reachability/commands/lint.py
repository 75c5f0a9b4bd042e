"""`lint` (implemented in reachability.lint): registered here, where subcommands are found."""

from reachability.lint.command import COMMAND

__all__ = ["COMMAND"]
