"""`load_each`: several path sets loaded in turn, each as `load` loads it, with a file whose bytes
another set already read decoded and parsed once (diff's two sides are mostly the same files).
What each set gives must not depend on that: the same cluster, every object naming its own file,
the same notes and problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from reachability import ManifestError, load, load_each
from tests.support.ref_builders import DENY_ALL, XY, Doc, netpol, pod

ALLOW = {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{}]}


def write(folder: Path, name: str, docs: list[Doc]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps({"kind": "List", "items": docs}), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return path


def two_sides(tmp_path: Path) -> tuple[Path, Path]:
    """BEFORE and AFTER: the same cluster file, a byte-identical policy file and one that
    differs, and a JSON file that is the same on both sides."""
    before, after = tmp_path / "before", tmp_path / "after"
    for side in (before, after):
        write(side, "cluster.yaml", list(XY))
        write(side, "deny.yaml", [netpol("x/deny", DENY_ALL)])
        write(side, "extra.json", [netpol("y/deny", DENY_ALL)])
    write(before, "allow.yaml", [netpol("x/allow", ALLOW)])
    write(after, "allow.yaml", [netpol("x/allow", {**ALLOW, "ingress": []})])
    return before, after


def test_each_set_gives_the_cluster_load_gives(tmp_path: Path) -> None:
    before, after = two_sides(tmp_path)
    clusters = list(load_each([[before], [after]]))
    assert clusters == [load([before]), load([after])]
    assert clusters[0].policy("x/allow") != clusters[1].policy("x/allow")


def test_every_object_names_its_own_file(tmp_path: Path) -> None:
    before, after = two_sides(tmp_path)
    for folder, cluster in zip((before, after), load_each([[before], [after]]), strict=True):
        alone = load([folder])
        assert [p.source for p in cluster.policies] == [p.source for p in alone.policies]
        assert [n.source for n in cluster.namespaces] == [n.source for n in alone.namespaces]
        assert {p.source for p in cluster.policies} <= {str(f) for f in folder.iterdir()}


def test_byte_identical_files_are_parsed_once(tmp_path: Path) -> None:
    """The shared files' objects are the very values the first set parsed (only the file they
    name differs); the file that differs is parsed afresh."""
    before, after = two_sides(tmp_path)
    old, new = load_each([[before], [after]])
    assert old.policy("x/deny").ingress is new.policy("x/deny").ingress
    assert old.policy("y/deny").pod_selector is new.policy("y/deny").pod_selector
    assert old.pods[0] is new.pods[0]
    assert old.policy("x/allow").ingress is not new.policy("x/allow").ingress
    # ... and the same file in one set twice is one definition, as with load
    shutil.copy(before / "deny.yaml", before / "deny-again.yaml")
    (again,) = load_each([[before]])
    assert again == load([before])


def test_notes_name_each_sets_own_file(tmp_path: Path) -> None:
    web = pod("x/web", {"pod": "a"}, "10.0.0.9")
    del web["metadata"]["name"]
    web["metadata"]["generateName"] = "web-"
    for side in ("before", "after"):
        write(tmp_path / side, "web.yaml", [web])
    sides = [[tmp_path / "before"], [tmp_path / "after"]]
    notes = [[note.file for note in cluster.notes] for cluster in load_each(sides)]
    assert notes == [[str(tmp_path / side / "web.yaml")] for side in ("before", "after")]


def test_problems_name_each_sets_own_file(tmp_path: Path) -> None:
    """A later set's problems are those loading it alone reports, in the files of that set:
    its own broken files, and a definition that clashes with one of a file shared with an
    earlier set."""
    before, after = two_sides(tmp_path)
    bad = netpol("x/bad", {"podSelector": {}, "ingress": [{"ports": [{"port": "80"}]}]})
    write(after, "bad.yaml", [bad])
    write(after, "clash.yaml", [netpol("x/deny", ALLOW)])
    (after / "broken.yaml").write_text("a: [", encoding="utf-8")
    sides = load_each([[before], [after]])
    next(sides)
    with pytest.raises(ManifestError) as error:
        next(sides)
    with pytest.raises(ManifestError) as alone:
        load([after])
    assert error.value.problems == alone.value.problems
    assert {p.file for p in alone.value.problems} == {
        str(after / name) for name in ("bad.yaml", "broken.yaml", "deny.yaml")
    }
    assert any(str(after / "clash.yaml") in p.message for p in alone.value.problems)


def test_sets_are_loaded_one_at_a_time(tmp_path: Path) -> None:
    """Lazily: a caller can act on the first set (print its notes) before the second is read,
    as it could with two loads."""
    write(tmp_path / "a", "cluster.yaml", list(XY))
    sides = load_each([[tmp_path / "a"], [tmp_path / "missing"]])
    assert next(sides) == load([tmp_path / "a"])
    with pytest.raises(ManifestError):
        next(sides)
