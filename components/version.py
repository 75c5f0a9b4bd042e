"""The project's version: the installed distribution's, the component package's and the
CHANGELOG's newest entry (pyproject.toml reads it from here)."""

__version__ = "0.3.0"
