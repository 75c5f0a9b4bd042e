"""`python -m reachability`."""

from reachability.cli import console

console()
