"""Golden files: the exact output of a command, pinned under tests/golden/.

``pytest --update-golden`` rewrites the files from the current output instead of comparing
(review the diff before committing it); a mismatch fails with a unified diff.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pytest

from tests.support.paths import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "golden"


@dataclass(frozen=True, slots=True)
class Golden:
    """Compares output with ``tests/golden/<name>``, or rewrites that file when ``update``."""

    update: bool

    def check(self, name: str, actual: str) -> None:
        path = GOLDEN / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        if not path.is_file():
            pytest.fail(f"tests/golden/{name} is missing: run pytest --update-golden", False)
        expected = path.read_bytes().decode("utf-8")  # as written: CSV lines end in CRLF
        if actual != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"tests/golden/{name}",
                    tofile="actual output",
                )
            )
            pytest.fail(
                f"output differs from tests/golden/{name} "
                f"(if the change is intended, run pytest --update-golden):\n{diff}",
                False,
            )
