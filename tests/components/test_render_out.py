"""``render --out DIR``: nothing of the user's replaced, nothing written through a symlink, all or
nothing, and one render at a time."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

import components.output_folder
from components.render import main, rendered_files, write_rendered

DENY_ALL = "networkpolicy-default-deny-all.yaml"


def render(project: Path, out: Path, stack: str = "pr-5") -> int:
    return main(["render", "--project-dir", str(project), "--stack", stack, "--out", str(out)])


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under the folder (hidden ones too): file contents, symlink targets, folders."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = ("symlink", os.readlink(path))
        elif path.is_dir():
            found[name] = "folder"
        else:
            found[name] = path.read_bytes()
    return found


def one_error_line(capsys: pytest.CaptureFixture[str], *parts: str) -> None:
    captured = capsys.readouterr()
    assert captured.err.startswith("render: error: "), captured.err
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    for part in parts:
        assert part in captured.err, captured.err
    assert captured.out == ""


def test_a_users_file_with_a_rendered_name_is_never_replaced(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / DENY_ALL).write_text("# my own deny-all, hand-written\nkind: NetworkPolicy\n")
    before = snapshot(out)
    assert render(project, out) == 2
    one_error_line(capsys, DENY_ALL, "render did not write")
    assert snapshot(out) == before


def test_render_never_writes_through_a_symlink_in_the_folder(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("precious: true\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / DENY_ALL).symlink_to(outside)
    before = snapshot(out)
    assert render(project, out) == 2
    one_error_line(capsys, DENY_ALL, "symlink")
    assert outside.read_text() == "precious: true\n"
    assert snapshot(out) == before


def test_a_symlink_to_a_file_render_wrote_is_still_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert render(project, elsewhere) == 0
    out = tmp_path / "out"
    out.mkdir()
    (out / DENY_ALL).symlink_to(elsewhere / DENY_ALL)
    capsys.readouterr()
    assert render(project, out, "production") == 2
    one_error_line(capsys, DENY_ALL, "symlink")
    assert (out / DENY_ALL).is_symlink()


def test_an_out_folder_that_is_a_symlink_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The documented choice: --out must be the real folder, so nothing lands somewhere the
    command line does not name."""
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert render(project, link) == 2
    one_error_line(capsys, str(link), "symlink")
    assert list(real.iterdir()) == []


def test_a_failure_part_way_leaves_the_folder_exactly_as_it_was(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory named like a target: nothing of the new render, nothing of the old removed
    (the production render's database policies stay, with everything else)."""
    out = tmp_path / "out"
    assert render(project, out, "production") == 0
    (out / "networkpolicy-allow-same-namespace.yaml").mkdir()
    (out / "notes.txt").write_text("mine\n")
    before = snapshot(out)
    capsys.readouterr()
    assert render(project, out, "pr-5") == 2
    one_error_line(capsys, "networkpolicy-allow-same-namespace.yaml", "folder")
    assert snapshot(out) == before


def test_a_write_error_while_swapping_in_rolls_every_file_back(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when every check passed and the disk fails in the middle of the swap."""
    out = tmp_path / "out"
    assert render(project, out, "production") == 0
    before = snapshot(out)
    real_replace = os.replace
    calls = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(components.output_folder.os, "replace", failing_replace)
    assert render(project, out, "pr-5") == 2
    monkeypatch.undo()
    assert len(calls) >= 4
    assert snapshot(out) == before


def test_a_failed_render_into_a_new_folder_leaves_no_folder(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: str | Path, dst: str | Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(components.output_folder.os, "replace", failing_replace)
    out = tmp_path / "new" / "out"
    assert render(project, out) == 2
    assert not (tmp_path / "new").exists()


def test_rendering_again_replaces_its_own_files(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert render(project, out, "production") == 0
    assert render(project, out, "production") == 0
    assert render(project, out, "pr-5") == 0
    names = set(snapshot(out))
    assert "namespace-myteam-myproject-pr-5.yaml" in names
    assert not any("production" in name or name.startswith(".") for name in names)


def _race(out: str, files: dict[str, str], barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    write_rendered(files, Path(out))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork for speed"
)
def test_two_renders_racing_into_one_folder_leave_exactly_one_render(
    project: Path, tmp_path: Path
) -> None:
    production = rendered_files(project, "production")
    pr = rendered_files(project, "pr-5")
    assert set(production) != set(pr)
    context = multiprocessing.get_context("fork")
    for round_ in range(25):
        out = tmp_path / f"out-{round_}"
        barrier = context.Barrier(2)
        racers = [
            context.Process(target=_race, args=(str(out), files, barrier))
            for files in (production, pr)
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=20)
            assert racer.exitcode == 0
        found = {path.name: path.read_text() for path in out.iterdir()}
        assert found in (production, pr), f"round {round_}: a mix of two renders"
