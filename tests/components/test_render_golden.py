"""Golden outputs of ``python -m components render``: the listing it prints (one written path per
line) and the manifests it writes, for every stack file of the repository and a pull-request
stack that has none (defaults only). Rerun with ``pytest --update-golden`` when a change is
intended, and review the rewritten files under tests/golden/render/."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.render import main
from tests.support.golden import Golden
from tests.support.processes import run_main


@pytest.mark.parametrize("stack", ["dev", "pr-123", "production"])
def test_render_listing_and_manifests_are_the_golden_ones(
    stack: str,
    project: Path,
    golden: Golden,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(project)
    code, out, err = run_main(main, capsys, "render", "--stack", stack, "--out", f"out/{stack}")
    assert code == 0, err
    golden.check(f"render/{stack}.txt", out)
    written = [project / line for line in out.splitlines()]
    manifests = "".join(f"# {path.name}\n{path.read_text()}" for path in written)
    golden.check(f"render/{stack}.manifests.yaml", manifests)
