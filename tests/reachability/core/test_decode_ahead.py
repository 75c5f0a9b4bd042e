"""Decoding ahead in a forked child (`reachability._ahead`, `load(..., parallel=True)`): the
results are the ones of working in this process, in the same order, whatever the child does
(fails, dies, is abandoned), and a load, a lint and a diff's two sides give exactly what they
give without it: the same clusters, problems, lines and shared parses."""

from __future__ import annotations

import importlib
import itertools
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
import yaml

from reachability import (
    Document,
    ManifestError,
    _ahead,
    expand_lists,
    line_in,
    load,
    load_each,
)
from reachability.lint import lint_report
from reachability.located import Located
from tests.reachability.core.test_load_each import ALLOW, two_sides, write
from tests.support.paths import REPO_ROOT
from tests.support.ref_builders import XY, netpol

PARENT = os.getpid()


@pytest.fixture
def ahead_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parallel load decodes ahead, however small its files and however many CPUs."""
    loading = importlib.import_module("reachability.load")
    monkeypatch.setattr(loading, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(loading, "PARALLEL_FILES", 1)
    linting = importlib.import_module("reachability.lint.run")
    monkeypatch.setattr(linting, "PARALLEL_POLICIES", 0)
    monkeypatch.setattr(linting, "ahead_available", lambda: True)
    monkeypatch.setattr(_ahead, "available", lambda: True)


class Counting:
    """Work whose state lives where it runs: the child counts the items it was given. Slow
    here, so that this process, which takes items while it waits, leaves most to the child."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, item: int) -> tuple[int, int, int]:
        if os.getpid() == PARENT:
            time.sleep(0.02)
        self.calls += 1
        return item * item, self.calls, os.getpid()


def test_results_come_in_order_from_the_child_which_keeps_its_state() -> None:
    items = list(range(3 * _ahead.BATCH + 5))
    with _ahead.Ahead(Counting()) as ahead:
        first = list(ahead.map(items))
        second = list(ahead.map([7, 8]))
    assert [square for square, _, _ in first] == [i * i for i in items]
    assert [square for square, _, _ in second] == [49, 64]
    theirs = [calls for _, calls, pid in first + second if pid != PARENT]
    assert len(theirs) > len(items) // 2, "computed by a child"
    assert theirs == sorted(set(theirs)), "one child, counting on from one map to the next"


def slow_in_the_child(item: int) -> tuple[int, int]:
    time.sleep(0.01 if os.getpid() == PARENT else 0.05)
    return item * item, os.getpid()


def test_while_the_child_is_busy_this_process_works_too() -> None:
    """Waiting for the child, this process takes on items itself; each result comes once, in
    order, whoever computed it."""
    items = list(range(60))
    with _ahead.Ahead(slow_in_the_child) as ahead:
        found = list(ahead.map(items))
        again = list(ahead.map(items[:5]))
    assert [square for square, _ in found] == [i * i for i in items]
    here = [i for i, (_, pid) in enumerate(found) if pid == PARENT]
    assert len(here) > len(items) // 2, "this process did most of what the slow child did not"
    assert len(here) < len(items), "and the child some"
    assert [square for square, _ in again] == [i * i for i in items[:5]]


def slower_in_the_child(item: int) -> tuple[int, int]:
    if os.getpid() != PARENT:
        time.sleep(0.01)
    return item * item, os.getpid()


def test_without_taking_on_this_process_waits_for_the_child() -> None:
    """For work that would cost this process more than waiting (state only the child builds)."""
    items = list(range(3 * _ahead.BATCH))
    with _ahead.Ahead(slower_in_the_child, takes_on=False) as ahead:
        found = list(ahead.map(items))
    assert [square for square, _ in found] == [i * i for i in items]
    assert all(pid != PARENT for _, pid in found)


def test_what_this_process_takes_on_is_done_by_here_not_by_the_childs_work() -> None:
    """`work` may keep state from one item to the next (a load's child remembers the files it
    has sent); the items taken here come out of that order, so they go to `here`."""

    class CountingSlowly(Counting):
        def __call__(self, item: int) -> tuple[int, int, int]:
            time.sleep(0.03)  # in the child: this process takes some items meanwhile
            return super().__call__(item)

    def here(item: int) -> tuple[int, int, int]:
        time.sleep(0.02)
        return item * item, 0, PARENT

    items = list(range(40))
    with _ahead.Ahead(CountingSlowly(), here=here) as ahead:
        found = list(ahead.map(items))
    assert [square for square, _, _ in found] == [i * i for i in items]
    assert all(calls == 0 for _, calls, pid in found if pid == PARENT)
    assert any(pid == PARENT for _, _, pid in found) and any(pid != PARENT for _, _, pid in found)


def failing_in_the_child(item: int) -> tuple[int, int]:
    if os.getpid() == PARENT:
        time.sleep(0.01)  # the child reaches item 40 long before this process
    elif item == 40:
        raise ValueError("only there")
    return item, os.getpid()


