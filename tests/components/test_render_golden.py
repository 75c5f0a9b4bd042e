"""Golden outputs of ``python -m components render``: the listing it prints (one written path per
line) and the manifests it writes, for every stack file of the repository and a pull-request
stack that has none (defaults only). Rerun with ``pytest --update-golden`` when a change is
intended, and review the rewritten files under tests/golden/render/."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.render import main
from tests.support.golden import Golden
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_main
from tests.support.stacks import turn_on_guardrails


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


@pytest.mark.parametrize(
    ("stack", "baseline_deny"), [("pr-123", True), ("pr-456", False), ("production", True)]
)
def test_render_with_the_guardrails_on_is_the_golden_one(
    stack: str,
    baseline_deny: bool,
    project: Path,
    golden: Golden,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stack files set the flags as `pulumi config set --type bool` would; every file the
    stack renders without them is rendered byte for byte the same (the goldens above)."""
    turn_on_guardrails(project, stack, baseline_deny=baseline_deny)
    monkeypatch.chdir(project)
    code, out, err = run_main(main, capsys, "render", "--stack", stack, "--out", f"out/{stack}")
    assert code == 0, err
    golden.check(f"render/{stack}-guardrails.txt", out)
    written = [project / line for line in out.splitlines()]
    manifests = "".join(f"# {path.name}\n{path.read_text()}" for path in written)
    golden.check(f"render/{stack}-guardrails.manifests.yaml", manifests)
    cluster = [path.name for path in written if path.name.startswith("clusternetworkpolicy-")]
    namespace = f"myteam-myproject-{stack}"
    assert cluster == sorted(
        [f"clusternetworkpolicy-catalyst-guardrails-{namespace}.yaml"]
        + (
            [f"clusternetworkpolicy-catalyst-baseline-deny-{namespace}.yaml"]
            if baseline_deny
            else []
        )
    )
    off = project / "off"
    assert (
        main(["render", "--stack", stack, "--out", str(off), "--project-dir", str(REPO_ROOT)]) == 0
    )
    capsys.readouterr()
    for path in sorted(off.iterdir()):
        assert (project / "out" / stack / path.name).read_text() == path.read_text(), path.name
