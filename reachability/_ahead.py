"""Work done ahead in a forked child while this process goes on: the child applies one function
to a list of items, in order, and streams the results back in batches.

A large load is two halves of about the same cost, decoding the files and parsing the decoded
documents, and only the first can be handed over cheaply: decoded documents are plain dicts,
lists and scalars, which pickle at C speed (a tenth of what decoding them cost), while parsed
objects would cost as much to pickle as to parse. So the child decodes file after file and this
process parses what has arrived. The results come back in the items' order, so the outcome is
the one of doing the work here; if the child cannot be started or fails in any way, `map` does
the rest of the work in this process, where a failure then surfaces as it would have anyway.

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
    from one item to the next) to the items `map` is given. Close it when done."""

    def __init__(self, work: Callable[[Any], Any]) -> None:
        self._work = work
        self._connection: Connection | None = None
        self._process: Any = None  # None: not started yet; False: gone, not to start again

    def map(self, items: Sequence[Any]) -> Iterator[Any]:
        """`work(item)` for each item, in order: computed by the child, which starts on them at
        once (this process may do other work meanwhile), or here from the first item the child
        has not answered when it is gone."""
        connection = self._connection if self._process is not None else self._start()
        if connection is not None:
            try:
                connection.send(list(items))
            except OSError:
                self.close()
                connection = None
        return self._results(items, connection)

    def _results(self, items: Sequence[Any], connection: Connection | None) -> Iterator[Any]:
        done = 0
        if connection is not None:
            answered = False
            try:
                while (batch := connection.recv()) is not None:
                    if isinstance(batch, _Failed):
                        break
                    for result in batch:
                        done += 1
                        yield result
                else:
                    answered = True
            except (EOFError, OSError):
                pass
            finally:  # also when the caller stops early: the child's answers are then unread
                if not answered:
                    self.close()
        for item in items[done:]:
            yield self._work(item)

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

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _start(self) -> Connection | None:
        if self._process is False:
            return None
        context = multiprocessing.get_context("fork")
        here, there = context.Pipe()
        for stream in (sys.stdout, sys.stderr):  # unwritten output, or the child would inherit it
            if stream is not None:
                stream.flush()
        parent = os.getpid()
        process = context.Process(
            target=_serve, args=(there, here, self._work, parent), daemon=True
        )
        try:
            process.start()
        except OSError:  # no process to be had (EAGAIN, ENOMEM): the work is done here
            here.close()
            there.close()
            self._process = False
            return None
        there.close()
        self._connection, self._process = here, process
        return here


class _Failed:
    """What the child sends instead of a batch when `work` (or sending its results) raised:
    this process does the rest, and a failure then surfaces here."""


def _serve(
    connection: Connection, parents: Connection, work: Callable[[Any], Any], parent: int
) -> None:
    parents.close()  # inherited: open here, the parent's closing it would never end the pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    try:
        while True:
            _answer(connection, connection.recv(), work, parent)
    except (EOFError, OSError):
        return  # the parent closed the pipe, or is gone


def _answer(
    connection: Connection, items: list[Any], work: Callable[[Any], Any], parent: int
) -> None:
    batch: list[Any] = []
    try:
        for item in items:
            if os.getppid() != parent:
                return  # orphaned: no one will read what follows
            batch.append(work(item))
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