def dying_in_the_child(item: int) -> tuple[int, int]:
    if os.getpid() == PARENT:
        time.sleep(0.01)
    elif item == 40:
        os._exit(3)
    return item, os.getpid()


@pytest.mark.parametrize("work", [failing_in_the_child, dying_in_the_child])
def test_what_the_child_does_not_answer_is_done_here(work: object) -> None:
    with _ahead.Ahead(work) as ahead:  # type: ignore[arg-type]
        found = list(ahead.map(list(range(100))))
        later = list(ahead.map([1, 2]))
    assert [item for item, _ in found] == list(range(100))
    assert any(pid != PARENT for _, pid in found[:40]) and found[40][1] == PARENT
    assert all(pid == PARENT for _, pid in later), "no second child after a failure"


def test_without_a_child_the_work_is_done_here_in_order() -> None:
    """For callers whose work is too small for a child: the same map, nothing forked."""
    with _ahead.Ahead(Counting(), child=False) as ahead:
        found = list(ahead.map([1, 2, 3]))
        assert not multiprocessing.active_children()
    assert [(square, pid) for square, _, pid in found] == [(1, PARENT), (4, PARENT), (9, PARENT)]


def test_an_error_here_is_raised_as_without_the_child() -> None:
    def always(item: int) -> int:
        if item == 5:
            raise KeyError(item)
        return item

    with _ahead.Ahead(always) as ahead, pytest.raises(KeyError):
        list(ahead.map(list(range(10))))


def test_stopping_early_ends_the_child_and_later_work_is_done_here() -> None:
    with _ahead.Ahead(Counting()) as ahead:
        results = ahead.map(list(range(200)))
        assert next(results)[0] == 0
        results.close()  # type: ignore[attr-defined]
        after = list(ahead.map([3]))
    assert [(square, pid) for square, _, pid in after] == [(9, PARENT)]


def test_a_map_before_the_last_was_read_to_its_end_gives_its_own_results() -> None:
    """The child may still be on the earlier list, or its end not read: the new map's results
    must be the new items', and so must the next map's."""
    with _ahead.Ahead(Counting()) as ahead:
        first = ahead.map(list(range(20)))
        assert [square for square, _, _ in itertools.islice(first, 5)] == [0, 1, 4, 9, 16]
        assert [square for square, _, _ in ahead.map([10, 11])] == [100, 121]
        assert [square for square, _, _ in ahead.map([12])] == [144]
        assert [square for square, _, _ in first] == [i * i for i in range(5, 20)]


