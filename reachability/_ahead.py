"""Work done ahead in a forked child while this process goes on: the child applies one function
to a list of items, in order, and streams the results back in batches.

A large load is two halves of about the same cost, decoding the files and parsing the decoded
documents, and only the first can be handed over cheaply: decoded documents are plain dicts,
lists and scalars, which pickle at C speed (a tenth of what decoding them cost), while parsed
objects would cost as much to pickle as to parse. So the child decodes file after file and this
process parses what has arrived. The results come back in the items' order, so the outcome is
the one of doing the work here; if the child cannot be started or fails in any way, `map` does
the rest of the work in this process, where a failure then surfaces as it would have anyway.
This process does not wait idle either: whenever no result has arrived, it takes the next item
no one has taken and does it itself (with `here`, which keeps no state: its items come out of
the child's order), so that neither side waits on the other while items remain. The next
untaken item is a counter in shared memory that both read and advance without a lock, which a
killed child could leave held: both may then take the same item, which costs a repeat, never a
loss, since each side only ever writes what it read plus one.

Only where `fork` is the way to start a child (Linux), more than one CPU is ours, and this
process runs one thread and is no daemonic child itself: the child then inherits the function
and every module already imported, and starts in milliseconds. The child writes nothing (its
stdout and stderr are /dev/null, so a reader of ours sees the end of our output when we end),
ignores Ctrl-C (the parent reports it) and stops when the parent is gone; closing kills it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

Next = Any
"""The position of the next item no one has taken, in shared memory (`RawValue('q')`)."""

BATCH = 8
"""Results per message: enough to keep the pipe's cost small (a message costs microseconds),
few enough that this process can start on the first ones early."""


def available() -> bool:
    """Whether a child can help: `fork` starts it safely, and a second CPU runs it."""
    if (
        "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon  # may not have children
        or threading.active_count() > 1  # a fork copies no other thread, and none of its locks
    ):
        return False
    cpus = (
        os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    )
    return len(cpus) > 1


class Ahead:
    """A child process applying `work` (inherited through fork, with whatever state it keeps
    from one item to the next) to the items `map` is given, and this process applying `here`
    (`work` unless given) to those it takes on itself; with `takes_on=False` it takes on none
    while the child lives (for work whose state would cost this process more than waiting);
    with `child=False` (work too small for one) there is none, and `map` works here, in order.
    Close it when done."""

    def __init__(
        self,
        work: Callable[[Any], Any],
        here: Callable[[Any], Any] | None = None,
        *,
        takes_on: bool = True,
        child: bool = True,
    ) -> None:
        self._work = work
        self._here = work if here is None else here
        self._takes_on = takes_on
        self._connection: Connection | None = None
        # None: not started yet; False: none, or gone, and not to start again
        self._process: Any = None if child else False
        self._next: Next = None
        self._unread = False  # a map's results the child may still be sending

    def map(self, items: Sequence[Any]) -> Iterator[Any]:
        """`work(item)` for each item, in order: computed by the child, which starts on them at
        once (this process may do other work meanwhile), or here from the first item the child
        has not answered when it is gone. Before the last map's results were read to their end
        the child may still be on its items: it is ended, and this map's work done here."""
        if self._unread:
            self.close()
        connection = self._connection if self._process is not None else self._start()
        if connection is not None:
            self._next.value = 0  # the child is idle between maps
            try:
                connection.send(list(items))
                self._unread = True
            except OSError:
                self.close()
                connection = None
        return self._results(items, connection, self._next)

    def _results(
        self, items: Sequence[Any], connection: Connection | None, shared: Next
    ) -> Iterator[Any]:
        done: dict[int, Any] = {}  # results not yet yielded, by position
        next_up = 0
        if connection is not None:
            finished = False  # the child has sent all it took
            try:
                while not finished:
                    if next_up in done:
                        yield done.pop(next_up)
                        next_up += 1
                    elif (
                        self._takes_on
                        and next_up < len(items)
                        and not connection.poll()
                        and (taken := _take(shared, len(items))) is not None
                    ):
                        done[taken] = self._here(items[taken])
                    elif isinstance(batch := connection.recv(), _Failed):
                        break
                    elif batch is None:
                        finished = True
                        self._unread = False
                    else:
                        for position, result in batch:
                            if position >= next_up:  # taken by both: the first result counts
                                done.setdefault(position, result)
            except (EOFError, OSError):
                pass
            finally:  # also when the caller stops early: the child's answers are then unread
                if not finished and self._connection is connection:
                    self.close()
        for position in range(next_up, len(items)):
            found = done.pop(position, _MISSING)
            yield self._here(items[position]) if found is _MISSING else found

    def close(self) -> None:
        """End the child (it ends by itself too, with this process); later work is done here.
        Killed, not waited for: it may be deep in a large file nobody wants any more."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process:
            self._process.kill()
            self._process.join()
        self._process = False
        self._unread = False

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _start(self) -> Connection | None:
        if self._process is False:
            return None
        context = multiprocessing.get_context("fork")
        here, there = context.Pipe()
        shared = context.RawValue("q", 0)  # shared memory, inherited by the child
        for stream in (sys.stdout, sys.stderr):  # unwritten output, or the child would inherit it
            if stream is not None:
                stream.flush()
        parent = os.getpid()
        process = context.Process(
            target=_serve, args=(there, here, self._work, parent, shared), daemon=True
        )
        try:
            process.start()
        except OSError:  # no process to be had (EAGAIN, ENOMEM): the work is done here
            here.close()
            there.close()
            self._process = False
            return None
        there.close()
        self._connection, self._process, self._next = here, process, shared
        return here


def _take(shared: Next, count: int) -> int | None:
    """The next item no one has taken, now this process's (perhaps the child's too); None at
    the end."""
    position: int = shared.value
    if position >= count:
        return None
    shared.value = position + 1
    return position


_MISSING = object()


class _Failed:
    """What the child sends instead of a batch when `work` (or sending its results) raised:
    this process does the rest, and a failure then surfaces here."""


def _serve(
    connection: Connection,
    parents: Connection,
    work: Callable[[Any], Any],
    parent: int,
    shared: Next,
) -> None:
    parents.close()  # inherited: open here, the parent's closing it would never end the pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    try:
        while True:
            _answer(connection, connection.recv(), work, parent, shared)
    except (EOFError, OSError):
        return  # the parent closed the pipe, or is gone


def _answer(
    connection: Connection, items: list[Any], work: Callable[[Any], Any], parent: int, shared: Next
) -> None:
    batch: list[tuple[int, Any]] = []
    try:
        while (position := shared.value) < len(items):
            shared.value = position + 1
            if os.getppid() != parent:
                return  # orphaned: no one will read what follows
            batch.append((position, work(items[position])))
            if len(batch) >= BATCH:
                connection.send(batch)
                batch = []
        connection.send(batch)
    except (EOFError, OSError):
        raise
    except Exception:  # the parent redoes what it has not received, and reports it
        connection.send(_Failed())
        return
    connection.send(None)
