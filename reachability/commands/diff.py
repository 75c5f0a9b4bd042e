"""`diff` (implemented in reachability.diff): registered here, where subcommands are found."""

from reachability.diff.command import COMMAND

__all__ = ["COMMAND"]