def test_output_written_before_the_child_starts_is_written_once() -> None:
    script = (
        "import sys\n"
        "from reachability import _ahead\n"
        "sys.stdout.write('before')\n"
        "with _ahead.Ahead(abs) as ahead:\n"
        "    found = list(ahead.map([-1, -2]))\n"
        "sys.stdout.write(f' {found}')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout == "before [1, 2]"


def generated(tmp_path: Path, k: int = 3) -> Path:
    from tests.reachability.differential.test_nca import _generate_environments

    folder = tmp_path / "generated"
    _generate_environments().write(k, folder)
    return folder


def test_a_load_decoded_ahead_is_the_load_here(tmp_path: Path, ahead_always: None) -> None:
    folder = generated(tmp_path)
    write(folder / "more", "cluster.yaml", list(XY))
    write(folder / "more", "extra.json", [netpol("x/allow", ALLOW)])
    for paths in (
        [folder],
        [REPO_ROOT / "examples"],
        [folder, REPO_ROOT / "examples" / "guardrails"],
    ):
        assert load(paths, parallel=True) == load(paths)
    scoped = ["acme-shop-pr-1", "x"]
    assert load([folder], namespaces=scoped, parallel=True) == load([folder], namespaces=scoped)


def problems(paths: list[Path], **options: object) -> list[object]:
    with pytest.raises(ManifestError) as error:
        load(paths, **options)  # type: ignore[arg-type]
    return list(error.value.problems)


def test_problems_are_the_same_and_in_the_same_order(tmp_path: Path, ahead_always: None) -> None:
    folder = generated(tmp_path)
    (folder / "a-broken.yaml").write_text("a: [", encoding="utf-8")
    (folder / "b-latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    bad = netpol("x/bad", {"podSelector": {}, "ingress": [{"ports": [{"port": "80"}]}]})
    write(folder, "c-bad.yaml", [bad])
    (folder / "d-crlf.yaml").write_bytes(b"kind: Namespace\r\nmetadata:\r\n  name: crlf\r")
    missing = tmp_path / "missing"
    here = problems([folder, missing])
    assert problems([folder, missing], parallel=True) == here
    assert len(here) >= 4


def test_lint_ahead_finds_what_lint_here_finds(tmp_path: Path, ahead_always: None) -> None:
    """Decoded ahead, and its shadowed policies (NP007) found by a child meanwhile."""
    folder = generated(tmp_path, k=2)
    shadowing = netpol("acme-shop-pr-1/allow-all", {"podSelector": {}, "ingress": [{}]})
    elsewhere = netpol("no-pods/deny", {"podSelector": {}})  # representatives stand in there
    (folder / "shadow.yaml").write_text(yaml.safe_dump_all([shadowing, elsewhere]), "utf-8")
    here = lint_report([folder])
    ahead = lint_report([folder], parallel=True)
    assert ahead == here
    assert any(finding.line for finding in here[0]), "lines were noted"
    assert {"NP007", "NP006"} <= {finding.id for finding in here[0]}


def noted_lines(located: Located) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Each document's containers in order, with their lines: comparable across loads."""

    def walk(value: object, at: tuple[object, ...]) -> Iterator[tuple[object, ...]]:
        if isinstance(value, dict | list):
            steps = [None, *(value if isinstance(value, dict) else range(len(value)))]
            noted = located.lines.get(id(value))
            yield (*at, None if noted is None else [line_in(noted, value, s) for s in steps])
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in pairs:
                yield from walk(item, (*at, key))

    return [(d.source, list(walk(d.body, ()))) for d in located.documents]


def test_the_lines_noted_ahead_are_the_lines_noted_here(tmp_path: Path, ahead_always: None) -> None:
    folder = generated(tmp_path, k=2)
    write(folder, "more.json", [netpol("x/allow", ALLOW)])  # JSON: no lines noted
    here, ahead = Located(), Located()
    assert load([folder], located=ahead, parallel=True) == load([folder], located=here)
    assert noted_lines(ahead) == noted_lines(here)
    assert sum(1 for _, found in noted_lines(here) for *_, lines in found if lines) > 100


def sides(tmp_path: Path, parallel: bool) -> Iterator[object]:
    before, after = two_sides(tmp_path)
    return load_each([[before], [after]], parallel=parallel)


def test_diffs_sides_decoded_ahead_are_loaded_and_parsed_once(
    tmp_path: Path, ahead_always: None
) -> None:
    old, new = sides(tmp_path, parallel=True)
    before, after = tmp_path / "before", tmp_path / "after"
    assert [old, new] == [load([before]), load([after])]
    assert old.policy("x/deny").ingress is new.policy("x/deny").ingress  # type: ignore[attr-defined]
    assert old.pods[0] is new.pods[0]  # type: ignore[attr-defined]
    assert old.policy("x/allow") != new.policy("x/allow")  # type: ignore[attr-defined]


def test_parsing_starts_before_the_last_document_arrives() -> None:
    """Decoding ahead only helps if the parse takes each document as it comes."""

    def arriving() -> Iterator[Document]:
        yield Document("a.yaml", "document 1", {"kind": "List", "items": [{"kind": "Pod"}]})
        raise LookupError("the next document is not there yet")

    expanded = expand_lists(arriving())
    assert next(expanded).position == "document 1, item 1"
    with pytest.raises(LookupError):
        next(expanded)


def slow_after_a_batch(item: int) -> int:
    if item >= _ahead.BATCH and os.getpid() != PARENT:
        time.sleep(30)
    return item


def test_closing_early_kills_a_busy_child_at_once() -> None:
    """Ctrl-C, or an error while parsing, must not wait for the file the child is on."""
    ahead = _ahead.Ahead(slow_after_a_batch)
    results = ahead.map(list(range(3 * _ahead.BATCH)))
    assert next(results) == 0
    started = time.monotonic()
    results.close()  # type: ignore[attr-defined]
    assert time.monotonic() - started < 3
    assert not multiprocessing.active_children()
    assert list(ahead.map([5])) == [5]


def test_the_child_never_keeps_our_output_open() -> None:
    """A reader of our stdout sees its end when we end, even if the child is busy: the child
    writes nowhere, and stops once it notices we are gone."""
    script = (
        "import os, time\n"
        "from reachability import _ahead\n"
        "parent = os.getpid()\n"
        "def slow(item):\n"
        "    if item >= _ahead.BATCH and os.getpid() != parent:\n"
        "        time.sleep(30)\n"
        "    return item\n"
        "results = _ahead.Ahead(slow).map(list(range(100)))\n"
        "print(next(results), flush=True)\n"
        "os._exit(0)\n"
    )
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=20
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "0\n", "")
    assert time.monotonic() - started < 10


def test_no_child_where_one_may_not_be_forked_safely(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not _ahead.available()


def _report_available(connection: Connection) -> None:
    connection.send(_ahead.available())


def test_no_child_from_a_daemonic_process() -> None:
    """multiprocessing refuses it children: the work is done there instead of failing."""
    here, there = multiprocessing.get_context("fork").Pipe()
    daemon = multiprocessing.get_context("fork").Process(
        target=_report_available, args=(there,), daemon=True
    )
    daemon.start()
    assert here.recv() is False
    daemon.join()
