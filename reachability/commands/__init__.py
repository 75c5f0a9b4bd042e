"""Subcommands of `python -m reachability`: each module defines `COMMAND` (a cli.Command)."""
