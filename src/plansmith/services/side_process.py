"""Work done beside the caller, in a forked process, by a command with two independent jobs.

A large import reads the file, then has two jobs that need only what was read: store the plan,
and schedule it to compare the file's dates. Each takes about a second for 20,000 tasks; on
two cores they can run at once.

Fork, not a process pool: the child needs the caller's objects (a plan of 20,000 tasks) and has
them at once, copy-on-write, where a pool would pickle them across; only the small result comes
back. Forking is safe only in a process without threads, so it is done only then (a command
line, not the server), and only where ``os.fork`` exists. Whenever it is not done, or the child
fails in any way, the caller runs the work itself: the result is the same, only later.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class Aside(Generic[T]):
    """``work`` started in a child process; :meth:`result` waits for it (a context manager, so
    a child is never left behind when the caller fails first)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._child: tuple[int, int] | None = None  # (pid, read end of the pipe)
        if hasattr(os, "fork") and threading.active_count() == 1:
            self._child = _start(work)

    @property
    def forked(self) -> bool:
        return self._child is not None

    def result(self) -> T:
        """The child's result, or the work done here when there is no child or it failed."""
        if self._child is not None:
            pid, pipe = self._child
            self._child = None
            with os.fdopen(pipe, "rb") as reader:
                data = reader.read()
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0 and data:
                result: T = pickle.loads(data)  # our own child's, through our own pipe
                return result
        return self._work()

    def __enter__(self) -> Aside[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._child is not None:  # the caller failed before asking: stop the child
            pid, pipe = self._child
            self._child = None
            os.close(pipe)
            os.kill(pid, 9)
            os.waitpid(pid, 0)


def _start(work: Callable[[], object]) -> tuple[int, int]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the result, leave without any clean-up
        status = 1
        try:
            os.close(reader)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as out:
                out.write(data)
            status = 0
        finally:
            # No atexit handlers, no flushing of the parent's buffers, no closing of its
            # database connections: they are the parent's. A failure is the parent's to redo.
            os._exit(status)
    os.close(writer)
    return pid, reader
